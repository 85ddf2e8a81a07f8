"""Voice feature extractors: ``voice.egemaps`` (openSMILE eGeMAPSv02 functionals) and
``voice.prosody`` (interpretable cues, raw and relative to the speaker's own median).

Both take a file (any format ``io.audio.load_audio`` decodes) and optional segments, and
return a DataFrame with one row per segment, indexed by (file, start, end) with start and
end as ``pd.Timedelta``, as openSMILE-python does, so the tables concatenate with its output.
Without segments the whole file is one segment. Segments too short to measure (under about
0.1 s for eGeMAPS) give NaN rows, never dropped rows.
"""
from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from affectkit.core.data import Segment
from affectkit.core.errors import AudioError, DependencyError, InputError
from affectkit.io.audio import SAMPLE_RATE, load_audio
from affectkit.perceive.registry import EXTRACTORS
from affectkit.perceive.tracks import band_level_db, hz_to_semitones, syllable_nuclei, yin
from affectkit.segment.vad import active_frames, frame_db, thresholds

if TYPE_CHECKING:
    import pandas as pd

INDEX_NAMES = ["file", "start", "end"]


def _spans(segments: Sequence[Segment] | None, duration: float, file: str) -> list[tuple[float, float]]:
    """(start, end) seconds per segment, clipped to the audio; whole file when no segments."""
    if segments is None:
        return [(0.0, duration)]
    out = []
    for i, s in enumerate(segments):
        if s.start is None or s.end is None:
            raise InputError(f"{file}: segment {i} has no start/end times")
        if s.end <= s.start:
            raise InputError(f"{file}: segment {i} ends ({s.end:.3f} s) before it starts ({s.start:.3f} s)")
        if s.start >= duration or s.start < 0:
            raise AudioError(file, f"segment {i} ({s.start:.2f}-{s.end:.2f} s) lies outside the "
                                   f"audio (0-{duration:.2f} s)")
        out.append((float(s.start), min(float(s.end), duration)))
    return out


def feature_index(file: str, spans: Sequence[tuple[float, float]]) -> pd.MultiIndex:
    """The (file, start, end) index openSMILE-python uses, times as Timedelta."""
    import pandas as pd

    def td(seconds: list[float]) -> pd.TimedeltaIndex:
        ns = np.round(np.asarray(seconds, dtype=np.float64) * 1e9).astype(np.int64)
        return pd.TimedeltaIndex(ns.astype("timedelta64[ns]"))

    starts, ends = td([a for a, _ in spans]), td([b for _, b in spans])
    return pd.MultiIndex.from_arrays([[file] * len(spans), starts, ends], names=INDEX_NAMES)


class _VoiceExtractor:
    """Shared plumbing: decode the file, then ``extract_signal`` on the samples."""

    name = ""
    version = ""

    def get_params(self) -> dict[str, Any]:
        return dict(vars(self))

    def extract(self, path: str, segments: Sequence[Segment] | None = None) -> pd.DataFrame:
        """Features of ``path`` per segment (whole file when ``segments`` is None)."""
        x, sr = load_audio(path, self.sr)
        return self.extract_signal(x, sr, segments, file=str(path))

    def extract_signal(self, x: np.ndarray, sr: int, segments: Sequence[Segment] | None = None,
                       file: str = "<signal>") -> pd.DataFrame:
        raise NotImplementedError


@functools.lru_cache(maxsize=1)
def has_opensmile() -> bool:
    """Whether openSMILE (the ``egemaps`` extra) is installed; found without importing it (1 s)."""
    import importlib.util
    import sys

    if "opensmile" in sys.modules:  # imported already, or blocked (None)
        return sys.modules["opensmile"] is not None
    try:
        return importlib.util.find_spec("opensmile") is not None
    except (ImportError, ValueError):  # an import hook that refuses it
        return False


QUALITY_NOTE = ("no jitter, shimmer or HNR: the voice-quality cues need openSMILE, "
                "pip install 'affectkit[egemaps]'")


@functools.lru_cache(maxsize=None)
def _smile(feature_set: str):
    try:
        import opensmile
    except ImportError as exc:
        raise DependencyError("openSMILE features need the 'egemaps' extra: pip install 'affectkit[egemaps]'") from exc
    return opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, feature_set),
                           feature_level=opensmile.FeatureLevel.Functionals)


