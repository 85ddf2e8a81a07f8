"""The words behind a text reading, by occlusion: leave each word out, read the utterance again
(same dialogue context), and keep the words whose absence lowers the predicted emotion most.

Why occlusion rather than lexicon hits (NRC EmoLex, VADER): it asks the model that made the
reading, in its context, so it names the words that actually drove *this* answer (negations
and phrasing included), not words a dictionary would flag. Cost: one extra forward pass per
word, batched; bounded by ``max_variants`` per utterance (longer utterances are left out in
runs of consecutive words), only for the top label, and not for ``neutral`` readings (no
emotion words to point at). Where no single left-out word moves the reading (two words carry
it), each word read alone says which ones do (``_by_sufficiency``).
"""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Sequence

import numpy as np

from affectkit.core.errors import InputError

if TYPE_CHECKING:
    from affectkit.recognize.text_model import TextModel

MAX_VARIANTS = 40
# A word is named when leaving it out lowers the label's log-odds by at least MIN_DROP, and by
# at least RELATIVE times the strongest word's drop. Log-odds, not probability: a reading at
# 0.97 barely moves in probability when one of two joyful words goes, but it does in log-odds.
MIN_DROP = 0.2
RELATIVE = 1 / 3
TOP = 3
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def _runs(n_words: int, max_variants: int) -> list[range]:
    """Consecutive word runs, at most ``max_variants`` of them, covering all ``n_words``."""
    size = max(1, math.ceil(n_words / max_variants))
    return [range(s, min(s + size, n_words)) for s in range(0, n_words, size)]


def _pair_probs(model: TextModel, pairs: list[tuple[str, str]], task: str, batch_size: int = 64) -> np.ndarray:
    """The network's ``task`` probabilities for (utterance, context) pairs."""
    from affectkit.recognize.text_model import _softmax

    if task in model.meta.get("blend", {}) or task in model.meta.get("specialists", {}):
        raise InputError(f"the text model's {task!r} head is not the network alone; occlusion cannot read it")
    return _softmax(model.pair_logits(pairs, (task,), batch_size)[task]).astype(np.float64)


def _log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def _phrases(words: list[str], runs: list[range], drops: np.ndarray, top: int, min_drop: float) -> list[str]:
    """The ``top`` runs with the largest drops (at least ``min_drop`` and RELATIVE of the
    largest), adjacent ones joined, in the order they are said, outer punctuation trimmed."""
    floor = max(min_drop, RELATIVE * float(drops.max(initial=0.0)))
    best = [k for k in np.argsort(-drops, kind="stable")[:top] if drops[k] >= floor]
    phrases, last = [], None
    for k in sorted(best):
        text = " ".join(words[i] for i in runs[k])
        if last is not None and k == last + 1:
            phrases[-1] += " " + text
        else:
            phrases.append(text)
        last = k
    return [p for p in (_EDGE.sub("", p) for p in phrases) if p]


def key_phrases(model: TextModel, texts: Sequence[str], labels: Sequence[str | None], *,
                speakers: Sequence[str | None] | None = None, dialogue_ids: Sequence[object] | None = None,
                task: str = "emotion", top: int = TOP, min_drop: float = MIN_DROP,
                max_variants: int = MAX_VARIANTS, skip: Sequence[str] = ("neutral",)) -> list[list[str]]:
    """Per utterance, up to ``top`` phrases (its own words) that most support ``labels[i]``
    (the reading to explain; None or a ``skip`` label: no phrases). Context as the model reads
    it: the earlier utterances of the same dialogue id."""
    from affectkit.recognize.text_config import contextual_pairs

    texts = list(texts)
    if len(labels) != len(texts):
        raise InputError(f"{len(texts)} texts but {len(labels)} labels to explain")
    names = list(model.tasks()[task])
    pairs = contextual_pairs(texts, speakers, dialogue_ids, model.config.max_context)
    jobs, batch = [], []
    out: list[list[str]] = [[] for _ in texts]
    for i, (text, label) in enumerate(zip(texts, labels)):
        words = text.split()
        if label is None or label in skip or not words:
            continue
        if label not in names:
            raise InputError(f"{label!r} is not a label of the text model's {task!r} head")
        runs = _runs(len(words), max_variants)
        if len(runs) == 1:  # one word: it is the whole utterance, nothing to compare it with
            out[i] = [p for p in (_EDGE.sub("", words[0]),) if p]
            continue
        start = len(batch)
        batch.append(pairs[i])
        for run in runs:
            kept = " ".join(w for j, w in enumerate(words) if j not in run)
            batch.append((kept, pairs[i][1]))
        jobs.append((i, words, runs, names.index(label), start))
    if not batch:
        return out
    probs = _pair_probs(model, batch, task)
    saturated = []
    for i, words, runs, col, start in jobs:
        drops = _log_odds(probs[start, col]) - _log_odds(probs[start + 1:start + 1 + len(runs), col])
        out[i] = _phrases(words, runs, drops, top, min_drop)
        if not out[i]:
            saturated.append((i, words, runs, col))
    if saturated:
        _by_sufficiency(model, saturated, pairs, task, top, min_drop, out)
    return out


def _by_sufficiency(model: TextModel, jobs: list, pairs: list[tuple[str, str]], task: str, top: int,
                    min_drop: float, out: list[list[str]]) -> None:
    """For readings no single left-out word moves: each run read *alone* (same context), named
    when it raises the label's log-odds over an empty utterance's. Why: a reading carried by two
    words ("wonderful news, I am so happy") is over-determined, so leaving either out changes
    nothing (measured: text@2 reads it joy at 0.95 with or without "wonderful"), and occlusion
    alone would name no word at all. One extra pass per run, only for these utterances."""
    batch = []
    for i, words, runs, _col in jobs:
        batch.append(("", pairs[i][1]))
        batch += [(" ".join(words[j] for j in run), pairs[i][1]) for run in runs]
    probs = _pair_probs(model, batch, task)
    start = 0
    for i, words, runs, col in jobs:
        gains = _log_odds(probs[start + 1:start + 1 + len(runs), col]) - _log_odds(probs[start, col])
        out[i] = _phrases(words, runs, gains, top, min_drop)
        start += 1 + len(runs)
