"""The utterances stage: where each utterance starts and ends, and its words.

In order of preference: the input's own lines (a transcript); the timestamps of a transcript given
with a recording; speech-to-text with word timings (the ``asr`` extra); voice-activity
segmentation (no text then); for a video without usable speech, fixed windows. The record says
which, under ``segmentation``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.analysis.pipeline import Job
from affectkit.core.data import Segment
from affectkit.core.errors import AudioError, DependencyError
from affectkit.core.timing import Timer


@dataclass(frozen=True)
class Utterances:
    """A recording's utterances and how they were found: ``method`` is ``transcript``, ``asr``,
    ``vad`` or ``windows``; ``detail`` goes into the record; ``note`` is one line for the user."""

    segments: list[Segment]
    method: str
    detail: dict = field(default_factory=dict)
    note: str = ""


def find(job: Job) -> None:
    """Fill ``job.utterances`` (and say how they were found)."""
    opts, limits = job.opts, job.opts.limits
    if job.kind == "transcript":
        job.utterances = _own_lines(job)
        return
    found = None
    if job.audio is not None:
        try:
            found = find_utterances(job.source, job.audio, job.sr, transcript=job.transcript,
                                    transcript_format=opts.transcript_format, asr=opts.asr, language=opts.language,
                                    cache=opts.cache, limits=limits, timer=job.timer)
        except AudioError as exc:
            if job.kind == "audio" or job.transcript is not None:
                raise
            job.no_voice, job.audio = exc.reason, None  # a video without speech: read from its faces
    if found is None:
        found = _video_utterances(job)
    job.say(found.note)
    if found.method == "asr" and found.detail.get("language") != "en":
        job.say(f"note: the text model reads English; the text readings of {found.detail.get('language')} "
                f"speech are unreliable")
    job.utterances = found


def _own_lines(job: Job) -> Utterances:
    from affectkit.io.transcripts import read_transcript

    if job.segments_in is not None:
        return Utterances(list(job.segments_in), "transcript", None)
    with job.timer.stage("segment"):
        segments = read_transcript(job.source, job.opts.transcript_format, max_bytes=job.opts.limits.transcript_bytes)
    return Utterances(segments, "transcript", {"method": "transcript", "transcript": job.source})


def _video_utterances(job: Job) -> Utterances:
    """A video without usable audio: the transcript's times, else fixed windows."""
    if job.transcript is not None:
        from affectkit.segment.vad import segments_from_transcript

        with job.timer.stage("segment"):
            segments = segments_from_transcript(_read_transcript(job.transcript, job.opts.transcript_format,
                                                                 job.opts.limits), job.duration, job.source)
        return Utterances(segments, "transcript", {"method": "transcript", "transcript": str(job.transcript)},
                          f"{len(segments)} utterances from the timestamps of {job.transcript}")
    window = job.opts.window
    segments = fixed_windows(job.duration or 0.0, window)
    return Utterances(segments, "windows", {"method": "windows", "window": window, "no_voice": job.no_voice},
                      f"{len(segments)} fixed {window:g} s windows ({job.no_voice})")


def find_utterances(path: str | Path, x: np.ndarray, sr: int, *, transcript: str | Path | None = None,
                    transcript_format: str | None = None, asr: bool | None = None,
                    language: str | None = None, cache: Any = None, limits: Any = None,
                    timer: Timer | None = None) -> Utterances:
    """Utterances of the decoded recording ``x`` (from ``path``): the ``transcript``'s timed
    segments if given; else speech-to-text (``asr``: None = when installed, True = required,
    False = never); else voice-activity segmentation. AudioError when no speech is found.
    ``limits``: the transcript's size limit; ``timer``: the time counts as ``segment``."""
    with (timer or Timer()).stage("segment"):
        return _find_utterances(path, x, sr, transcript, transcript_format, asr, language, cache, limits)


def _read_transcript(transcript: str | Path, transcript_format: str | None, limits: Any):
    from affectkit.io.transcripts import read_transcript

    return read_transcript(transcript, transcript_format, max_bytes=limits.transcript_bytes if limits else None)


def _find_utterances(path, x, sr, transcript, transcript_format, asr, language, cache, limits) -> Utterances:
    from affectkit.segment.vad import segments_from_transcript, vad_segments

    duration = len(x) / sr
    if transcript is not None:
        segments = segments_from_transcript(_read_transcript(transcript, transcript_format, limits), duration,
                                            str(path))
        return Utterances(segments, "transcript", {"method": "transcript", "transcript": str(transcript)},
                          f"{len(segments)} utterances from the timestamps of {transcript}")
    no_text = "speech-to-text turned off (--no-asr)"
    if asr is not False:
        from affectkit.segment.asr import MODEL_NAME, transcribe_cached

        try:
            heard = transcribe_cached(path, x, sr=sr, language=language, cache=cache)
        except DependencyError as exc:
            if asr:
                raise
            no_text = str(exc)
        else:
            if not heard.segments:
                raise AudioError(str(path), f"no speech found: speech-to-text ({MODEL_NAME}) heard no words "
                                            f"in its {duration:.2f} s")
            given = "given" if language else f"detected, p={heard.language_probability:.2f}"
            return Utterances(heard.segments, "asr",
                              {"method": "asr", "model": MODEL_NAME, "language": heard.language,
                               "language_probability": heard.language_probability},
                              f"{len(heard.segments)} utterances from speech-to-text ({MODEL_NAME}, "
                              f"language {heard.language}, {given})")
    segments = vad_segments(x, sr)
    if not segments:
        raise AudioError(str(path), f"no speech found: voice-activity detection found no utterance in its {duration:.2f} s")
    return Utterances(segments, "vad", {"method": "vad", "no_text": no_text},
                      f"{len(segments)} utterances from voice-activity segmentation; no text: {no_text}")


def fixed_windows(duration: float, window: float = 2.0) -> list[Segment]:
    """Consecutive windows of ``window`` seconds over [0, duration] (the last one shorter)."""
    if not window > 0:
        raise ValueError(f"window must be positive, got {window}")
    out, t, i = [], 0.0, 0
    while t < duration - 1e-6:
        out.append(Segment(text="", start=round(t, 3), end=round(min(duration, t + window), 3), index=i))
        t += window
        i += 1
    return out
