"""``affectkit.analyze(path)``: the main job from Python, returning an ``Analysis`` that wraps the
analysis record (DESIGN.md's one shape) with the outputs people want: a DataFrame, JSON, HTML."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from affectkit.analyze_media import is_media


class Analysis:
    """One input's analysis record (``.record``, a dict) and its views."""

    def __init__(self, record: dict) -> None:
        self.record = record

    @property
    def segments(self) -> list[dict]:
        return self.record.get("segments", [])

    @property
    def summary(self) -> dict:
        return self.record.get("summary", {})

    def __len__(self) -> int:
        return len(self.segments)

    def __repr__(self) -> str:
        s = self.summary
        return (f"Analysis({self.record.get('input')!r}, {len(self)} utterances, "
                f"modalities={self.record.get('modalities')}, dominant={s.get('dominant_emotion')!r})")

    def to_dict(self) -> dict:
        return self.record

    def to_json(self) -> str:
        from affectkit.report.writers import to_json

        return to_json(self.record)

    def to_frame(self):
        """One row per utterance (scores, readings, cues as columns), indexed by (start, end)
        when the utterances have times."""
        from affectkit.analyze import records_frame

        df = records_frame(self.record)
        if len(df) and {"start", "end"} <= set(df.columns) and df[["start", "end"]].notna().all().all():
            df = df.set_index(["start", "end"])
        return df

    def to_html(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """The self-contained HTML report; also written (atomically, never over an existing
        file unless ``force``) when ``path`` is given."""
        from affectkit.report.html import to_html
        from affectkit.report.writers import write_text_file

        page = to_html(self.record, title=f"affectkit: {Path(str(self.record.get('input', ''))).name}")
        if path is not None:
            write_text_file(path, page, force=force, protect=[self.record.get("input", "")])
        return page


def analyze(path: str | Path, transcript: str | Path | None = None, **options: Any) -> Analysis:
    """Analyse a transcript (text), an audio file (voice, and text from ``transcript`` or
    speech-to-text) or a video (face too). ``options`` go to ``analyze_transcript``,
    ``analyze_audio`` or ``analyze_video``."""
    from affectkit.analyze import analyze_transcript
    from affectkit.analyze_media import analyze_audio, analyze_video
    from affectkit.core.errors import DependencyError

    if is_media(path):
        try:
            from affectkit.io.video import has_video_stream

            video = has_video_stream(path)
        except DependencyError:  # no face extra: the soundtrack is still read
            video = False
        return Analysis((analyze_video if video else analyze_audio)(path, transcript, **options))
    if transcript is not None:
        raise ValueError("transcript= goes with an audio or video file; this input is a transcript itself")
    return Analysis(analyze_transcript(path, **options))