def per_span(x: np.ndarray, sr: int, spans: Sequence[tuple[float, float]], n: int, fn,
             min_samples: int = 1) -> np.ndarray:
    """``fn(samples)`` per (start, end) span as rows of ``n`` values; NaN rows for spans
    shorter than ``min_samples`` (too short to measure, but kept so rows match segments)."""
    rows = []
    for a, b in spans:
        part = np.ascontiguousarray(x[int(round(a * sr)): int(round(b * sr))], dtype=np.float32)
        rows.append(fn(part) if len(part) >= max(1, min_samples) else np.full(n, np.nan))
    return np.asarray(rows, dtype=np.float32).reshape(len(spans), n)


class OpenSmileFunctionals(_VoiceExtractor):
    """openSMILE functionals of ``feature_set`` per segment (subclasses name the set)."""

    feature_set = ""
    min_seconds = 0.0  # spans shorter than this give a NaN row

    def __init__(self, sr: int = SAMPLE_RATE) -> None:
        self.sr = sr

    def extract_signal(self, x: np.ndarray, sr: int, segments: Sequence[Segment] | None = None,
                       file: str = "<signal>") -> pd.DataFrame:
        import pandas as pd

        smile = _smile(self.feature_set)
        spans = _spans(segments, len(x) / sr, file)
        names = list(smile.feature_names)
        with warnings.catch_warnings():  # "Segment too short, filling with NaN": NaN says it
            warnings.simplefilter("ignore", UserWarning)
            values = per_span(x, sr, spans, len(names),
                              lambda part: smile.process_signal(part, sr).to_numpy(dtype=np.float64)[0],
                              min_samples=int(self.min_seconds * sr))
        return pd.DataFrame(values, index=feature_index(file, spans), columns=names)


@EXTRACTORS.register("voice.egemaps")
class EGeMAPS(OpenSmileFunctionals):
    """openSMILE eGeMAPSv02 functionals (88 features) per segment: the field's standard set."""

    name = "voice.egemaps"
    version = "1"
    feature_set = "eGeMAPSv02"


# cue -> (column of its relative value, how: "ratio" = value / median - 1, "diff" = value - median)
RELATIVE = {
    "pitch_hz": ("pitch_rel", "ratio"),
    "pitch_range_st": ("pitch_range_rel", "ratio"),
    "loudness_db": ("loudness_rel_db", "diff"),
    "syllable_rate": ("rate_rel", "ratio"),
    "pause_ratio": ("pause_rel", "diff"),
    "jitter": ("jitter_rel", "ratio"),
    "shimmer_db": ("shimmer_rel_db", "diff"),
    "hnr_db": ("hnr_rel_db", "diff"),
}
QUALITY = {"jitter": "jitterLocal_sma3nz_amean", "shimmer_db": "shimmerLocaldB_sma3nz_amean",
           "hnr_db": "HNRdBACF_sma3nz_amean"}


