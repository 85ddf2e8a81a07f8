"""Transcript readers: SRT, WebVTT, JSON (list of {start, end, speaker, text}) and plain text.

Every problem raises ``TranscriptError`` naming the file and, where it applies, the line.
Rules we enforce: times are well formed, end > start, and cues of the same speaker (or of
unknown speakers) do not overlap; cues of *different* named speakers may overlap (crosstalk).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from affectkit.core.data import Segment
from affectkit.core.errors import TranscriptError

MAX_BYTES = 50 * 1024 * 1024
_SPEAKER = re.compile(r"^\s*(?:\[(?P<b>[^\]\n]{1,40})\]|(?P<n>[A-Z][\w.'\- ]{0,30}?)):\s+(?P<t>\S.*)$", re.S)
_TAG = re.compile(r"<[^>]*>")
_VOICE = re.compile(r"^<v(?:\.[\w.]+)?\s+([^>]+)>")


def _decode(data: bytes, path: str) -> str:
    if not data.strip():
        raise TranscriptError(path, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TranscriptError(path, f"invalid UTF-16 text ({exc.reason})") from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise TranscriptError(path, "binary data (NUL byte): not a text transcript", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TranscriptError(
            path, f"not valid UTF-8 at byte {exc.start} (wrong encoding? save the file as UTF-8)", line
        ) from None
    bad = [c for c in text if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\ufffd"]
    if bad and len(bad) > max(3, len(text) // 100):
        raise TranscriptError(path, "mostly control characters: not a text transcript")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_speaker(text: str) -> tuple[str | None, str]:
    m = _SPEAKER.match(text)
    if not m:
        return None, text.strip()
    return (m.group("b") or m.group("n")).strip(), m.group("t").strip()


def _clean(text: str) -> str:
    return " ".join(_TAG.sub("", text).split())


_TS = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[,.](\d{1,3})$")


def parse_timestamp(value: str, path: str = "<string>", line: int | None = None) -> float:
    """'01:02:03,456' / '02:03.456' -> seconds. Minutes and seconds must be < 60."""
    m = _TS.match(value.strip())
    if not m:
        raise TranscriptError(path, f"bad timestamp {value.strip()!r} (expected HH:MM:SS,mmm)", line)
    h, mi, s, ms = m.groups()
    if int(mi) >= 60 or int(s) >= 60:
        raise TranscriptError(path, f"bad timestamp {value.strip()!r}: minutes and seconds must be < 60", line)
    return int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def _check_times(segments: list[tuple[int, Segment]], path: str) -> list[Segment]:
    last_end: dict[str | None, tuple[float, int]] = {}
    for line, seg in segments:
        if seg.start is None or seg.end is None:
            continue
        if seg.start < 0:
            raise TranscriptError(path, f"negative start time {seg.start}", line)
        if seg.end <= seg.start:
            raise TranscriptError(path, f"end {seg.end:.3f}s is not after start {seg.start:.3f}s", line)
        keys = [seg.speaker] if seg.speaker is not None else list(last_end)
        for key in keys + ([None] if seg.speaker is not None else []):
            if key in last_end and seg.start < last_end[key][0] - 1e-6:
                end, other = last_end[key]
                raise TranscriptError(
                    path, f"cue starting at {seg.start:.3f}s overlaps the cue of line {other} "
                    f"(ends {end:.3f}s){'' if seg.speaker is None else ' of the same speaker'}", line)
        last_end[seg.speaker] = (seg.end, line)
    out = [s for _, s in segments]
    if not out:
        raise TranscriptError(path, "no utterances found")
    return [Segment(s.text, s.start, s.end, s.speaker, i) for i, s in enumerate(out)]


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based line number of their first line."""
    blocks, cur, start = [], [], 0
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not cur:
                start = n
            cur.append(line)
        elif cur:
            blocks.append((start, cur))
            cur = []
    if cur:
        blocks.append((start, cur))
    return blocks


