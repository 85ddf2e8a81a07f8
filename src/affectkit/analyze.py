"""The main job for transcripts: segments in, one analysis record out (DESIGN.md's shape).
Audio and video files: ``analyze_media``, which builds the same record."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

from affectkit.core.data import Segment
from affectkit.core.errors import AffectkitError
from affectkit.io.transcripts import read_transcript
from affectkit.recognize.text_affect import read_text, round_scores
from affectkit.recognize.text_model import TextModel, bundled_text_model
from affectkit.report.writers import flat_rows


def _version() -> str:
    from affectkit import __version__

    return __version__


def analyze_transcript(path: str | Path, fmt: str | None = None, model: TextModel | None = None,
                       progress: Callable[[int], None] | None = None) -> dict:
    """Analysis record for one transcript file. Raises AffectkitError if the file is unusable."""
    return analyze_segments(read_transcript(path, fmt), str(path), model, progress)


def analyze_segments(segments: Sequence[Segment], source: str, model: TextModel | None = None,
                     progress: Callable[[int], None] | None = None) -> dict:
    """Analysis record for utterances of one conversation (each one's context: the earlier ones)."""
    model = model or bundled_text_model()
    texts = [s.text for s in segments]
    preds = read_text(texts, speakers=[s.speaker for s in segments],
                      dialogue_ids=[source] * len(segments), model=model, progress=progress)
    out = []
    for i, seg in enumerate(segments):
        emo, sent = preds["emotion"][i], preds["sentiment"][i]
        emo_scores, sent_scores = round_scores(emo.scores, 4), round_scores(sent.scores, 4)
        out.append(dict(seg.to_dict(),
                        text_emotion={"label": emo.label, "scores": emo_scores},
                        emotion=emo.label, emotion_scores=emo_scores,
                        sentiment=sent.label, sentiment_scores=sent_scores))
    ends = [s.end for s in segments if s.end is not None]
    return build_document(source, out, duration=max(ends) if ends else None, modalities=["text"],
                          models={"text.emotion": model.name, "text.sentiment": model.name})


def build_document(source: str, records: list[dict], *, duration: float | None, modalities: list[str],
                   models: dict[str, str], **extra: object) -> dict:
    """The analysis record around per-utterance ``records`` (``extra`` keys follow ``models``)."""
    return {"input": source, "duration": duration, "modalities": modalities,
            "affectkit_version": _version(), "models": models, **extra,
            "segments": records, "summary": summary(records), "errors": []}


def summary(records: Sequence[dict]) -> dict:
    """Utterance count, how often each emotion was read, and the most frequent one."""
    counts = label_counts(r.get("emotion") for r in records)
    return {"segments": len(records), "emotion_counts": counts,
            "dominant_emotion": max(counts, key=counts.get) if counts else None}


def label_counts(labels: Iterable[str | None]) -> dict[str, int]:
    """Label -> count, in order of first appearance; None (no reading) is not counted."""
    counts: dict[str, int] = {}
    for label in labels:
        if label:
            counts[label] = counts.get(label, 0) + 1
    return counts


def failed_record(path: str | Path, error: AffectkitError | str) -> dict:
    return {"input": str(path), "modalities": [], "affectkit_version": _version(),
            "segments": [], "summary": {}, "errors": [str(error)]}


def records_frame(document: dict):
    """The segments of an analysis record as a pandas DataFrame (scores as columns)."""
    import pandas as pd

    return pd.DataFrame(flat_rows(document["segments"]))
