"""Follow faces across sampled frames, so one person's expression is read over an utterance.

Greedy IoU association: each face found in a frame joins the live track whose last box overlaps
it most (IoU >= ``min_iou``); otherwise it starts a new track. A track dies after ``max_gap``
seconds unseen. Within any time span, the *main* face is the track with the largest sum of box
areas there (present most of the time and nearest the camera: the speaker in a talking-head
video), so a brief face in the background does not dilute the reading.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

Box = tuple[int, int, int, int]


def iou(a: Box, b: Box) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    id: int
    # (frame index, time, box, detection index within that frame)
    points: list[tuple[int, float, Box, int]] = field(default_factory=list)

    @property
    def last_box(self) -> Box:
        return self.points[-1][2]

    @property
    def last_t(self) -> float:
        return self.points[-1][1]


def track_faces(frames: Iterable[tuple[float, Sequence[Box]]], min_iou: float = 0.3,
                max_gap: float = 1.0) -> list[Track]:
    """``frames``: (time, boxes) per sampled frame, in time order. Returns every track."""
    tracks: list[Track] = []
    live: list[Track] = []
    for fi, (t, boxes) in enumerate(frames):
        live = [tr for tr in live if t - tr.last_t <= max_gap]
        pairs = sorted(((iou(tr.last_box, b), ti, bi) for ti, tr in enumerate(live) for bi, b in enumerate(boxes)),
                       reverse=True)
        used_t, used_b = set(), set()
        for score, ti, bi in pairs:
            if score < min_iou:
                break
            if ti in used_t or bi in used_b:
                continue
            used_t.add(ti)
            used_b.add(bi)
            live[ti].points.append((fi, t, tuple(boxes[bi]), bi))
        for bi, b in enumerate(boxes):
            if bi not in used_b:
                tr = Track(len(tracks), [(fi, t, tuple(b), bi)])
                tracks.append(tr)
                live.append(tr)
    return tracks


def main_track(tracks: Sequence[Track], start: float = float("-inf"), end: float = float("inf")) -> Track | None:
    """The track with the largest sum of box areas over frames with ``start <= t < end``; None if
    no face is seen there."""
    best, best_area = None, 0.0
    for tr in tracks:
        area = sum(b[2] * b[3] for _, t, b, _ in tr.points if start <= t < end)
        if area > best_area:
            best, best_area = tr, area
    return best
