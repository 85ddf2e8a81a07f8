"""The face's reading in words: the expression the CNN sees, how steady and visible it was, and
(with ``analyze --face-landmarks``) what the face's geometry shows.

"smiling" means the face CNN put most of its probability on joy, averaged over the frames where the
main face was seen. The geometric phrases ("mouth open", "brows raised", "eyes wide"...) come from
MediaPipe's face mesh (``perceive.face_landmarks``): a measure is named when it passes what fewer
than one neutral face in ten reaches (the 90th percentile of FER2013 Training's neutral crops;
"eyes narrowed": the 10th), from ``python bench/face_landmarks.py``. The head-pose limits are
round numbers, not fitted (FER2013 has no pose labels).
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
# geometry: ratios to the distance between the outer eye corners (bench/results/face_landmarks.json)
GEOMETRY_HIGH = {"mouth_open": (0.051, "mouth open"), "brow_raise": (0.261, "brows raised"),
                 "eye_open": (0.419, "eyes wide")}
SMILE_WIDTH, SMILE_LIFT = 0.588, 0.042  # mouth widened and its corners lifted: "smile shape"
EYES_NARROW = 0.264
TURNED, NODDED, TILTED = 25.0, 20.0, 15.0  # degrees of yaw, pitch, roll


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
    return out + geometry_phrases(cues.get("geometry"))


def geometry_phrases(geo: Mapping[str, Any] | None) -> list[str]:
    """Phrases for the facial geometry of one utterance (``cues["geometry"]``), each with its value."""
    if not geo:
        return []
    out = []
    if geo.get("mouth_width", 0.0) > SMILE_WIDTH and geo.get("smile", 0.0) > SMILE_LIFT:
        out.append(f"smile shape (mouth width {geo['mouth_width']:.2f}, corners up {geo['smile']:.2f})")
    for key, (limit, words) in GEOMETRY_HIGH.items():
        if geo.get(key, 0.0) > limit:
            out.append(f"{words} ({geo[key]:.2f})")
    if 0.0 < geo.get("eye_open", 1.0) < EYES_NARROW:
        out.append(f"eyes narrowed ({geo['eye_open']:.2f})")
    yaw, pitch, roll = geo.get("yaw", 0.0), geo.get("pitch", 0.0), geo.get("roll", 0.0)
    if abs(yaw) > TURNED:
        out.append(f"head turned {abs(yaw):.0f} deg")
    if abs(pitch) > NODDED:
        out.append(f"head tilted {'up' if pitch > 0 else 'down'} {abs(pitch):.0f} deg")
    if abs(roll) > TILTED:
        out.append(f"head leaning {abs(roll):.0f} deg")
    return out
