"""The screening of one speaker in words: the levels, the crisis evidence, and the markers that
stand out against the reference the heads were trained on (``screen.session`` builds the block)."""
from __future__ import annotations


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def explain_speaker(block: dict) -> str:
    """One paragraph naming the strongest evidence first: crisis phrases, then the readings, then
    the text markers furthest from the Dreaddit reference."""
    who = block["speaker"] if block["speaker"] is not None else "The speaker"
    parts = []
    crisis = block["crisis"]
    if crisis["flag"]:
        quotes = "; ".join(f"'{e['phrase']}'" + (f" at {e['start']:.0f} s" if e.get("start") is not None else "")
                           + (" (past)" if e.get("tense") == "past" else "") for e in crisis["evidence"][:3])
        parts.append(f"CRISIS indicators ({', '.join(c.replace('_', ' ') for c in crisis['categories'])}): {quotes}")
    if block["status"] == "insufficient":
        parts.append(f"stress and depression not read: {block['reason']}")
    else:
        for task in ("stress", "depression"):
            r = block[task]
            parts.append(f"{task} {r['level']} ({r['probability']:.2f}; elevated from {r['thresholds']['elevated']:.2f},"
                         f" high from {r['thresholds']['high']:.2f})")
    notable = []
    for m in block["markers"]:
        if m["modality"] != "text" or m["value"] is None:
            continue
        if m["name"] == "negative_emotion_share":
            if m["value"] >= 0.5:
                notable.append(f"{_pct(m['value'])} of utterances read as negative emotion")
            continue
        ref = m["reference"] or {}
        if "dreaddit_stressed" in ref:
            hi = ref["dreaddit_stressed"]
            if m["value"] >= hi:
                notable.append(f"{m['name'].replace('_', ' ')} {_pct(m['value'])} of words (at or above the stressed "
                               f"Dreaddit mean, {_pct(hi)})")
    if notable:
        parts.append("markers: " + "; ".join(notable))
    if crisis["excluded"] and not crisis["flag"]:
        parts.append(f"{len(crisis['excluded'])} crisis-like phrase(s) not counted ("
                     + "; ".join(f"'{e['phrase']}': {e['reason']}" for e in crisis["excluded"][:2]) + ")")
    return f"{who}: " + "; ".join(parts) + "."
