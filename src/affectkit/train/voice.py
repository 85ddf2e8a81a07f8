"""The speech-emotion recipe's code defaults, shared by bench/train_voice.py and
bench/emodb_benchmark.py (the shipped run's values: weights/voice/recipe.json). EmoDB's feature
matrix is ``affectkit.bench.voice_eval.emodb_matrix``."""
from __future__ import annotations

from typing import Any

from affectkit.recognize.voice_head import VoiceEmotionHead

SEED = 0  # the solvers are deterministic; recorded for the record
BLOCKS = ("whisper",)
WHISPER_LAYERS = (0, 1, 2, 3)  # the lower two thirds of Whisper-base's encoder: how, more than what, is said
# one logistic regression per encoder layer, their log-probabilities averaged (product of experts)
HEAD_PARAMS: dict[str, Any] = {"C": 0.01, "blocks": [[f"whisper:l{l}"] for l in WHISPER_LAYERS], "clip": 3.0,
                               "class_weight": "balanced"}


def make_extractor(blocks: tuple[str, ...] = BLOCKS, whisper_layers: tuple[int, ...] = WHISPER_LAYERS,
                   **params: Any):
    """The ``voice.emotion_input`` extractor; ``params``: its other settings (``sr``, ``trim_db``)."""
    from affectkit.perceive.voice_sets import EmotionInput

    return EmotionInput(blocks=tuple(blocks), whisper_layers=tuple(whisper_layers), **params)


def make_head(**overrides: Any) -> VoiceEmotionHead:
    return VoiceEmotionHead(**{**HEAD_PARAMS, **overrides})
