"""Facial geometry: exact on constructed landmarks; on real FER2013 faces through MediaPipe's face
mesh (the landmarks extra); per utterance in a video, and through `analyze --face-landmarks`."""
import json
import math

import numpy as np
import pytest

from conftest import FACES, face_canvas, gray_video

from affectkit.perceive import face_landmarks as fl
from affectkit.perceive.face_landmarks import geometry, landmarks_available, summarise

needs_mesh = pytest.mark.skipif(not landmarks_available(), reason="the landmarks extra (mediapipe) is not installed")


def face_points(mouth_gap=4.0, corner_lift=2.0, brow=20.0, lid_gap=10.0):
    """468 points (most at the face's centre) with the ones geometry() reads placed by hand: eye
    corners 100 apart, so every ratio below is the given value / 100."""
    lm = np.zeros((468, 3))
    lm[:] = (50.0, 60.0, 0.0)
    lm[fl.R_EYE_OUT], lm[fl.R_EYE_IN] = (0, 0, 0), (30, 0, 0)
    lm[fl.L_EYE_IN], lm[fl.L_EYE_OUT] = (70, 0, 0), (100, 0, 0)
    lm[fl.R_LID_UP], lm[fl.R_LID_LO] = (15, -lid_gap / 2, 0), (15, lid_gap / 2, 0)
    lm[fl.L_LID_UP], lm[fl.L_LID_LO] = (85, -lid_gap / 2, 0), (85, lid_gap / 2, 0)
    lm[fl.R_BROW], lm[fl.L_BROW] = (15, -lid_gap / 2 - brow, 0), (85, -lid_gap / 2 - brow, 0)
    lm[fl.LIP_UP_IN], lm[fl.LIP_LO_IN] = (50, 90 - mouth_gap / 2, 0), (50, 90 + mouth_gap / 2, 0)
    lm[fl.MOUTH_R], lm[fl.MOUTH_L] = (25, 90 - corner_lift, 0), (75, 90 - corner_lift, 0)
    lm[fl.FOREHEAD], lm[fl.CHIN] = (50, -60, 0), (50, 130, 0)
    return lm


def rotate(lm, yaw=0.0, roll=0.0):
    """Turn the points about their centre: yaw about the vertical axis, then roll in the picture."""
    c = lm.mean(0)
    p = lm - c
    a = math.radians(yaw)
    ry = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    b = math.radians(roll)
    rz = np.array([[math.cos(b), -math.sin(b), 0], [math.sin(b), math.cos(b), 0], [0, 0, 1]])
    return p @ ry.T @ rz.T + c


def test_geometry_measures_constructed_faces_exactly():
    g = geometry(face_points())
    assert g["mouth_open"] == pytest.approx(0.04) and g["mouth_width"] == pytest.approx(0.5)
    assert g["smile"] == pytest.approx(0.02) and g["brow_raise"] == pytest.approx(0.20)
    assert g["eye_open"] == pytest.approx(10 / 30)
    assert g["yaw"] == pytest.approx(0, abs=1e-6) and g["pitch"] == pytest.approx(0, abs=1e-6)
    assert g["roll"] == pytest.approx(0, abs=1e-6)
    frown = geometry(face_points(corner_lift=-3.0, mouth_gap=20.0))
    assert frown["smile"] == pytest.approx(-0.03) and frown["mouth_open"] == pytest.approx(0.2)


def test_roll_and_yaw_are_recovered_and_ratios_do_not_move():
    base = geometry(face_points())
    tilted = geometry(rotate(face_points(), roll=20.0))
    assert tilted["roll"] == pytest.approx(20.0, abs=1e-6)
    for k in ("mouth_open", "mouth_width", "smile", "brow_raise", "eye_open"):
        assert tilted[k] == pytest.approx(base[k], abs=1e-9)
    turned = geometry(rotate(face_points(), yaw=25.0))
    assert abs(turned["yaw"]) == pytest.approx(25.0, abs=0.5) and abs(turned["roll"]) < 0.5
    other = geometry(rotate(face_points(), yaw=-25.0))
    assert other["yaw"] == pytest.approx(-turned["yaw"], abs=1e-6)


def test_geometry_refuses_wrong_or_degenerate_landmarks():
    with pytest.raises(ValueError, match="468"):
        geometry(np.zeros((68, 2)))
    with pytest.raises(ValueError, match="degenerate"):
        geometry(np.zeros((468, 3)))


def test_summarise_takes_medians_over_frames_with_a_mesh():
    a = {k: 0.1 for k in fl.MEASURES}
    b = {k: 0.3 for k in fl.MEASURES}
    c = {k: 0.2 for k in fl.MEASURES}
    s = summarise([a, None, b, c])
    assert s["mouth_open"] == 0.2 and s["landmarks_found"] == 0.75
    assert summarise([None, None]) is None and summarise([]) is None


