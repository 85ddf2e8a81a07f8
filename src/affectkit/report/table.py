"""A plain per-utterance table for the terminal."""
from __future__ import annotations

import shutil
import textwrap
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


def _reading(reading: dict | None) -> str:
    """``label p`` of a modality's reading ({"label", "scores"}), "-" when there is none."""
    if not reading or not reading.get("label"):
        return "-"
    p = (reading.get("scores") or {}).get(reading["label"])
    return f"{reading['label']} {p:.2f}" if p is not None else str(reading["label"])


def _cue(rec: dict, name: str, fmt: str, step: float) -> str:
    """A voice cue formatted with ``fmt``; values within half a display ``step`` of 0 show as +0."""
    value = ((rec.get("voice_emotion") or {}).get("cues") or {}).get(name)
    if value is None:
        return "-"
    return fmt.format(0.0 if abs(value) < step / 2 else value)


# audio: the fused emotion, the voice reading and its cues relative to the speaker's median,
# then the text reading
VOICE_COLUMNS = ("emotion", "voice", "pitch", "loudness", "text_emotion")


def _explanation(text: str, width: int, indent: str = "   ") -> list[str]:
    """The explanation under its row, wrapped to the terminal, marked as belonging to the row."""
    return textwrap.wrap(text, width=max(40, width), initial_indent=indent + "> ",
                         subsequent_indent=indent + "  ", break_on_hyphens=False)


def llm_line(llm: dict) -> str:
    """An utterance's LLM reading in one line: its label, its own words and its reasoning."""
    if llm.get("error"):
        err = llm["error"]
        return f"llm: no answer ({err.get('kind')}: {err.get('message')})"
    words = ", ".join(llm.get("emotion_words") or []) or llm.get("emotion_raw") or ""
    return f"llm ({llm.get('emotion') or 'unmapped'}; '{words}'): {llm.get('reasoning') or 'no reasoning given'}"


def render_table(records: Iterable[dict], width: int | None = None, offered: set[str] | None = None) -> str:
    """One line per utterance, and under it the utterance's ``explanation`` when it has one.
    When the input offers a voice (``offered``: ``schema.channels`` of the record; without it,
    any segment with a voice reading), voice columns follow the fused ``emotion``: the voice
    reading, pitch (% vs. the speaker's median), loudness (dB vs. the speaker's median) and the
    text reading (``text_emotion``); video gets a ``face`` column ("no face" where none was
    seen). An ``llm`` reading (``analyze --llm``) is one more line under the row (``llm_line``)."""
    width = width or shutil.get_terminal_size((120, 20)).columns
    records = list(records)
    if offered is None:
        offered = {m for m in ("voice", "face") if any(r.get(f"{m}_emotion") for r in records)}
    audio, video = "voice" in offered, "face" in offered
    header = ["#", "start", "end", "speaker", *(VOICE_COLUMNS if audio else ("emotion",)),
              *(("face",) if video else ()), "sentiment", "text"]
    rows = []
    for i, rec in enumerate(records):
        text = rec.get("text") or ""
        if rec.get("error"):
            text = f"ERROR: {rec['error']}"
        if audio:
            middle = [_score(rec, "emotion"), _reading(rec.get("voice_emotion")),
                      _cue(rec, "pitch_rel", "{:+.0%}", 0.01),
                      _cue(rec, "loudness_rel_db", "{:+.1f} dB", 0.1), _reading(rec.get("text_emotion"))]
        else:
            middle = [_score(rec, "emotion")]
        if video:
            middle.append(_reading(rec.get("face_emotion")) if rec.get("face_emotion") else "no face")
        rows.append([str(i), _time(rec.get("start")), _time(rec.get("end")), str(rec.get("speaker") or "-")[:14],
                     *middle, _score(rec, "sentiment"), text])
    widths = [max([len(header[c])] + [len(r[c]) for r in rows]) for c in range(len(header) - 1)]
    room = max(20, width - sum(widths) - 2 * len(widths))
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths + [0])).rstrip()]
    for r, rec in zip(rows, records):
        text = r[-1] if len(r[-1]) <= room else r[-1][: room - 1] + "…"
        lines.append(("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths)) + "  " + text).rstrip())
        if rec.get("explanation"):
            lines += _explanation(rec["explanation"], width)
        if rec.get("llm"):
            lines += _explanation(llm_line(rec["llm"]), width)
    return "\n".join(lines) + "\n"
