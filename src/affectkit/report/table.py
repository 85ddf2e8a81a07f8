"""A plain per-utterance table for the terminal."""
from __future__ import annotations

import shutil
from typing import Iterable


def _time(t) -> str:
    if t is None:
        return "-"
    m, s = divmod(float(t), 60)
    return f"{int(m):02d}:{s:05.2f}"


def _score(rec: dict, task: str) -> str:
    label = rec.get(task)
    if not label:
        return "-"
    p = (rec.get(f"{task}_scores") or {}).get(label)
    return f"{label} {p:.2f}" if p is not None else str(label)


def render_table(records: Iterable[dict], width: int | None = None) -> str:
    width = width or shutil.get_terminal_size((120, 20)).columns
    header = ["#", "start", "end", "speaker", "emotion", "sentiment", "text"]
    rows = []
    for i, rec in enumerate(records):
        text = rec.get("text") or ""
        if rec.get("error"):
            text = f"ERROR: {rec['error']}"
        rows.append([str(i), _time(rec.get("start")), _time(rec.get("end")), str(rec.get("speaker") or "-")[:14],
                     _score(rec, "emotion"), _score(rec, "sentiment"), text])
    widths = [max([len(header[c])] + [len(r[c]) for r in rows]) for c in range(len(header) - 1)]
    room = max(20, width - sum(widths) - 2 * len(widths))
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths + [0])).rstrip()]
    for r in rows:
        text = r[-1] if len(r[-1]) <= room else r[-1][: room - 1] + "…"
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths)) + "  " + text)
    return "\n".join(lines) + "\n"
