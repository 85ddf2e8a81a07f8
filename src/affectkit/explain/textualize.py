"""Non-verbal cues written out as text for an LLM (textualization), from an analysis record.

Per utterance: the voice cues in words against the speaker's own median (``voice_phrases``,
the same phrases as the record's ``explanation``) with the voice model's reading, the face
model's reading and how much of the time a face was seen, and the conversation before it
(speaker: text lines). What is missing is said, not left out: "no audio (transcript only)".
"""
from __future__ import annotations

from typing import Sequence

from affectkit.explain.voice_cues import voice_phrases


def _reading(reading: dict) -> str:
    label = reading.get("label")
    p = (reading.get("scores") or {}).get(label)
    return f"{label} (p={p:.2f})" if p is not None else str(label)


def voice_cue_text(segment: dict, offered: bool | None = None) -> str:
    """The voice cues of one record segment in words. ``offered``: whether the input has a voice
    at all (``schema.channels``); None: whether the segment has the key."""
    if not (("voice_emotion" in segment) if offered is None else offered):
        return "none (no audio: transcript only)"
    reading = segment["voice_emotion"]
    if not reading:
        return "none (no usable voice in this utterance)"
    phrases = voice_phrases(reading.get("cues"))
    said = "; ".join(phrases) if phrases else "pitch, loudness and pace as this speaker's usual"
    return f"{said}; the voice emotion model hears {_reading(reading)}"


def face_cue_text(segment: dict, offered: bool | None = None) -> str:
    """The face cues of one record segment in words (``offered``: as for ``voice_cue_text``)."""
    if not (("face_emotion" in segment) if offered is None else offered):
        return "none (no video)"
    reading = segment["face_emotion"]
    if not reading:
        return "no face seen"
    seen = reading.get("face_seen")
    where = f", face visible in {seen:.0%} of the sampled frames" if isinstance(seen, (int, float)) else ""
    return f"the facial expression model reads {_reading(reading)}{where}"


def context_text(segments: Sequence[dict], index: int, context: int = 3) -> str:
    """Up to ``context`` utterances before ``index`` as ``speaker: text`` lines."""
    if index == 0:
        return "(none: this is the first utterance)"
    before = [s for s in segments[max(0, index - context):index] if (s.get("text") or "").strip()]
    if not before:
        return "(no words: no transcript for the utterances before it)"
    return "\n".join(f"{s.get('speaker') or 'unknown speaker'}: {s['text'].strip()}" for s in before)


def cue_values(segments: Sequence[dict], index: int, context: int = 3,
               offered: set[str] | None = None) -> dict[str, str]:
    """The values of the ``cues_reasoning`` prompt for segment ``index`` of a record (the text
    in double quotes; a stretch without words says so, unquoted). ``offered``: the modalities
    the input has (``schema.channels`` of the record); None: those whose keys the segment has."""
    seg = segments[index]
    text = (seg.get("text") or "").strip()
    return {"text": f'"{text}"' if text else "(no words: no transcript for this stretch)",
            "speaker": seg.get("speaker") or "unknown speaker", "context": context_text(segments, index, context),
            "voice": voice_cue_text(seg, None if offered is None else "voice" in offered),
            "face": face_cue_text(seg, None if offered is None else "face" in offered)}
