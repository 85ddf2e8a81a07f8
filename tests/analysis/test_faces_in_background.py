"""A video with sound reads its faces in a background thread while the audio path runs
(analysis.decode): the record is the one the sequential order gives, the timings include the
face work, and a face error is raised as the sequential order raises it."""
import dataclasses
import threading

import pytest

from conftest import FACES, face_canvas, gray_video

pytest.importorskip("cv2")
pytest.importorskip("av")

from affectkit.analysis import decode, pipeline  # noqa: E402
from affectkit.analysis.options import Options  # noqa: E402
from affectkit.core.errors import AudioError, VideoError  # noqa: E402


@pytest.fixture(scope="module")
def talking_clip(tmp_path_factory, utterance):
    """A FER2013 face throughout, espeak speech as the soundtrack, and its transcript."""
    import wave

    with wave.open(str(utterance)) as w:
        seconds = w.getnframes() / w.getframerate()
    folder = tmp_path_factory.mktemp("clip")
    face = face_canvas(FACES / "fer_happy.png")
    clip = gray_video(folder / "talk.mp4", [face] * int(seconds * 10), 10, utterance)
    srt = folder / "talk.srt"
    srt.write_text(f"1\n00:00:00,000 --> 00:00:0{min(9, int(seconds))},{int(seconds % 1 * 1000):03d}\n"
                   "I really did not expect to see you here today.\n")
    return clip, srt


def _record(clip, srt, notes=None):
    opts = Options(cache=None, timings=True, note=None if notes is None else notes.append)
    doc = pipeline.run(clip, srt, opts)
    timings = doc.pop("timings")
    return doc, timings


def test_background_faces_give_the_sequential_record(talking_clip, monkeypatch):
    clip, srt = talking_clip
    started = []
    real_start = decode._start_faces
    monkeypatch.setattr(decode, "_start_faces", lambda job: (started.append(job.source), real_start(job)))
    notes_bg: list[str] = []
    background, timings = _record(clip, srt, notes_bg)
    assert started == [str(clip)]  # the concurrent path ran
    assert timings["face.detect"] > 0 and timings["face.recognize"] > 0  # the thread's seconds, merged

    monkeypatch.setenv("AFFECTKIT_THREADS", "1")
    notes_seq: list[str] = []
    sequential, _ = _record(clip, srt, notes_seq)
    assert started == [str(clip)]  # not started again: one thread asked for, one after the other
    assert background == sequential
    assert sorted(notes_bg) == sorted(notes_seq)
    assert background["modalities"] == ["text", "voice", "face"]
    assert background["segments"][0]["face_emotion"]["face_seen"] > 0.9


def test_no_thread_for_a_transcript_or_a_silent_video(talking_clip, monkeypatch):
    job = pipeline.Job(source="x.srt", kind="transcript", opts=Options(), timer=None)
    assert not decode.concurrent_faces(job)
    job = pipeline.Job(source="x.mp4", kind="video", opts=Options(), timer=None, has_audio=False)
    assert not decode.concurrent_faces(job)
    job = pipeline.Job(source="x.mp4", kind="video", opts=Options(), timer=None, has_audio=True)
    assert decode.concurrent_faces(job)
    monkeypatch.setenv("AFFECTKIT_BACKEND", "torch")
    assert not decode.concurrent_faces(job)
    monkeypatch.setenv("AFFECTKIT_BACKEND", "onnx")
    assert decode.concurrent_faces(job)
    monkeypatch.setenv("AFFECTKIT_THREADS", "1")
    assert not decode.concurrent_faces(job)


def test_a_face_error_is_raised_where_the_faces_are_needed(talking_clip, monkeypatch):
    clip, srt = talking_clip
    ran_in = []

    def broken(job, timer):
        ran_in.append(threading.current_thread().name)
        raise VideoError(job.source, "frame 3 is unreadable (test)")

    monkeypatch.setattr(decode, "_timeline", broken)
    with pytest.raises(VideoError, match="unreadable"):
        pipeline.run(clip, srt, Options(cache=None))
    assert ran_in == ["affectkit-faces"]


def test_a_face_error_comes_before_an_error_of_the_audio_path(talking_clip, monkeypatch):
    """Sequentially the faces are read first, so their error is the one the caller sees, even when
    the audio path fails first in time."""
    clip, srt = talking_clip
    gate = threading.Event()

    def slow_broken(job, timer):
        gate.wait(10)
        raise VideoError(job.source, "frame 3 is unreadable (test)")

    def audio_fails(job):
        gate.set()
        raise AudioError(job.source, "the audio track is corrupt (test)")

    monkeypatch.setattr(decode, "_timeline", slow_broken)
    monkeypatch.setattr(decode, "decode_audio", audio_fails)
    with pytest.raises(VideoError, match="unreadable"):
        pipeline.run(clip, srt, Options(cache=None))

    monkeypatch.setattr(decode, "_timeline", _real_timeline)
    with pytest.raises(AudioError, match="corrupt"):  # the faces were fine: the audio's error stands
        pipeline.run(clip, srt, Options(cache=None))


def _real_timeline(job, timer):
    from affectkit.recognize.face_timeline import face_timeline

    return face_timeline(job.source, fps=job.opts.fps, timer=timer)


def test_face_damage_keeps_its_place_before_the_audio_damage(talking_clip, monkeypatch):
    clip, srt = talking_clip
    from affectkit.io import audio as audio_io

    def damaged_timeline(job, timer):
        return dataclasses.replace(_real_timeline(job, timer), damage="video: 2 frames undecodable (test)")

    real_decode_audio = audio_io.decode_audio

    def damaged_audio(*a, **k):
        return dataclasses.replace(real_decode_audio(*a, **k), damage="audio: 0.1 s undecodable (test)")

    monkeypatch.setattr(decode, "_timeline", damaged_timeline)
    monkeypatch.setattr(audio_io, "decode_audio", damaged_audio)
    notes: list[str] = []
    doc = pipeline.run(clip, srt, Options(cache=None, note=notes.append))
    assert doc["errors"][:2] == ["video: 2 frames undecodable (test)", "audio: 0.1 s undecodable (test)"]
    warnings = [n for n in notes if n.startswith("warning:")]
    assert sorted(warnings) == ["warning: audio: 0.1 s undecodable (test)",
                                "warning: video: 2 frames undecodable (test)"]


def test_a_video_whose_sound_fails_is_read_from_its_faces_and_warned_once(talking_clip, monkeypatch):
    clip, srt = talking_clip
    from affectkit.io import audio as audio_io

    def damaged_timeline(job, timer):
        return dataclasses.replace(_real_timeline(job, timer), damage="video: 2 frames undecodable (test)")

    def no_sound(*a, **k):
        raise AudioError(str(clip), "the audio track is corrupt (test)")

    monkeypatch.setattr(decode, "_timeline", damaged_timeline)
    monkeypatch.setattr(audio_io, "decode_audio", no_sound)
    notes: list[str] = []
    doc = pipeline.run(clip, srt, Options(cache=None, note=notes.append))
    assert notes.count("warning: video: 2 frames undecodable (test)") == 1
    assert doc["modalities"] == ["text", "face"] and doc["duration"] > 0
    assert any("corrupt" in e for e in doc["segments"][0]["errors"])
