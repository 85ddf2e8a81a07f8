"""The screening section of the HTML report: the disclaimer, per screened speaker the levels,
the explanation, the crisis evidence in its utterance (highlighted, with its time), the markers
with their citations, and the text markers over the session (one SVG of per-utterance values).
Inline SVG and CSS only; every text from the input is escaped."""
from __future__ import annotations

import html
from typing import Sequence

CSS = """
.screen{border:2px solid #555;border-radius:6px;padding:8px 12px;margin:16px 0}
.disclaimer{background:#fff4e5;border-left:6px solid #e67e22;padding:6px 10px;border-radius:4px}
.crisis{background:#fdecea;border-left:6px solid #b00020;padding:6px 10px;border-radius:4px;margin:6px 0}
.level-high{color:#b00020;font-weight:700} .level-elevated{color:#c26a00;font-weight:600} .level-low{color:#2e7d32}
mark{background:#ffcdd2}
"""
SERIES = (("first_person_singular", "#1f77b4"), ("absolutist_words", "#d62728"), ("negative_emotion_words", "#9467bd"))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _value(v: float | None) -> str:
    return "n/a" if v is None else f"{v:g}"


def _highlight(text: str, phrase: str) -> str:
    i = text.lower().find(phrase.lower())
    if i < 0:
        return _e(text)
    return _e(text[:i]) + "<mark>" + _e(text[i:i + len(phrase)]) + "</mark>" + _e(text[i + len(phrase):])


def markers_svg(segments: Sequence[dict], speaker, width: int = 860, height: int = 120) -> str:
    """The speaker's word-level text markers per utterance, in order (a line each)."""
    from affectkit.screen.markers import text_markers

    own = [s for s in segments if s.get("speaker") == speaker and (s.get("text") or "").strip()]
    if len(own) < 2:
        return ""
    vals = [text_markers([s["text"]]) for s in own]
    top = max([v[k] or 0.0 for v in vals for k, _ in SERIES] + [0.05])
    x = lambda i: 40 + i * (width - 50) / (len(own) - 1)  # noqa: E731
    y = lambda v: height - 15 - (v or 0.0) / top * (height - 25)  # noqa: E731
    parts = [f'<svg role="img" aria-label="text markers per utterance" width="{width}" height="{height}">',
             f'<text x="0" y="12">{top:.0%}</text><text x="0" y="{height - 15}">0</text>']
    for name, colour in SERIES:
        pts = " ".join(f"{x(i):.1f},{y(v[name]):.1f}" for i, v in enumerate(vals))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{pts}"><title>{_e(name)}</title></polyline>')
    parts.append(f'<text x="40" y="{height - 2}">utterance 1</text><text x="{width - 90}" y="{height - 2}">utterance {len(own)}</text>')
    parts.append("</svg>")
    legend = " ".join(f'<span><span class="sw" style="background:{c}"></span>{_e(n.replace("_", " "))}</span>'
                      for n, c in SERIES)
    return f'<div class="legend">{legend}</div>' + "".join(parts)


def screening_html(doc: dict) -> str:
    """The record's screening block as an HTML section ('' when the record has none)."""
    sc = doc.get("screening")
    if not sc:
        return ""
    segs = doc.get("segments") or []
    out = ['<section class="screen"><h2>Screening</h2>', f'<p class="disclaimer"><b>Not a diagnosis.</b> {_e(sc["disclaimer"])}</p>']
    for w in sc.get("warnings") or []:
        out.append(f'<p class="err">Warning: {_e(w)}</p>')
    for who, why in (sc.get("excluded_speakers") or {}).items():
        out.append(f'<p class="muted">Not screened: {_e(who)}: {_e(why)}</p>')
    for sp in sc["speakers"]:
        name = sp["speaker"] if sp["speaker"] is not None else "the speaker"
        out.append(f"<h2>{_e(name)}: {sp['words']} words in {sp['segments']} utterances</h2>")
        out.append(f"<p>{_e(sp.get('explanation') or '')}</p>")
        if sp["status"] == "insufficient":
            out.append(f'<p class="muted">Insufficient: {_e(sp["reason"])}</p>')
        else:
            rows = "".join(f"<tr><td>{t}</td><td>{sp[t]['probability']:.2f}</td>"
                           f"<td class=\"level-{sp[t]['level']}\">{sp[t]['level']}</td>"
                           f"<td>{sp[t]['thresholds']['elevated']:.2f} / {sp[t]['thresholds']['high']:.2f}</td>"
                           f"<td>{sp[t]['chunks']}</td></tr>" for t in ("stress", "depression"))
            out.append("<table><tr><th>indicator</th><th>probability</th><th>level</th><th>elevated / high from</th>"
                       f"<th>chunks</th></tr>{rows}</table>")
        crisis = sp["crisis"]
        if crisis["flag"]:
            out.append('<div class="crisis"><b>Crisis indicators</b> (' + _e(", ".join(crisis["categories"])) + ")")
            for ev in crisis["evidence"]:
                seg = segs[ev["segment"]] if ev.get("segment") is not None and ev["segment"] < len(segs) else {}
                at = f"{ev['start']:.1f} s" if ev.get("start") is not None else f"utterance {ev.get('segment')}"
                out.append(f"<div>{_e(at)} ({_e(ev['category'])}, {_e(ev.get('tense') or '')}): "
                           f"{_highlight(seg.get('text') or ev['context'], ev['phrase'])}</div>")
            out.append("</div>")
        else:
            out.append('<p class="muted">No crisis indicator in this speaker\'s words.</p>')
        if crisis["excluded"]:
            out.append("<details><summary>crisis-like phrases not counted</summary>" + "".join(
                f"<div>'{_e(e['phrase'])}': {_e(e['reason'])} &mdash; {_e(e['context'])}</div>" for e in crisis["excluded"])
                + "</details>")
        svg = markers_svg(segs, sp["speaker"])
        if svg:
            out.append("<h2>Text markers over the session</h2>" + svg)
        mrows = "".join(
            f"<tr><td>{_e(m['modality'])}</td><td>{_e(m['name'])}</td>"
            f"<td>{_value(m['value'])}</td>"
            f"<td>{_e(m['unit'])}</td><td style=\"text-align:left\">{_e(m['direction'])}; {_e(m['citation'])}"
            f"{'; ' + _e(m['note']) if m['note'] else ''}</td><td style=\"text-align:left\">{_e(m['validated_here'])}</td></tr>"
            for m in sp["markers"])
        out.append("<table><tr><th>modality</th><th>marker</th><th>value</th><th>unit</th><th>literature</th>"
                   f"<th>validated here</th></tr>{mrows}</table>")
    return "".join(out) + "</section>"
