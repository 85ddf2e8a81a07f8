"""The bundled text model: real predictions on clear inputs, the pipeline API, errors."""
import os
import subprocess
import sys

import numpy as np
import pytest

import affectkit
from affectkit.core.errors import InputError, ModelError, RegistryError
from affectkit.core.labels import EMOTION, SENTIMENT
from affectkit.recognize.text_model import TextModel

CLEAR = [
    ("I'm so happy, this is the best day of my life!", "joy", "positive"),
    ("Get out of my house, I hate you!", "anger", "negative"),
    ("My grandmother passed away this morning and I can't stop crying.", "sadness", "negative"),
    ("I'm terrified, I think someone is following me.", "fear", None),
    ("Ew, that is absolutely disgusting, it smells like rotten meat.", "disgust", "negative"),
    ("What?! You're getting married?!", "surprise", None),
    ("The meeting is on Tuesday at ten.", "neutral", "neutral"),
]


def test_clear_cases(text_model):
    texts = [t for t, _, _ in CLEAR]
    emo = text_model.predict_proba(texts, "emotion")
    sent = text_model.predict_proba(texts, "sentiment")
    assert emo.shape == (len(CLEAR), 7) and sent.shape == (len(CLEAR), 3)
    np.testing.assert_allclose(emo.sum(1), 1.0, atol=1e-5)
    got = [EMOTION.labels[i] for i in emo.argmax(1)]
    assert got == [e for _, e, _ in CLEAR]
    for (text, _, s), row in zip(CLEAR, sent):
        if s:
            assert SENTIMENT.labels[row.argmax()] == s, text


def test_pipeline_api():
    clf = affectkit.pipeline("emotion", modality="text")
    preds = clf(["I can't believe it!"])
    assert len(preds) == 1 and preds[0].label in EMOTION.labels
    assert sum(preds[0].scores.values()) == pytest.approx(1.0)
    one = affectkit.pipeline("sentiment")("What a lovely gift, thank you!")
    assert one.label == "positive"
    assert clf([]) == []
    dialog = clf([{"text": "We lost the house.", "speaker": "A", "dialogue_id": 1},
                  {"text": "Oh no.", "speaker": "B", "dialogue_id": 1}])
    assert dialog[1].label in EMOTION.labels


def test_bad_inputs(text_model):
    with pytest.raises(InputError, match="text 1 is empty"):
        text_model.predict_proba(["ok", "  "], "emotion")
    with pytest.raises(InputError, match="not a string"):
        text_model.predict_proba([None], "emotion")
    with pytest.raises(InputError, match="no 'valence' head"):
        text_model.predict_proba(["ok"], "valence")
    with pytest.raises(RegistryError, match="unknown pipeline"):
        affectkit.pipeline("emotion", modality="smell")
    with pytest.raises(InputError, match="no 'text'"):
        affectkit.pipeline("emotion")([{"txt": "x"}])


def test_long_text_is_truncated_not_refused(text_model):
    p = text_model.predict_proba(["so happy " * 2000], "emotion")
    assert p.shape == (1, 7)


def test_missing_or_corrupt_weights(tmp_path, text_model):
    with pytest.raises(ModelError, match="not found"):
        TextModel.load(tmp_path)
    text_model.save(tmp_path / "m")
    (tmp_path / "m" / "weights.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="unreadable"):
        TextModel.load(tmp_path / "m")


def test_missing_lexical_head_is_a_model_error(tmp_path, text_model):
    assert set(text_model.meta["blend"]) == {"carer", "goemotions"}
    text_model.save(tmp_path / "m")
    (tmp_path / "m" / "lexical_carer.npz").unlink()
    with pytest.raises(ModelError, match="lexical head for 'carer'"):
        TextModel.load(tmp_path / "m")


def test_blend_is_between_network_and_lexical(text_model):
    texts = ["i feel so loved and cherished today", "i am furious at everyone"]
    blended = text_model.predict_proba(texts, "carer")
    lexical = text_model.lexical["carer"].predict_proba(texts)
    w = text_model.meta["blend"]["carer"]
    network = (blended - (1 - w) * lexical) / w if w else None
    np.testing.assert_allclose(blended.sum(1), 1.0, atol=1e-5)
    if network is not None:
        np.testing.assert_allclose(network.sum(1), 1.0, atol=1e-4)
        assert (network >= -1e-4).all()
    assert blended[0].argmax() in (1, 2)  # joy or love
    assert blended[1].argmax() == 3       # anger


def test_save_load_roundtrip(tmp_path, text_model):
    text_model.save(tmp_path / "m")
    again = TextModel.load(tmp_path / "m")
    texts = ["hello", "I am furious"]
    np.testing.assert_allclose(again.predict_proba(texts, "emotion"), text_model.predict_proba(texts, "emotion"), atol=1e-6)


@pytest.mark.slow
def test_works_with_network_disabled(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HTTP_PROXY="http://127.0.0.1:9",
               HTTPS_PROXY="http://127.0.0.1:9", HF_HOME=str(tmp_path / "hf"), NO_PROXY="")
    code = "import affectkit; print(affectkit.pipeline('emotion', modality='text')(['I am thrilled!'])[0].label)"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() in EMOTION.labels


@pytest.mark.slow
def test_analyze_transcript_to_pandas():
    doc = affectkit.analyze("examples/interview.srt").record
    df = affectkit.records_frame(doc)
    assert len(df) == 10 and list(df.speaker[:2]) == ["Maya", "Sam"]
    assert {"emotion", "sentiment", "emotion_joy", "sentiment_negative"} <= set(df.columns)
    assert ((df.filter(like="emotion_").sum(axis=1) - 1).abs() < 1e-3).all()
    assert doc["summary"]["segments"] == 10 and doc["duration"] == 38.0
