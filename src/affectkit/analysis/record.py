"""The fusion stage and the record: each utterance's readings fused into one answer with its
explanation, then the analysis record around them (``affectkit.schema``'s shape, checked).

An utterance's ``emotion`` and ``emotion_scores`` are the late fusion (``recognize.fusion``) of
the modalities that read it: calibrated, weighted, renormalised over those present;
``modality_weights`` gives each one's share, ``conflict`` flags strong disagreement and
``explanation`` names the cues in words (``explain``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from affectkit.analysis.pipeline import Job
from affectkit.core.data import round_scores
from affectkit.core.errors import AffectkitError
from affectkit.core.timing import Timer
from affectkit.schema import conform


def fuse_utterances(job: Job) -> None:
    """``job.segments``: one record segment per utterance, its readings fused and explained."""
    segments = job.utterances.segments
    with job.timer.stage("fusion", len(segments)) as tick:
        for i, seg in enumerate(segments):
            job.segments.append(_utterance(job, i, seg))
            tick(1)


def _utterance(job: Job, i: int, seg) -> dict:
    from affectkit.explain.face_cues import face_phrases
    from affectkit.explain.voice_cues import voice_phrases

    offered = job.channels
    rec = seg.to_dict()
    # modality -> its emotion scores / cue phrases / why it gave no reading, for the modalities offered
    scores: dict[str, dict | None] = {"text": None}
    cues: dict[str, list[str]] = {}
    tone: dict[str, float] = {}
    unread: dict[str, str] = {}
    errors: list[str] = []
    emo = sent = None
    if i in job.text:
        e, s, words = job.text[i]
        emo = {"label": e.label, "scores": round_scores(e.scores, 4)}
        sent = {"label": s.label, "scores": round_scores(s.scores, 4)}
        scores["text"], cues["text"], tone["text"] = e.scores, words, valence(sent["scores"])
    for modality, phrases in (("voice", voice_phrases), ("face", face_phrases)):
        if modality not in offered:
            continue
        reading, why = (job.voice if modality == "voice" else job.face)[i]
        scores[modality] = reading and reading["scores"]
        cues[modality] = phrases(reading["cues"] if modality == "voice" and reading else reading) \
            if modality == "face" or reading else []
        if why:
            unread[modality] = why.removeprefix(f"{modality}: ").split(";")[0]
            errors.append(why)
        rec[f"{modality}_emotion"] = reading
    rec.update(text_emotion=emo,
               **fused_fields(scores, cues, valence=tone, unread=unread, explain=job.opts.explain, timer=job.timer),
               sentiment=sent and sent["label"], sentiment_scores=sent and sent["scores"], errors=errors)
    return rec


def valence(sentiment_scores: dict[str, float]) -> float:
    """P(positive) - P(negative) of a sentiment reading."""
    return float(sentiment_scores.get("positive", 0.0)) - float(sentiment_scores.get("negative", 0.0))


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
    from affectkit.recognize.fusion import bundled_fusion, emotion_valence, fuse

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


def assemble(job: Job) -> dict:
    """The analysis record of a job that went through the pipeline (checked against the schema)."""
    from affectkit.recognize.fusion import bundled_fusion
    from affectkit.report.summary import summary_text

    segments, utterances = job.segments, job.utterances
    modalities = [m for m, read in (("text", bool(job.text)), ("voice", job.audio is not None),
                                    ("face", job.faces is not None)) if read]
    duration = job.duration
    if job.kind == "transcript":
        ends = [s["end"] for s in segments if s["end"] is not None]
        duration = max(ends) if ends else None
        modalities = ["text"]
    models = dict(job.models, fusion=bundled_fusion().name)
    if utterances.method == "asr":
        models["segment.asr"] = utterances.detail["model"]
    summary = {"text": summary_text(segments, duration=duration, modalities=modalities), **counts(segments)}
    if "voice" in job.channels:
        summary["voice_emotion_counts"] = label_counts(r["voice_emotion"] and r["voice_emotion"]["label"]
                                                       for r in segments)
    if job.faces is not None:
        summary["face_emotion_counts"] = label_counts(r["face_emotion"] and r["face_emotion"]["label"]
                                                      for r in segments)
        summary.update(frames_sampled=len(job.faces.times), frames_with_face=job.faces.frames_with_face)
    return conform({"input": job.source, "kind": job.kind, "duration": duration, "modalities": modalities,
                    "affectkit_version": _version(), "models": models, "segmentation": utterances.detail,
                    "segments": segments, "summary": summary, "screening": job.screening,
                    "errors": list(job.errors)})


def counts(records: Sequence[dict]) -> dict:
    """Utterance count, how often each (fused) emotion was read, the most frequent one, and how
    many utterances have a conflict between modalities."""
    found = label_counts(r.get("emotion") for r in records)
    return {"segments": len(records), "emotion_counts": found,
            "dominant_emotion": max(found, key=found.get) if found else None,
            "conflicts": sum(bool(r.get("conflict")) for r in records)}


def label_counts(labels: Iterable[str | None]) -> dict[str, int]:
    """Label -> count, in order of first appearance; None (no reading) is not counted."""
    found: dict[str, int] = {}
    for label in labels:
        if label:
            found[label] = found.get(label, 0) + 1
    return found


def failed_record(path: str | Path, error: AffectkitError | str) -> dict:
    """The record of an input that could not be analysed: the same keys as any record (no
    modalities, no segments, an empty summary), its reason in ``errors``."""
    return conform({"input": str(path), "affectkit_version": _version(), "errors": [str(error)]})


def _version() -> str:
    from affectkit.core.version import __version__

    return __version__
