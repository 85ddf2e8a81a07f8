"""The speech-emotion recipe's code defaults, shared by bench/train_voice.py and
bench/emodb_benchmark.py (the shipped run's values: weights/voice/recipe.json), and EmoDB's
feature matrix (extracted once, cached)."""
from __future__ import annotations

from typing import Any

import pandas as pd

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


def emodb_matrix(limit_per_speaker_class: int | None = None, speakers: tuple[str, ...] | None = None,
                 blocks: tuple[str, ...] = BLOCKS, jobs: int = 1, cache_root: str | None = None,
                 progress=None, whisper_layers: tuple[int, ...] = WHISPER_LAYERS,
                 extractor: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(EmoDB table, its features), rows aligned; optionally the first ``limit_per_speaker_class``
    files of each (speaker, emotion) and only some ``speakers`` (debug runs, tests). ``extractor``
    replaces the one built from ``blocks`` and ``whisper_layers``."""
    from affectkit.bench.datasets import load_emodb
    from affectkit.bench.voice_eval import extract_features

    df = load_emodb()
    if speakers is not None:
        df = df[df.speaker.isin(speakers)]
    if limit_per_speaker_class is not None:
        df = df.groupby(["speaker", "emotion"], sort=False).head(limit_per_speaker_class)
    df = df.reset_index(drop=True)
    if extractor is None:
        extractor = make_extractor(blocks, whisper_layers)
    X = extract_features(df.path.tolist(), extractor, cache_root, jobs=jobs,
                         progress=progress)
    return df, X
