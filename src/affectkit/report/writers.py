"""Writers for analysis records. Files are written atomically (temp file, then rename)
and never replace an existing file unless asked."""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Iterable

from affectkit.core.atomic import write_atomic
from affectkit.core.errors import InputError

SCORE_TASKS = ("emotion", "sentiment")
MODALITY_READINGS = ("text_emotion", "voice_emotion", "face_emotion")
NESTED = ("words", "llm")  # JSON-only (words) or flattened on their own (llm), even when null


def flat_rows(records: Iterable[dict]) -> list[dict]:
    """One flat dict per segment, for CSV and pandas: scores as ``emotion_<label>`` columns;
    per-modality readings as their label (``text_emotion``, ``voice_emotion``), the voice
    scores as ``voice_<label>`` and its cues by name, the face scores as ``face_<label>`` and
    ``face_seen``; each modality's share of the fused answer as ``weight_<modality>``; a
    segment's ``errors`` joined by "; "; an LLM reading as ``llm_emotion``, ``llm_words``,
    ``llm_reasoning`` and ``llm_error``.
    Word timings stay in the JSON form only."""
    rows = []
    for rec in records:
        row = {k: v for k, v in rec.items() if k in MODALITY_READINGS or not (
            isinstance(v, (dict, list)) or k.endswith("_scores") or k in NESTED)}
        for key in MODALITY_READINGS:
            if isinstance(rec.get(key), dict):
                row[key] = rec[key].get("label")
        for task in SCORE_TASKS:
            for label, p in (rec.get(f"{task}_scores") or {}).items():
                row[f"{task}_{label}"] = p
        voice = rec.get("voice_emotion") or {}
        for label, p in (voice.get("scores") or {}).items():
            row[f"voice_{label}"] = p
        row.update(voice.get("cues") or {})
        for modality, share in (rec.get("modality_weights") or {}).items():
            row[f"weight_{modality}"] = share
        face = rec.get("face_emotion") or {}
        for label, p in (face.get("scores") or {}).items():
            row[f"face_{label}"] = p
        if "face_emotion" in rec:
            row["face_seen"] = face.get("face_seen", 0.0)
        if isinstance(rec.get("errors"), list):
            row["errors"] = "; ".join(map(str, rec["errors"]))
        llm = rec.get("llm")
        if isinstance(llm, dict):  # analyze --llm: the LLM's label, its own words, its reasoning
            row.update(llm_emotion=llm.get("emotion"), llm_words="; ".join(llm.get("emotion_words") or []),
                       llm_reasoning=llm.get("reasoning"), llm_error=(llm.get("error") or {}).get("message"))
        rows.append(row)
    return rows


def to_csv(records: Iterable[dict]) -> str:
    rows = flat_rows(records)
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def to_json(document: dict | list) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def document_rows(documents: Iterable[dict]) -> list[dict]:
    """The rows of CSV and Parquet for one or more analysis records: per input, an
    ``{"input", "error"}`` row when it failed, then one row per utterance (``input``, ``index``,
    then the segment's fields). Transcripts drop ``text_emotion`` (it is the emotion itself)."""
    from affectkit.schema import channels

    rows = []
    for d in documents:
        if d.get("errors"):
            rows.append({"input": d["input"], "error": "; ".join(map(str, d["errors"]))})
        segments = applicable(d.get("segments", []), d)
        if channels(d) == {"text"}:
            segments = [{k: v for k, v in s.items() if k != "text_emotion"} for s in segments]
        rows += [dict(input=d["input"], index=i, **s) for i, s in enumerate(segments)]
    return rows


def applicable(segments: Iterable[dict], record: dict) -> list[dict]:
    """The segments without the readings of modalities the input does not offer (a transcript's
    voice and face, audio's face): null in the record, no column in a table."""
    from affectkit.schema import channels

    offered = channels(record)
    drop = {f"{m}_emotion" for m in ("voice", "face") if m not in offered}
    return [{k: v for k, v in s.items() if k not in drop} for s in segments]


def to_parquet(documents: Iterable[dict]) -> bytes:
    """The rows of ``document_rows`` (flattened as for CSV) as a Parquet file (needs pyarrow:
    the ``parquet`` extra). A column that mixes numbers and text is written as text."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        from affectkit.core.errors import DependencyError

        raise DependencyError("Parquet output needs pyarrow: pip install 'affectkit[parquet]'") from None
    import pandas as pd

    df = pd.DataFrame(flat_rows(document_rows(documents)))
    for col in df.columns:
        if df[col].dtype == object:
            kinds = {type(v) for v in df[col] if v is not None and v == v}
            if len(kinds) > 1:
                df[col] = [None if v is None or v != v else str(v) for v in df[col]]
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", index=False)
    return buf.getvalue()


def write_text_file(path: str | Path, text: str | bytes, *, force: bool = False,
                    protect: Iterable[str | Path] = ()) -> None:
    """Write ``text`` (or bytes) to ``path`` atomically; refuse to overwrite an existing file
    (unless ``force``) and always refuse to write over any of the ``protect`` paths (the inputs)."""
    path = Path(path)
    for p in protect:
        if Path(p).exists() and path.exists() and os.path.samefile(path, p):
            raise InputError(f"refusing to write the output over an input file: {path}")
    if path.exists() and not force:
        raise InputError(f"{path} already exists; choose another name or pass --force to replace it")
    if path.is_dir():
        raise InputError(f"{path} is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output folder {parent} does not exist")
    write_atomic(path, text)
