"""Acoustic feature sets for the speech-emotion head: ``voice.compare`` (openSMILE ComParE_2016
functionals), ``voice.logmel`` (log-mel band statistics, numpy only) and ``voice.emotion_input``
(the head's input: the signal trimmed and peak-normalised, then the blocks side by side).

Why trim and peak-normalise: the EmoDB copy the head learns from is peak-normalised and
zero-padded to 2 s. Stripping leading/trailing near-silence and scaling every input to the
same peak makes a live recording look like the training data, and keeps padding length
(an artefact of that copy) out of the features.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from affectkit.core.data import Segment
from affectkit.io.audio import SAMPLE_RATE
from affectkit.perceive.registry import EXTRACTORS
from affectkit.perceive.voice import (EGeMAPS, OpenSmileFunctionals, _smile, _spans, _VoiceExtractor,
                                      feature_index, per_span)
from affectkit.perceive.voice_whisper import WhisperLayers
from affectkit.segment.vad import FLOOR_DB, frame_db

TRIM_DB = 60.0      # frames this far below the loudest frame, at either end, are trimmed
MIN_KEEP = 0.25     # seconds: never trim below this


def prepare_signal(x: np.ndarray, sr: int, trim_db: float = TRIM_DB, peak: float = 1.0) -> np.ndarray:
    """Trim leading/trailing near-silence (``trim_db`` below the loudest 10 ms frame) and scale
    to ``peak``: the conditions of the training data, whatever the recording level."""
    x = np.asarray(x, dtype=np.float32)
    hop = 0.01
    levels = frame_db(x, sr, frame=0.02, hop=hop)
    if len(levels):
        loud = np.flatnonzero(levels >= max(levels.max() - trim_db, FLOOR_DB + 1.0))  # never digital silence
        a, b = int(loud[0] * hop * sr), int((loud[-1] + 1) * hop * sr)
        keep = int(MIN_KEEP * sr)
        if b - a < keep:  # a lone click: keep a window around it instead
            mid = (a + b) // 2
            a, b = max(0, mid - keep // 2), min(len(x), mid - keep // 2 + keep)
        x = x[a:b]
    m = float(np.max(np.abs(x))) if len(x) else 0.0
    return (x * (peak / m)).astype(np.float32) if m > 0 else x


@EXTRACTORS.register("voice.compare")
class ComParE(OpenSmileFunctionals):
    """openSMILE ComParE_2016 functionals (6,373 features) per segment: the larger standard set."""

    name = "voice.compare"
    version = "1"
    feature_set = "ComParE_2016"
    min_seconds = 0.1


def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Triangular HTK-mel filters, shape (n_mels, n_fft // 2 + 1)."""
    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lo) / (mid - lo)
    down = (hi - freqs[None]) / (hi - mid)
    return np.maximum(0.0, np.minimum(up, down))


def log_mel(x: np.ndarray, sr: int, n_mels: int = 64, frame: float = 0.025, hop: float = 0.01,
            fmin: float = 50.0, fmax: float | None = None) -> np.ndarray:
    """Log-mel energies (natural log), shape (frames, n_mels)."""
    n = int(round(frame * sr))
    h = int(round(hop * sr))
    n_fft = 1 << (n - 1).bit_length()
    x = np.asarray(x, dtype=np.float64)
    if len(x) < n:
        x = np.pad(x, (0, n - len(x)))
    count = 1 + (len(x) - n) // h
    frames = x[np.arange(count)[:, None] * h + np.arange(n)] * np.hamming(n)
    power = np.abs(np.fft.rfft(frames, n_fft, axis=1)) ** 2
    fb = mel_filterbank(sr, n_fft, n_mels, fmin, fmax or sr / 2)
    return np.log(power @ fb.T + 1e-10)


LOGMEL_STATS = ("mean", "std", "p10", "p50", "p90", "dmean", "dstd")


