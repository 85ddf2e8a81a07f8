"""``affectkit.analyze(path)``: the main job from Python, returning an ``Analysis`` that wraps the
analysis record (DESIGN.md's one shape) with the outputs people want: a DataFrame, JSON, HTML."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable



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
        from affectkit.analyze import records_frame

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


def analyze_path(path: str | Path, transcript: str | Path | None = None, *, transcript_format: str | None = None,
                 asr: bool | None = None, language: str | None = None, fps: float = 5.0, window: float = 2.0,
                 text_model: Any = None, voice_head: Any = None, face_model: Any = None, cache: Any = None,
                 explain: bool = True, limits: Any = None, timer: Any = None,
                 note: Callable[[str], None] | None = None, timings: bool = False, landmarks: bool = False) -> dict:
    """The analysis record of one input, whatever it is: probed by content within ``limits``
    (``io.probe``), then read as a transcript, an audio recording or a video (faces too, when
    the ``face`` extra is installed; without it the soundtrack alone; ``landmarks``: facial
    geometry too, from the ``landmarks`` extra). ``timer``: a
    ``core.timing.Timer`` that gets the seconds per stage (one is made when None);
    ``timings``: put them in the record as ``record["timings"]``. ``note``: told one line at a
    time how the input is read. AffectkitError (typed, naming the file) for unusable input.
    The record follows ``affectkit.schema`` (checked and completed by ``conform``)."""
    from affectkit.analyze import analyze_transcript
    from affectkit.analyze_media import analyze_audio, analyze_video
    from affectkit.core.errors import AudioError, InputError
    from affectkit.core.timing import Timer
    from affectkit.io.probe import Limits, check_transcript, probe_input
    from affectkit.schema import conform

    limits = limits or Limits.from_env()
    timer = timer or Timer()
    say = note or (lambda msg: None)
    with timer.stage("probe"):
        info = probe_input(path, limits)
        if transcript is not None:
            check_transcript(transcript, limits)
    media = dict(asr=asr, language=language, transcript_format=transcript_format, text_model=text_model,
                 voice_head=voice_head, cache=cache, explain=explain, limits=limits, timer=timer)
    if info.kind == "transcript":
        if transcript is not None:
            raise InputError(f"{path}: is a transcript itself; a transcript goes with an audio or video file")
        doc = analyze_transcript(path, transcript_format, model=text_model, explain=explain, timer=timer,
                                 max_bytes=limits.transcript_bytes)
    elif info.kind == "video" and _face_reader(say):
        doc = analyze_video(path, transcript, fps=fps, window=window, face_model=face_model, note=say,
                            landmarks=landmarks, **media)
    else:
        if not info.has_audio:
            raise AudioError(str(path), "a video without an audio track: reading its pictures needs the face "
                                        "extra (pip install 'affectkit[face]')")
        doc = analyze_audio(path, transcript, note=say, **media)
    if timings:
        doc["timings"] = timer.as_dict()
    return conform(doc)


def _face_reader(say: Callable[[str], None]) -> bool:
    """True when the face extra (PyAV, OpenCV) is installed; else says why there is no face reading."""
    from affectkit.core.errors import DependencyError
    from affectkit.io.video import _av, _cv2

    try:
        _av()
        _cv2()
    except DependencyError as exc:
        say(f"no face reading: {exc}")
        return False
    return True


def analyze(path: str | Path, transcript: str | Path | None = None, **options: Any) -> Analysis:
    """Analyse a transcript (text), an audio file (voice, and text from ``transcript`` or
    speech-to-text) or a video (face too); what a file is comes from its content (``io.probe``).
    ``options`` go to ``analyze_path`` (``model`` is taken as ``text_model``, ``fmt`` as
    ``transcript_format``); ``timings=True`` adds the seconds per stage (``record["timings"]``)."""
    if "model" in options:
        options["text_model"] = options.pop("model")
    if "fmt" in options:
        options["transcript_format"] = options.pop("fmt")
    return Analysis(analyze_path(path, transcript, **options))