@EXTRACTORS.register("voice.prosody")
class Prosody(_VoiceExtractor):
    """Interpretable voice cues per segment, raw and relative to the speaker's own median.

    Raw: ``pitch_hz`` (median F0), ``pitch_st`` (median, semitones re 27.5 Hz),
    ``pitch_range_st`` (80th - 20th percentile, semitones), ``loudness_db`` (mean power of the
    speech frames, dBFS), ``syllable_rate`` (syllable nuclei per second of speaking time),
    ``pause_ratio`` (share of the speaking span in pauses of ``min_pause`` s or more),
    ``voiced_ratio``, and eGeMAPS' ``jitter``, ``shimmer_db``, ``hnr_db`` (``quality``: True needs
    openSMILE, the ``egemaps`` extra; None, the default, measures them where it is installed and
    leaves them NaN where not; False never).
    Relative (see RELATIVE): each cue against the median over the same speaker's segments
    (``Segment.speaker``; unnamed speakers count as one), e.g. ``pitch_rel = 0.31`` means
    31% above that speaker's median. With a single segment every relative cue is 0.
    """

    name = "voice.prosody"
    version = "1"

    def __init__(self, sr: int = SAMPLE_RATE, fmin: float = 60.0, fmax: float = 500.0,
                 min_pause: float = 0.15, quality: bool | None = None) -> None:
        self.sr = sr
        self.fmin = fmin
        self.fmax = fmax
        self.min_pause = min_pause
        # resolved here, so the parameters (a cache key) say whether the cues were measured
        self.quality = has_opensmile() if quality is None else bool(quality)

    def extract_signal(self, x: np.ndarray, sr: int, segments: Sequence[Segment] | None = None,
                       file: str = "<signal>") -> pd.DataFrame:
        import pandas as pd

        spans = _spans(segments, len(x) / sr, file)
        hop = 0.01
        f0, _ = yin(x, sr, fmin=self.fmin, fmax=self.fmax, hop=hop)
        levels = frame_db(x, sr, hop=hop)
        n = min(len(f0), len(levels))
        f0, levels = f0[:n], levels[:n]
        th = thresholds(levels)
        active = active_frames(levels, th)
        band = band_level_db(x, sr, hop=hop)[:n]
        nuclei = np.zeros(n, dtype=bool)
        nuclei[syllable_nuclei(band, f0, thresholds(band).on)] = True
        rows = [self._cues(f0, levels, active, nuclei, a, b, hop) for a, b in spans]
        df = pd.DataFrame(rows, index=feature_index(file, spans), dtype=np.float64)
        if self.quality:
            eg = EGeMAPS(sr=sr).extract_signal(x, sr, segments, file=file)
            for cue, col in QUALITY.items():
                df[cue] = eg[col].to_numpy(dtype=np.float64)
        else:
            for cue in QUALITY:
                df[cue] = np.nan
        speakers = [None] * len(spans) if segments is None else [s.speaker for s in segments]
        return add_relative(df, speakers)

    def _cues(self, f0: np.ndarray, levels: np.ndarray, active: np.ndarray, nuclei: np.ndarray,
              a: float, b: float, hop: float) -> dict[str, float]:
        i0, i1 = int(np.ceil(a / hop)), min(int(np.floor(b / hop)) + 1, len(f0))
        seg_f0, seg_lv, seg_act = f0[i0:i1], levels[i0:i1], active[i0:i1]
        voiced = seg_f0[~np.isnan(seg_f0)]
        nan = float("nan")
        cues = dict.fromkeys(["pitch_hz", "pitch_st", "pitch_range_st", "loudness_db",
                              "syllable_rate", "pause_ratio", "voiced_ratio"], nan)
        if len(voiced) >= 3:
            st = hz_to_semitones(voiced)
            p20, p50, p80 = np.percentile(st, [20, 50, 80])
            cues.update(pitch_hz=float(np.median(voiced)), pitch_st=float(p50),
                        pitch_range_st=float(p80 - p20))
        on = np.flatnonzero(seg_act)
        if len(on) == 0:
            return cues
        span = slice(on[0], on[-1] + 1)
        speech_lv = seg_lv[seg_act]
        cues["loudness_db"] = float(10 * np.log10(np.mean(10 ** (speech_lv / 10))))
        inactive = ~seg_act[span]
        d = np.diff(np.concatenate([[0], inactive.astype(np.int8), [0]]))
        runs = np.flatnonzero(d == -1) - np.flatnonzero(d == 1)
        paused = int(runs[runs * hop >= self.min_pause].sum())
        total = len(inactive)
        speaking = (total - paused) * hop
        cues["pause_ratio"] = paused / total
        cues["voiced_ratio"] = float(np.mean(~np.isnan(seg_f0[span])))
        if speaking >= 0.1:
            cues["syllable_rate"] = float(nuclei[i0:i1][span].sum() / speaking)
        return cues


def add_relative(df: pd.DataFrame, speakers: Sequence[str | None]) -> pd.DataFrame:
    """Add each RELATIVE cue's column, against the median of the same speaker's segments."""
    import pandas as pd

    out = df.copy()
    groups = pd.Series(["" if s is None else f"s:{s}" for s in speakers], index=df.index)
    for cue, (col, how) in RELATIVE.items():
        if cue not in df:
            continue
        median = df[cue].groupby(groups.to_numpy()).transform("median")
        if how == "ratio":
            rel = df[cue] / median.where(median > 0) - 1.0
        else:
            rel = df[cue] - median
        out[col] = rel.astype(np.float64)
    return out
