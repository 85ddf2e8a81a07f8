"""Screening of a session (a conversation, or a folder of one person's posts), per speaker.

Which speakers: ``speakers`` when given (each must be in the session); else everyone but the
interviewer. The interviewer is never screened by default: a speaker named like one (Ellie, the
DAIC-WOZ virtual interviewer; Interviewer, Therapist, ...) or, in a conversation of several
speakers, one whose turns are mostly questions. ``include_interviewer`` screens them too and
warns: in DAIC-WOZ the interviewer's prompts leak the label.

Per speaker: the speaker's words in ~100-word chunks (the length of the Dreaddit posts the heads
were trained on), each read by the stress and depression heads, the probabilities averaged; the
level is low below the head's threshold (chosen on dev for F1), high at or above the probability
where the head's dev precision reached 0.9, elevated between. Under ``MIN_WORDS`` words the
speaker is "insufficient": no probabilities, the reason said. The crisis check runs on every
utterance whatever the amount. Markers: text always; voice and face where the input has them.
"""
from __future__ import annotations

import re
import statistics
from typing import Sequence

from affectkit.core.errors import InputError

MIN_WORDS = 50
CHUNK_WORDS = 100
INTERVIEWER_NAMES = re.compile(r"^(ellie|interviewer|therapist|clinician|counsel+or|doctor|dr\.?|moderator|host|"
                               r"researcher|examiner|int|iv)\b", re.I)
NEGATIVE = ("anger", "disgust", "fear", "sadness")


def choose_speakers(segments: Sequence[dict], speakers: Sequence[str] | None = None,
                    include_interviewer: bool = False) -> tuple[list[str | None], dict[str, str], list[str]]:
    """(speakers to screen in order of appearance, speaker -> why left out, warnings)."""
    order: list[str | None] = []
    for s in segments:
        if s.get("text", "").strip() and s.get("speaker") not in order:
            order.append(s.get("speaker"))
    warnings: list[str] = []
    if speakers:
        missing = [n for n in speakers if n not in order]
        if missing:
            named = ", ".join(repr(n) for n in order if n is not None) or "no named speakers"
            raise InputError(f"speaker {missing[0]!r} is not in this session (it has {named})")
        out = list(dict.fromkeys(speakers))
        return out, {str(n): "not asked for (--speaker)" for n in order if n not in out and n is not None}, warnings
    excluded: dict[str, str] = {}
    named = [n for n in order if n is not None]
    for n in named:
        if INTERVIEWER_NAMES.match(n):
            excluded[n] = "the interviewer (by name): not screened by default"
    rest = [n for n in named if n not in excluded]
    if len(rest) > 1:
        asking = {}
        for n in rest:
            turns = [s["text"].strip() for s in segments if s.get("speaker") == n and s.get("text", "").strip()]
            asks = sum(t.endswith("?") for t in turns)
            if turns and asks / len(turns) >= 0.5:
                asking[n] = (asks, len(turns))
        if len(asking) < len(rest):  # someone is left to screen
            for n, (asks, total) in asking.items():
                excluded[n] = f"the interviewer (asks questions in {asks} of {total} turns): not screened by default"
    if include_interviewer and excluded:
        warnings.append("interviewer screened too (--include-interviewer): in DAIC-WOZ-style interviews the "
                        "interviewer's prompts depend on earlier answers and leak the label; do not read these "
                        "figures as the participant's")
        return order, {}, warnings
    return [n for n in order if n not in excluded], excluded, warnings


def chunk_texts(texts: Sequence[str], size: int = CHUNK_WORDS) -> list[str]:
    """Consecutive utterances joined into chunks of at least ``size`` words (a short tail joins
    the chunk before it)."""
    out, cur, n = [], [], 0
    for t in texts:
        cur.append(t.strip())
        n += len(t.split())
        if n >= size:
            out.append(" ".join(cur))
            cur, n = [], 0
    if cur:
        if out and n < size // 2:
            out[-1] += " " + " ".join(cur)
        else:
            out.append(" ".join(cur))
    return out


def _level(p: float, thresholds: dict[str, float]) -> str:
    return "high" if p >= thresholds["high"] else "elevated" if p >= thresholds["elevated"] else "low"


def _crisis(own: list[tuple[int, dict]], matcher=None) -> dict:
    from affectkit.screen.crisis import detect_many
    from affectkit.screen.crisis_similarity import bundled_matcher

    evidence, excluded = [], []
    results = detect_many([seg["text"] for _, seg in own], matcher or bundled_matcher())
    for (i, seg), res in zip(own, results):
        where = {"segment": i, "start": seg.get("start"), "end": seg.get("end")}
        for e in res.evidence:
            evidence.append({"phrase": e["phrase"], "category": e["category"], **where, "context": e["context"],
                             "tense": e["tense"], "reason": None})
        for e in res.excluded:
            excluded.append({"phrase": e["phrase"], "category": e["category"], **where, "context": e["context"],
                             "tense": None, "reason": e["reason"]})
    cats = list(dict.fromkeys(e["category"] for e in evidence))
    return {"flag": bool(evidence), "categories": cats, "evidence": evidence, "excluded": excluded}


