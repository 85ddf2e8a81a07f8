"""Screening: stress, depression and crisis indicators per text and per speaker of a session.

Research and triage signals, never a diagnosis (``DISCLAIMER`` goes with every output). The
public entry point for one text at a time is :func:`screen_texts` (what ``affectkit predict
screen`` and the service's ``/v1/predict/screen`` return); sessions go through
``affectkit.screen.session.screen_record``.
"""
from __future__ import annotations

from typing import Sequence

DISCLAIMER = ("Research and triage indicators, not a diagnosis: they can be wrong, and they do not replace "
              "a clinician. If someone may be in danger, contact local emergency services or a crisis line "
              "now (US: call or text 988; UK and Ireland: Samaritans 116 123; elsewhere: "
              "findahelpline.com).")


def screen_texts(texts: Sequence[str], model=None, matcher=None) -> list[dict]:
    """One result per text, in order: ``{"text", "stress": {"label", "probability"}, "depression":
    {"label", "probability"}, "crisis": {"flag", "evidence": [quoted phrases], "categories",
    "details", "excluded"}, "markers": {...}}``. ``label`` is the probability at or above the
    head's threshold (chosen on dev data, in its config). ``details`` say for each phrase whether a
    pattern or the similarity pass found it (and the crisis statement it is close to). InputError for an empty or non-string
    text (callers that take many inputs check each first and record the failures)."""
    from affectkit.screen.crisis import detect_many
    from affectkit.screen.crisis_similarity import bundled_matcher
    from affectkit.screen.heads import bundled_screen_model
    from affectkit.screen.markers import text_markers

    texts = list(texts)
    model = model or bundled_screen_model()
    probs = model.probabilities(texts)
    crises = detect_many(texts, matcher or bundled_matcher())
    out = []
    for i, text in enumerate(texts):
        rec: dict = {"text": text}
        for task, head in model.heads.items():
            p = float(probs[task][i])
            rec[task] = {"label": bool(p >= head.threshold), "probability": round(p, 4)}
        crisis = crises[i]
        rec["crisis"] = {"flag": crisis.flag, "evidence": [e["phrase"] for e in crisis.evidence],
                         "categories": crisis.categories,
                         "details": [{k: e.get(k) for k in ("phrase", "category", "tense", "start_char", "end_char",
                                                            "source", "similar_to")} for e in crisis.evidence],
                         "excluded": [{k: e[k] for k in ("phrase", "reason")} for e in crisis.excluded]}
        rec["markers"] = text_markers([text])
        out.append(rec)
    return out


__all__ = ["DISCLAIMER", "screen_texts"]
