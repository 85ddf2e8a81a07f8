"""The per-utterance data model shared by every path (text, voice, face, fused)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    """One recognised word: its text, times in seconds and the recogniser's confidence (0-1)."""

    text: str
    start: float
    end: float
    probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.text, "start": self.start, "end": self.end, "probability": self.probability}


@dataclass(frozen=True)
class Segment:
    """One utterance: times in seconds (None when unknown), speaker and text. ``words``: the
    word timings when the text comes from speech-to-text (empty otherwise)."""

    text: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    index: int = 0
    words: tuple[Word, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "speaker": self.speaker, "text": self.text}
        if self.words:
            out["words"] = [w.to_dict() for w in self.words]
        return out


@dataclass(frozen=True)
class Prediction:
    """A classifier's answer: the top label and a probability per label (sums to 1)."""

    label: str
    scores: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        total = sum(self.scores.values())
        if self.scores and not math.isclose(total, 1.0, abs_tol=1e-3):
            raise ValueError(f"scores must sum to 1, got {total:.4f}")
        if self.scores and self.label not in self.scores:
            raise ValueError(f"label {self.label!r} is not among the scores")

    @classmethod
    def from_probs(cls, labels, probs) -> "Prediction":
        """Build from a label sequence and a probability vector (renormalised, rounded)."""
        p = [max(float(x), 0.0) for x in probs]
        s = sum(p) or 1.0
        scores = {lab: x / s for lab, x in zip(labels, p)}
        best = max(scores, key=scores.get)
        return cls(best, scores)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "scores": dict(self.scores)}


def round_scores(scores: dict[str, float], digits: int) -> dict[str, float]:
    """Round for display while keeping the sum at 1 (the remainder goes to the top label)."""
    r = {k: round(v, digits) for k, v in scores.items()}
    top = max(scores, key=scores.get)
    r[top] = round(r[top] + 1.0 - sum(r.values()), digits)
    return r
