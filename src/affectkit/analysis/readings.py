"""The per-modality reading stages: each utterance read by the text model (where it has words),
the voice head (where there is audio) and the face model (where a video shows a face). A reading
that could not be made is None with the reason, which the record keeps in the segment's errors."""
from __future__ import annotations

from typing import Any, Sequence

from affectkit.analysis.pipeline import Job
from affectkit.core.data import round_scores
from affectkit.core.timing import Timer


def read_text(job: Job) -> None:
    """``job.text``: utterance index -> (emotion, sentiment) Predictions and the words behind the
    emotion, for utterances with text (their context: the earlier utterances of the input)."""
    from affectkit.recognize.text_affect import read_text as read
    from affectkit.recognize.text_model import bundled_text_model

    segments, source, timer = job.utterances.segments, job.source, job.timer
    texted = [i for i, s in enumerate(segments) if s.text.strip()]
    model = job.opts.text_model
    if model is None:
        with timer.stage("load"):
            model = bundled_text_model()
    texts, speakers = [segments[i].text for i in texted], [segments[i].speaker for i in texted]
    dialogues = [source] * len(texted)
    with timer.stage("text", len(texts)) as tick:
        preds = read(texts, speakers=speakers, dialogue_ids=dialogues, model=model, progress=tick)
    words = timed_cues(timer, model, texts, [p.label for p in preds["emotion"]], speakers, dialogues,
                       job.opts.explain)
    job.text = {i: (preds["emotion"][k], preds["sentiment"][k], words[k]) for k, i in enumerate(texted)}
    job.models.update({"text.emotion": model.name, "text.sentiment": model.name})


def timed_cues(timer: Timer, model: Any, texts: Sequence[str], labels: Sequence[str | None],
               speakers: Sequence[str | None], dialogue_ids: Sequence[object], explain: bool) -> list[list[str]]:
    """The words behind each text reading (``explain.text_cues.key_phrases``), timed as the
    ``explain`` stage; no words at all when not explaining."""
    if not explain or not texts:
        return [[] for _ in texts]
    from affectkit.explain.text_cues import key_phrases

    with timer.stage("explain", len(texts)):
        return key_phrases(model, texts, labels, speakers=speakers, dialogue_ids=dialogue_ids)


def read_voice(job: Job) -> None:
    """``job.voice``: per utterance the voice reading and cues, or None and why (no audio, too short)."""
    from affectkit.recognize.voice_affect import bundled_voice_head, segment_readings, voice_model_name

    segments = job.utterances.segments
    if job.audio is None:
        job.voice = [(None, f"voice: {job.no_voice or 'no audio'}") for _ in segments]
        return
    from affectkit.perceive.voice import QUALITY_NOTE, has_opensmile

    if not has_opensmile():
        job.say(QUALITY_NOTE)
    head = job.opts.voice_head
    if head is None:
        with job.timer.stage("load"):
            head = bundled_voice_head()
    job.voice = segment_readings(job.audio, job.sr, segments, head=head, file=job.source, cache=job.opts.cache,
                                 timer=job.timer)
    job.models["voice.emotion"] = voice_model_name(head)


def read_face(job: Job) -> None:
    """``job.face``: per utterance the face reading over its sampled frames, or None and why."""
    from affectkit.recognize.face_timeline import segment_reading

    out = []
    for seg in job.utterances.segments:
        reading, why = segment_reading(job.faces, float(seg.start), float(seg.end))
        if reading is None:
            out.append((None, f"face: {why}"))
        else:
            out.append(({"label": reading["label"], "scores": round_scores(reading["scores"], 4),
                         "cues": reading["cues"], "face_seen": reading["face_seen"]}, None))
    job.face = out
    job.models["face.expression"] = job.faces.model_name
    if job.faces.detector:
        job.models["face.detector"] = job.faces.detector
