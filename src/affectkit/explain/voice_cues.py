"""Voice cues in words: the prosody the record carries, against the speaker's own median.

Each relative cue (``perceive.voice.RELATIVE``: ``pitch_rel = 0.31`` is 31% above the same
speaker's median over the recording) becomes a phrase when it passes a threshold; the phrases
are ordered by how far past their threshold the value is. Thresholds are round numbers near
what a listener notices (about 10% in pitch, 2 dB in loudness, 15% in speaking rate), chosen by
hand, not fitted. With one utterance per speaker every relative cue is 0: nothing to say.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping


@dataclass(frozen=True)
class CueRule:
    """``cue`` beyond +``threshold`` says ``up(value)``, beyond -``threshold`` ``down(value)``
    (either may be None: that side is not worth saying)."""

    cue: str
    threshold: float
    up: Callable[[float], str] | None
    down: Callable[[float], str] | None


RULES = (
    CueRule("pitch_rel", 0.10, lambda v: f"pitch {v:.0%} above this speaker's usual",
            lambda v: f"pitch {-v:.0%} below this speaker's usual"),
    CueRule("loudness_rel_db", 2.0, lambda v: f"louder than usual (+{v:.1f} dB)",
            lambda v: f"quieter than usual ({v:.1f} dB)"),
    CueRule("rate_rel", 0.15, lambda v: f"faster than usual (+{v:.0%})", lambda v: f"slower than usual ({v:.0%})"),
    CueRule("pitch_range_rel", 0.30, lambda v: "livelier intonation than usual",
            lambda v: "flatter intonation than usual"),
    CueRule("pause_rel", 0.10, lambda v: "more pauses than usual", lambda v: "fewer pauses than usual"),
    # harmonics-to-noise ratio down: a rougher or breathier voice; up is not worth a phrase
    CueRule("hnr_rel_db", 3.0, None, lambda v: "rougher, breathier voice than usual"),
)


def voice_phrases(cues: Mapping[str, float | None] | None, top: int = 3) -> list[str]:
    """Up to ``top`` phrases for the voice cues that stand out, strongest first; [] when
    none does (missing or non-finite cues are skipped)."""
    found: list[tuple[float, str]] = []
    for rule in RULES:
        value = (cues or {}).get(rule.cue)
        if value is None or not math.isfinite(float(value)):
            continue
        value = float(value)
        say = rule.up if value >= rule.threshold else rule.down if value <= -rule.threshold else None
        if say is not None:
            found.append((abs(value) / rule.threshold, say(value)))
    found.sort(key=lambda x: -x[0])
    return [phrase for _, phrase in found[:top]]
