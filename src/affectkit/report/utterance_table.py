"""The utterance table: one row per utterance of an analysis record, its fields flattened, with the
input and the model versions as columns, as Parquet (pyarrow: the ``parquet`` extra).

Every file has the same columns and types (``SCHEMA``), so a folder of them, one per input, is one
Parquet dataset that pandas (``pd.read_parquet(folder)``), DuckDB (``read_parquet('folder/*.parquet')``)
or Spark read directly, whatever mix of transcripts, audio and video it came from. Scores are one
column per canonical label (``emotion_joy``, ``voice_emotion_anger``, ``sentiment_positive``); a
model's extra labels (the voice head's ``boredom``) and the numeric cues are string -> number maps
(``voice_emotion_extra``, ``voice_cues``, ``face_cues``). Word timings stay in the JSON record only.
"""
from __future__ import annotations

import io
from typing import Any

from affectkit.core.labels import EMOTION, SENTIMENT

MODEL_COLUMNS = {"text.emotion": "model_text_emotion", "text.sentiment": "model_text_sentiment",
                 "voice.emotion": "model_voice_emotion", "face.expression": "model_face_expression",
                 "face.detector": "model_face_detector", "fusion": "model_fusion",
                 "segment.asr": "model_segment_asr"}
MODALITIES = ("text", "voice", "face")
EMOTIONS, SENTIMENTS = EMOTION.labels, SENTIMENT.labels


def _columns() -> list[tuple[str, str]]:
    cols = [("input", "str"), ("input_sha256", "str"), ("kind", "str"), ("duration", "f8"),
            ("schema_version", "str"), ("affectkit_version", "str"), ("segmentation", "str")]
    cols += [(c, "str") for c in MODEL_COLUMNS.values()]
    cols += [("index", "i8"), ("start", "f8"), ("end", "f8"), ("speaker", "str"), ("text", "str"),
             ("emotion", "str")]
    cols += [(f"emotion_{lab}", "f8") for lab in EMOTIONS]
    cols += [("valence", "f8"), ("sentiment", "str")]
    cols += [(f"sentiment_{lab}", "f8") for lab in SENTIMENTS]
    cols += [("conflict", "bool"), ("explanation", "str")]
    cols += [(f"weight_{m}", "f8") for m in MODALITIES]
    for m in MODALITIES:
        cols += [(f"{m}_emotion", "str")] + [(f"{m}_emotion_{lab}", "f8") for lab in EMOTIONS]
        cols += [(f"{m}_emotion_extra", "map")]
    cols += [("voice_cues", "map"), ("face_cues", "map"), ("face_seen", "f8"),
             ("llm_emotion", "str"), ("llm_reasoning", "str"), ("errors", "str")]
    return cols


COLUMNS = _columns()


def schema():
    """The table's pyarrow schema."""
    pa = _pyarrow()
    types = {"str": pa.string(), "f8": pa.float64(), "i8": pa.int64(), "bool": pa.bool_(),
             "map": pa.map_(pa.string(), pa.float64())}
    return pa.schema([(name, types[kind]) for name, kind in COLUMNS])


def _pyarrow():
    try:
        import pyarrow
    except ImportError:
        from affectkit.core.errors import DependencyError

        raise DependencyError("the Parquet utterance table needs pyarrow: pip install 'affectkit[parquet]'") from None
    return pyarrow


def _numbers(d: dict | None, prefix: str = "") -> list[tuple[str, float]] | None:
    """The numeric entries of a cue dict as (name, value) pairs; nested dicts as ``outer.inner``."""
    if not isinstance(d, dict):
        return None
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            out += _numbers(v, f"{prefix}{k}.") or []
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append((f"{prefix}{k}", float(v)))
    return out


def rows(record: dict, input_sha256: str | None = None) -> list[dict[str, Any]]:
    """The table's rows for one analysis record (none for a failed input: failures.json lists those)."""
    head = {"input": record.get("input"), "input_sha256": input_sha256, "kind": record.get("kind"),
            "duration": record.get("duration"), "schema_version": record.get("schema_version"),
            "affectkit_version": record.get("affectkit_version"),
            "segmentation": (record.get("segmentation") or {}).get("method")}
    models = record.get("models") or {}
    head.update({col: models.get(key) for key, col in MODEL_COLUMNS.items()})
    out = []
    for i, seg in enumerate(record.get("segments") or []):
        row = dict(head, index=i, start=seg.get("start"), end=seg.get("end"), speaker=seg.get("speaker"),
                   text=seg.get("text"), emotion=seg.get("emotion"), valence=seg.get("valence"),
                   sentiment=seg.get("sentiment"), conflict=bool(seg.get("conflict")),
                   explanation=seg.get("explanation"), errors="; ".join(map(str, seg.get("errors") or [])) or None)
        for lab in EMOTIONS:
            row[f"emotion_{lab}"] = (seg.get("emotion_scores") or {}).get(lab)
        for lab in SENTIMENTS:
            row[f"sentiment_{lab}"] = (seg.get("sentiment_scores") or {}).get(lab)
        for m in MODALITIES:
            row[f"weight_{m}"] = (seg.get("modality_weights") or {}).get(m)
            reading = seg.get(f"{m}_emotion") or {}
            scores = reading.get("scores") or {}
            row[f"{m}_emotion"] = reading.get("label")
            for lab in EMOTIONS:
                row[f"{m}_emotion_{lab}"] = scores.get(lab)
            extra = [(k, float(v)) for k, v in scores.items() if k not in EMOTIONS]
            row[f"{m}_emotion_extra"] = extra if reading else None
        row["voice_cues"] = _numbers((seg.get("voice_emotion") or {}).get("cues"))
        face = seg.get("face_emotion") or {}
        row["face_cues"] = _numbers(face.get("cues"))
        row["face_seen"] = face.get("face_seen")
        llm = seg.get("llm") or {}
        row["llm_emotion"], row["llm_reasoning"] = llm.get("emotion"), llm.get("reasoning")
        out.append(row)
    return out


def to_parquet_bytes(table_rows: list[dict[str, Any]]) -> bytes:
    """``rows`` as one Parquet file with the table's ``schema`` (an empty list gives an empty table)."""
    pa = _pyarrow()
    import pyarrow.parquet as pq

    sch = schema()
    table = pa.Table.from_pylist(table_rows, schema=sch) if table_rows else sch.empty_table()
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
