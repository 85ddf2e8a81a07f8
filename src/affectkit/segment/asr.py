"""Utterances from speech-to-text: Whisper-base through faster-whisper (the ``asr`` extra).

Each utterance is a ``Segment`` with its text and its words' timings (``Segment.words``).
faster-whisper's bundled Silero VAD (``vad_filter=True``) skips the silences, so long pauses
neither cost decoding time nor invite Whisper's hallucinated text. The model loads from the
local folder ``store.whisper_files`` joins (never a hub name: nothing is downloaded), once per
process. faster_whisper is imported only here, on first use: affectkit works without it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.core.data import Segment, Word
from affectkit.core.errors import DependencyError, InputError
from affectkit.io.audio import SAMPLE_RATE, load_audio

MODEL_NAME = "whisper-base"


@dataclass(frozen=True)
class Transcription:
    """What speech-to-text heard: utterances in time order (empty when no speech), the language
    used (given, or detected with ``language_probability``) and the audio's duration (s)."""

    segments: list[Segment] = field(default_factory=list)
    language: str | None = None
    language_probability: float | None = None
    duration: float = 0.0


@functools.lru_cache(maxsize=1)
def whisper_model() -> Any:
    """The bundled Whisper-base (faster_whisper.WhisperModel), loaded once per process; its language
    detection shares the first window's encoder pass with the decoding (``segment.whisper_once``).
    DependencyError naming ``affectkit[asr]`` when the extra is not installed."""
    from affectkit.store.whisper_files import load_whisper

    try:
        from affectkit.segment.whisper_once import one_encode_whisper

        cls = one_encode_whisper()
    except ImportError:
        cls = None  # load_whisper names the extra
    return load_whisper(cls=cls)


def check_language(language: str, model: Any = None) -> str:
    """``language`` as Whisper's code (``en``, ``de``...), or InputError listing the valid ones."""
    code = language.strip().lower()
    known = list((model or whisper_model()).supported_languages)
    if code not in known:
        raise InputError(f"unknown speech-to-text language {language!r}; use a code such as "
                         f"en, de, fr, es (all {len(known)}: {' '.join(sorted(known))})")
    return code


def _signal(audio: np.ndarray | str | Path, sr: int) -> np.ndarray:
    if isinstance(audio, (str, Path)):
        return load_audio(audio, SAMPLE_RATE)[0]
    if sr != SAMPLE_RATE:
        raise InputError(f"speech-to-text needs {SAMPLE_RATE} Hz audio, got {sr} Hz "
                         f"(affectkit.io.audio.load_audio decodes and resamples any file)")
    x = np.asarray(audio)
    if x.ndim != 1 or not np.issubdtype(x.dtype, np.floating):
        raise InputError(f"speech-to-text needs mono float samples (1-D), got a {x.dtype} array of shape {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32)


def _segment(seg: Any, index: int, duration: float) -> Segment | None:
    """One faster-whisper segment as ours: stripped text, times clipped to the audio and taken
    from its words when it has any (Whisper's segment times are coarser)."""
    text = " ".join(seg.text.split())
    if not text:
        return None
    words = tuple(Word(w.word.strip(), round(max(0.0, min(float(w.start), duration)), 3),
                       round(max(0.0, min(float(w.end), duration)), 3), round(float(w.probability), 4))
                  for w in (seg.words or []) if w.word.strip())
    start = words[0].start if words else float(seg.start)
    end = words[-1].end if words else float(seg.end)
    start, end = max(0.0, min(start, duration)), min(end, duration)
    if start >= duration:
        return None
    end = max(end, min(start + 0.01, duration))  # never a zero-length utterance
    return Segment(text, round(start, 3), round(end, 3), None, index, words)


def transcribe(audio: np.ndarray | str | Path, *, language: str | None = None, sr: int = SAMPLE_RATE,
               model: Any = None) -> Transcription:
    """Speech-to-text with word timestamps for a decoded 16 kHz mono float32 signal or a file.

    ``language``: Whisper's code (``en``...), detected from the first 30 s when None.
    ``model``: a faster_whisper.WhisperModel (default: the bundled Whisper-base, loaded once).
    A recording without speech gives ``Transcription(segments=[])``; deciding what that means
    is the caller's job. Raises DependencyError without the ``asr`` extra, InputError (AudioError)
    for unusable audio or an unknown language.
    """
    x = _signal(audio, sr)
    model = model or whisper_model()
    code = check_language(language, model) if language else None
    pieces, info = model.transcribe(x, language=code, vad_filter=True, word_timestamps=True)
    duration = len(x) / SAMPLE_RATE
    segments: list[Segment] = []
    for piece in pieces:  # a generator: decoding happens here
        seg = _segment(piece, len(segments), duration)
        if seg is not None:
            segments.append(seg)
    return Transcription(segments, info.language, round(float(info.language_probability), 4), duration)


CACHE_NAME, CACHE_VERSION = "segment.asr", "1"


def transcribe_cached(path: str | Path, x: np.ndarray, *, language: str | None = None, cache: Any = None,
                      sr: int = SAMPLE_RATE) -> Transcription:
    """``transcribe(x)`` for the decoded ``path``, read back from a FeatureCache when this file's
    content was transcribed before with the same model and language (a second run is instant)."""
    if cache is None:
        return transcribe(x, language=language, sr=sr)
    try:  # without the extra there is no speech-to-text, cached or not: behave the same either way
        import faster_whisper  # noqa: F401
    except ImportError as exc:
        raise DependencyError("speech-to-text needs faster-whisper; install it with: pip install 'affectkit[asr]'") from exc
    import json

    import pandas as pd

    from affectkit.store.cache import file_sha256

    key = cache.key(file_sha256(path), CACHE_NAME, f"{MODEL_NAME}@{CACHE_VERSION}", {"language": language})
    df = cache.load(CACHE_NAME, key)
    if df is not None and len(df):
        segments = [Segment(str(r.text), float(r.start), float(r.end), None, i,
                            tuple(Word(*w) for w in json.loads(str(r.words))))
                    for i, r in enumerate(df.itertuples(index=False))]
        first = df.iloc[0]
        return Transcription(segments, str(first.language), float(first.language_probability), float(first.duration))
    heard = transcribe(x, language=language, sr=sr)
    if heard.segments:  # "no speech" is not stored: the caller reports it as an error anyway
        cache.save(CACHE_NAME, key, pd.DataFrame({
            "text": [sg.text for sg in heard.segments], "start": [sg.start for sg in heard.segments],
            "end": [sg.end for sg in heard.segments],
            "words": [json.dumps([[w.text, w.start, w.end, w.probability] for w in sg.words]) for sg in heard.segments],
            "language": heard.language, "language_probability": heard.language_probability,
            "duration": heard.duration}))
    return heard

