"""The face detectors: MediaPipe's BlazeFace (tiled, in FER2013's framing) on real faces, the choice
between it and Haar (auto, by name, by environment), and the error naming the extra when missing."""
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import FACES, face_canvas, gray_video

pytest.importorskip("cv2")

from affectkit.core.errors import DependencyError, InputError  # noqa: E402
from affectkit.perceive import face_detect_mp as mpd  # noqa: E402
from affectkit.perceive.face_detect import (FaceSearch, detect_faces, detector_id, find_faces,  # noqa: E402
                                            resolve_detector)
from affectkit.perceive.face_track import iou  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
needs_mp = pytest.mark.skipif(mpd.mediapipe_version() is None, reason="the landmarks extra (mediapipe) is not installed")


@needs_mp
@pytest.mark.parametrize("name", ["fer_happy.png", "fer_surprise.png", "fer_sad.png", "fer_angry.png"])
def test_real_faces_are_found_in_fer2013_framing(name):
    canvas = face_canvas(FACES / name)  # the crop upscaled to 160 px at (80, 40) in 320x240
    boxes = find_faces(canvas, "mediapipe")
    assert len(boxes) == 1
    assert iou(boxes[0], (80, 40, 160, 160)) > 0.6, boxes  # the framing the CNN was trained on
    raw = mpd.detect_raw(canvas)
    assert len(raw) == 1 and raw[0][1] > 40 + 8  # BlazeFace's own box sits lower: the mapping matters


@needs_mp
def test_a_rolled_face_haar_misses_is_found():
    import cv2

    canvas = face_canvas(FACES / "fer_happy.png", size=(400, 300), side=160)
    m = cv2.getRotationMatrix2D((200, 150), 35, 1.0)
    rolled = cv2.warpAffine(canvas, m, (400, 300), borderMode=cv2.BORDER_REPLICATE)
    assert detect_faces(rolled) == []
    boxes = find_faces(rolled, "mediapipe")
    assert len(boxes) == 1 and iou(boxes[0], (120, 70, 160, 160)) > 0.5, boxes


@needs_mp
def test_a_small_face_in_a_wide_frame_is_found_by_the_tiles():
    """A real photo's face 60 px across in a 640x360 frame: too small for BlazeFace on the whole
    frame (it sees it at 12 px), found in a tile, where Haar's box puts it."""
    import cv2

    photo = cv2.imread(str(ROOT / "examples" / "astronaut.jpg"), cv2.IMREAD_GRAYSCALE)
    frame = np.full((360, 640), 55, np.uint8)
    frame[30:330, 300:600] = cv2.resize(photo, (300, 300), interpolation=cv2.INTER_AREA)
    assert mpd.detect_raw(frame) == []
    haar = detect_faces(frame)
    boxes = find_faces(frame, "mediapipe")
    assert len(haar) == 1 and len(boxes) == 1 and iou(boxes[0], haar[0]) > 0.6, (boxes, haar)


@needs_mp
def test_no_face_in_a_blank_or_noisy_picture():
    assert find_faces(np.full((240, 320), 110, np.uint8), "mediapipe") == []
    rng = np.random.default_rng(0)
    assert find_faces(rng.integers(0, 255, (240, 320), dtype=np.uint8), "mediapipe") == []
    assert find_faces(np.zeros((480, 640, 3), np.uint8), "mediapipe") == []  # BGR too
    with pytest.raises(ValueError, match="not a picture"):
        mpd.detect_raw(np.zeros((10, 10, 5), np.uint8))


@needs_mp
def test_face_search_with_mediapipe_follows_a_moving_face():
    face = face_canvas(FACES / "fer_happy.png")
    frames = []
    for i in range(8):
        f = np.full_like(face, 110)
        dx = 4 * i - 16
        f[:, max(0, dx):face.shape[1] + min(0, dx)] = face[:, max(0, -dx):face.shape[1] - max(0, dx)]
        frames.append(f)
    frames += [np.full_like(face, 110)]
    search = FaceSearch(full_every=5, detector="mediapipe")
    found = [search(f) for f in frames]
    for i in range(8):
        assert len(found[i]) == 1 and iou(found[i][0], (64 + 4 * i, 40, 160, 160)) > 0.6, (i, found[i])
    assert found[8] == []
    # a tiled search at frame 0, a light one at frame 5; the blank frame 8 is a window search that finds nothing
    assert (search.full_searches, search.light_searches) == (1, 1)
    with pytest.raises(ValueError, match="unknown face detector"):
        FaceSearch(detector="dlib")


def wide_frame(*faces: tuple[str, int, int, int]) -> np.ndarray:
    """A 640x360 gray frame with FER2013 faces (name, side, x, y) pasted in."""
    import cv2

    frame = np.full((360, 640), 110, np.uint8)
    for name, side, x, y in faces:
        crop = cv2.imread(str(FACES / name), cv2.IMREAD_GRAYSCALE)
        frame[y:y + side, x:x + side] = cv2.resize(crop, (side, side), interpolation=cv2.INTER_CUBIC)
    return frame


SMALL = ("fer_happy.png", 48, 60, 150)     # too small for the light search (whole frame + its square tiles)
LARGE = ("fer_surprise.png", 200, 400, 80)  # large enough for it


