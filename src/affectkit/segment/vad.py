"""Utterances from audio: energy-based voice-activity segmentation, and transcript clipping.

The VAD thresholds are relative to the file's own loudness (a high percentile of the frame
levels) and to its noise floor (a low percentile), so a quiet phone call and a loud studio
take segment alike. Hysteresis (a higher level to start speech than to keep it) avoids
chattering; short pauses are bridged and short blips dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from affectkit.core.data import Segment
from affectkit.core.errors import InputError

FLOOR_DB = -100.0


def frame_db(x: np.ndarray, sr: int, frame: float = 0.03, hop: float = 0.01) -> np.ndarray:
    """RMS level in dBFS of frames of ``frame`` s every ``hop`` s; frame i is centred at i*hop."""
    n, h = max(int(round(frame * sr)), 1), max(int(round(hop * sr)), 1)
    pad = np.pad(np.asarray(x, dtype=np.float64), (n // 2, n // 2))
    count = max(1 + (len(pad) - n) // h, 0)
    if count == 0:
        return np.zeros(0)
    csum = np.concatenate([[0.0], np.cumsum(pad * pad)])
    starts = np.arange(count) * h
    power = (csum[starts + n] - csum[starts]) / n
    return np.maximum(10 * np.log10(np.maximum(power, 1e-30)), FLOOR_DB)


@dataclass(frozen=True)
class Thresholds:
    """Levels (dBFS) that start speech (``on``) and keep it going (``off``)."""

    on: float
    off: float
    reference: float
    floor: float


def thresholds(levels: np.ndarray, on_db: float = 30.0, hysteresis_db: float = 6.0) -> Thresholds:
    """Speech starts ``on_db`` below the loud reference (95th percentile), but never lower than
    half-way between the noise floor (10th percentile) and the reference."""
    if len(levels) == 0:
        return Thresholds(0.0, 0.0, FLOOR_DB, FLOOR_DB)
    ref = float(np.percentile(levels, 95))
    floor = float(np.percentile(levels, 10))
    on = max(ref - on_db, floor + 0.5 * (ref - floor))
    off = max(on - hysteresis_db, floor + 0.25 * (ref - floor))
    return Thresholds(on=on, off=min(off, on), reference=ref, floor=floor)


def active_frames(levels: np.ndarray, th: Thresholds) -> np.ndarray:
    """Boolean speech mask with hysteresis: on at >= th.on, stays on while >= th.off."""
    mask = np.zeros(len(levels), dtype=bool)
    on = False
    for i, v in enumerate(levels):
        on = v >= th.on or (on and v >= th.off)
        mask[i] = on
    return mask


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs of ``mask``."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def vad_segments(x: np.ndarray, sr: int, *, min_speech: float = 0.25, min_pause: float = 0.5,
                 pad: float = 0.1, on_db: float = 30.0, hysteresis_db: float = 6.0,
                 hop: float = 0.01, frame: float = 0.03) -> list[Segment]:
    """Speech segments of a mono signal: pauses shorter than ``min_pause`` s are bridged, speech
    shorter than ``min_speech`` s dropped, and each segment padded by ``pad`` s (within the
    file). Segments have empty text; times are in seconds."""
    duration = len(x) / sr
    levels = frame_db(x, sr, frame, hop)
    mask = active_frames(levels, thresholds(levels, on_db, hysteresis_db))
    runs: list[list[float]] = []
    for a, b in _runs(mask):
        t0, t1 = a * hop, b * hop
        if runs and t0 - runs[-1][1] < min_pause:
            runs[-1][1] = t1
        else:
            runs.append([t0, t1])
    out: list[list[float]] = []
    for t0, t1 in runs:
        if t1 - t0 < min_speech:
            continue
        t0, t1 = max(0.0, t0 - pad), min(duration, t1 + pad)
        if out and t0 <= out[-1][1]:
            out[-1][1] = t1
        else:
            out.append([t0, t1])
    return [Segment("", round(a, 3), round(b, 3), None, i) for i, (a, b) in enumerate(out)]


def segments_from_transcript(segments: list[Segment], duration: float,
                             path: str | None = None) -> list[Segment]:
    """Transcript segments clipped to the audio's ``duration``; those starting at or after the
    end are dropped. Raises InputError when segments lack times or none fall in the audio."""
    where = f"{path}: " if path else ""
    if not segments:
        raise InputError(f"{where}the transcript has no segments")
    untimed = [s.index for s in segments if s.start is None or s.end is None]
    if untimed:
        raise InputError(f"{where}{len(untimed)} transcript segment(s) have no timestamps "
                         f"(first: segment {untimed[0]}); use voice-activity segmentation instead")
    kept = [s for s in segments if s.start < duration and s.end > s.start]
    if not kept:
        first = min(s.start for s in segments)
        raise InputError(f"{where}none of the {len(segments)} transcript segments fall within the "
                         f"audio's {duration:.2f} s (the first starts at {first:.2f} s): "
                         f"is it the transcript of another file?")
    return [Segment(s.text, max(0.0, float(s.start)), min(float(s.end), duration), s.speaker, i)
            for i, s in enumerate(kept)]
