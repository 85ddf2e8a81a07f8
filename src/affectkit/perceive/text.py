"""Text feature extractors: ``text.minilm`` (sentence embedding) and ``text.lexicon``
(VADER sentiment and NRC EmoLex emotion-word rates). Each returns a DataFrame with one
row per input text, in input order."""
from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Sequence

import numpy as np

from affectkit.core.errors import InputError
from affectkit.perceive.registry import EXTRACTORS

if TYPE_CHECKING:
    import pandas as pd

NRC_CATEGORIES = ("anger", "anticipation", "disgust", "fear", "joy", "negative",
                  "positive", "sadness", "surprise", "trust")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _check(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InputError(f"text {i} is {type(t).__name__}, not a string")
    return out


@EXTRACTORS.register("text.minilm")
class MiniLMEmbedding:
    """all-MiniLM-L6-v2 sentence embedding (384 dims, L2-normalised), from the bundled package:
    on ONNX Runtime (``perceive.minilm``), or sentence-transformers with ``backend="torch"``."""

    name = "text.minilm"
    version = "1"
    dims = 384

    def __init__(self, batch_size: int = 64, backend: str | None = None) -> None:
        self.batch_size = batch_size
        self.backend = backend

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The embeddings as an array (n, 384), float32."""
        from affectkit.perceive.ort import backend

        texts = _check(texts)
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        if backend(self.backend) == "onnx":
            from affectkit.perceive.minilm import load_minilm

            return load_minilm().sentence_embeddings(texts, self.batch_size)
        from affectkit.perceive.encoder import load_sentence_model

        emb = load_sentence_model().encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                           show_progress_bar=False, convert_to_numpy=True)
        return emb.astype(np.float32)

    def extract(self, texts: Sequence[str]) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.embed(texts), columns=[f"minilm_{i}" for i in range(self.dims)])


@functools.lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@functools.lru_cache(maxsize=1)
def nrc_lexicon() -> dict[str, list[str]]:
    """The NRC Emotion Lexicon (word -> categories) as shipped in the nrclex package.
    Read directly: nrclex's own raw-text path needs TextBlob corpora downloads."""
    import json
    from importlib import resources

    with resources.files("nrclex").joinpath("data", "nrc_en.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def nrc_words(text: str) -> dict[str, list[str]]:
    """Category -> the words of ``text`` that carry it (for explanations)."""
    lex = nrc_lexicon()
    found: dict[str, list[str]] = {}
    for w in tokens(text):
        for cat in lex.get(w, ()):
            found.setdefault(cat, []).append(w)
    return found


@EXTRACTORS.register("text.lexicon")
class LexiconFeatures:
    """VADER (neg, neu, pos, compound) and NRC EmoLex rates per category (matches / tokens)."""

    name = "text.lexicon"
    version = "1"

    def extract(self, texts: Sequence[str]) -> pd.DataFrame:
        import pandas as pd

        texts = _check(texts)
        vader = _vader()
        lex = nrc_lexicon()
        rows = []
        for t in texts:
            v = vader.polarity_scores(t)
            toks = tokens(t)
            counts = dict.fromkeys(NRC_CATEGORIES, 0)
            for w in toks:
                for cat in lex.get(w, ()):
                    if cat in counts:
                        counts[cat] += 1
            n = max(len(toks), 1)
            row = {f"vader_{k}": float(v[k]) for k in ("neg", "neu", "pos", "compound")}
            row.update({f"nrc_{c}": counts[c] / n for c in NRC_CATEGORIES})
            row["n_tokens"] = float(len(toks))
            rows.append(row)
        cols = [f"vader_{k}" for k in ("neg", "neu", "pos", "compound")] + [f"nrc_{c}" for c in NRC_CATEGORIES] + ["n_tokens"]
        return pd.DataFrame(rows, columns=cols, dtype=np.float64)
