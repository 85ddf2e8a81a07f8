"""``Analysis``: one input's analysis record (``.record``, DESIGN.md's one shape) with the views
people want: a DataFrame, JSON, Parquet, HTML."""
from __future__ import annotations

from pathlib import Path


def records_frame(document: dict):
    """The segments of an analysis record as a pandas DataFrame (scores as columns; readings of
    modalities the input does not offer leave no column)."""
    import pandas as pd

    from affectkit.report.writers import applicable, flat_rows

    return pd.DataFrame(flat_rows(applicable(document["segments"], document)))


class Analysis:
    """One input's analysis record (``.record``, a dict) and its views."""

    def __init__(self, record: dict) -> None:
        self.record = record

    @property
    def segments(self) -> list[dict]:
        return self.record["segments"]

    @property
    def summary(self) -> dict:
        return self.record["summary"]

    def __len__(self) -> int:
        return len(self.segments)

    def __repr__(self) -> str:
        s = self.summary
        return (f"Analysis({self.record.get('input')!r}, {len(self)} utterances, "
                f"modalities={self.record.get('modalities')}, dominant={s.get('dominant_emotion')!r})")

    @property
    def timings(self) -> dict:
        """Seconds per stage (``analyze(..., timings=True)``), else empty."""
        return self.record.get("timings") or {}

    def to_dict(self) -> dict:
        return self.record

    def to_json(self) -> str:
        from affectkit.report.writers import to_json

        return to_json(self.record)

    def to_frame(self):
        """One row per utterance (scores, readings, cues as columns), indexed by (start, end)
        when the utterances have times."""
        df = records_frame(self.record)
        if len(df) and {"start", "end"} <= set(df.columns) and df[["start", "end"]].notna().all().all():
            df = df.set_index(["start", "end"])
        return df

    def to_parquet(self, path: str | Path, *, force: bool = False) -> None:
        """The CSV columns as a Parquet file, written atomically (needs the ``parquet`` extra)."""
        from affectkit.report.writers import to_parquet, write_text_file

        write_text_file(path, to_parquet([self.record]), force=force, protect=[self.record.get("input", "")])

    def to_html(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """The self-contained HTML report; also written (atomically, never over an existing
        file unless ``force``) when ``path`` is given."""
        from affectkit.report.html import to_html
        from affectkit.report.writers import write_text_file

        page = to_html(self.record, title=f"affectkit: {Path(str(self.record.get('input', ''))).name}")
        if path is not None:
            write_text_file(path, page, force=force, protect=[self.record.get("input", "")])
        return page
