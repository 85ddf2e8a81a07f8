"""Face detection with MediaPipe's BlazeFace (the ``landmarks`` extra; its model files ship inside
``mediapipe==0.10.21``, nothing is downloaded).

Two models ship: ``short`` (short range: faces within about 2 m, the whole picture seen at
128x128) and ``full`` (full range, sparse: faces within about 5 m, seen at 192x192). The short
range model on its own misses faces smaller than about a fifth of the picture, so the full
search (``detect_tiled``) runs it on the whole picture and on overlapping square tiles of it
(``LEVELS``), which finds faces down to a tenth of the picture's shorter side (Haar's smallest).
Compared with OpenCV's Haar cascade on FER2013 faces pasted into real photos
(``bench/face_detectors.py``) it finds about twice as many faces (rolled heads, low light, small
faces), with a tenth of the false ones, in a little less time per full search.

Its box is not the framing the face CNN was trained on: BlazeFace frames the face from the brows
to the chin, a FER2013 crop from the upper forehead to below the chin. ``FER_FRAMING`` maps one to
the other (side x ``scale``, centre moved by ``dx``, ``dy`` of the side), fitted on FER2013
PublicTest faces by ``bench/face_detectors.py``, so the crop the CNN reads is the one it knows.
"""
from __future__ import annotations

import threading

import numpy as np

from affectkit.core.errors import DependencyError
from affectkit.perceive.face_track import iou

MODELS = {"short": 0, "full": 1}  # name -> MediaPipe's model_selection
# the full search's settings, chosen on FER2013 PublicTest (bench/results/face_detectors.json#dev_publictest.choice):
# MediaPipe's own threshold (0.5) lets the tiles find a false face a frame in three; 0.7 keeps recall
MIN_SCORE = 0.7
LEVELS = (0.6, 0.4)  # tile sides, as fractions of the picture's shorter side
LIGHT_LEVELS = (1.0,)  # FaceSearch's light search between its tiled ones
NEAR_GROW = 2.5  # the window searched around a known face, in face sides (FaceSearch)
DETECTOR_VERSION = 2  # bump when LEVELS, FER_FRAMING, the merging or FaceSearch's schedule change what is found
# (2: in video, the tiled search every 25th frame, light searches (LIGHT_LEVELS) every 5th between)
# BlazeFace box -> FER2013 framing, per model: (scale, dx, dy), fitted by bench/face_detectors.py
# on FER2013 PublicTest faces (bench/results/face_detectors.json#framing)
FER_FRAMING: dict[str, tuple[float, float, float]] = {"short": (1.199, -0.014, -0.103),
                                                      "full": (1.148, -0.008, -0.043)}

_local = threading.local()  # a MediaPipe graph is not thread-safe: one per thread and model


def mediapipe_version() -> str | None:
    """The installed mediapipe's version, or None when it cannot be imported."""
    from affectkit.perceive.mediapipe_import import import_mediapipe

    try:
        mediapipe = import_mediapipe()
    except Exception:  # noqa: BLE001 - missing, or broken by a protobuf it cannot use
        return None
    return getattr(mediapipe, "__version__", "unknown")


def mediapipe_starts() -> bool:
    """True when the short-range detector can start here (the landmarks extra is installed)."""
    try:
        _graph("short")
    except DependencyError:
        return False
    return True


def _graph(model: str):
    if model not in MODELS:
        raise ValueError(f"unknown MediaPipe face detection model {model!r} (one of {', '.join(MODELS)})")
    graphs = getattr(_local, "graphs", None)
    if graphs is None:
        graphs = _local.graphs = {}
    g = graphs.get(model)
    if g is None:
        from affectkit.perceive.face_landmarks import INSTALL, _native_stderr_muted
        from affectkit.perceive.mediapipe_import import import_mediapipe

        try:
            mp = import_mediapipe()

            with _native_stderr_muted():  # start-up chatter of the C++ core (see face_landmarks)
                g = mp.solutions.face_detection.FaceDetection(model_selection=MODELS[model],
                                                              min_detection_confidence=0.5)
                g.process(np.zeros((64, 64, 3), np.uint8))
        except ImportError as exc:
            raise DependencyError(f"the mediapipe face detector needs MediaPipe: {INSTALL} ({exc})") from None
        except Exception as exc:  # noqa: BLE001 - e.g. protobuf>=5, which mediapipe 0.10.21 cannot use
            raise DependencyError(f"MediaPipe's face detector failed to start ({type(exc).__name__}: {exc}); "
                                  f"it needs protobuf<5: {INSTALL}") from None
        graphs[model] = g
    return g


def require_mediapipe(model: str = "short") -> None:
    """DependencyError, saying how to install, unless the detector can start."""
    _graph(model)


def _rgb(img: np.ndarray) -> np.ndarray:
    import cv2

    a = np.asarray(img)
    if a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    if a.ndim == 2:
        return cv2.cvtColor(a, cv2.COLOR_GRAY2RGB)
    if a.ndim == 3 and a.shape[2] == 3:
        return cv2.cvtColor(a, cv2.COLOR_BGR2RGB)
    if a.ndim == 3 and a.shape[2] == 4:
        return cv2.cvtColor(a, cv2.COLOR_BGRA2RGB)
    raise ValueError(f"not a picture: shape {a.shape}")


