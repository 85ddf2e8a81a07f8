"""The decode stage: a recording's audio at 16 kHz mono and, for video, its face timeline (frames
sampled, faces detected, followed and read). What a damaged file lost goes into the job's errors
and is said as a warning; a transcript has nothing to decode.

A video with sound reads its faces in a background thread while this one decodes the audio, finds
the utterances (speech-to-text) and reads voice and words; ``finish_faces`` (its own pipeline stage,
just before the face readings) waits for it. Why: the face timeline needs nothing the audio path
makes, and the two spend most of their time in native code that releases the GIL (CTranslate2,
ONNX Runtime, MediaPipe, FFmpeg): on 2 cores the faces and speech-to-text of a 13 s clip took
4.4 s together against 5.2 s in turn (measured by hand; ``bench/short_clip.py`` times the whole
command). ``AFFECTKIT_THREADS=1`` (one core to use) reads them one after the other, and so does the torch comparison path (``AFFECTKIT_BACKEND=torch``): its int8 face model is built by
torch.fx tracing, which patches ``torch.nn.Module.__call__`` for the whole process, so the text model
running in the other thread meanwhile failed (NameError "module is not installed as a submodule").
The record is the same either way: the thread only computes the timeline; the job is filled, and
the notes and warnings said, in this thread, and a face error that would have come first in the
sequential order still comes first.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from affectkit.analysis.pipeline import Job
from affectkit.core.errors import AudioError


def decode(job: Job) -> None:
    """The whole stage: the face timeline (in the background where ``concurrent_faces``), then
    the audio, then ``warn``. Split so that an engine can run the face part where the face model
    is loaded (``engine.ray``): ``decode_faces``, ``decode_audio``."""
    if concurrent_faces(job):
        _start_faces(job)
        decode_audio(job)
        if job.audio is None:  # no voice to read meanwhile: the timeline is needed now (its duration)
            finish_faces(job, say_damage=False)  # warn, below, says it
    else:
        decode_faces(job)
        decode_audio(job)
    warn(job)


def concurrent_faces(job: Job) -> bool:
    """True for a video with sound, unless ``AFFECTKIT_THREADS`` is 1 or the backend is torch."""
    return (job.kind == "video" and job.has_audio and os.environ.get("AFFECTKIT_THREADS", "").strip() != "1"
            and os.environ.get("AFFECTKIT_BACKEND", "").strip().lower() != "torch")


def warn(job: Job) -> None:
    """Say what a damaged file lost (one warning per line of the job's errors)."""
    for line in job.errors:
        job.say(f"warning: {line}")


def decode_faces(job: Job) -> None:
    """A video's face timeline (frames sampled, faces found, followed and read); nothing for others."""
    if job.kind == "video":
        info = _probe_video(job)
        _use_faces(job, info, _timeline(job, job.timer), len(job.errors))


def _timeline(job: Job, timer: Any) -> Any:
    from affectkit.recognize.face_timeline import face_timeline

    opts = job.opts
    return face_timeline(job.source, fps=opts.fps, model=opts.face_model, timer=timer, landmarks=opts.landmarks,
                         detector=opts.face_detector)


def _probe_video(job: Job) -> Any:
    from affectkit.core.errors import VideoError
    from affectkit.io.video import probe_video

    with job.timer.stage("probe"):
        info = probe_video(job.source)  # VideoError when not a single frame decodes
    if info.duration is not None and info.duration > job.opts.limits.max_duration:
        raise VideoError(job.source, f"is {info.duration:.0f} s long; recordings over "
                                     f"{job.opts.limits.max_duration:g} s are refused (raise --max-duration or "
                                     f"AFFECTKIT_MAX_DURATION)")
    return info


def _use_faces(job: Job, info: Any, tl: Any, errors_at: int) -> None:
    """Fill the job with the timeline: its note, the duration (the audio's once decoded), and its
    damage at ``errors_at`` in the job's errors (where the sequential order puts it)."""
    job.say(f"{len(tl.times)} frames sampled at {job.opts.fps:g} fps, a face in {tl.frames_with_face}")
    job.faces = tl
    job.has_audio = info.has_audio
    job.duration = max(info.duration or 0.0, tl.duration) if job.audio is None else len(job.audio) / job.sr
    if tl.damage:
        job.errors.insert(errors_at, tl.damage)


class _FaceThread(threading.Thread):
    """The face timeline of ``job`` computed in the background, under its own Timer (a Timer's stage
    stack belongs to one thread), whose seconds ``finish_faces`` adds to the job's."""

    def __init__(self, job: Job, info: Any) -> None:
        from affectkit.core.timing import Timer

        super().__init__(name="affectkit-faces", daemon=True)  # daemon: Ctrl-C does not wait for it
        self.job, self.info, self.timer = job, info, Timer()
        self.errors_at = len(job.errors)
        self.timeline: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.timeline = _timeline(self.job, self.timer)
        except BaseException as exc:  # noqa: BLE001 - handed to the pipeline's thread, raised there
            self.error = exc


def _start_faces(job: Job) -> None:
    info = _probe_video(job)  # here: a file too long is refused before any work starts
    job.pending_faces = _FaceThread(job, info)
    job.pending_faces.start()


def finish_faces(job: Job, say_damage: bool = True) -> None:
    """Wait for the background face timeline and fill the job with it (its note and, with
    ``say_damage``, its damage warning said here); its error, if it failed, is raised here.
    Nothing when none is pending."""
    thread, job.pending_faces = job.pending_faces, None
    if thread is None:
        return
    if thread.is_alive() and job.timer.listener is not None:
        job.timer.listener.begin("face.detect", None)  # what the progress bar waits for now
    thread.join()
    job.timer.merge(thread.timer)
    if thread.error is not None:
        raise thread.error
    _use_faces(job, thread.info, thread.timeline, thread.errors_at)
    if say_damage and thread.timeline.damage:
        job.say(f"warning: {thread.timeline.damage}")


def abandon_faces(job: Job) -> None:
    """After an error in the pipeline's thread: wait for a pending face timeline and raise its error
    if it failed (sequentially it would have been raised first); else return, so the caller raises
    its own."""
    thread, job.pending_faces = job.pending_faces, None
    if thread is not None:
        thread.join()
        if thread.error is not None:
            raise thread.error


def decode_audio(job: Job) -> None:
    """A recording's audio at 16 kHz mono; nothing for a transcript."""
    if job.kind in ("audio", "video"):
        _audio(job)


def _audio(job: Job) -> None:
    from affectkit.io.audio import decode_audio

    if not job.has_audio:
        job.no_voice = "the video has no audio track"
        return
    try:
        with job.timer.stage("decode.audio"):
            audio = decode_audio(job.source, max_duration=job.opts.limits.max_duration)
    except AudioError as exc:
        if job.kind == "audio":
            raise
        job.no_voice = exc.reason  # a video is still read from its faces
        return
    job.audio, job.sr = audio.samples, audio.sr
    job.duration = len(audio.samples) / audio.sr
    if audio.damage:
        job.errors.append(audio.damage)
