"""MiniLM on ONNX Runtime against the PyTorch path, on real sentences: sentence embeddings
(sentence-transformers), the text model's heads (emotion, sentiment, GoEmotions, the CARER
specialist), and the adapter-set plumbing that any LoRA fine-tune plugs into."""
import numpy as np
import pytest

from affectkit.core.errors import ModelError
from affectkit.perceive.minilm import Adapter, adapter_layers, load_minilm
from affectkit.recognize.text_model import TextModel

SENTENCES = [
    "I'm so happy, this is the best day of my life!",
    "Get out of my house, I hate you!",
    "My grandmother passed away this morning and I can't stop crying.",
    "What?! You're getting married?!",
    "ok",
    "The meeting is on Tuesday at ten, bring the slides and the budget for next year. " * 20,  # > 256 tokens
]
DIALOGUE = ["We lost the house.", "Oh no. What happened?", "The bank took it.", "I'm so sorry, that's awful."]


@pytest.fixture(scope="module")
def torch_text_model():
    pytest.importorskip("torch")
    return TextModel.load(backend="torch")


def test_sentence_embeddings_match_sentence_transformers():
    pytest.importorskip("sentence_transformers")
    from affectkit.perceive.text import MiniLMEmbedding

    ours = MiniLMEmbedding(backend="onnx").embed(SENTENCES)
    ref = MiniLMEmbedding(backend="torch").embed(SENTENCES)
    assert ours.shape == (len(SENTENCES), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, ref, atol=1e-5)


@pytest.mark.parametrize("tasks", [("emotion", "sentiment", "goemotions"), ("carer",)])
def test_text_heads_match_torch(text_model, torch_text_model, tasks):
    assert text_model.backend == "onnx" and torch_text_model.backend == "torch"
    texts = SENTENCES + DIALOGUE
    kw = dict(speakers=[None] * len(SENTENCES) + ["A", "B", "A", "B"],
              dialogue_ids=[None] * len(SENTENCES) + ["d1"] * 4)
    ours = text_model.predict_tasks(texts, tasks, **kw)
    ref = torch_text_model.predict_tasks(texts, tasks, **kw)
    for t in tasks:
        np.testing.assert_allclose(ours[t], ref[t], atol=1e-4)
        assert (ours[t].argmax(1) == ref[t].argmax(1)).all()


def test_context_changes_the_reading(text_model):
    alone = text_model.predict_proba(["Oh no. What happened?"], "emotion")
    ctx = text_model.predict_proba(DIALOGUE[:2], "emotion", speakers=["A", "B"], dialogue_ids=[1, 1])[1:]
    assert np.abs(alone - ctx).max() > 1e-3  # segment B reaches the encoder


def test_a_zero_adapter_is_the_base_encoder():
    """An adapter set whose LoRA updates are zero (B = 0) and whose LayerNorms are the base ones
    gives the base encoder's hidden states: the merge touches only what the set adapts."""
    m = load_minilm()
    state = {}
    for i in (4, 5):
        base = m.layer_weights(i)
        state[f"layers.{i}.attention.self.query.lora_a"] = np.ones((8, 384), np.float32)
        state[f"layers.{i}.attention.self.query.lora_b"] = np.zeros((384, 8), np.float32)
        state[f"layers.{i}.output.LayerNorm.weight"] = np.array(base["output.LayerNorm.weight"])
    ids, types, mask = m.encode(SENTENCES[:3], 64)
    same = m.hidden(ids, types, mask, Adapter("test-zero", adapter_layers(state, m, rank=8, alpha=16.0)))
    np.testing.assert_allclose(same, m.hidden(ids, types, mask), atol=1e-5)
    state["layers.5.attention.self.query.lora_b"] = np.full((384, 8), 0.05, np.float32)
    moved = m.hidden(ids, types, mask, Adapter("test-moved", adapter_layers(state, m, rank=8, alpha=16.0)))
    assert np.abs(moved - same).max() > 1e-2


def test_bad_adapter_sets_are_model_errors():
    m = load_minilm()
    with pytest.raises(ModelError, match="no matching lora_b"):
        adapter_layers({"layers.3.attention.self.query.lora_a": np.zeros((4, 384), np.float32)}, m, 4, 8.0)
    with pytest.raises(ModelError, match="not a parameter"):
        adapter_layers({"layers.3.attention.self.nonsense.weight": np.zeros(3, np.float32)}, m, 4, 8.0)
    with pytest.raises(ModelError, match="no layer 9"):
        Adapter("x", {9: {}})


def test_tokenizer_truncates_pairs_longest_first():
    m = load_minilm()
    ids, types, mask = m.encode([("short utterance", "a very long context " * 100)], 96)
    assert ids.shape == (1, 96) and mask.all()
    # the utterance survives whole (segment A), the context is cut
    assert (types[0] == 0).sum() == len(m.encode(["short utterance"], 96)[0][0])


@pytest.mark.slow
def test_export_is_reproducible():
    """The shipped graphs are what the export script builds today, byte for byte."""
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from affectkit.train.export_onnx import main

    assert main(["--check", "--only", "minilm"]) == 0
