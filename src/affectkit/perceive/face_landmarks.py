"""Facial geometry from landmarks (optional): mouth opening, smile, brow raise, eye opening, head pose.

MediaPipe's legacy face mesh (468 3-D landmarks; its model files ship inside ``mediapipe==0.10.21``,
nothing is downloaded) runs on each face crop. From the landmarks come a few measures that people
read on a face, each a ratio to the distance between the outer eye corners (so the face's size in
the picture does not matter) after turning the face upright (undoing the head's roll):

``mouth_open``   gap between the inner lips (13, 14)
``mouth_width``  distance between the mouth corners (61, 291)
``smile``        how far the mouth corners sit above the centre of the lips (negative: below)
``brow_raise``   height of the brows' middle (105, 334) above the upper eyelids (159, 386)
``eye_open``     eye aspect ratio: lid gap / eye width, both eyes averaged
``yaw``, ``pitch``, ``roll``  head pose in degrees from the mesh's 3-D frame (eye line and
                 forehead-chin line): yaw > 0 the face turns towards the picture's right, pitch > 0
                 the face tilts up, roll > 0 the head leans clockwise in the picture.

These are geometry, not emotion: they back the CNN's reading with what is visible. Why an extra:
mediapipe 0.10.21 declares numpy<2 and protobuf<5, so it is installed beside our numpy 2 with
``pip install 'affectkit[landmarks]' && pip install --no-deps mediapipe==0.10.21`` (it runs
with numpy 2; the tests check it).
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from affectkit.core.errors import DependencyError
from affectkit.perceive.mediapipe_import import import_mediapipe

INSTALL = "pip install 'affectkit[landmarks]' && pip install --no-deps mediapipe==0.10.21"
MESH_SIZE = 192  # crops are scaled to this square before the mesh (its detector's input is 128)
MEASURES = ("mouth_open", "mouth_width", "smile", "brow_raise", "eye_open", "yaw", "pitch", "roll")

# landmark indices of the 468-point face mesh (canonical face model)
R_EYE_OUT, R_EYE_IN, R_LID_UP, R_LID_LO = 33, 133, 159, 145
L_EYE_OUT, L_EYE_IN, L_LID_UP, L_LID_LO = 263, 362, 386, 374
LIP_UP_IN, LIP_LO_IN, MOUTH_R, MOUTH_L = 13, 14, 61, 291
R_BROW, L_BROW = 105, 334
FOREHEAD, CHIN = 10, 152


def landmarks_available() -> bool:
    try:
        import_mediapipe()
    except Exception:  # noqa: BLE001 - missing, or broken by a protobuf it cannot use
        return False
    return True


def require_landmarks() -> None:
    """DependencyError, saying how to install, unless the face mesh can start."""
    _mesh()


_local = threading.local()  # a FaceMesh graph is not thread-safe: one per thread


_mute_lock = threading.Lock()
_mute = {"depth": 0, "saved": -1}  # fd 2 is process-wide: threads share one redirection


@contextlib.contextmanager
def _native_stderr_muted() -> Iterator[None]:
    """Silence file descriptor 2 for a moment. MediaPipe's C++ core writes start-up warnings
    ("Feedback manager requires a model with a single signature...") straight to it, past Python's
    logging and any environment switch, and they would clutter every command's output. Used only
    while a graph starts, and until it has seen its first face; Python exceptions still propagate.
    Counted, so threads starting graphs at once restore the real stderr when the last is done."""
    with _mute_lock:
        if _mute["depth"] == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
                _mute["saved"] = saved
            except (OSError, ValueError):  # no real fd 2 (embedded interpreters)
                _mute["saved"] = -1
        _mute["depth"] += 1
    try:
        yield
    finally:
        with _mute_lock:
            _mute["depth"] -= 1
            if _mute["depth"] == 0 and _mute["saved"] >= 0:
                os.dup2(_mute["saved"], 2)
                os.close(_mute["saved"])
                _mute["saved"] = -1


def _mesh():
    mesh = getattr(_local, "mesh", None)
    if mesh is None:
        try:
            mp = import_mediapipe()

            with _native_stderr_muted():
                mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1,
                                                       refine_landmarks=False, min_detection_confidence=0.5)
                # the graph opens its models on worker threads, which log as they go: one blank frame
                # waits for them, so their warnings fall inside the mute
                mesh.process(np.zeros((MESH_SIZE, MESH_SIZE, 3), np.uint8))
        except ImportError as exc:
            raise DependencyError(f"facial landmarks need MediaPipe's face mesh: {INSTALL} ({exc})") from None
        except Exception as exc:  # noqa: BLE001 - e.g. protobuf>=5, which mediapipe 0.10.21 cannot use
            raise DependencyError(f"MediaPipe's face mesh failed to start ({type(exc).__name__}: {exc}); "
                                  f"it needs protobuf<5: {INSTALL}") from None
        _local.mesh = mesh
        _local.quiet = False
    return mesh


def face_landmarks(crop: np.ndarray) -> np.ndarray | None:
    """468 landmarks [468, 3] of the face in ``crop`` (uint8 gray or BGR, a face with some margin
    around it), in pixels of a ``MESH_SIZE`` square (z on the x scale), or None when the mesh
    finds no face. DependencyError when mediapipe is not installed."""
    import cv2

    c = np.asarray(crop)
    if c.ndim != 2 and not (c.ndim == 3 and c.shape[2] in (3, 4)) or min(c.shape[:2]) < 8:
        raise ValueError(f"not a picture: shape {c.shape}")
    if c.dtype != np.uint8:
        c = np.clip(c, 0, 255).astype(np.uint8)
    rgb = cv2.cvtColor(c, cv2.COLOR_GRAY2RGB) if c.ndim == 2 else cv2.cvtColor(
        c, cv2.COLOR_BGR2RGB if c.shape[2] == 3 else cv2.COLOR_BGRA2RGB)
    interp = cv2.INTER_AREA if min(rgb.shape[:2]) > MESH_SIZE else cv2.INTER_CUBIC
    rgb = np.ascontiguousarray(cv2.resize(rgb, (MESH_SIZE, MESH_SIZE), interpolation=interp))
    mesh = _mesh()
    if _local.quiet:
        res = mesh.process(rgb)
    else:  # the landmark stages log once more at the first face they see
        with _native_stderr_muted():
            res = mesh.process(rgb)
        _local.quiet = bool(res.multi_face_landmarks)
    if not res.multi_face_landmarks:
        return None
    pts = res.multi_face_landmarks[0].landmark
    return np.array([(p.x, p.y, p.z) for p in pts], dtype=np.float64) * MESH_SIZE


def geometry(lm: np.ndarray) -> dict[str, float]:
    """The measures of the module doc from one face's landmarks [468, 3]."""
    lm = np.asarray(lm, dtype=np.float64)
    if lm.shape != (468, 3):
        raise ValueError(f"expected 468 face-mesh landmarks [468, 3], got {lm.shape}")
    eye_line = lm[L_EYE_OUT] - lm[R_EYE_OUT]
    iod = float(np.linalg.norm(eye_line[:2]))
    if iod < 1e-6:
        raise ValueError("degenerate landmarks: the eye corners coincide")
    roll = math.atan2(eye_line[1], eye_line[0])
    c, s = math.cos(-roll), math.sin(-roll)
    up = (lm[:, :2] - lm[R_EYE_OUT, :2]) @ np.array([[c, s], [-s, c]]) / iod  # upright, eye corners at (0,0), (1,0)

    def dist(a: int, b: int) -> float:
        return float(np.linalg.norm(up[a] - up[b]))

    lips_mid_y = (up[LIP_UP_IN, 1] + up[LIP_LO_IN, 1]) / 2
    corners_y = (up[MOUTH_R, 1] + up[MOUTH_L, 1]) / 2
    ear = (dist(R_LID_UP, R_LID_LO) / max(dist(R_EYE_OUT, R_EYE_IN), 1e-6)
           + dist(L_LID_UP, L_LID_LO) / max(dist(L_EYE_OUT, L_EYE_IN), 1e-6)) / 2
    brow = ((up[R_LID_UP, 1] - up[R_BROW, 1]) + (up[L_LID_UP, 1] - up[L_BROW, 1])) / 2
    # head pose: the face's own axes from the 3-D mesh (x along the eyes, y forehead -> chin)
    ex = eye_line / max(np.linalg.norm(eye_line), 1e-9)
    ey = lm[CHIN] - lm[FOREHEAD]
    ey = ey - ex * float(ey @ ex)
    ey /= max(np.linalg.norm(ey), 1e-9)
    n = np.cross(ex, ey)  # points away from the camera for a frontal face (z grows with depth)
    yaw = math.degrees(math.atan2(-n[0], n[2]))
    pitch = math.degrees(math.atan2(n[1], math.hypot(n[0], n[2])))
    return {"mouth_open": dist(LIP_UP_IN, LIP_LO_IN), "mouth_width": dist(MOUTH_R, MOUTH_L),
            "smile": float(lips_mid_y - corners_y), "brow_raise": float(brow), "eye_open": float(ear),
            "yaw": yaw, "pitch": pitch, "roll": math.degrees(roll)}


def crop_geometry(crop: np.ndarray) -> dict[str, float] | None:
    """:func:`geometry` of the face in ``crop``, rounded; None when the mesh finds no face."""
    lm = face_landmarks(crop)
    if lm is None:
        return None
    return {k: round(v, 1 if k in ("yaw", "pitch", "roll") else 3) for k, v in geometry(lm).items()}


def summarise(per_frame: list[dict[str, float] | None]) -> dict[str, Any] | None:
    """Median of each measure over the frames where the mesh found the face, and that share
    (``landmarks_found``); None when it never did."""
    found = [g for g in per_frame if g]
    if not found:
        return None
    out: dict[str, Any] = {k: round(float(np.median([g[k] for g in found])), 1 if k in ("yaw", "pitch", "roll") else 3)
                           for k in MEASURES}
    out["landmarks_found"] = round(len(found) / len(per_frame), 3)
    return out