def _median(values) -> float | None:
    vals = [float(v) for v in values if v is not None and v == v]
    return round(statistics.median(vals), 4) if vals else None


def _marker(name: str, value: float | None, note: str | None = None, reference: dict | None = None) -> dict:
    from affectkit.screen.markers import MARKERS

    m = MARKERS[name]
    return {"name": name, "modality": m["modality"], "value": value, "unit": m["unit"], "meaning": m["meaning"],
            "direction": m["direction"], "citation": m["citation"], "validated_here": m["validated_here"],
            "reference": reference, "note": note}


def speaker_markers(own: list[tuple[int, dict]], channels: set[str], reference: dict | None = None) -> list[dict]:
    """The markers of one speaker's segments (record segments with their readings)."""
    from affectkit.screen.markers import text_markers

    reference = reference or {}
    texts = [s["text"] for _, s in own]
    tm = text_markers(texts)

    out = [_marker(k, v, reference=reference.get(k)) for k, v in tm.items()]
    read = [s["text_emotion"]["label"] for _, s in own if s.get("text_emotion")]
    out.append(_marker("negative_emotion_share", round(sum(l in NEGATIVE for l in read) / len(read), 4) if read else None,
                       None if read else "no text reading"))
    if "voice" in channels:
        cues = [s["voice_emotion"]["cues"] for _, s in own if s.get("voice_emotion")]
        note = None if cues else "no voice reading for this speaker (see the segments' errors)"
        loud = [c.get("loudness_db") for c in cues if c.get("loudness_db") is not None]
        out += [_marker("speaking_rate", _median(c.get("syllable_rate") for c in cues), note),
                _marker("pause_ratio", _median(c.get("pause_ratio") for c in cues), note),
                _marker("pitch_variability", _median(c.get("pitch_range_st") for c in cues), note),
                _marker("loudness_variability", round(statistics.pstdev(loud), 3) if len(loud) >= 2 else None,
                        note or (None if len(loud) >= 2 else "needs two utterances with a loudness reading")),
                _marker("jitter", _median(c.get("jitter") for c in cues), note),
                _marker("shimmer", _median(c.get("shimmer_db") for c in cues), note),
                _marker("hnr", _median(c.get("hnr_db") for c in cues), note)]
    if "face" in channels:
        faces = [s["face_emotion"] for _, s in own if s.get("face_emotion")]
        note = None if faces else "no face reading for this speaker"
        change = [f["cues"].get("expression_change") for f in faces if f.get("cues")]
        out += [_marker("face_expressivity", round(sum(f["label"] != "neutral" for f in faces) / len(faces), 4)
                        if faces else None, note),
                _marker("smiles", round(sum(f["label"] == "joy" for f in faces) / len(faces), 4) if faces else None, note),
                _marker("expression_variability", _median(change), note or (None if any(
                    c is not None for c in change) else "expression change not measured"))]
    return out


def screen_segments(segments: Sequence[dict], *, channels: set[str] | None = None,
                    speakers: Sequence[str] | None = None, include_interviewer: bool = False,
                    model=None, matcher=None, min_words: int = MIN_WORDS) -> dict:
    """The record's ``screening`` block (without explanations: ``explain.screening`` words them)
    for record segments (``{"text", "speaker", "start", "end", "text_emotion", ...}``)."""
    from affectkit.screen import DISCLAIMER
    from affectkit.screen.heads import bundled_screen_model

    channels = channels or {"text"}
    chosen, excluded, warnings = choose_speakers(segments, speakers, include_interviewer)
    model = model or bundled_screen_model()
    reference = model.heads["stress"].meta_.get("marker_reference", {}) if hasattr(model.heads["stress"], "meta_") else {}
    blocks = []
    for name in chosen:
        own = [(i, s) for i, s in enumerate(segments) if s.get("speaker") == name and s.get("text", "").strip()]
        n_words = sum(len(s["text"].split()) for _, s in own)
        block = {"speaker": name, "segments": len(own), "words": n_words, "crisis": _crisis(own, matcher),
                 "markers": speaker_markers(own, channels, reference), "explanation": None,
                 "stress": None, "depression": None, "reason": None}
        who = name if name is not None else "the speaker"
        if n_words < min_words:
            block.update(status="insufficient",
                         reason=f"only {n_words} words from {who} (at least {min_words} are needed for the stress "
                                "and depression readings; the crisis check ran on every word)")
        else:
            chunks = chunk_texts([s["text"] for _, s in own])
            probs = model.probabilities(chunks)
            block["status"] = "screened"
            for task, head in model.heads.items():
                th = {"elevated": round(float(head.threshold), 4),
                      "high": round(float(getattr(head, "meta_", {}).get("high_threshold", max(0.8, head.threshold))), 4)}
                p = float(probs[task].mean())
                block[task] = {"probability": round(p, 4), "level": _level(p, th), "thresholds": th,
                               "chunks": len(chunks)}
        blocks.append(block)
    return {"disclaimer": DISCLAIMER, "model": model.name, "speakers": blocks, "excluded_speakers": excluded,
            "warnings": warnings, "llm": None}