def detect_raw(img: np.ndarray, model: str = "short", min_score: float = MIN_SCORE
               ) -> list[tuple[float, float, float, float, float]]:
    """BlazeFace's own boxes in a uint8 gray, BGR or BGRA picture: (x, y, w, h, score) in pixels,
    best first, those scoring at least ``min_score`` (the graph itself drops those under 0.5)."""
    h, w = img.shape[:2]
    res = _graph(model).process(np.ascontiguousarray(_rgb(img)))
    out = []
    for d in res.detections or []:
        score = float(d.score[0]) if d.score else 0.0
        if score < min_score:
            continue
        bb = d.location_data.relative_bounding_box
        out.append((bb.xmin * w, bb.ymin * h, bb.width * w, bb.height * h, score))
    return sorted(out, key=lambda b: -b[4])


def _tiles(w: int, h: int, frac: float) -> list[tuple[int, int, int]]:
    """Square tiles (x, y, side) of side ``frac`` of the picture's shorter side, half a side apart
    (the last flush with the far edge), covering the picture: any face up to half a tile across
    lies whole inside one of them."""
    side = max(16, int(round(min(w, h) * frac)))
    step = max(1, side // 2)

    def starts(n: int) -> list[int]:
        if n <= side:
            return [0]
        out = list(range(0, n - side, step))
        return out + [n - side]

    return [(x, y, side) for y in starts(h) for x in starts(w)]


def _overlap(a, b) -> float:
    """Intersection over the smaller box: a face cut by a tile edge is inside the whole face's box."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    small = min(a[2] * a[3], b[2] * b[3])
    return ix * iy / small if small > 0 else 0.0


def detect_tiled(img: np.ndarray, model: str = "short", levels: tuple[float, ...] = (0.6, 0.4),
                 min_score: float = MIN_SCORE) -> list[tuple[float, float, float, float, float]]:
    """:func:`detect_raw` on the whole picture and on overlapping square tiles of it, at each of
    ``levels`` (tile side as a fraction of the picture's shorter side), the boxes merged (one box
    per face: the best scoring of those covering each other by more than half). Why: BlazeFace
    sees its input at 128x128 (short range), so on its own it misses faces smaller than about a
    fifth of the picture; in a tile of 0.4 of the picture's shorter side a face of a tenth of it
    (Haar's smallest) is as large as that."""
    h, w = img.shape[:2]
    found = list(detect_raw(img, model, min_score))
    for frac in levels:
        for x, y, side in _tiles(w, h, frac):
            if side >= min(w, h) and len(_tiles(w, h, frac)) == 1:
                continue  # the whole picture again
            for bx, by, bw, bh, sc in detect_raw(img[y:y + side, x:x + side], model, min_score):
                found.append((bx + x, by + y, bw, bh, sc))
    kept: list[tuple[float, float, float, float, float]] = []
    for b in sorted(found, key=lambda b: -b[4]):
        if all(_overlap(b, k) <= 0.5 for k in kept):
            kept.append(b)
    return kept


def to_fer_framing(box: tuple[float, float, float, float], framing: tuple[float, float, float]
                   ) -> tuple[int, int, int, int]:
    """A BlazeFace box (x, y, w, h) -> the square box of FER2013's framing (x, y, side, side)."""
    x, y, w, h = box
    scale, dx, dy = framing
    side = max(w, h)
    cx, cy = x + w / 2 + dx * side, y + h / 2 + dy * side
    s = side * scale
    return int(round(cx - s / 2)), int(round(cy - s / 2)), int(round(s)), int(round(s))


def detect_faces_mediapipe(img: np.ndarray, model: str = "short", levels: tuple[float, ...] = LEVELS,
                           min_score: float = MIN_SCORE, framing: tuple[float, float, float] | None = None
                           ) -> list[tuple[int, int, int, int]]:
    """Faces in a uint8 gray or BGR picture (``detect_tiled``) as boxes (x, y, w, h) in FER2013's
    framing (default ``FER_FRAMING[model]``), largest first: what ``face_detect.detect_faces`` gives."""
    framing = FER_FRAMING[model] if framing is None else framing
    boxes = [to_fer_framing(b[:4], framing) for b in detect_tiled(img, model, levels, min_score)]
    return sorted(boxes, key=lambda b: -b[2] * b[3])


def detect_near(img: np.ndarray, box: tuple[int, int, int, int], model: str = "short",
                min_score: float = MIN_SCORE) -> tuple[int, int, int, int] | None:
    """The face near ``box`` (a FER2013-framed box of the previous frame): one BlazeFace pass over
    a square window ``NEAR_GROW`` of its side around it (where the face is large enough for the
    short-range model), the found box that overlaps ``box`` most, in FER2013's framing; None
    when none overlaps it by at least a third."""
    x, y, w, h = box
    H, W = img.shape[:2]
    side = max(w, h) * NEAR_GROW
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = max(0, int(round(cx - side / 2))), max(0, int(round(cy - side / 2)))
    x1, y1 = min(W, int(round(cx + side / 2))), min(H, int(round(cy + side / 2)))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    best, best_iou = None, 1 / 3
    for bx, by, bw, bh, _ in detect_raw(img[y0:y1, x0:x1], model, min_score):
        cand = to_fer_framing((bx + x0, by + y0, bw, bh), FER_FRAMING[model])
        ov = iou(cand, box)
        if ov >= best_iou:
            best, best_iou = cand, ov
    return best