def _cues(text: str, path: str, vtt: bool) -> list[Segment]:
    blocks = _blocks(text)
    if vtt:
        if not blocks or not blocks[0][1][0].startswith("WEBVTT"):
            raise TranscriptError(path, "a WebVTT file must start with 'WEBVTT'", 1)
        blocks = blocks[1:]
    out = []
    for start, lines in blocks:
        if vtt and re.match(r"^(NOTE|STYLE|REGION)\b", lines[0]):
            continue
        arrow = next((i for i, l in enumerate(lines[:2]) if "-->" in l), None)
        if arrow is None:
            kind = "WebVTT" if vtt else "SRT"
            raise TranscriptError(path, f"{kind} cue without a 'start --> end' time line", start)
        if not vtt and arrow == 1 and not lines[0].strip().isdigit():
            raise TranscriptError(path, f"SRT cue number must be an integer, got {lines[0].strip()!r}", start)
        line_no = start + arrow
        left, _, right = lines[arrow].partition("-->")
        right = right.strip().split()[0] if right.strip() else ""
        t0, t1 = parse_timestamp(left, path, line_no), parse_timestamp(right, path, line_no)
        raw = "\n".join(lines[arrow + 1:])
        speaker = None
        voice = _VOICE.match(raw.strip())
        if voice:
            speaker = voice.group(1).strip()
        body = _clean(raw)
        if speaker is None:
            speaker, body = _split_speaker(body)
        if not body:
            raise TranscriptError(path, "cue has no text", line_no)
        out.append((line_no, Segment(body, t0, t1, speaker)))
    return _check_times(out, path)


def parse_srt(text: str, path: str = "<string>") -> list[Segment]:
    return _cues(text, path, vtt=False)


def parse_vtt(text: str, path: str = "<string>") -> list[Segment]:
    return _cues(text, path, vtt=True)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse_json(text: str, path: str = "<string>") -> list[Segment]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
    if isinstance(data, dict) and isinstance(data.get("segments"), list):
        data = data["segments"]
    if not isinstance(data, list):
        raise TranscriptError(path, "JSON transcript must be a list of {start, end, speaker, text}")
    out = []
    for i, item in enumerate(data):
        where = f"item {i}"
        if not isinstance(item, dict):
            raise TranscriptError(path, f"{where} is not an object")
        text_v = item.get("text")
        if not isinstance(text_v, str) or not text_v.strip():
            raise TranscriptError(path, f"{where} has no text")
        times = []
        for key in ("start", "end"):
            v = item.get(key)
            if v is None:
                times.append(None)
            elif isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
                raise TranscriptError(path, f"{where}: {key} must be a number of seconds, got {v!r}")
            else:
                times.append(float(v))
        if (times[0] is None) != (times[1] is None):
            raise TranscriptError(path, f"{where}: give both start and end, or neither")
        speaker = item.get("speaker")
        if speaker is not None and not isinstance(speaker, (str, int)):
            raise TranscriptError(path, f"{where}: speaker must be a string")
        out.append((i + 1, Segment(" ".join(text_v.split()), times[0], times[1],
                                   None if speaker is None else str(speaker))))
    try:
        return _check_times(out, path)
    except TranscriptError as exc:  # JSON has items, not lines: say which item
        if exc.line is not None:
            raise TranscriptError(path, f"item {exc.line - 1}: {exc.reason}") from None
        raise


def parse_txt(text: str, path: str = "<string>") -> list[Segment]:
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip():
            speaker, body = _split_speaker(" ".join(line.split()))
            out.append((n, Segment(body, None, None, speaker)))
    return _check_times(out, path)


TRANSCRIPT_FORMATS: dict[str, Callable[[str, str], list[Segment]]] = {
    "srt": parse_srt, "vtt": parse_vtt, "json": parse_json, "txt": parse_txt,
}


def sniff_format(text: str) -> str:
    head = text.lstrip()[:200]
    if head.startswith("WEBVTT"):
        return "vtt"
    if head[:1] in "[{":
        return "json"
    if re.match(r"^\d+\s*\n[^\n]*-->", head):
        return "srt"
    return "txt"


def parse_transcript(text: str, fmt: str | None = None, path: str = "<string>") -> list[Segment]:
    fmt = fmt or sniff_format(text)
    if fmt not in TRANSCRIPT_FORMATS:
        raise TranscriptError(path, f"unknown transcript format {fmt!r} (use {', '.join(TRANSCRIPT_FORMATS)})")
    return TRANSCRIPT_FORMATS[fmt](text, path)


def read_transcript(path: str | Path, fmt: str | None = None, *, max_bytes: int | None = None) -> list[Segment]:
    """Read a transcript file into segments. Format from ``fmt``, else the suffix, else sniffed.
    Files over ``max_bytes`` (default ``MAX_BYTES``, 50 MiB) are refused."""
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise TranscriptError(name, "no such file")
    if p.is_dir():
        raise TranscriptError(name, "is a directory, not a transcript file")
    size = p.stat().st_size
    if size > max_bytes:
        raise TranscriptError(name, f"file is {size / 2**20:.0f} MiB; transcripts over {max_bytes / 2**20:g} MiB are refused")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TranscriptError(name, f"cannot read: {exc.strerror}") from None
    text = _decode(data, name)
    suffix = p.suffix.lower().lstrip(".")
    if fmt is None and suffix in TRANSCRIPT_FORMATS:
        fmt = suffix
    return parse_transcript(text, fmt, name)
