"""The main job as one pipeline: probe -> decode -> utterances -> per-modality readings ->
fusion and explanations -> record.

Every input goes through the same stages; a stage that does not apply to it (faces of a
transcript, the voice of a video without sound) is skipped, and the record says why where a
reader would look for it (a segment's ``errors``). Each stage reads and fills one ``Job``, the
state of one input on its way through; ``stages()`` gives their order, then ``record.assemble``
builds the record. A new modality or task
(screening) is one more ``Stage`` here, reading what the earlier ones left in the job.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from affectkit.analysis.options import Options
from affectkit.core.data import Segment
from affectkit.core.timing import Timer


@dataclass
class Job:
    """One input on its way through the pipeline. ``kind``: transcript, audio or video;
    ``channels``: the modalities it offers; ``audio``: decoded samples (None: no usable audio,
    ``no_voice`` says why); ``faces``: a video's face timeline; ``utterances``: how they were
    found; ``text``/``voice``/``face``: per-utterance readings; ``segments``: the record's
    segments; ``errors``: record-level problems (what a damaged file lost)."""

    source: str
    kind: str
    opts: Options
    timer: Timer
    transcript: str | Path | None = None
    segments_in: Sequence[Segment] | None = None
    has_audio: bool = False
    audio: np.ndarray | None = None
    sr: int = 16000
    no_voice: str | None = None
    faces: Any = None
    duration: float | None = None
    utterances: Any = None
    text: dict[int, tuple] = field(default_factory=dict)
    voice: list[tuple[dict | None, str | None]] | None = None
    face: list[tuple[dict | None, str | None]] | None = None
    segments: list[dict] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    screening: dict | None = None
    pending_faces: Any = None  # the face timeline while it is read in the background (analysis.decode)

    @property
    def channels(self) -> set[str]:
        return {"text"} | ({"voice"} if self.kind in ("audio", "video") else set()) | \
            ({"face"} if self.kind == "video" else set())

    def say(self, msg: str) -> None:
        if self.opts.note is not None:
            self.opts.note(msg)


@dataclass(frozen=True)
class Stage:
    """One step: ``run(job)`` when ``applies(job)``."""

    name: str
    run: Callable[[Job], None]
    applies: Callable[[Job], bool] = lambda job: True


def stages() -> tuple[Stage, ...]:
    """The pipeline's stages, in order (after ``start``'s probe)."""
    from affectkit.analysis import decode, readings, record, screening, utterances

    return (
        Stage("decode", decode.decode),
        Stage("utterances", utterances.find),
        Stage("voice", readings.read_voice, lambda job: "voice" in job.channels),
        Stage("text", readings.read_text, lambda job: any(s.text.strip() for s in job.utterances.segments)),
        Stage("faces", decode.finish_faces, lambda job: job.pending_faces is not None),
        Stage("face", readings.read_face, lambda job: job.faces is not None),
        Stage("fusion", record.fuse_utterances),
        Stage("screen", screening.screen, lambda job: job.opts.screen),
    )


def run(path: str | Path | Sequence[Segment], transcript: str | Path | None = None,
        options: Options | None = None) -> dict:
    """The analysis record of one input: a transcript, audio or video file (what it is comes
    from its content: ``io.probe``), or utterances already in memory (a list of ``Segment``).
    AffectkitError (typed, naming the file) for an unusable input. The record follows
    ``affectkit.schema`` (checked and completed by ``conform``)."""
    from affectkit.analysis.record import assemble

    opts = options or Options()
    job = start(path, transcript, opts)
    try:
        for stage in stages():
            if stage.applies(job):
                stage.run(job)
    except Exception:
        from affectkit.analysis.decode import abandon_faces

        abandon_faces(job)  # a face error is raised first, as in the sequential order
        raise
    doc = assemble(job)
    if opts.timings:
        doc["timings"] = job.timer.as_dict()
    return doc


def start(path: str | Path | Sequence[Segment], transcript: str | Path | None, opts: Options) -> Job:
    """The job for one input, probed by content within the limits (the ``probe`` stage)."""
    from affectkit.core.errors import AudioError, InputError
    from affectkit.io.probe import Limits, check_transcript, probe_input

    timer = opts.timer or Timer()
    opts = replace(opts, timer=timer, limits=opts.limits or Limits.from_env())  # the caller's Options stay as given
    if not isinstance(path, (str, Path)):
        if transcript is not None:
            raise InputError("a transcript goes with an audio or video file, not with utterances in memory")
        return Job(source="<utterances>", kind="transcript", opts=opts, timer=timer, segments_in=list(path))
    with timer.stage("probe"):
        info = probe_input(path, opts.limits)
        if transcript is not None:
            check_transcript(transcript, opts.limits)
    kind = info.kind
    if kind == "transcript" and transcript is not None:
        raise InputError(f"{path}: is a transcript itself; a transcript goes with an audio or video file")
    if kind == "video" and not (opts.faces and _face_reader(opts)):
        kind = "audio"
        if not info.has_audio:
            raise AudioError(str(path), "a video without an audio track: reading its pictures needs the face "
                                        "extra (pip install 'affectkit[face]')")
    return Job(source=str(path), kind=kind, opts=opts, timer=timer, transcript=transcript, has_audio=info.has_audio,
               duration=info.duration)


def _face_reader(opts: Options) -> bool:
    """True when the face extra (PyAV, OpenCV) is installed; else says why there is no face reading."""
    from affectkit.core.errors import DependencyError
    from affectkit.io.video import _av, _cv2

    try:
        _av()
        _cv2()
    except DependencyError as exc:
        if opts.note is not None:
            opts.note(f"no face reading: {exc}")
        return False
    return True
