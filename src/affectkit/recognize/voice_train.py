"""The speech-emotion recipe shared by bench/train_voice.py and bench/emodb_benchmark.py:
which features, which head, and EmoDB's feature matrix (extracted once, cached)."""
from __future__ import annotations

from typing import Any

import pandas as pd

from affectkit.recognize.voice_head import VoiceEmotionHead

SEED = 0  # the solvers are deterministic; recorded for the record
BLOCKS = ("compare", "egemaps", "logmel")
HEAD_PARAMS: dict[str, Any] = {"C": 0.01, "blocks": None, "clip": 3.0, "class_weight": "balanced"}


def make_extractor(blocks: tuple[str, ...] = BLOCKS):
    from affectkit.perceive.voice_sets import EmotionInput

    return EmotionInput(blocks=blocks)


def make_head(**overrides: Any) -> VoiceEmotionHead:
    return VoiceEmotionHead(**{**HEAD_PARAMS, **overrides})


def emodb_matrix(limit_per_speaker_class: int | None = None, speakers: tuple[str, ...] | None = None,
                 blocks: tuple[str, ...] = BLOCKS, jobs: int = 1, cache_root: str | None = None,
                 progress=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(EmoDB table, its features), rows aligned; optionally the first ``limit_per_speaker_class``
    files of each (speaker, emotion) and only some ``speakers`` (debug runs, tests)."""
    from affectkit.bench.datasets import load_emodb
    from affectkit.bench.voice_eval import extract_features

    df = load_emodb()
    if speakers is not None:
        df = df[df.speaker.isin(speakers)]
    if limit_per_speaker_class is not None:
        df = df.groupby(["speaker", "emotion"], sort=False).head(limit_per_speaker_class)
    df = df.reset_index(drop=True)
    X = extract_features(df.path.tolist(), make_extractor(blocks), cache_root, jobs=jobs, progress=progress)
    return df, X
