"""Face detection with OpenCV's bundled Haar cascade (ships offline in opencv-python-headless<5).

``detect_faces(gray)`` returns boxes ``(x, y, w, h)`` in the picture's pixels, largest first. The
cascade runs on a copy scaled so its longer side is at most ``max_side`` (default 640: a 720p
frame is searched at 640x360, about 1.7 times faster than at full size, and faces in talking-head video stay far
above the 24-pixel minimum). Faces smaller than a tenth of the picture's shorter side (72 px in
720p) are not searched for: about a third less work (313 -> 201 ms a frame of the 720p clip of
``bench/fer2013_benchmark.py`` on a busy 2-core machine, same faces found) without losing the face
of a speaker in view. A Haar box matches the framing of FER2013's crops (measured on
upscaled FER2013 crops: median box 0.96 of the crop, offset 0.02), so the crop we classify is the box.

Two detectors (``DETECTORS``): ``haar`` (above; the face extra) and ``mediapipe`` (BlazeFace,
``perceive.face_detect_mp``; the landmarks extra), which finds more faces (rolled heads, low
light, small faces) with fewer false ones (``bench/face_detectors.py``). ``resolve_detector``
picks one: by name, else ``$AFFECTKIT_FACE_DETECTOR``, else ``auto``: mediapipe where it is
installed and starts, Haar otherwise. mediapipe is not moved into the face extra because its
metadata pins numpy<2 and protobuf<5, which pip cannot install beside OpenCV 4.11 and later (numpy>=2):
it goes in with ``--no-deps`` (the landmarks extra's recipe), so Haar stays the detector that a
plain ``pip install 'affectkit[face]'`` has. ``find_faces(img, detector)`` and ``FaceSearch``
take either; ``detector_id`` names the one used (the record's ``models["face.detector"]``).
"""
from __future__ import annotations

import functools
import os
import threading

import numpy as np

from affectkit.core.errors import DependencyError, InputError, ModelError

CASCADE = "haarcascade_frontalface_default.xml"
DETECTORS = ("haar", "mediapipe")
DETECTOR_ENV = "AFFECTKIT_FACE_DETECTOR"


def resolve_detector(name: str | None = None) -> str:
    """"haar" or "mediapipe" for ``name`` ("auto" or None: ``$AFFECTKIT_FACE_DETECTOR``, else
    mediapipe where it starts, else haar). InputError for an unknown name; DependencyError naming
    the extra when mediapipe is asked for by name and cannot start."""
    raw = name if name not in (None, "auto") else os.environ.get(DETECTOR_ENV) or "auto"
    choice = raw.strip().lower()
    if choice == "auto":
        from affectkit.perceive.face_detect_mp import mediapipe_starts

        return "mediapipe" if mediapipe_starts() else "haar"
    if choice not in DETECTORS:
        where = f" (from ${DETECTOR_ENV})" if name in (None, "auto") else ""
        raise InputError(f"unknown face detector {raw!r}{where}: one of auto, {', '.join(DETECTORS)}")
    if choice == "mediapipe":
        from affectkit.perceive.face_detect_mp import require_mediapipe

        require_mediapipe()
    else:
        _cascade_path()
    return choice


def detector_id(detector: str) -> str:
    """The name and version of a detector as the record carries it, e.g.
    ``opencv.haar.frontalface_default@4.11.0`` or ``mediapipe.blazeface_short@0.10.21+tiled.2``."""
    if detector == "mediapipe":
        from affectkit.perceive.face_detect_mp import DETECTOR_VERSION, mediapipe_version

        return f"mediapipe.blazeface_short@{mediapipe_version()}+tiled.{DETECTOR_VERSION}"
    import cv2

    return f"opencv.haar.frontalface_default@{cv2.__version__}"


def find_faces(img: np.ndarray, detector: str = "haar") -> list[tuple[int, int, int, int]]:
    """Faces in a uint8 gray or BGR picture with ``detector`` ("haar" or "mediapipe"): boxes
    (x, y, w, h) in FER2013's framing, largest first."""
    if detector == "mediapipe":
        from affectkit.perceive.face_detect_mp import detect_faces_mediapipe

        return detect_faces_mediapipe(img)
    if detector != "haar":
        raise ValueError(f"unknown face detector {detector!r}: one of {', '.join(DETECTORS)}")
    return detect_faces(img)


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


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter) if inter else 0.0


