"""The face's reading in words: the expression the CNN sees, and how steady and visible it was.

These describe the expression classifier's output over the utterance's frames, not measured facial
geometry (no landmarks here: MediaPipe's face mesh would need numpy<2): "smiling" means the face
CNN put most of its probability on joy, averaged over the frames where the main face was seen.
"""
from __future__ import annotations

from typing import Any, Mapping

# how a prototypical expression of each label looks, said when the CNN is fairly sure of it
LOOKS = {"joy": "smiling", "anger": "frowning", "sadness": "downcast", "surprise": "surprised look",
         "fear": "fearful look", "disgust": "disgusted look"}
SURE = 0.5            # mean probability of the top label to name the expression
CHANGING = 0.25       # mean frame-to-frame change of the probabilities (half the L1 distance)
SELDOM_SEEN = 0.6     # share of the utterance's frames that show the main face
CROWD = 1.5           # faces in view on average


def face_phrases(reading: Mapping[str, Any] | None) -> list[str]:
    """Cue phrases for one utterance's face reading (``face_emotion`` of the record)."""
    if not reading:
        return []
    scores = reading.get("scores") or {}
    cues = reading.get("cues") or {}
    out = []
    label = max(scores, key=scores.get) if scores else None
    if label in LOOKS and scores[label] >= SURE:
        out.append(f"{LOOKS[label]} (p {scores[label]:.2f})")
    if cues.get("expression_change", 0.0) >= CHANGING:
        out.append("expression changing")
    seen = reading.get("face_seen")
    if seen is not None and seen < SELDOM_SEEN:
        out.append(f"face seen in {seen:.0%} of the frames")
    if cues.get("faces_in_view", 1.0) >= CROWD:
        out.append("several faces in view")
    return out
