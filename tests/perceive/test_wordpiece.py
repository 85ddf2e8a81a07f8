"""perceive.wordpiece gives the encoder exactly the ids ``tokenizers`` gives it (the library the encoder
was trained with): on every text of the shared corpora, as single texts and pairs, truncated and
padded; on the edge cases of its normaliser; and it runs where ``tokenizers`` is not installed."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from affectkit.core.errors import ModelError
from affectkit.perceive.encoder import ENCODER_DIR
from affectkit.perceive.wordpiece import WordPiece, longest_first

ROOT = Path(__file__).resolve().parents[2]
TOKENIZER = ENCODER_DIR / "tokenizer.json"

EDGE = ["", " ", "\t\n\r", "hello[SEP]world", "[sep] [MASK]x [UNK][CLS]", "ΟΔΥΣΣΕΥΣ ΣΑΣ Σ aΣ Σa", "Ωμέγα ΆΈΉ",
        "İstanbul ıIi", "Straße ẞ", "😀👍🏽 👨‍👩‍👧", "a\x00b\x07c\u200bd\ufffde", "a\u00a0b\u3000c\u2028d\x85e",
        "e\u0301 \u0301 n\u0303", "中文字符測試", "日本語のテキスト", "한국어 텍스트", "مرحبا بالعالم", "नमस्ते दुनिया",
        "x" * 150, "qqqqzzzxxxjjjvvvwww", "Hello, World!!! It's 3.14 -- ok? (yes) [no] {maybe} #tag @you",
        "ＡＢＣ１２３！", "ﬁ ﬂ Ⅻ ½ ² ǅ ǈ ﬀ", "don't   stop\n\nbelieving", "ĆĘŁŃÓŚŹŻ ąćęłńóśźż", "Ⅰ ⅰ ℌ ℍ"]


@pytest.fixture(scope="module")
def wp():
    return WordPiece(TOKENIZER)


def _reference(max_len: int):
    tokenizers = pytest.importorskip("tokenizers")
    tok = tokenizers.Tokenizer.from_file(str(TOKENIZER))
    tok.enable_truncation(max_length=max_len, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_type_id=0, pad_token="[PAD]")
    return tok


def _mismatches(wp, items, max_len, batch=64) -> list:
    ref = _reference(max_len)
    bad = []
    for s in range(0, len(items), batch):
        chunk = list(items[s:s + batch])
        ids, types, mask = wp.encode_batch(chunk, max_len)
        want = ref.encode_batch(chunk)
        w_ids = np.array([e.ids for e in want], dtype=np.int64).reshape(len(chunk), -1)
        w_types = np.array([e.type_ids for e in want], dtype=np.int64).reshape(len(chunk), -1)
        w_mask = np.array([e.attention_mask for e in want], dtype=np.int64).reshape(len(chunk), -1)
        if ids.shape != w_ids.shape:
            return [("batch width", s, ids.shape, w_ids.shape)]
        for r in np.flatnonzero((ids != w_ids).any(1) | (types != w_types).any(1) | (mask != w_mask).any(1)):
            bad.append(chunk[r])
    return bad


def test_known_ids_without_tokenizers(wp):
    ids, types, mask = wp.encode_batch(["Hello world!", "I can't believe we WON"], 32)
    assert ids[0, :5].tolist() == [101, 7592, 2088, 999, 102]  # [CLS] hello world ! [SEP]
    assert ids[0, 5:].tolist() == [0] * (ids.shape[1] - 5) and mask[0].sum() == 5
    assert mask[1].sum() == ids.shape[1] and types.sum() == 0
    pair_ids, pair_types, _ = wp.encode_batch([("Hello", "world")], 32)
    assert pair_ids[0].tolist() == [101, 7592, 102, 2088, 102] and pair_types[0].tolist() == [0, 0, 0, 1, 1]


def test_empty_batch_and_edge_shapes(wp):
    ids, types, mask = wp.encode_batch([], 16)
    assert ids.shape == (0, 0) and ids.dtype == np.int64
    ids, _, mask = wp.encode_batch(["", "x" * 150], 16)
    assert ids[0, :2].tolist() == [101, 102] and ids[1, :3].tolist() == [101, 100, 102]  # over 100 chars: [UNK]
    long = wp.encode_batch(["word " * 500], 256)[0]
    assert long.shape == (1, 256) and long[0, -1] == 102


@pytest.mark.parametrize("n1,n2,room", [(0, 0, 13), (5, 5, 13), (20, 3, 13), (3, 20, 13), (20, 20, 13), (20, 20, 14),
                                        (7, 30, 13), (14, 0, 13), (0, 14, 13), (13, 13, 0)])
def test_longest_first_keeps_the_room(n1, n2, room):
    a, b = longest_first(n1, n2, room)
    assert a <= n1 and b <= n2 and (a + b <= room or room == 0 and a + b == 0)
    if n1 + n2 <= room:
        assert (a, b) == (n1, n2)
    if n1 >= room and n2 >= room:
        assert abs(a - b) <= 1


def test_rejects_a_tokenizer_it_does_not_implement(tmp_path):
    spec = json.loads(TOKENIZER.read_text(encoding="utf-8"))
    spec["normalizer"]["lowercase"] = False
    bad = tmp_path / "tokenizer.json"
    bad.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ModelError, match="BertNormalizer"):
        WordPiece(bad)
    spec = json.loads(TOKENIZER.read_text(encoding="utf-8"))
    spec["model"]["type"] = "BPE"
    bad.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ModelError, match="WordPiece"):
        WordPiece(bad)


@pytest.mark.parametrize("max_len", [8, 128])
def test_edge_cases_match_tokenizers(wp, max_len):
    assert _mismatches(wp, EDGE, max_len) == []
    pairs = [(a, b) for a in EDGE for b in EDGE]
    assert _mismatches(wp, pairs, max_len) == []


def test_pair_truncation_matches_tokenizers(wp):
    pairs = [(" ".join(["word"] * a), " ".join(["thing"] * b)) for a in range(0, 40, 3) for b in range(0, 40, 4)]
    for max_len in (9, 16, 17, 64):
        assert _mismatches(wp, pairs, max_len) == []


def _corpora(limit: int | None) -> dict[str, list[str]]:
    from affectkit.bench.datasets.text import (load_carer, load_depression_reddit, load_dreaddit, load_goemotions,
                                               load_meld)
    from affectkit.core.errors import DataError

    loaders = {"meld": (load_meld, ("train", "dev", "test")), "goemotions": (load_goemotions, ("train", "dev", "test")),
               "carer": (load_carer, ("train", "val", "test")), "dreaddit": (load_dreaddit, ("train", "test")),
               "depression": (load_depression_reddit, ("train", "dev", "test"))}
    out = {}
    try:
        for name, (load, splits) in loaders.items():
            texts = [str(t) for s in splits for t in load(s).text]
            out[name] = texts[:limit] if limit else texts
    except DataError as exc:
        pytest.skip(f"shared data not here: {exc}")
    return out


def _corpus_parity(wp, limit):
    for name, texts in _corpora(limit).items():
        for max_len in (256, 128):
            assert _mismatches(wp, texts, max_len) == [], name
        pairs = list(zip(texts[:-1], texts[1:]))[:5000]
        assert _mismatches(wp, pairs, 128) == [], name


def test_corpus_samples_match_tokenizers(wp):
    _reference(8)
    _corpus_parity(wp, 400)


@pytest.mark.slow
def test_every_corpus_text_matches_tokenizers(wp):
    """All 99,174 texts of MELD, GoEmotions, CARER, Dreaddit and the Reddit depression set."""
    _reference(8)
    _corpus_parity(wp, None)


def test_tables_match_a_fresh_probe():
    """Every code point through tokenizers' normaliser and pre-tokeniser equals the shipped tables."""
    pytest.importorskip("tokenizers")
    from affectkit.train.wordpiece_tables import main

    assert main(["--check"]) == 0


def test_predict_text_without_tokenizers():
    probe = """
import importlib.abc, io, json, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tokenizers", "huggingface_hub", "transformers", "torch"):
            raise ModuleNotFoundError(name, name=name)
        return None
sys.meta_path.insert(0, Absent())
sys.stdin = io.TextIOWrapper(io.BytesIO("I cannot believe we won\\n".encode()))
from affectkit.cli import main
rc = main(["predict", "text", "-"])
print(json.dumps({"rc": rc, "mods": sorted({m.split('.')[0] for m in sys.modules})}), file=sys.stderr)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("AFFECTKIT_BACKEND", None)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    last = json.loads(out.stderr.strip().splitlines()[-1])
    assert last["rc"] == 0 and not {"tokenizers", "huggingface_hub"} & set(last["mods"])
    assert json.loads(out.stdout.splitlines()[0])["emotion"]
