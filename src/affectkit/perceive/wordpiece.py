"""BERT's uncased WordPiece tokenizer for the bundled MiniLM, in Python: the same ids as ``tokenizers``.

Why not ``tokenizers`` itself: on a text-only install it and what it requires (huggingface_hub,
hf_xet, fsspec, filelock) were 35 MB of the 421 MB measured by ``bench/install_size.py``, over the
400 MB budget, for one job: this encoder's tokenisation. The steps are those of the encoder's
``tokenizer.json`` as the Rust library runs them, and ``tests/perceive/test_wordpiece.py`` holds the
two to the same ids on every text of the shared corpora:

1. the special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]) are found in the raw text (case-sensitive,
   not normalised) and kept whole;
2. BERT's normaliser (clean text, CJK characters padded with spaces, accents stripped, lowercase)
   through a per-character table probed from ``tokenizers`` (``train.wordpiece_tables``), so it does
   not depend on this Python's Unicode version;
3. the pre-tokeniser: split on spaces, every punctuation character a word of its own;
4. WordPiece: longest match first, ``##`` for a word's continuation, a word over 100 characters or
   with no segmentation one [UNK];
5. [CLS] A [SEP] (type 0) [B [SEP] (type 1)], truncated longest first to ``max_len``, padded with
   [PAD] to the longest in the batch.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from affectkit.core.errors import ModelError

TABLES_FILE = Path(__file__).resolve().parent / "wordpiece_tables.json"
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_EXPECTED = {"normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                            "strip_accents": None, "lowercase": True},
             "pre_tokenizer": {"type": "BertPreTokenizer"}}


def _char_class(runs: list[list[int]]) -> str:
    def esc(c: int) -> str:
        return f"\\U{c:08x}"
    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in runs)


class WordPiece:
    """``encode_batch(items, max_len)`` -> (ids, type_ids, attention_mask) for texts or pairs."""

    def __init__(self, tokenizer_json: Path, tables: Path = TABLES_FILE) -> None:
        spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
        model = spec.get("model") or {}
        for key, want in _EXPECTED.items():
            if spec.get(key) != want:
                raise ModelError(f"{tokenizer_json}: {key} is {spec.get(key)}, not BERT's uncased {want['type']}")
        if model.get("type") != "WordPiece" or model.get("continuing_subword_prefix") != "##":
            raise ModelError(f"{tokenizer_json}: the model is not a BERT WordPiece one")
        self.vocab: dict[str, int] = model["vocab"]
        self.max_chars = int(model.get("max_input_chars_per_word", 100))
        added = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
        missing = [s for s in SPECIALS if s not in added]
        if missing:
            raise ModelError(f"{tokenizer_json}: no special token {missing[0]}")
        self.special = {s: added[s] for s in SPECIALS}
        self.unk, self.cls, self.sep, self.pad = (self.special[s] for s in ("[UNK]", "[CLS]", "[SEP]", "[PAD]"))
        t = json.loads(Path(tables).read_text(encoding="utf-8"))
        self._removed = re.compile(f"[{_char_class(t['removed'])}]+")
        self._padded = re.compile(f"([{_char_class(t['padded'])}])")
        self._map = {int(k): v for k, v in t["mapped"].items()}
        # a word: a run of neither space nor punctuation, or one punctuation character
        punct = _char_class(t["punctuation"])
        self._words = re.compile(f"[{punct}]|[^ {punct}]+")
        self._specials = re.compile("|".join(re.escape(s) for s in SPECIALS))

    # -- normalising ----------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """BERT's normaliser on a piece of text without special tokens: character by character, as
        ``tokenizers`` lowercases (a capital sigma is always the medial small one, unlike
        ``str.lower``)."""
        text = self._removed.sub("", text)
        if not text.isascii():  # only non-ASCII text has CJK characters to pad
            text = self._padded.sub(r" \1 ", text)
        return text.translate(self._map)

    # -- words to pieces -----------------------------------------------------------------------
    @functools.lru_cache(maxsize=1 << 16)
    def _word(self, word: str) -> tuple[int, ...]:
        if len(word) > self.max_chars:
            return (self.unk,)
        vocab, out, start, n = self.vocab, [], 0, len(word)
        while start < n:
            end = n
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in vocab:
                    out.append(vocab[piece])
                    break
                end -= 1
            else:
                return (self.unk,)
            start = end
        return tuple(out)

    def tokens(self, text: str) -> list[int]:
        """The ids of ``text`` without [CLS]/[SEP], before truncation."""
        ids: list[int] = []
        pos = 0
        for m in self._specials.finditer(text):
            ids += self._piece_ids(text[pos:m.start()])
            ids.append(self.special[m.group()])
            pos = m.end()
        ids += self._piece_ids(text[pos:])
        return ids

    def _piece_ids(self, piece: str) -> list[int]:
        if not piece:
            return []
        out: list[int] = []
        for w in self._words.findall(self.normalize(piece)):
            out += self._word(w)
        return out

    # -- the batch -----------------------------------------------------------------------------
    def encode(self, item: str | tuple[str, str], max_len: int) -> tuple[list[int], list[int]]:
        """(ids, type ids) of one text or (A, B) pair with its special tokens, at most ``max_len``."""
        if isinstance(item, str):
            a = self.tokens(item)
            room = max_len - 2
            if len(a) > room:
                a = a[:max(room, 0)]
            ids = [self.cls, *a, self.sep]
            return ids, [0] * len(ids)
        a, b = self.tokens(item[0]), self.tokens(item[1])
        na, nb = longest_first(len(a), len(b), max_len - 3)
        a, b = a[:na], b[:nb]
        ids = [self.cls, *a, self.sep, *b, self.sep]
        return ids, [0] * (len(a) + 2) + [1] * (len(b) + 1)

    def encode_batch(self, items: Sequence[str] | Sequence[tuple[str, str]], max_len: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(input_ids, token_type_ids, attention_mask), int64 (batch, longest), padded on the right."""
        encs = [self.encode(it, max_len) for it in items]
        width = max((len(i) for i, _ in encs), default=0)
        ids = np.full((len(encs), width), self.pad, dtype=np.int64)
        types = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for r, (i, t) in enumerate(encs):
            ids[r, :len(i)] = i
            types[r, :len(t)] = t
            mask[r, :len(i)] = 1
        return ids, types, mask


def longest_first(n1: int, n2: int, room: int) -> tuple[int, int]:
    """How many tokens of each side a pair keeps: the longer side is cut first, as the Rust
    library's ``LongestFirst`` does (when both are long, half the room each, the odd one to the
    second side)."""
    if n1 + n2 <= room:
        return n1, n2
    swap = n1 > n2
    if swap:
        n1, n2 = n2, n1
    n2 = n1 if n1 > room else max(n1, room - n1)
    if n1 + n2 > room:
        n1 = room // 2
        n2 = n1 + room % 2
    return (n2, n1) if swap else (n1, n2)

