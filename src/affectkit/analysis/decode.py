"""The decode stage: a recording's audio at 16 kHz mono and, for video, its face timeline (frames
sampled, faces detected, followed and read). What a damaged file lost goes into the job's errors
and is said as a warning; a transcript has nothing to decode."""
from __future__ import annotations

from affectkit.analysis.pipeline import Job
from affectkit.core.errors import AudioError


def decode(job: Job) -> None:
    """The whole stage: ``decode_faces``, then ``decode_audio`` (the order matters: the face
    timeline sets the duration the audio then refines), then ``warn``. Split in three so that an
    engine can run the face part where the face model is loaded (``engine.ray``)."""
    decode_faces(job)
    decode_audio(job)
    warn(job)


def warn(job: Job) -> None:
    """Say what a damaged file lost (one warning per line of the job's errors)."""
    for line in job.errors:
        job.say(f"warning: {line}")


def decode_faces(job: Job) -> None:
    """A video's face timeline (frames sampled, faces found, followed and read); nothing for others."""
    if job.kind == "video":
        _faces(job)


def decode_audio(job: Job) -> None:
    """A recording's audio at 16 kHz mono; nothing for a transcript."""
    if job.kind in ("audio", "video"):
        _audio(job)


def _faces(job: Job) -> None:
    from affectkit.core.errors import VideoError
    from affectkit.io.video import probe_video
    from affectkit.recognize.face_timeline import face_timeline

    opts = job.opts
    with job.timer.stage("probe"):
        info = probe_video(job.source)  # VideoError when not a single frame decodes
    if info.duration is not None and info.duration > opts.limits.max_duration:
        raise VideoError(job.source, f"is {info.duration:.0f} s long; recordings over {opts.limits.max_duration:g} s "
                                     f"are refused (raise --max-duration or AFFECTKIT_MAX_DURATION)")
    tl = face_timeline(job.source, fps=opts.fps, model=opts.face_model, timer=job.timer, landmarks=opts.landmarks,
                       detector=opts.face_detector)
    job.say(f"{len(tl.times)} frames sampled at {opts.fps:g} fps, a face in {tl.frames_with_face}")
    job.faces = tl
    job.has_audio = info.has_audio
    job.duration = max(info.duration or 0.0, tl.duration)
    if tl.damage:
        job.errors.append(tl.damage)


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