@needs_mesh
def test_mesh_on_real_faces_smile_mirror_and_tilt():
    import cv2

    crops = {n: cv2.imread(str(FACES / f"fer_{n}.png"), cv2.IMREAD_GRAYSCALE) for n in ("happy", "sad", "angry")}
    g = {n: fl.crop_geometry(c) for n, c in crops.items()}
    assert all(v is not None and set(v) == set(fl.MEASURES) for v in g.values())
    assert g["happy"]["mouth_width"] > g["sad"]["mouth_width"] + 0.08  # a smile widens the mouth
    mirrored = fl.crop_geometry(crops["angry"][:, ::-1].copy())
    assert np.sign(mirrored["yaw"]) == -np.sign(g["angry"]["yaw"]) and abs(g["angry"]["yaw"]) > 10
    assert mirrored["mouth_width"] == pytest.approx(g["angry"]["mouth_width"], abs=0.06)
    turn = cv2.getRotationMatrix2D((24, 24), 15, 1.0)  # 15 degrees anticlockwise
    tilted = fl.crop_geometry(cv2.warpAffine(crops["happy"], turn, (48, 48), borderMode=cv2.BORDER_REPLICATE))
    assert tilted["roll"] - g["happy"]["roll"] == pytest.approx(-15, abs=5)


@needs_mesh
def test_mesh_finds_nothing_in_a_blank_picture_and_refuses_non_pictures():
    assert fl.crop_geometry(np.full((64, 64), 128, np.uint8)) is None
    with pytest.raises(ValueError, match="not a picture"):
        fl.face_landmarks(np.zeros((4, 4), np.uint8))


@needs_mesh
def test_timeline_and_analyze_report_the_geometry(tmp_path):
    pytest.importorskip("av")
    from affectkit.recognize.face_timeline import face_timeline, segment_reading

    smile = face_canvas(FACES / "fer_happy.png")
    blank = np.full_like(smile, 110)
    video = gray_video(tmp_path / "smile.mp4", [smile] * 10 + [blank] * 10)
    tl = face_timeline(video, fps=5, landmarks=True)
    reading, _ = segment_reading(tl, 0.0, 1.0)
    geo = reading["cues"]["geometry"]
    assert geo["landmarks_found"] == 1.0 and geo["mouth_width"] > 0.6
    assert "geometry" not in segment_reading(face_timeline(video, fps=5), 0.0, 1.0)[0]["cues"]
    from affectkit.core.data import Segment
    from affectkit.perceive import EXTRACTORS

    df = EXTRACTORS.get("face.geometry")(fps=5).extract(str(video), [Segment("", 0.0, 2.0), Segment("", 2.0, 4.0)])
    assert list(df.index.names) == ["file", "start", "end"] and df.iloc[0]["mouth_width"] > 0.6
    assert np.isnan(df.iloc[1]["mouth_width"]) and df.iloc[1]["landmarks_found"] == 0.0
    from affectkit.cli import main

    out = tmp_path / "smile.json"
    assert main(["analyze", str(video), "--face-landmarks", "--window", "1", "--format", "json", "-o", str(out)]) == 0
    segs = json.loads(out.read_text())["segments"]
    assert segs[0]["face_emotion"]["cues"]["geometry"]["landmarks_found"] == 1.0
    assert segs[-1]["face_emotion"] is None


def test_without_the_extra_the_error_says_how_to_install(no_mediapipe):
    from affectkit.core.errors import DependencyError

    assert not landmarks_available()
    with pytest.raises(DependencyError, match=r"affectkit\[landmarks\].*--no-deps mediapipe==0.10.21"):
        fl.require_landmarks()


@needs_mesh
def test_predict_face_landmarks_adds_geometry(tmp_path, capsys):
    import cv2

    from affectkit.cli import main

    canvas = tmp_path / "face.png"
    cv2.imwrite(str(canvas), face_canvas(FACES / "fer_happy.png"))
    crop = FACES / "fer_sad.png"
    assert main(["predict", "face", "--landmarks", str(canvas)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert len(rec["faces"]) == 1 and rec["faces"][0]["geometry"]["mouth_width"] > 0.6
    assert main(["predict", "face", "--crop", "--landmarks", str(crop)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert set(rec) == {"path", "emotion", "emotion_scores", "geometry"} and rec["geometry"]["mouth_width"] < 0.6


@needs_mesh
def test_mesh_start_up_does_not_write_native_warnings_to_stderr():
    """MediaPipe's C++ start-up warnings go to fd 2 directly; a fresh process must stay quiet, and a
    Python-level message written after the mesh ran must still reach stderr."""
    import subprocess
    import sys

    code = ("import sys, cv2, numpy as np\n"
            "from affectkit.perceive.face_landmarks import face_landmarks\n"
            "assert face_landmarks(np.full((64, 64), 128, np.uint8)) is None\n"
            f"assert face_landmarks(cv2.imread({str(FACES / 'fer_happy.png')!r})) is not None\n"
            "print('after', file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "after"
