"""Canonical label spaces and each dataset's explicit mapping onto them."""
from __future__ import annotations

from dataclasses import dataclass

from affectkit.core.errors import InputError


@dataclass(frozen=True)
class LabelSpace:
    """An ordered, named set of class labels."""

    name: str
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"label space {self.name!r} has repeated labels")

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self):
        return iter(self.labels)

    def __contains__(self, label: object) -> bool:
        return label in self.labels

    def index(self, label: str) -> int:
        try:
            return self.labels.index(label)
        except ValueError:
            raise InputError(
                f"{label!r} is not a label of {self.name!r} ({', '.join(self.labels)})"
            ) from None


EMOTION = LabelSpace("emotion", ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"))
SENTIMENT = LabelSpace("sentiment", ("negative", "neutral", "positive"))

# MELD already uses the canonical names.
MELD_EMOTION = {label: label for label in EMOTION.labels}
MELD_SENTIMENT = {label: label for label in SENTIMENT.labels}

# CARER / dair-ai emotion (Saravia et al., 2018). It has no neutral and no disgust.
CARER_LABELS = ("sadness", "joy", "love", "anger", "fear", "surprise")
CARER_TO_EMOTION = {
    "sadness": "sadness", "joy": "joy", "love": "joy",
    "anger": "anger", "fear": "fear", "surprise": "surprise",
}

# GoEmotions 28 labels (Demszky et al., 2020), in the order of labels.txt, and the
# Ekman grouping published with the dataset (google-research/goemotions, ekman_mapping.json).
GOEMOTIONS_LABELS = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)
GOEMOTIONS_EKMAN = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
            "relief", "pride", "admiration", "desire", "caring"),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}
GOEMOTIONS_TO_EMOTION = {fine: coarse for coarse, fines in GOEMOTIONS_EKMAN.items() for fine in fines}

# EmoDB letter codes (6th character of the file name) to canonical names; boredom stays extra.
EMODB_CODES = {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear",
               "F": "joy", "T": "sadness", "N": "neutral"}

# FER2013 folder names.
FER2013_TO_EMOTION = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "joy",
                      "neutral": "neutral", "sad": "sadness", "surprise": "surprise"}