@EXTRACTORS.register("voice.logmel")
class LogMelStats(_VoiceExtractor):
    """Statistics of each log-mel band over a segment: mean, std, 10/50/90th percentiles and
    the mean and std of the frame-to-frame change (spectral shape, level and dynamics)."""

    name = "voice.logmel"
    version = "1"

    def __init__(self, sr: int = SAMPLE_RATE, n_mels: int = 40) -> None:
        self.sr = sr
        self.n_mels = n_mels

    def columns(self) -> list[str]:
        return [f"mel{b:02d}_{s}" for s in LOGMEL_STATS for b in range(self.n_mels)]

    def stats(self, part: np.ndarray, sr: int) -> np.ndarray:
        m = log_mel(part, sr, n_mels=self.n_mels)
        d = np.abs(np.diff(m, axis=0)) if len(m) > 1 else np.zeros_like(m)
        p10, p50, p90 = np.percentile(m, [10, 50, 90], axis=0)
        return np.concatenate([m.mean(0), m.std(0), p10, p50, p90, d.mean(0), d.std(0)])

    def extract_signal(self, x: np.ndarray, sr: int, segments: Sequence[Segment] | None = None,
                       file: str = "<signal>") -> pd.DataFrame:
        spans = _spans(segments, len(x) / sr, file)
        cols = self.columns()
        values = per_span(x, sr, spans, len(cols), lambda part: self.stats(part, sr),
                          min_samples=int(0.1 * sr))
        return pd.DataFrame(values, index=feature_index(file, spans), columns=cols)


BLOCKS = {"compare": ComParE, "egemaps": EGeMAPS, "logmel": LogMelStats, "whisper": WhisperLayers}


@EXTRACTORS.register("voice.emotion_input")
class EmotionInput(_VoiceExtractor):
    """The speech-emotion head's input: each segment trimmed and peak-normalised
    (``prepare_signal``), then the feature ``blocks`` side by side, columns prefixed
    ``block:`` (e.g. ``compare:F0final_sma_amean``)."""

    name = "voice.emotion_input"
    version = "1"

    def __init__(self, sr: int = SAMPLE_RATE, blocks: tuple[str, ...] = ("compare", "egemaps", "logmel"),
                 trim_db: float = TRIM_DB, whisper_layers: tuple[int, ...] = (0, 1, 2, 3)) -> None:
        self.sr = sr
        self.blocks = tuple(blocks)
        self.trim_db = trim_db
        self.whisper_layers = tuple(int(l) for l in whisper_layers)

    def get_params(self) -> dict[str, Any]:
        params = {"sr": self.sr, "blocks": list(self.blocks), "trim_db": self.trim_db}
        if "whisper" in self.blocks:
            params["whisper_layers"] = list(self.whisper_layers)
        return params

    def _block(self, name: str):
        if name == "whisper":
            return WhisperLayers(sr=self.sr, layers=self.whisper_layers)
        return BLOCKS[name](sr=self.sr)

    def extract_signal(self, x: np.ndarray, sr: int, segments: Sequence[Segment] | None = None,
                       file: str = "<signal>") -> pd.DataFrame:
        unknown = [b for b in self.blocks if b not in BLOCKS]
        if unknown:
            raise ValueError(f"unknown feature block(s) {unknown}; known: {sorted(BLOCKS)}")
        spans = _spans(segments, len(x) / sr, file)
        rows = []
        for a, b in spans:
            part = prepare_signal(x[int(round(a * sr)): int(round(b * sr))], sr, self.trim_db)
            rows.append(np.concatenate([self._block(name).extract_signal(part, sr, None, file=file)
                                        .to_numpy(dtype=np.float32)[0] for name in self.blocks]))
        return pd.DataFrame(np.asarray(rows, dtype=np.float32), index=feature_index(file, spans),
                            columns=self.columns())

    def columns(self) -> list[str]:
        """Column names, ``block:feature``, in order."""
        out = []
        for name in self.blocks:
            if name in ("logmel", "whisper"):
                names = self._block(name).columns()
            else:
                names = list(_smile(ComParE.feature_set if name == "compare" else EGeMAPS.feature_set).feature_names)
            out += [f"{name}:{c}" for c in names]
        return out
