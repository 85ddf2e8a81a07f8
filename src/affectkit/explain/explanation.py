"""One sentence per utterance: each modality's reading, its share of the fused answer and its
cues in words, then any conflict between the modalities.

    text (joy, 67%): 'wonderful news'; voice (anger, 33%): pitch 40% above this speaker's
    usual, louder than usual (+3.1 dB); conflict: text says joy, voice says anger (divergence 0.71)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    from affectkit.recognize.fusion import Fused

# what to say for a modality whose cues are empty
NOTHING = {"text": "no single word stands out", "voice": "no cue stands out from this speaker's usual"}
QUOTED = frozenset({"text"})  # modalities whose cues are the speaker's own words
WEAK_BITS = 0.1     # a reading this close (KL, bits) to the head's usual one is said to be weak evidence
ABSTAINS_AT = 0.5   # a head with at least this mass outside the 7 emotions is said to abstain


def _why(fused: Fused, modality: str) -> str:
    """Why a modality's share is what it is, when that is not plain from its reading: it mostly
    abstains (EmoDB's boredom), or it reads what it usually reads (little evidence)."""
    extra = fused.abstained.get(modality, {})
    if sum(extra.values()) >= ABSTAINS_AT:
        top = max(extra, key=extra.get)
        return f", abstains: {sum(extra.values()):.0%} {top}"
    bits = fused.information.get(modality)
    if bits is not None and bits < WEAK_BITS and len(fused.weights) > 1:
        return ", weak evidence: close to its usual reading"
    return ""


def _cues(modality: str, label: str, cues: Sequence[str]) -> str:
    if not cues:
        if label == "neutral" and modality in QUOTED:
            return "no emotion words"
        return NOTHING.get(modality, "no cue stands out")
    return ", ".join(f"'{c}'" for c in cues) if modality in QUOTED else ", ".join(cues)


def explain_utterance(fused: Fused | None, cues: Mapping[str, Sequence[str]],
                      unread: Mapping[str, str] | None = None) -> str:
    """The explanation of one fused reading. ``cues``: modality -> phrases (text: the words
    behind its reading; voice: ``voice_phrases``); ``unread``: modality -> why it gave no
    reading (said briefly at the end). Modalities appear in the order of ``fused.weights``; the
    share is the modality's part of the answer, with why when it is small for a reason the
    reading does not show (it abstains, or it reads what it usually reads)."""
    parts = []
    if fused is not None:
        alone = len(fused.weights) == 1
        for modality, share in fused.weights.items():
            reading = fused.readings[modality]
            label = max(reading, key=reading.get)
            head = f"{modality} ({label})" if alone else f"{modality} ({label}, {share:.0%}{_why(fused, modality)})"
            parts.append(f"{head}: {_cues(modality, label, cues.get(modality, ()))}")
        if fused.conflicts:
            parts.append("conflict: " + "; ".join(fused.conflicts))
    for modality, why in (unread or {}).items():
        parts.append(f"no {modality} reading ({why})")
    return "; ".join(parts) if parts else "no reading"