@needs_mp
def test_search_costs_and_what_each_search_finds():
    from affectkit.perceive.face_detect_mp import LIGHT_LEVELS, detect_faces_mediapipe

    assert detect_faces_mediapipe(wide_frame(SMALL), levels=LIGHT_LEVELS) == []
    assert len(detect_faces_mediapipe(wide_frame(SMALL))) == 1  # tiled
    assert len(detect_faces_mediapipe(wide_frame(LARGE), levels=LIGHT_LEVELS)) == 1


@needs_mp
def test_mediapipe_search_finds_a_small_face_by_the_next_tiled_search_and_keeps_it():
    blank, small = wide_frame(), wide_frame(SMALL)
    frames = [blank] * 3 + [small] * 27
    search = FaceSearch(detector="mediapipe")  # full_every 5, tiled_every 25
    found = [search(f) for f in frames]
    # no face followed: light searches at frames 1-4, a tiled one 5 frames after frame 0's
    assert [len(f) for f in found] == [0] * 5 + [1] * 25
    assert all(iou(f[0], found[5][0]) > 0.6 for f in found[5:])  # followed through light searches 10, 15, 20
    assert (search.full_searches, search.light_searches) == (3, 7)  # tiled: 0, 5, 25; light: 1-4, 10, 15, 20


@needs_mp
def test_mediapipe_search_finds_a_large_face_that_walks_in_by_the_next_light_search():
    frames = [wide_frame(SMALL)] * 6 + [wide_frame(SMALL, LARGE)] * 8
    search = FaceSearch(detector="mediapipe")
    found = [search(f) for f in frames]
    assert [len(f) for f in found] == [1] * 10 + [2] * 4  # the large face from frame 6, found at frame 10
    assert iou(found[12][0], (400, 80, 200, 200)) > 0.5 and iou(found[12][1], (60, 150, 48, 48)) > 0.5
    assert (search.full_searches, search.light_searches) == (1, 2)  # frame 0; frames 5 and 10
    with pytest.raises(ValueError, match="at least 1"):
        FaceSearch(tiled_every=0)


@needs_mp
def test_detector_choice_by_name_environment_and_auto(monkeypatch):
    monkeypatch.delenv("AFFECTKIT_FACE_DETECTOR", raising=False)
    assert resolve_detector(None) == resolve_detector("auto") == "mediapipe"  # installed here
    assert resolve_detector("haar") == "haar" and resolve_detector("MediaPipe") == "mediapipe"
    monkeypatch.setenv("AFFECTKIT_FACE_DETECTOR", "haar")
    assert resolve_detector(None) == "haar" and resolve_detector("mediapipe") == "mediapipe"
    monkeypatch.setenv("AFFECTKIT_FACE_DETECTOR", "yolo")
    with pytest.raises(InputError, match=r"unknown face detector 'yolo' \(from \$AFFECTKIT_FACE_DETECTOR\)"):
        resolve_detector(None)
    with pytest.raises(InputError, match="one of auto, haar, mediapipe"):
        resolve_detector("retinaface")
    assert detector_id("mediapipe") == f"mediapipe.blazeface_short@{mpd.mediapipe_version()}+tiled.{mpd.DETECTOR_VERSION}"
    assert detector_id("haar").startswith("opencv.haar.frontalface_default@4.")


def test_without_the_extra_auto_is_haar_and_mediapipe_names_the_extra(no_mediapipe):
    assert resolve_detector(None) == "haar"
    with pytest.raises(DependencyError, match=r"affectkit\[landmarks\].*--no-deps mediapipe==0.10.21"):
        resolve_detector("mediapipe")
    with pytest.raises(DependencyError, match=r"affectkit\[landmarks\]"):
        find_faces(np.zeros((64, 64), np.uint8), "mediapipe")


def test_predict_face_detector_missing_is_a_dependency_error(no_mediapipe, tmp_path, capsys):
    import cv2

    from affectkit.cli import main

    img = tmp_path / "face.png"
    cv2.imwrite(str(img), face_canvas(FACES / "fer_happy.png"))
    assert main(["predict", "face", "--detector", "mediapipe", str(img)]) == 3
    assert "affectkit[landmarks]" in capsys.readouterr().err
    assert main(["predict", "face", "--detector", "haar", str(img)]) == 0
    assert len(json.loads(capsys.readouterr().out)["faces"]) == 1


@needs_mp
def test_framing_is_the_one_the_benchmark_fitted():
    """FER_FRAMING is what bench/face_detectors.py fitted on FER2013 PublicTest (its results file)."""
    doc = json.loads((ROOT / "bench" / "results" / "face_detectors.json").read_text())
    assert list(mpd.FER_FRAMING["short"]) == pytest.approx(doc["framing"]["mapping"]["mediapipe"])
    assert list(mpd.LEVELS) == doc["tile_levels"]


@needs_mp
def test_the_video_path_names_its_detector(tmp_path):
    pytest.importorskip("av")
    from affectkit.recognize.face_timeline import face_timeline

    canvas = face_canvas(FACES / "fer_surprise.png")
    clip = gray_video(tmp_path / "face.mp4", [canvas] * 10, fps=10)
    tl = face_timeline(clip, fps=5, detector="mediapipe")
    assert tl.detector.startswith("mediapipe.blazeface_short@") and tl.frames_with_face == len(tl.times) == 5
    assert iou(tl.boxes[0][0], (80, 40, 160, 160)) > 0.6
    haar = face_timeline(clip, fps=5, detector="haar")
    assert haar.detector.startswith("opencv.haar") and haar.frames_with_face == 5
