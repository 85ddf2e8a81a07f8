"""Video and image decoding: sampling rate, rotation metadata, typed errors naming the file."""
import numpy as np
import pytest

from affectkit.core.errors import InputError, VideoError
from affectkit.io.video import has_video_stream, iter_frames, probe_video, read_image, read_pictures


@pytest.fixture(scope="session")
def clip(media):
    """2 s of FFmpeg's test pattern, 320x240 at 10 fps (H.264)."""
    return media.ffmpeg("pattern.mp4", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "2",
                        "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast")


def test_frames_are_sampled_at_the_chosen_rate(clip):
    frames = list(iter_frames(clip, fps=5))
    assert [f.t for f in frames] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8])
    assert frames[0].image.shape == (240, 320, 3) and frames[0].image.dtype == np.uint8
    assert len(list(iter_frames(clip, fps=None))) == 20  # every frame
    small = next(iter_frames(clip, fps=5, gray=True, max_side=160))
    assert small.image.shape == (120, 160)
    info = probe_video(clip)
    assert (info.width, info.height, info.rotation, info.has_audio) == (320, 240, 0, False)
    assert info.duration == pytest.approx(2.0, abs=0.1) and info.fps == pytest.approx(10)


def test_rotation_metadata_is_applied_as_ffmpeg_does(media, clip):
    """A phone-style file: pictures stored landscape with a 90-degree display matrix. Our frame
    must equal FFmpeg's own auto-rotated decoding of the same frame."""
    import cv2

    rotated = media.ffmpeg("rotated.mp4", "-i", str(clip), "-c", "copy", "-metadata:s:v:0", "rotate=90")
    reference = media.ffmpeg("rotated_first.png", "-i", str(rotated), "-frames:v", "1")
    frame = next(iter_frames(rotated))
    assert frame.image.shape == (320, 240, 3)  # upright: portrait
    ref = cv2.imread(str(reference))
    assert np.abs(frame.image.astype(int) - ref).mean() < 1.0
    plain = next(iter_frames(clip)).image
    assert np.abs(np.rot90(plain, k=1).astype(int) - frame.image).mean() < 1.0  # turned a quarter counter-clockwise
    info = probe_video(rotated)
    assert (info.width, info.height, info.rotation) == (240, 320, 270)


def test_bad_files_raise_video_errors_naming_the_file(tmp_path, media, utterance):
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    audio_only = media.ffmpeg("voice_only.mp4", "-i", str(utterance), "-c:a", "aac")
    cases = {corrupt: "corrupt", empty: "empty", tmp_path / "missing.mp4": "no such file",
             audio_only: "no video stream", tmp_path: "directory"}
    for path, words in cases.items():
        with pytest.raises(VideoError) as e:
            list(iter_frames(path))
        assert str(path) in str(e.value) and words in str(e.value)
        assert isinstance(e.value, InputError)
    assert not has_video_stream(audio_only) and not has_video_stream(corrupt) and has_video_stream(media.root / "voice_only.mp4") is False
    bad_png = tmp_path / "bad.png"
    bad_png.write_bytes(b"\x89PNG not really")
    with pytest.raises(VideoError, match="cannot be read as an image"):
        read_image(bad_png)


def test_images_are_one_frame(tmp_path):
    import cv2

    img = np.zeros((60, 80, 3), np.uint8)
    img[:, :40] = 255
    path = tmp_path / "half.png"
    cv2.imwrite(str(path), img)
    frames = list(read_pictures(path, gray=True))
    assert len(frames) == 1 and frames[0].t == 0.0 and frames[0].image.shape == (60, 80)
    assert frames[0].image[:, :40].min() == 255 and frames[0].image[:, 40:].max() == 0


def _anamorphic_clip(path, picture, sar):
    """An H.264 clip written with PyAV whose stored pictures are ``picture`` squeezed by ``sar``
    horizontally, with that sample aspect ratio in the stream (as anamorphic DV/DVD video)."""
    import av
    import cv2

    h, w = picture.shape[:2]
    stored = cv2.resize(picture, (int(round(w / sar)), h), interpolation=cv2.INTER_AREA)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=5)
        s.width, s.height, s.pix_fmt = stored.shape[1], stored.shape[0], "yuv420p"
        s.codec_context.sample_aspect_ratio = sar
        for _ in range(3):
            for p in s.encode(av.VideoFrame.from_ndarray(stored, format="bgr24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def test_non_square_pixels_are_shown_at_their_display_aspect(tmp_path):
    """A 360x480 stored picture with SAR 4:3 displays 480x480: the frames come out that size, and
    the picture matches the square original, and the real face in it (examples/astronaut.jpg) is
    found where it is there, with its own proportions (the crop the CNN reads is not squeezed)."""
    from fractions import Fraction
    from pathlib import Path

    import cv2

    from affectkit.perceive.face_detect import detect_faces
    from affectkit.perceive.face_track import iou

    photo = cv2.imread(str(Path(__file__).resolve().parents[2] / "examples" / "astronaut.jpg"))
    square = np.full((480, 480, 3), 60, np.uint8)
    head = photo[10:250, 105:345]  # the astronaut's head and shoulders (face at about 70, 55, 95, 95)
    square[90:390, 150:450] = cv2.resize(head, (300, 300), interpolation=cv2.INTER_AREA)
    clip = _anamorphic_clip(tmp_path / "anamorphic.mp4", square, Fraction(4, 3))
    info = probe_video(clip)
    assert (info.width, info.height, info.sample_aspect) == (480, 480, pytest.approx(4 / 3, abs=1e-3))
    frames = list(iter_frames(clip, fps=5, gray=True))
    assert frames[0].image.shape == (480, 480)
    assert next(iter_frames(clip, gray=True, max_side=240)).image.shape == (240, 240)
    truth = detect_faces(cv2.cvtColor(square, cv2.COLOR_BGR2GRAY))
    found = detect_faces(frames[0].image)
    assert len(truth) == 1 and len(found) == 1 and iou(found[0], truth[0]) > 0.8, (found, truth)
    diff = np.abs(frames[0].image.astype(int) - cv2.cvtColor(square, cv2.COLOR_BGR2GRAY)).mean()
    assert diff < 4.0, diff  # the stored 360-wide pixels would be 120 columns short
