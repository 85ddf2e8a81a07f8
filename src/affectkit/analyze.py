"""The main job for transcripts: segments in, one analysis record out (DESIGN.md's shape).
Audio and video files: ``analyze_media``, which builds the same record."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

from affectkit.core.data import Segment, round_scores
from affectkit.core.errors import AffectkitError
from affectkit.core.timing import Timer
from affectkit.io.transcripts import read_transcript
from affectkit.recognize.fusion import bundled_fusion
from affectkit.recognize.text_affect import read_text
from affectkit.recognize.text_model import TextModel, bundled_text_model
from affectkit.report.writers import applicable, flat_rows
from affectkit.schema import conform


def _version() -> str:
    from affectkit import __version__

    return __version__


def analyze_transcript(path: str | Path, fmt: str | None = None, model: TextModel | None = None,
                       progress: Callable[[int], None] | None = None, explain: bool = True,
                       timer: Timer | None = None, max_bytes: int | None = None) -> dict:
    """Analysis record for one transcript file. Raises AffectkitError if the file is unusable.
    ``timer``: seconds per stage go there (``core.timing``); ``max_bytes``: the size limit."""
    timer = timer or Timer()
    with timer.stage("segment"):
        segments = read_transcript(path, fmt, max_bytes=max_bytes)
    doc = analyze_segments(segments, str(path), model, progress, explain=explain, timer=timer)
    doc["segmentation"] = {"method": "transcript", "transcript": str(path)}
    return conform(doc)


def analyze_segments(segments: Sequence[Segment], source: str, model: TextModel | None = None,
                     progress: Callable[[int], None] | None = None, explain: bool = True,
                     timer: Timer | None = None) -> dict:
    """Analysis record for utterances of one conversation (each one's context: the earlier ones).
    ``emotion`` is the fused answer of the one modality there is (the calibrated text reading);
    ``explain``: name the words behind each reading (one extra model pass per word);
    ``timer``: seconds per stage (``text``, ``explain``, ``fusion``) go there."""
    timer = timer or Timer()
    if model is None:
        with timer.stage("load"):
            model = bundled_text_model()
    texts = [s.text for s in segments]
    speakers, dialogues = [s.speaker for s in segments], [source] * len(segments)
    with timer.stage("text", len(texts)) as tick:
        preds = read_text(texts, speakers=speakers, dialogue_ids=dialogues, model=model,
                          progress=_both(progress, tick))
    words = _timed_cues(timer, model, texts, [p.label for p in preds["emotion"]], speakers, dialogues, explain)
    out = []
    with timer.stage("fusion", len(segments)) as tick:
        for i, seg in enumerate(segments):
            emo, sent = preds["emotion"][i], preds["sentiment"][i]
            emo_scores, sent_scores = round_scores(emo.scores, 4), round_scores(sent.scores, 4)
            out.append(dict(seg.to_dict(),
                            text_emotion={"label": emo.label, "scores": emo_scores},
                            **fused_fields({"text": emo.scores}, {"text": words[i]},
                                           valence={"text": valence(sent.scores)}, explain=explain, timer=timer),
                            sentiment=sent.label, sentiment_scores=sent_scores))
            tick(1)
    ends = [s.end for s in segments if s.end is not None]
    return conform(build_document(source, out, duration=max(ends) if ends else None, modalities=["text"],
                                  kind="transcript", models={"text.emotion": model.name, "text.sentiment": model.name,
                                                             "fusion": bundled_fusion().name}))


def _both(*callbacks: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """One progress callback calling each of ``callbacks`` that is not None."""
    live = [c for c in callbacks if c is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]

    def call(n: int) -> None:
        for c in live:
            c(n)
    return call


def valence(sentiment_scores: dict[str, float]) -> float:
    """P(positive) - P(negative) of a sentiment reading."""
    return float(sentiment_scores.get("positive", 0.0)) - float(sentiment_scores.get("negative", 0.0))


def _timed_cues(timer: Timer, model: TextModel, texts: Sequence[str], labels: Sequence[str | None],
                speakers: Sequence[str | None], dialogue_ids: Sequence[object], explain: bool) -> list[list[str]]:
    """``text_cues``, timed as the ``explain`` stage when there is anything to explain."""
    if not explain:
        return [[] for _ in texts]
    with timer.stage("explain", len(texts)):
        return text_cues(model, texts, labels, speakers, dialogue_ids, explain)


def text_cues(model: TextModel, texts: Sequence[str], labels: Sequence[str | None], speakers: Sequence[str | None],
              dialogue_ids: Sequence[object], explain: bool = True) -> list[list[str]]:
    """The words behind each text reading (``explain.key_phrases``), or no words at all."""
    if not explain:
        return [[] for _ in texts]
    from affectkit.explain.text_cues import key_phrases

    return key_phrases(model, texts, labels, speakers=speakers, dialogue_ids=dialogue_ids)


def fused_fields(readings: dict[str, dict[str, float] | None], cues: dict[str, list[str]], *,
                 valence: dict[str, float] | None = None, unread: dict[str, str] | None = None,
                 explain: bool = True, timer: Timer | None = None) -> dict:
    """The record's fused fields for one utterance from its per-modality emotion scores
    (modality -> scores, None when that modality gave no reading): ``emotion``,
    ``emotion_scores``, ``valence``, ``modality_weights``, ``conflict``, ``explanation`` (None
    unless ``explain``). ``cues``: modality -> cue phrases for the explanation. ``timer``: the
    explanation's time counts as ``explain`` (the rest as whichever stage is open).

    ``valence`` is read off the fused emotion scores, P(joy) - P(anger, disgust, fear, sadness), in
    [-1, 1]: a projection of the emotion reading, not a separately trained dimension (no data here
    is labelled for valence). Arousal is left out: without arousal labels it cannot be grounded."""
    from affectkit.explain.explanation import explain_utterance
    from affectkit.recognize.fusion import emotion_valence, fuse

    fused = fuse(readings, bundled_fusion(), valence=valence)
    explanation = None
    if explain:
        with (timer or Timer()).stage("explain", announce=False):
            explanation = explain_utterance(fused, cues, unread)
    return {"emotion": fused.label if fused else None,
            "emotion_scores": round_scores(fused.scores, 4) if fused else None,
            "valence": round(emotion_valence(fused.scores), 3) if fused else None,
            "modality_weights": round_scores(fused.weights, 3) if fused else {},
            "conflict": fused.conflict if fused else False,
            "explanation": explanation}


def build_document(source: str, records: list[dict], *, duration: float | None, modalities: list[str],
                   kind: str, models: dict[str, str], **extra: object) -> dict:
    """The analysis record around per-utterance ``records`` (``extra`` keys follow ``models``);
    its ``summary`` opens with the paragraph a person reads first (``summary["text"]``).
    ``kind``: transcript, audio or video (``schema.Record``)."""
    from affectkit.report.summary import summary_text

    return {"input": source, "kind": kind, "duration": duration, "modalities": modalities,
            "affectkit_version": _version(), "models": models, **extra,
            "segments": records,
            "summary": {"text": summary_text(records, duration=duration, modalities=modalities), **summary(records)},
            "errors": []}


def summary(records: Sequence[dict]) -> dict:
    """Utterance count, how often each (fused) emotion was read, the most frequent one, and how
    many utterances have a conflict between modalities."""
    counts = label_counts(r.get("emotion") for r in records)
    return {"segments": len(records), "emotion_counts": counts,
            "dominant_emotion": max(counts, key=counts.get) if counts else None,
            "conflicts": sum(bool(r.get("conflict")) for r in records)}


def label_counts(labels: Iterable[str | None]) -> dict[str, int]:
    """Label -> count, in order of first appearance; None (no reading) is not counted."""
    counts: dict[str, int] = {}
    for label in labels:
        if label:
            counts[label] = counts.get(label, 0) + 1
    return counts


def failed_record(path: str | Path, error: AffectkitError | str) -> dict:
    """The record of an input that could not be analysed: the same keys as any record (no
    modalities, no segments, an empty summary), its reason in ``errors``."""
    return conform({"input": str(path), "affectkit_version": _version(), "errors": [str(error)]})


def records_frame(document: dict):
    """The segments of an analysis record as a pandas DataFrame (scores as columns)."""
    import pandas as pd

    return pd.DataFrame(flat_rows(applicable(document["segments"], document)))
