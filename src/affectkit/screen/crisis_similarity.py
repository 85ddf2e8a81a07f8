"""The crisis detector's second pass: sentences close in meaning to known crisis statements.

Why: hand-written patterns miss new paraphrases ("tonight might be my last night"): on the
held-out set the patterns alone found half of the crises (bench/results/screen_crisis_v1.json).
Each sentence of a text is embedded with the bundled MiniLM and compared with the prototype bank
(``weights/screen/crisis_prototypes.json``: the labelled dev set, crisis and not); a sentence is
flagged when its cosine similarity to the nearest crisis prototype reaches ``threshold`` and is no
more than ``-margin`` below its similarity to the nearest non-crisis one (both chosen by
leave-one-out on the dev set). The same guards as the patterns apply first: no first-person
word, no word about death, harm or ending (``_ANCHOR``), an idiom, someone else as the subject, or
a phrase the patterns excluded (negated, quoted, aimed at someone else) in the sentence: not flagged. The evidence is the whole sentence.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from affectkit.core.errors import ModelError
from affectkit.core.once import once

PROTOTYPES = Path(__file__).resolve().parent.parent / "weights" / "screen" / "crisis_prototypes.json"
# sentences: end at . ! ? or a newline, but not at the dots of "a.m." or "e.g."
_SENT = re.compile(r"(?:[^.!?\n]|\.(?=[a-z]\.)|(?<=\b[a-z])\.(?=\s+[a-z]))+[.!?]*")
_SUBJ_I = re.compile(r"\b(i|i'm|im|i've|i'd|i'll)\b", re.I)
# a sentence must touch death, harm or ending to be compared at all: the embedding alone puts
# "I'm scared I won't find anything" next to "I'm scared of what I might do to myself"
_ANCHOR = re.compile(r"\b(die|dies|died|dying|dead|death|deaths|kill\w*|suicid\w*|life|lives|live|living|alive|"
                     r"exist\w*|gone|goodbye\w*|last|end|ending|ended|over|forever|wake|waking|sleep|born|hurt\w*|"
                     r"harm\w*|cut\w*|bleed\w*|blood|pills?|overdos\w*|rope|noose|bridge|jump\w*|gun|"
                     r"disappear\w*|vanish\w*|burden|without\s+me|point|worth|anymore|any\s+more|"
                     r"myself|escape|out)\b", re.I)


class SimilarityMatcher:
    """Prototype embeddings and the two settings; ``sentences(text)`` -> flagged sentences."""

    def __init__(self, texts: list[str], labels: list[bool], threshold: float, margin: float) -> None:
        from affectkit.screen.heads import embed

        self.threshold, self.margin = float(threshold), float(margin)
        emb = embed(texts)
        y = np.asarray(labels, dtype=bool)
        self.pos, self.neg = emb[y], emb[~y]
        self.pos_texts = [t for t, l in zip(texts, labels) if l]

    def flagged(self, sentences: list[str]) -> list[tuple[int, float, str]]:
        """(index, similarity, nearest crisis prototype) of the sentences that pass."""
        from affectkit.screen.heads import embed

        if not sentences:
            return []
        e = embed(sentences)
        sp, sn = e @ self.pos.T, e @ self.neg.T
        out = []
        for i in range(len(sentences)):
            j = int(sp[i].argmax())
            if sp[i, j] >= self.threshold and sp[i, j] - sn[i].max() >= self.margin:
                out.append((i, round(float(sp[i, j]), 3), self.pos_texts[j]))
        return out


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) of each sentence with a word in it."""
    return [(m.start(), m.group().strip()) for m in _SENT.finditer(text) if re.search(r"[a-z]", m.group(), re.I)]


def guarded(sentence: str) -> str | None:
    """Why a sentence is not about the writer's own state (None: it may be)."""
    from affectkit.screen.crisis import _FIRST, _IDIOM, _OTHER_SUBJ, _SECOND, _THIRD_REFLEXIVE

    if not _FIRST.search(sentence):
        return "not about the writer"
    if not _ANCHOR.search(sentence):
        return "nothing about death, harm or ending"
    if _IDIOM.search(sentence):
        return "idiom"
    if _SECOND.search(sentence) or _THIRD_REFLEXIVE.search(sentence):
        return "about someone else"
    other, me = _OTHER_SUBJ.search(sentence), _SUBJ_I.search(sentence)
    if other and (me is None or other.start() < me.start()):
        return "about someone else"
    return None


def bundled_matcher(path: str | Path | None = None) -> SimilarityMatcher:
    """The shipped prototype bank, embedded once per process."""
    return _matcher(str(Path(path or PROTOTYPES).resolve()))


@once
def _matcher(path: str) -> SimilarityMatcher:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        return SimilarityMatcher([p["text"] for p in doc["prototypes"]], [bool(p["crisis"]) for p in doc["prototypes"]],
                                 doc["threshold"], doc["margin"])
    except FileNotFoundError:
        raise ModelError(f"crisis prototypes not found: {path}; rebuild with python bench/train_screen.py") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"crisis prototypes in {path} are unreadable: {exc}") from None
