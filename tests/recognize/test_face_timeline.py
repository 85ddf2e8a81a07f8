"""Face detection (Haar) on real faces, tracking, and the face.expression extractor on a video."""
import numpy as np
import pytest

from conftest import FACES, face_canvas, gray_video

pytest.importorskip("cv2")
pytest.importorskip("av")

from affectkit.perceive import EXTRACTORS  # noqa: E402
from affectkit.recognize.face_timeline import face_timeline, segment_reading  # noqa: E402
from affectkit.perceive.face_detect import FaceSearch, crop_face, detect_faces  # noqa: E402
from affectkit.perceive.face_track import iou, main_track, track_faces  # noqa: E402

LABELS = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]


@pytest.mark.parametrize("name", ["fer_happy.png", "fer_surprise.png", "fer_sad.png", "fer_angry.png"])
def test_real_faces_are_found_where_they_are(name):
    canvas = face_canvas(FACES / name)  # the 48x48 crop upscaled to 160 px at (80, 40) in 320x240
    boxes = detect_faces(canvas)
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert iou((x, y, w, h), (80, 40, 160, 160)) > 0.7
    assert crop_face(canvas, boxes[0]).shape == (w, w)


def test_no_face_in_a_blank_or_noisy_picture():
    assert detect_faces(np.full((240, 320), 110, np.uint8)) == []
    rng = np.random.default_rng(0)
    assert detect_faces(rng.integers(0, 255, (240, 320), dtype=np.uint8)) == []


def test_crop_near_the_edge_is_padded():
    img = np.arange(100 * 100, dtype=np.uint32).reshape(100, 100).astype(np.uint8)
    assert crop_face(img, (-10, 80, 30, 30)).shape == (30, 30)


def test_tracking_follows_faces_and_picks_the_main_one():
    big, small = (100, 50, 80, 80), (10, 10, 20, 20)
    frames = [(i * 0.2, [(big[0] + 2 * i, big[1], 80, 80), small] if i < 5 else [(big[0] + 2 * i, big[1], 80, 80)])
              for i in range(10)]
    tracks = track_faces(frames)
    assert len(tracks) == 2 and len(tracks[0].points) == 10 and len(tracks[1].points) == 5
    assert main_track(tracks) is tracks[0]
    assert main_track(tracks, 5.0, 6.0) is None
    # a face that leaves for longer than max_gap comes back as a new track
    gap = [(0.0, [big]), (0.2, [big]), (3.0, [big])]
    assert len(track_faces(gap, max_gap=1.0)) == 2
    assert iou(big, big) == 1.0 and iou(big, small) == 0.0


def _shifted(img: np.ndarray, dx: int) -> np.ndarray:
    out = np.full_like(img, 110)
    out[:, max(0, dx):img.shape[1] + min(0, dx)] = img[:, max(0, -dx):img.shape[1] - max(0, dx)]
    return out


def test_face_search_follows_a_moving_face_with_few_full_searches():
    face = face_canvas(FACES / "fer_happy.png")  # the face at (80, 40, 160, 160)
    frames = [_shifted(face, 4 * i - 20) for i in range(12)] + [np.full_like(face, 110)] * 3 + [face]
    search = FaceSearch(full_every=5)
    found = [search(f) for f in frames]
    for i in range(12):
        assert len(found[i]) == 1 and iou(found[i][0], (60 + 4 * i, 40, 160, 160)) > 0.6, (i, found[i])
    assert found[12:15] == [[], [], []]
    assert len(found[15]) == 1 and iou(found[15][0], (80, 40, 160, 160)) > 0.6  # back at once: a full search
    # full searches: frames 0, 5, 10 (every 5th), 13, 14, 15 (the previous frame had no face)
    assert search.full_searches == 6


def test_face_search_finds_a_face_that_walks_in_by_the_next_full_search():
    face = face_canvas(FACES / "fer_surprise.png")
    blank = np.full_like(face, 110)
    frames = [np.hstack([face, blank])] * 6 + [np.hstack([face, face])] * 6
    search = FaceSearch(full_every=5)
    counts = [len(search(f)) for f in frames]
    assert counts == [1] * 10 + [2, 2]  # the second face appears at frame 6, found by the search at frame 10
    with pytest.raises(ValueError):
        FaceSearch(full_every=0)


@pytest.fixture(scope="module")
def face_then_nobody(tmp_path_factory):
    """4 s at 10 fps: a smiling FER2013 face for 2 s, then an empty grey picture for 2 s."""
    face = face_canvas(FACES / "fer_happy.png")
    blank = np.full_like(face, 110)
    return gray_video(tmp_path_factory.mktemp("video") / "face_then_nobody.mp4", [face] * 20 + [blank] * 20)


def test_timeline_reads_the_face_and_says_no_face(face_then_nobody):
    tl = face_timeline(face_then_nobody, fps=5)
    assert len(tl.times) == 20 and tl.frames_with_face == 10
    reading, why = segment_reading(tl, 0.0, 2.0)
    assert why is None and reading["face_seen"] == 1.0 and reading["cues"]["frames"] == 10
    assert list(reading["scores"]) == LABELS and sum(reading["scores"].values()) == pytest.approx(1.0)
    assert reading["label"] in LABELS
    reading, why = segment_reading(tl, 2.0, 4.0)
    assert reading is None and "no face seen in the 10 frames" in why
    reading, why = segment_reading(tl, 1.0, 3.0)
    assert reading["face_seen"] == 0.5


def test_face_expression_extractor_is_registered(face_then_nobody):
    from affectkit.core.data import Segment

    ext = EXTRACTORS.get("face.expression")(fps=5)
    df = ext.extract(str(face_then_nobody), [Segment("", 0.0, 2.0), Segment("", 2.0, 4.0)])
    assert list(df.index.names) == ["file", "start", "end"] and len(df) == 2
    assert df.iloc[0][LABELS].sum() == pytest.approx(1.0) and df.iloc[0]["face_seen"] == 1.0
    assert np.isnan(df.iloc[1]["joy"]) and df.iloc[1]["face_seen"] == 0.0
