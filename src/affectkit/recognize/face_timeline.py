"""``face.expression``: facial expression per segment of a video, or per face in an image.

The faces are found, tracked and measured by ``perceive`` (``face_detect``, ``face_track``,
``face_landmarks``); here the bundled CNN reads each crop, and the readings are gathered per segment.

Frames are sampled (default 5 per second), turned upright with square pixels, searched for faces
(MediaPipe's BlazeFace where the landmarks extra is installed, else OpenCV's Haar cascade:
``face_detect.resolve_detector``; a search of the whole frame every 5th frame, with BlazeFace's
costly tiled search every 25th, and a window around each known face in between:
``face_detect.FaceSearch``), the faces followed across frames (IoU tracking), and every face crop classified by
the bundled CNN trained on FER2013 (``recognize.face_affect``). Per segment, the reading is the
mean of the class probabilities of the segment's *main* face (the track with the largest summed
box area inside the segment); ``face_seen`` is the fraction of the segment's sampled frames
that show it. A segment without any face gets no reading: "no face", never a guess.
With ``landmarks=True`` (the ``landmarks`` extra: MediaPipe's face mesh) each face crop also gets
its geometry (``perceive.face_landmarks``: mouth opening, smile, brows, eyes, head pose), and a
segment's ``cues["geometry"]`` holds the medians over the main face's frames.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:  # the extractors below make DataFrames; `analyze` reads a video without pandas (0.3 s)
    import pandas as pd

from affectkit.core.data import Segment, round_scores
from affectkit.core.labels import EMOTION
from affectkit.perceive.face_detect import FaceSearch, crop_face, detector_id, find_faces, resolve_detector
from affectkit.perceive.face_track import Track, main_track, track_faces
from affectkit.perceive.registry import EXTRACTORS

DETECT_MAX_SIDE = 640  # frames are decoded at most this large: detection cost, crops stay >= 48 px


@dataclass
class FaceTimeline:
    """What a video shows, frame by frame: sampled ``times``; per frame the ``boxes`` found (in
    the decoded frame's pixels, ``frame_size`` = (width, height)); ``probs[(frame, i)]`` the
    expression probabilities of face ``i`` of that frame; and the face ``tracks``."""

    path: str
    times: list[float]
    boxes: list[list[tuple[int, int, int, int]]]
    probs: dict[tuple[int, int], np.ndarray]
    tracks: list[Track]
    labels: tuple[str, ...]
    frame_size: tuple[int, int]
    duration: float
    model_name: str = "face.expression"
    geometry: dict[tuple[int, int], dict[str, float] | None] | None = None  # with landmarks=True
    damage: str | None = None  # how much of a damaged video was read (io.media.Damage), None when whole
    detector: str = ""  # the face detector's name and version (face_detect.detector_id)

    @property
    def frames_with_face(self) -> int:
        return sum(1 for b in self.boxes if b)


def face_timeline(path: str | Path, *, fps: float = 5.0, model=None, max_side: int = DETECT_MAX_SIDE,
                  progress: Callable[[int], None] | None = None, timer: Any = None,
                  landmarks: bool = False, detector: str | None = None) -> FaceTimeline:
    """Decode, detect, classify and track the faces of a video (or one image). VideoError for
    an unusable file; a video where no face is ever seen gives a timeline with no tracks.
    ``timer``: a ``core.timing.Timer``; the time goes to ``decode.video`` (fetching frames),
    ``face.detect`` (detection, crops, tracking) and ``face.recognize`` (the CNN); a damaged video
    is read as far as it decodes, and ``damage`` says how much that was; with
    ``landmarks`` (DependencyError without the extra) to ``face.landmarks`` (the mesh on each crop
    with a quarter of its side as margin). ``detector``: "haar", "mediapipe" or "auto"/None
    (``face_detect.resolve_detector``)."""
    from affectkit.core.timing import Timer
    from affectkit.io.media import Damage
    from affectkit.io.video import read_pictures
    from affectkit.recognize.face_affect import bundled_face_model

    timer = timer or Timer()
    detector = resolve_detector(detector)
    if landmarks:
        from affectkit.perceive.face_landmarks import crop_geometry, require_landmarks

        require_landmarks()
    if model is None:
        with timer.stage("load"):
            model = bundled_face_model()
    times, boxes, crops, keys, wide = [], [], [], [], []
    size = (0, 0)
    with timer.stage("face.detect") as tick:
        damage = Damage("video")
        frames = timer.timed("decode.video", read_pictures(path, fps, gray=True, max_side=max_side, damage=damage))
        search = FaceSearch(max_side=None, detector=detector)  # whole-frame searches, windows between
        for fi, frame in enumerate(frames):
            found = search(frame.image)
            times.append(frame.t)
            boxes.append(found)
            size = (frame.image.shape[1], frame.image.shape[0])
            for i, b in enumerate(found):
                crops.append(crop_face(frame.image, b))
                keys.append((fi, i))
                if landmarks:
                    wide.append(crop_face(frame.image, b, margin=0.25))
            if progress:
                progress(1)
            tick(1)
        tracks = track_faces(zip(times, boxes))
    with timer.stage("face.recognize", len(crops)):
        probs = model.predict_proba(crops) if crops else np.zeros((0, len(model.labels)))
    geometry = None
    if landmarks:
        with timer.stage("face.landmarks", len(wide)):
            geometry = {k: crop_geometry(c) for k, c in zip(keys, wide)}
    step = 1.0 / fps if fps else 0.0
    duration = (times[-1] + step) if times else 0.0
    problem = damage.problem()
    if problem and fps and damage.announced:
        expected = max(1, math.ceil(damage.announced * fps - 1e-6))
        problem += f"; {len(times)} of the {expected} frames expected at {fps:g} fps were read"
    return FaceTimeline(str(path), times, boxes, dict(zip(keys, probs)), tracks, tuple(model.labels), size, duration,
                        model.name, geometry, problem, detector_id(detector))


def segment_reading(tl: FaceTimeline, start: float, end: float) -> tuple[dict[str, Any] | None, str | None]:
    """(reading, None) or (None, why) for the span [start, end): the main face's mean
    probabilities, ``face_seen`` and a few cues (box size relative to the frame, frames used)."""
    idx = [i for i, t in enumerate(tl.times) if start <= t < end]
    if not idx:
        return None, f"no face: no video frame sampled between {start:.2f} and {end:.2f} s"
    tr = main_track(tl.tracks, start, end)
    if tr is None:
        return None, f"no face seen in the {len(idx)} frames sampled between {start:.2f} and {end:.2f} s"
    pts = [(fi, b, di) for fi, t, b, di in tr.points if start <= t < end]
    p = np.mean([tl.probs[(fi, di)] for fi, _, di in pts], axis=0)
    scores = {l: float(v) for l, v in zip(tl.labels, p)}
    label = max((l for l in tl.labels if l in EMOTION), key=scores.get)
    w = tl.frame_size[0] or 1
    cues = {"frames": len(pts), "face_width_rel": round(float(np.median([b[2] for _, b, _ in pts])) / w, 3),
            "faces_in_view": round(float(np.mean([len(tl.boxes[i]) for i in idx])), 2),
            "expression_change": round(float(np.mean(np.abs(np.diff([tl.probs[(fi, di)] for fi, _, di in pts],
                                                                      axis=0)).sum(1))) / 2, 3) if len(pts) > 1 else 0.0}
    if tl.geometry is not None:
        from affectkit.perceive.face_landmarks import summarise

        cues["geometry"] = summarise([tl.geometry.get((fi, di)) for fi, _, di in pts])
    return {"label": label, "scores": scores, "cues": cues, "face_seen": round(len(pts) / len(idx), 3)}, None


@EXTRACTORS.register("face.expression")
class FaceExpression:
    """Expression probabilities of the main face per segment (columns: the model's labels,
    ``face_seen``, ``frames``), indexed by (file, start, end) like every feature table. Rows of
    segments without a face are NaN with ``face_seen`` 0."""

    name = "face.expression"
    version = "2"  # 2: square pixels; the detector a parameter (BlazeFace by default where installed)

    def __init__(self, fps: float = 5.0, max_side: int = DETECT_MAX_SIDE, detector: str | None = None) -> None:
        self.fps = fps
        self.max_side = max_side
        self.detector = detector

    def get_params(self) -> dict[str, Any]:
        return {"fps": self.fps, "max_side": self.max_side, "detector": self.detector}

    def extract(self, path: str, segments: Sequence[Segment] | None = None, model=None) -> pd.DataFrame:
        from affectkit.perceive.voice import feature_index

        tl = face_timeline(path, fps=self.fps, model=model, max_side=self.max_side, detector=self.detector)
        spans = [(s.start, s.end) for s in segments] if segments else [(0.0, tl.duration)]
        rows = []
        for a, b in spans:
            reading, _ = segment_reading(tl, a, b)
            row = {l: np.nan for l in tl.labels} | {"face_seen": 0.0, "frames": 0}
            if reading:
                row.update(reading["scores"], face_seen=reading["face_seen"], frames=reading["cues"]["frames"])
            rows.append(row)
        import pandas as pd

        return pd.DataFrame(rows, index=feature_index(str(path), spans))


def image_faces(image: np.ndarray, model=None, landmarks: bool = False, detector: str | None = None
                ) -> list[dict[str, Any]]:
    """Every face of one picture (BGR or gray): ``{"box": [x, y, w, h], "emotion",
    "emotion_scores"}``, largest face first; with ``landmarks`` also ``"geometry"`` (the face
    mesh's measures, ``perceive.face_landmarks``; null where the mesh finds no face).
    ``detector``: see ``face_detect.resolve_detector``."""
    import cv2

    from affectkit.recognize.face_affect import bundled_face_model

    model = model or bundled_face_model()
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    boxes = find_faces(gray, resolve_detector(detector))
    if not boxes:
        return []
    probs = model.predict_proba([crop_face(gray, b) for b in boxes])
    out = [{"box": list(b), **emotion_of(model.labels, p)} for b, p in zip(boxes, probs)]
    if landmarks:
        from affectkit.perceive.face_landmarks import crop_geometry

        for rec, b in zip(out, boxes):
            rec["geometry"] = crop_geometry(crop_face(gray, b, margin=0.25))
    return out


def emotion_of(labels: Sequence[str], p: np.ndarray, digits: int = 4) -> dict[str, Any]:
    """{"emotion", "emotion_scores"} from one probability row (scores rounded, still summing to 1)."""
    scores = {l: float(v) for l, v in zip(labels, p)}
    top = max((l for l in labels if l in EMOTION), key=scores.get)
    return {"emotion": top, "emotion_scores": round_scores(scores, digits)}


@EXTRACTORS.register("face.geometry")
class FaceGeometry(FaceExpression):
    """The main face's geometry per segment (``perceive.face_landmarks``: medians of
    ``mouth_open``, ``mouth_width``, ``smile``, ``brow_raise``, ``eye_open``, ``yaw``, ``pitch``,
    ``roll``, and ``landmarks_found``), indexed by (file, start, end). NaN where no face, or no
    mesh, is seen. Needs the landmarks extra."""

    name = "face.geometry"
    version = "2"  # 2: as face.expression 2

    def extract(self, path: str, segments: Sequence[Segment] | None = None, model=None) -> pd.DataFrame:
        from affectkit.perceive.face_landmarks import MEASURES
        from affectkit.perceive.voice import feature_index

        tl = face_timeline(path, fps=self.fps, model=model, max_side=self.max_side, landmarks=True,
                           detector=self.detector)
        spans = [(s.start, s.end) for s in segments] if segments else [(0.0, tl.duration)]
        rows = []
        for a, b in spans:
            reading, _ = segment_reading(tl, a, b)
            geo = (reading or {}).get("cues", {}).get("geometry") or {}
            rows.append({k: geo.get(k, np.nan) for k in MEASURES} | {"landmarks_found": geo.get("landmarks_found", 0.0)})
        import pandas as pd

        return pd.DataFrame(rows, index=feature_index(str(path), spans))
