"""The analysis record as one self-contained HTML report: a summary, a timeline of emotion per
modality and fused, a chart of the fused probabilities over time, and the transcript with each
utterance coloured by its emotion and its explanation on hover (title) or click (details).

No scripts, fonts or images from anywhere: inline CSS and SVG only, so the file opens offline,
can be mailed, and has nothing to run. Every text from the input is HTML-escaped.
"""
from __future__ import annotations

import html
from typing import Iterable, Sequence

COLOURS = {"anger": "#d62728", "disgust": "#8c564b", "fear": "#9467bd", "joy": "#e5a800",
           "neutral": "#9e9e9e", "sadness": "#1f77b4", "surprise": "#17becf", "boredom": "#6b6b6b"}
LANES = (("emotion", "fused"), ("text_emotion", "text"), ("voice_emotion", "voice"), ("face_emotion", "face"))
WIDTH, LANE_H, LABEL_W = 860, 22, 60

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:960px;color:#222}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px} .muted{color:#666}
.legend span{display:inline-block;margin-right:12px} .sw{display:inline-block;width:11px;height:11px;margin-right:4px;border-radius:2px;vertical-align:-1px}
.utt{border-left:6px solid #ccc;padding:6px 10px;margin:6px 0;border-radius:4px}
.utt .meta{font-size:12px;color:#555} .utt .badge{display:inline-block;font-size:12px;padding:0 6px;margin-right:6px;border-radius:8px;background:#fff8}
.conflict{color:#b00020;font-weight:600} details{font-size:13px;margin-top:2px} table{border-collapse:collapse;font-size:12px}
.summary{font-size:15px;background:#f6f6f6;border-radius:6px;padding:8px 12px}
td,th{padding:2px 8px;text-align:right} th:first-child,td:first-child{text-align:left} .err{color:#b00020}
svg text{font:11px system-ui,sans-serif;fill:#444}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(float(seconds), 60)
    return f"{int(m):02d}:{s:04.1f}"


def _reading(segment: dict, key: str) -> tuple[str | None, dict]:
    """(label, scores) of one lane: the fused answer lives at the top of the segment."""
    if key == "emotion":
        return segment.get("emotion"), segment.get("emotion_scores") or {}
    r = segment.get(key)
    return (r.get("label"), r.get("scores") or {}) if isinstance(r, dict) else (None, {})


def _spans(segments: Sequence[dict], duration: float | None) -> tuple[list[tuple[float, float]], float, bool]:
    """Each segment's (start, end) on the time axis; utterance index when there are no times."""
    timed = all(s.get("start") is not None and s.get("end") is not None for s in segments) and segments
    if timed:
        end = max([float(duration or 0.0)] + [float(s["end"]) for s in segments])
        return [(float(s["start"]), float(s["end"])) for s in segments], max(end, 1e-6), True
    return [(float(i), float(i + 1)) for i in range(len(segments))], float(max(1, len(segments))), False


def timeline_svg(segments: Sequence[dict], duration: float | None) -> str:
    """One lane per modality present (fused first): a bar per utterance, coloured by its label,
    opaque in proportion to that label's probability, with a tooltip."""
    lanes = [(k, name) for k, name in LANES if any(_reading(s, k)[0] for s in segments)]
    spans, total, timed = _spans(segments, duration)
    scale = (WIDTH - LABEL_W) / total
    height = LANE_H * len(lanes) + 24
    out = [f'<svg class="timeline" role="img" aria-label="emotion timeline" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">']
    for row, (key, name) in enumerate(lanes):
        y = row * LANE_H
        out.append(f'<text x="0" y="{y + 15}">{_e(name)}</text>')
        for s, (a, b) in zip(segments, spans):
            label, scores = _reading(s, key)
            if not label:
                continue
            p = float(scores.get(label, 1.0))
            x, w = LABEL_W + a * scale, max(1.5, (b - a) * scale - 1)
            tip = f"{_clock(s.get('start'))}-{_clock(s.get('end'))} {name}: {label} {p:.2f}" if timed else \
                f"utterance {s.get('index', '')} {name}: {label} {p:.2f}"
            out.append(f'<rect class="bar" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{LANE_H - 6}" rx="2" '
                       f'fill="{COLOURS.get(label, "#444")}" fill-opacity="{0.3 + 0.7 * p:.2f}">'
                       f'<title>{_e(tip)}</title></rect>')
    axis_y = LANE_H * len(lanes) + 14
    for k in range(6):
        t = total * k / 5
        anchor = "start" if k == 0 else "end" if k == 5 else "middle"
        out.append(f'<text x="{LABEL_W + t * scale:.1f}" y="{axis_y}" text-anchor="{anchor}">'
                   f'{_e(_clock(t) if timed else int(t))}</text>')
    out.append("</svg>")
    return "".join(out)


def probability_svg(segments: Sequence[dict], duration: float | None, height: int = 150) -> str:
    """The fused probability of each emotion at each utterance's midpoint, one line per emotion."""
    spans, total, _ = _spans(segments, duration)
    labels = [l for l in COLOURS if any(l in (s.get("emotion_scores") or {}) for s in segments)]
    scale = (WIDTH - LABEL_W) / total
    out = [f'<svg class="chart" role="img" aria-label="fused emotion probabilities" width="{WIDTH}" '
           f'height="{height + 10}" viewBox="0 0 {WIDTH} {height + 10}" xmlns="http://www.w3.org/2000/svg">',
           f'<text x="0" y="12">p = 1</text><text x="0" y="{height}">p = 0</text>',
           f'<line x1="{LABEL_W}" y1="{height}" x2="{WIDTH}" y2="{height}" stroke="#ccc"/>']
    for label in labels:
        pts = [(LABEL_W + (a + b) / 2 * scale, height - 4 - (height - 8) * float((s.get("emotion_scores") or {}).get(label, 0.0)))
               for s, (a, b) in zip(segments, spans) if s.get("emotion_scores")]
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[label]}" stroke-width="2">'
                       f'<title>{_e(label)}</title></polyline>')
    out.append("</svg>")
    return "".join(out)


def _legend() -> str:
    return '<p class="legend">' + "".join(f'<span><i class="sw" style="background:{c}"></i>{_e(l)}</span>'
                                          for l, c in COLOURS.items()) + "</p>"


def _summary(doc: dict) -> str:
    s = doc.get("summary") or {}
    counts = s.get("emotion_counts") or {}
    n = s.get("segments", len(doc.get("segments", [])))
    parts = [f"{n} utterance{'s' if n != 1 else ''}"]
    if doc.get("duration"):
        parts.append(f"{float(doc['duration']):.1f} s")
    parts.append("modalities: " + (", ".join(doc.get("modalities") or []) or "none"))
    lines = [f'<p class="muted">{_e(" · ".join(parts))}</p>']
    if s.get("text"):
        lines.append(f'<p class="summary">{_e(s["text"])}</p>')
    elif counts:
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        lines.append("<p>Mostly <b>" + _e(ranked[0][0]) + "</b> (" + ", ".join(
            f"{_e(l)} {c}" for l, c in ranked) + ")" + (f'; <span class="conflict">{int(s["conflicts"])} '
                                                          f'utterance(s) where the modalities disagree</span>'
                                                          if s.get("conflicts") else "") + ".</p>")
    for err in doc.get("errors") or []:
        lines.append(f'<p class="err">Error: {_e(err)}</p>')
    return "".join(lines)


def _scores_table(segment: dict) -> str:
    cols = [(k, n) for k, n in LANES if _reading(segment, k)[1]]
    if not cols:
        return ""
    labels = [l for l in COLOURS if any(l in _reading(segment, k)[1] for k, _ in cols)]
    head = "<tr><th>emotion</th>" + "".join(f"<th>{_e(n)}</th>" for _, n in cols) + "</tr>"
    rows = "".join("<tr><td>" + _e(l) + "</td>" + "".join(
        f"<td>{_reading(segment, k)[1][l]:.2f}</td>" if l in _reading(segment, k)[1] else "<td></td>"
        for k, _ in cols) + "</tr>" for l in labels)
    return f"<table>{head}{rows}</table>"


def _utterance(i: int, s: dict) -> str:
    label = s.get("emotion")
    colour = COLOURS.get(label or "", "#cccccc")
    when = f"{_clock(s.get('start'))}–{_clock(s.get('end'))}" if s.get("start") is not None else f"#{i}"
    badges = "".join(f'<span class="badge">{_e(n)}: {_e(_reading(s, k)[0])}</span>'
                     for k, n in LANES if _reading(s, k)[0])
    if s.get("sentiment"):
        badges += f'<span class="badge">sentiment: {_e(s["sentiment"])}</span>'
    if s.get("conflict"):
        badges += '<span class="badge conflict">conflict</span>'
    why = s.get("explanation") or ""
    said = ""  # analyze --llm: the LLM's reading, as a badge and a line under the explanation
    if s.get("llm"):
        from affectkit.report.table import llm_line

        llm, said = s["llm"], llm_line(s["llm"])
        badges += f'<span class="badge">llm: {_e(llm.get("emotion") or ("error" if llm.get("error") else "?"))}</span>'
    tip = f"{why}\n{said}" if why and said else why or said
    errors = "".join(f'<div class="err">{_e(e)}</div>' for e in s.get("errors") or [])
    details = (f"<details><summary>why</summary><div>{_e(why)}</div>"
               f"{f'<div>{_e(said)}</div>' if said else ''}{_scores_table(s)}</details>"
               if why or said or _scores_table(s) else "")
    return (f'<div class="utt" id="u{i}" title="{_e(tip)}" style="border-left-color:{colour};background:{colour}1f">'
            f'<div class="meta">{_e(when)} · {_e(s.get("speaker") or "—")} {badges}</div>'
            f'<div class="text">{_e(s.get("text") or "") or "<i class=muted>(no text)</i>"}</div>'
            f"{errors}{details}</div>")


def document_html(doc: dict) -> str:
    """One analysis record as an HTML section."""
    segs = doc.get("segments") or []
    from affectkit.report.screening_html import screening_html

    body = [f"<section><h1>{_e(doc.get('input', 'analysis'))}</h1>", _summary(doc), screening_html(doc)]
    if segs:
        body += ["<h2>Timeline</h2>", _legend(), timeline_svg(segs, doc.get("duration"))]
        if any(s.get("emotion_scores") for s in segs):
            body += ["<h2>Fused emotion over time</h2>", probability_svg(segs, doc.get("duration"))]
        body += ["<h2>Transcript</h2>"] + [_utterance(i, s) for i, s in enumerate(segs)]
    models = doc.get("models") or {}
    if models:
        body.append('<p class="muted">models: ' + _e(", ".join(f"{k} {v}" for k, v in models.items())) +
                    f" · affectkit {_e(doc.get('affectkit_version', ''))}</p>")
    return "".join(body) + "</section>"


def to_html(documents: dict | Iterable[dict], title: str = "affectkit report") -> str:
    """A complete, self-contained HTML page for one analysis record or several."""
    from affectkit.report.screening_html import CSS as SCREEN_CSS

    docs = [documents] if isinstance(documents, dict) else list(documents)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{CSS}{SCREEN_CSS}</style></head><body>" + "<hr>".join(document_html(d) for d in docs) +
            "</body></html>\n")
