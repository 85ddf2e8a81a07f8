"""The analysis record's schema: typed models, ``conform`` and the shipped JSON Schema."""
from __future__ import annotations

import json
from pathlib import Path

from affectkit.schema.record import SCHEMA_VERSION, Record, RecordError, Segment, channels, conform, json_schema, problems

SCHEMA_FILE = Path(__file__).resolve().parent / "record.schema.json"


def schema_text() -> str:
    """The JSON Schema as shipped in ``record.schema.json`` (and printed by ``affectkit schema``)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


__all__ = ["SCHEMA_FILE", "SCHEMA_VERSION", "Record", "RecordError", "Segment", "channels", "conform", "json_schema",
           "problems", "schema_text"]