class FaceSearch:
    """Face detection over the frames of one video, cheaper than a full search of every frame.

    A full-frame search (``detect_faces``) runs on the first frame, every ``full_every``-th frame
    after it (so a face that walks in is found within that many frames) and on any frame after one
    where no face was seen. In between, each face of the previous frame is searched for only in a
    window around its box (``grow`` of its side on every edge), scaled so the face is about
    ``roi_face`` pixels wide, for a face 0.7-1.4 times as large as before. Why: in a talking-head
    video the speaker barely moves between two frames sampled 0.2 s apart, and a Haar search of
    a small window costs a few percent of a whole frame's. A face that the window search loses is
    absent from that frame only until the next full search. ``detector="mediapipe"``: the full
    search is BlazeFace's tiled one, the window search one BlazeFace pass over a window
    ``face_detect_mp.NEAR_GROW`` face sides wide (``grow``, ``roi_face`` and ``detect_kw`` are Haar's).

    With BlazeFace the full search is the tiled one (``face_detect_mp.detect_tiled``: about 50
    passes over a 640x360 frame, against one for a window). It runs on the first frame, every
    ``tiled_every``-th frame, and every ``full_every``-th frame while no face is followed; every
    other ``full_every``-th frame, and each frame while no face is followed, gets a light search
    (``face_detect_mp.LIGHT_LEVELS``: the whole frame and its square tiles of the shorter side, 4
    passes), whose new faces join the followed ones. So a face of at least about a third of the
    frame's shorter side (what the light search finds of FER2013 faces pasted into a 640x360 frame:
    all from 160 px, most from 96 px) is found as soon as before, a smaller one by the next tiled
    search. Why: on a 13 s clip the tiled search every 5th frame was 1.6 of the face path's 1.8 s
    (84 ms a search against 7.5 ms for the light one, measured by hand), and the face path runs
    beside speech-to-text on the same 2 cores (``bench/short_clip.py``; ``bench/short_clip_levers.py``
    times both schedules).
    """

    def __init__(self, *, full_every: int = 5, grow: float = 0.5, roi_face: int = 64, max_faces: int = 3,
                 detector: str = "haar", tiled_every: int = 25, **detect_kw) -> None:
        if full_every < 1 or tiled_every < 1:
            raise ValueError("full_every and tiled_every must be at least 1")
        if detector not in DETECTORS:
            raise ValueError(f"unknown face detector {detector!r}: one of {', '.join(DETECTORS)}")
        self.detector = detector
        self.full_every = full_every
        self.tiled_every = tiled_every
        self.grow = grow
        self.roi_face = roi_face
        self.max_faces = max_faces
        self.detect_kw = detect_kw
        self._last: list[tuple[int, int, int, int]] = []
        self._n = 0
        self._since_full = 0  # frames since the last full search
        self.full_searches = 0
        self.light_searches = 0  # BlazeFace only: see above

    def __call__(self, gray: np.ndarray) -> list[tuple[int, int, int, int]]:
        """The faces of the next frame (uint8 grayscale or BGR): boxes (x, y, w, h), largest first."""
        import cv2

        if gray.ndim == 3:
            gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
        periodic = self._n % self.full_every == 0
        if self.detector == "haar":
            full, light = not self._last or periodic, False
        else:
            full = (self._n % self.tiled_every == 0
                    or (not self._last and self._since_full + 1 >= self.full_every))
            light = not full and (periodic or not self._last)
        if full:
            found = detect_faces(gray, **self.detect_kw) if self.detector == "haar" else find_faces(gray, self.detector)
            self.full_searches += 1
            self._since_full = 0
        else:
            found = []
            for box in self._last[:self.max_faces]:
                hit = self._near(gray, box)
                if hit is not None and all(_iou(hit, f) < 0.3 for f in found):
                    found.append(hit)
            if light:
                from affectkit.perceive.face_detect_mp import LIGHT_LEVELS, detect_faces_mediapipe

                found += [b for b in detect_faces_mediapipe(gray, levels=LIGHT_LEVELS)
                          if all(_iou(b, f) < 0.3 for f in found)]
                self.light_searches += 1
            found.sort(key=lambda b: -b[2] * b[3])
            self._since_full += 1
        self._n += 1
        self._last = found
        return found

    def _near(self, gray: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
        import cv2

        if self.detector == "mediapipe":
            from affectkit.perceive.face_detect_mp import detect_near

            return detect_near(gray, box)
        x, y, w, h = box
        H, W = gray.shape
        g = int(round(max(w, h) * self.grow))
        x0, y0, x1, y1 = max(0, x - g), max(0, y - g), min(W, x + w + g), min(H, y + h + g)
        if x1 - x0 < 24 or y1 - y0 < 24:
            return None
        s = min(1.0, self.roi_face / max(w, h))
        roi = gray[y0:y1, x0:x1]
        if s < 1.0:
            roi = cv2.resize(roi, (max(24, round((x1 - x0) * s)), max(24, round((y1 - y0) * s))),
                             interpolation=cv2.INTER_AREA)
        sx, sy = roi.shape[1] / (x1 - x0), roi.shape[0] / (y1 - y0)
        roi = cv2.equalizeHist(roi)
        lo, hi = max(24, int(0.7 * w * sx)), max(25, int(1.4 * w * sx) + 1)
        hits = _detector().detectMultiScale(roi, scaleFactor=self.detect_kw.get("scale_factor", 1.1),
                                            minNeighbors=self.detect_kw.get("min_neighbors", 5),
                                            minSize=(lo, lo), maxSize=(hi, hi))
        if len(hits) == 0:
            return None
        bx, by, bw, bh = max(hits, key=lambda r: r[2] * r[3])
        return (int(round(x0 + bx / sx)), int(round(y0 + by / sy)), int(round(bw / sx)), int(round(bh / sy)))
