"""Face detection with OpenCV's bundled Haar cascade (ships offline in opencv-python-headless<5).

``detect_faces(gray)`` returns boxes ``(x, y, w, h)`` in the picture's pixels, largest first. The
cascade runs on a copy scaled so its longer side is at most ``max_side`` (default 640: a 720p
frame is searched at 640x360, about 1.7 times faster than at full size, and faces in talking-head video stay far
above the 24-pixel minimum). Faces smaller than a tenth of the picture's shorter side (72 px in
720p) are not searched for: about a third less work (313 -> 201 ms a frame of the 720p clip of
``bench/fer2013_benchmark.py`` on a busy 2-core machine, same faces found) without losing the face
of a speaker in view. A Haar box matches the framing of FER2013's crops (measured on
upscaled FER2013 crops: median box 0.96 of the crop, offset 0.02), so the crop we classify is the box.
"""
from __future__ import annotations

import functools
import threading

import numpy as np

from affectkit.core.errors import DependencyError, ModelError

CASCADE = "haarcascade_frontalface_default.xml"


@functools.lru_cache(maxsize=1)
def _cascade_path() -> str:
    try:
        import cv2
    except ImportError:  # pragma: no cover
        raise DependencyError("face detection needs OpenCV: pip install 'affectkit[face]' "
                              "(opencv-python-headless<5; 5.x has no bundled cascades)") from None
    data = getattr(cv2, "data", None)
    if data is None:
        raise DependencyError("this OpenCV has no bundled Haar cascades (cv2.data): install "
                              "opencv-python-headless<5")
    return data.haarcascades + CASCADE


_local = threading.local()  # CascadeClassifier is not thread-safe: one per thread


def _detector():
    det = getattr(_local, "det", None)
    if det is None:
        import cv2

        det = cv2.CascadeClassifier(_cascade_path())
        if det.empty():
            raise ModelError(f"OpenCV's face cascade {_cascade_path()} could not be loaded")
        _local.det = det
    return det


def detect_faces(gray: np.ndarray, *, max_side: int | None = 640, scale_factor: float = 1.1,
                 min_neighbors: int = 5, min_size: float = 0.1) -> list[tuple[int, int, int, int]]:
    """Frontal faces in a uint8 grayscale (or BGR) picture: boxes (x, y, w, h), largest first.
    ``min_size`` is the smallest face side as a fraction of the picture's shorter side (at least
    24 pixels at the searched scale)."""
    import cv2

    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    s = 1.0
    img = gray
    if max_side and max(h, w) > max_side:
        s = max_side / max(h, w)
        img = cv2.resize(gray, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    img = cv2.equalizeHist(img)
    side = max(24, int(min(img.shape) * min_size))
    found = _detector().detectMultiScale(img, scaleFactor=scale_factor, minNeighbors=min_neighbors,
                                         minSize=(side, side))
    boxes = [(int(round(x / s)), int(round(y / s)), int(round(bw / s)), int(round(bh / s))) for x, y, bw, bh in found]
    return sorted(boxes, key=lambda b: -b[2] * b[3])


def crop_face(gray: np.ndarray, box: tuple[int, int, int, int], margin: float = 0.0) -> np.ndarray:
    """The square region of ``box`` (grown by ``margin`` of its side on every edge), edges
    replicated where it leaves the picture."""
    import cv2

    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    x1, y1 = x0 + int(round(side)), y0 + int(round(side))
    H, W = gray.shape[:2]
    pad = max(0, -x0, -y0, x1 - W, y1 - H)
    if pad:
        gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    return gray[y0:y1, x0:x1]
