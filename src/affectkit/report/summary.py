"""One paragraph a person reads first: how much was analysed, the dominant emotions, the
notable moments (the strongest non-neutral readings), where the modalities disagree, and
where a modality gave no reading. The record carries it as ``summary["text"]``; the terminal
table ends with it and the HTML report opens with it."""
from __future__ import annotations

from typing import Sequence

READINGS = (("text", "text_emotion"), ("voice", "voice_emotion"), ("face", "face_emotion"))
NOTABLE_MIN_P = 0.5   # a moment is notable when its fused non-neutral emotion is at least this probable
NOTABLE_MAX = 3
SNIPPET = 40


def _clock(seconds: float | None) -> str:
    m, s = divmod(float(seconds or 0.0), 60)
    return f"{int(m):02d}:{int(s):02d}"


def _when(i: int, rec: dict) -> str:
    return _clock(rec["start"]) if rec.get("start") is not None else f"#{i}"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def _counts(labels) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for label in labels:
        if label:
            counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])  # stable: ties keep first-seen order


def _snippet(rec: dict) -> str:
    text = " ".join(str(rec.get("text") or "").split())
    if not text:
        return ""
    if len(text) > SNIPPET:
        text = text[: SNIPPET - 1].rstrip() + "…"
    who = f"{rec['speaker']}: " if rec.get("speaker") else ""
    return f', {who}"{text}"'


def notable_moments(records: Sequence[dict], limit: int = NOTABLE_MAX) -> list[tuple[int, str, float]]:
    """(index, label, p) of the strongest non-neutral fused readings (p >= NOTABLE_MIN_P), at
    most ``limit``, in time order."""
    found = []
    for i, rec in enumerate(records):
        label = rec.get("emotion")
        p = (rec.get("emotion_scores") or {}).get(label) if label else None
        if label and label != "neutral" and p is not None and p >= NOTABLE_MIN_P:
            found.append((i, label, float(p)))
    best = sorted(found, key=lambda x: -x[2])[:limit]
    return sorted(best)


def summary_text(records: Sequence[dict], *, duration: float | None = None,
                 modalities: Sequence[str] = ()) -> str:
    """The summary paragraph of one analysis (see the module's docstring)."""
    n = len(records)
    if n == 0:
        return "No utterances were analysed."
    plural = "s" if n != 1 else ""
    parts = [f"{n} utterance{plural}" + (f" over {_duration(duration)}" if duration else "") +
             (f", read from {', '.join(modalities)}" if modalities else "") + "."]
    ranked = _counts(r.get("emotion") for r in records)
    if not ranked:
        parts.append("No emotion could be read in any utterance.")
    elif len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        parts.append("No single dominant emotion: " + ", ".join(f"{label} ({k})" for label, k in ranked[:4]) + ".")
    else:
        top, c = ranked[0]
        line = f"Mostly {top} ({c} of {n})"
        if len(ranked) > 1:
            line += ", then " + ", ".join(f"{label} ({k})" for label, k in ranked[1:4])
        parts.append(line + ".")
    sentiments = _counts(r.get("sentiment") for r in records)
    if len(sentiments) > 1 and sentiments[0][1] == sentiments[1][1]:
        parts.append("Sentiment mixed: " + ", ".join(f"{s} ({k})" for s, k in sentiments) + ".")
    elif sentiments:
        s, k = sentiments[0]
        parts.append(f"Sentiment mostly {s} ({k} of {sum(v for _, v in sentiments)}).")
    moments = notable_moments(records)
    if moments:
        parts.append("Notable moments: " + "; ".join(
            f"{_when(i, records[i])} {label} ({p:.2f}{_snippet(records[i])})" for i, label, p in moments) + ".")
    conflicts = [i for i, r in enumerate(records) if r.get("conflict")]
    if conflicts:
        at = ", ".join(_when(i, records[i]) for i in conflicts[:3]) + (", …" if len(conflicts) > 3 else "")
        parts.append(f"The modalities disagree in {len(conflicts)} utterance{'s' if len(conflicts) != 1 else ''} "
                     f"({at}).")
    gaps = []
    for modality, key in READINGS:
        if modality in modalities:
            missing = sum(1 for r in records if key in r and not r.get(key))
            if missing:
                gaps.append(f"no {modality} reading in {missing} of {n}")
    if gaps:
        parts.append(gaps[0][0].upper() + "; ".join(gaps)[1:] + " (see each utterance's errors).")
    return " ".join(parts)
