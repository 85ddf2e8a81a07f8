"""The main job for audio and video: utterances, then voice (and text) readings per utterance,
in the same analysis record as ``analyze`` builds for transcripts (DESIGN.md's shape).

Utterances come from, in order of preference: the timestamps of a transcript given with the
recording; speech-to-text with word timings (the ``asr`` extra); voice-activity segmentation
(no text then). The record says which, under ``segmentation``.

An utterance's ``emotion`` and ``emotion_scores`` are the late fusion (``recognize.fusion``)
of the modalities that read it: calibrated, weighted, renormalised over those present;
``modality_weights`` gives each one's share, ``conflict`` flags strong disagreement and
``explanation`` names the cues in words (``explain``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from affectkit.analyze import build_document, label_counts
from affectkit.core.data import Segment, round_scores
from affectkit.core.errors import AudioError, DependencyError
from affectkit.core.timing import Timer
from affectkit.schema import conform

if TYPE_CHECKING:
    from affectkit.io.probe import Limits
    from affectkit.perceive.face import FaceTimeline
    from affectkit.recognize.text_model import TextModel
    from affectkit.recognize.voice_head import VoiceEmotionHead

WINDOW = 2.0  # seconds: the fixed windows of a video without a transcript or speech


@dataclass(frozen=True)
class Utterances:
    """A recording's utterances and how they were found: ``method`` is ``transcript``, ``asr``
    or ``vad``; ``detail`` goes into the record; ``note`` is one line for the user."""

    segments: list[Segment]
    method: str
    detail: dict = field(default_factory=dict)
    note: str = ""


def find_utterances(path: str | Path, x: np.ndarray, sr: int, *, transcript: str | Path | None = None,
                    transcript_format: str | None = None, asr: bool | None = None,
                    language: str | None = None, cache: Any = None, limits: Limits | None = None,
                    timer: Timer | None = None) -> Utterances:
    """Utterances of the decoded recording ``x`` (from ``path``): the ``transcript``'s timed
    segments if given; else speech-to-text (``asr``: None = when installed, True = required,
    False = never); else voice-activity segmentation. AudioError when no speech is found.
    ``limits``: the transcript's size limit; ``timer``: the time counts as ``segment``."""
    with (timer or Timer()).stage("segment"):
        return _find_utterances(path, x, sr, transcript, transcript_format, asr, language, cache, limits)


def _read_transcript(transcript: str | Path, transcript_format: str | None, limits: Limits | None):
    from affectkit.io.transcripts import read_transcript

    return read_transcript(transcript, transcript_format, max_bytes=limits.transcript_bytes if limits else None)


def _find_utterances(path, x, sr, transcript, transcript_format, asr, language, cache, limits) -> Utterances:
    from affectkit.segment.vad import segments_from_transcript, vad_segments

    duration = len(x) / sr
    if transcript is not None:
        segments = segments_from_transcript(_read_transcript(transcript, transcript_format, limits), duration,
                                            str(path))
        return Utterances(segments, "transcript", {"method": "transcript", "transcript": str(transcript)},
                          f"{len(segments)} utterances from the timestamps of {transcript}")
    no_text = "speech-to-text turned off (--no-asr)"
    if asr is not False:
        from affectkit.segment.asr import MODEL_NAME, transcribe_cached

        try:
            heard = transcribe_cached(path, x, sr=sr, language=language, cache=cache)
        except DependencyError as exc:
            if asr:
                raise
            no_text = str(exc)
        else:
            if not heard.segments:
                raise AudioError(str(path), f"no speech found: speech-to-text ({MODEL_NAME}) heard no words "
                                            f"in its {duration:.2f} s")
            given = "given" if language else f"detected, p={heard.language_probability:.2f}"
            return Utterances(heard.segments, "asr",
                              {"method": "asr", "model": MODEL_NAME, "language": heard.language,
                               "language_probability": heard.language_probability},
                              f"{len(heard.segments)} utterances from speech-to-text ({MODEL_NAME}, "
                              f"language {heard.language}, {given})")
    segments = vad_segments(x, sr)
    if not segments:
        raise AudioError(str(path), f"no speech found: voice-activity detection found no utterance in its {duration:.2f} s")
    return Utterances(segments, "vad", {"method": "vad", "no_text": no_text},
                      f"{len(segments)} utterances from voice-activity segmentation; no text: {no_text}")


def _text_readings(segments: list[Segment], source: str, model: TextModel | None,
                   explain: bool = True, timer: Timer | None = None) -> dict[int, tuple]:
    """Utterance index -> (emotion, sentiment) Predictions and the words behind the emotion,
    for utterances with text."""
    from affectkit.analyze import _timed_cues
    from affectkit.recognize.text_affect import read_text
    from affectkit.recognize.text_model import bundled_text_model

    texted = [i for i, s in enumerate(segments) if s.text.strip()]
    if not texted:
        return {}
    timer = timer or Timer()
    if model is None:
        with timer.stage("load"):
            model = bundled_text_model()
    texts, speakers = [segments[i].text for i in texted], [segments[i].speaker for i in texted]
    with timer.stage("text", len(texts)) as tick:
        preds = read_text(texts, speakers=speakers, dialogue_ids=[source] * len(texted), model=model, progress=tick)
    words = _timed_cues(timer, model, texts, [p.label for p in preds["emotion"]], speakers, [source] * len(texted),
                        explain)
    return {i: (preds["emotion"][k], preds["sentiment"][k], words[k]) for k, i in enumerate(texted)}


def analyze_utterances(path: str | Path, x: np.ndarray | None, sr: int, utterances: Utterances, *,
                       text_model: TextModel | None = None, voice_head: VoiceEmotionHead | None = None,
                       progress: Callable[[int], None] | None = None, cache: Any = None,
                       explain: bool = True, face: FaceTimeline | None = None,
                       no_voice: str | None = None, duration: float | None = None,
                       timer: Timer | None = None) -> dict:
    """The analysis record of a decoded recording, one record per utterance with the voice
    reading and cues, the text reading where there is text, given a video's ``face`` timeline
    the face reading (``face_emotion``; null with "no face" in ``errors`` where none is seen),
    and their fusion (``emotion``, ``modality_weights``, ``conflict``, ``explanation``).
    ``x=None``: no usable audio (``no_voice`` says why). ``progress(1)`` per utterance.
    ``cache``: a FeatureCache for the voice features (None: computed afresh). ``explain``:
    name the words behind each text reading (one extra model pass per word). ``timer``: seconds
    per stage (``voice.features``, ``voice.recognize``, ``text``, ``explain``, ``fusion``)."""
    from affectkit.recognize.fusion import bundled_fusion
    from affectkit.recognize.text_model import bundled_text_model
    from affectkit.recognize.voice_affect import bundled_voice_head, segment_readings, voice_model_name

    timer = timer or Timer()
    source, segments = str(path), utterances.segments
    if x is not None:
        head = voice_head
        if head is None:
            with timer.stage("load"):
                head = bundled_voice_head()
        voice = segment_readings(x, sr, segments, head=head, file=source, progress=progress, cache=cache,
                                 timer=timer)
    else:
        head = None
        voice = [(None, f"voice: {no_voice or 'no audio'}") for _ in segments]
        if progress:
            progress(len(segments))
    text = _text_readings(segments, source, text_model, explain, timer)
    records = []
    with timer.stage("fusion", len(segments)) as tick:
        faces = [_face_reading(face, seg) for seg in segments] if face is not None else None
        for i, seg in enumerate(segments):
            records.append(_utterance_record(i, seg, voice[i], text, faces, explain, timer))
            tick(1)
    models = {"voice.emotion": voice_model_name(head)} if head is not None else {}
    models["fusion"] = bundled_fusion().name
    if text:
        name = (text_model or bundled_text_model()).name
        models.update({"text.emotion": name, "text.sentiment": name})
    if face is not None:
        models["face.expression"] = face.model_name
    if utterances.method == "asr":
        models["segment.asr"] = utterances.detail["model"]
    modalities = (["text"] if text else []) + (["voice"] if x is not None else []) + (["face"] if face else [])
    doc = build_document(source, records, duration=len(x) / sr if x is not None else duration,
                         modalities=modalities, kind="audio" if face is None else "video", models=models,
                         segmentation=utterances.detail)
    doc["summary"]["voice_emotion_counts"] = label_counts(r["voice_emotion"] and r["voice_emotion"]["label"]
                                                          for r in records)
    if face is not None:
        doc["summary"]["face_emotion_counts"] = label_counts(r["face_emotion"] and r["face_emotion"]["label"]
                                                             for r in records)
        doc["summary"]["frames_sampled"] = len(face.times)
        doc["summary"]["frames_with_face"] = face.frames_with_face
    return doc


def _utterance_record(i: int, seg: Segment, voice: tuple, text: dict, faces: list | None, explain: bool,
                      timer: Timer) -> dict:
    """One utterance's record: its readings, their fusion and the explanation."""
    from affectkit.analyze import fused_fields, valence
    from affectkit.explain.face_cues import face_phrases
    from affectkit.explain.voice_cues import voice_phrases

    reading, why = voice
    rec = seg.to_dict()
    emo = sent = None
    # modality -> its emotion scores / cue phrases, for fusion and the explanation
    scores: dict[str, dict | None] = {"text": None, "voice": reading and reading["scores"]}
    cues: dict[str, list[str]] = {"voice": voice_phrases(reading["cues"]) if reading else []}
    tone: dict[str, float] = {}
    if i in text:
        emo = {"label": text[i][0].label, "scores": round_scores(text[i][0].scores, 4)}
        sent = {"label": text[i][1].label, "scores": round_scores(text[i][1].scores, 4)}
        scores["text"], cues["text"], tone["text"] = text[i][0].scores, text[i][2], valence(sent["scores"])
    face_reading, face_why = faces[i] if faces is not None else (None, None)
    if faces is not None:
        scores["face"], cues["face"] = face_reading and face_reading["scores"], face_phrases(face_reading)
    unread = {"voice": why.removeprefix("voice: ").split(";")[0]} if why else {}
    if face_why:
        unread["face"] = face_why.removeprefix("face: ").split(";")[0]
    rec.update(text_emotion=emo, voice_emotion=reading)
    if faces is not None:
        rec["face_emotion"] = face_reading
    rec.update(**fused_fields(scores, cues, valence=tone, unread=unread, explain=explain, timer=timer),
               sentiment=sent and sent["label"], sentiment_scores=sent and sent["scores"],
               errors=[w for w in (why, face_why) if w])
    return rec


def _face_reading(face: FaceTimeline, seg: Segment) -> tuple[dict | None, str | None]:
    from affectkit.perceive.face import segment_reading

    reading, why = segment_reading(face, float(seg.start), float(seg.end))
    if reading is None:
        return None, f"face: {why}"
    return {"label": reading["label"], "scores": round_scores(reading["scores"], 4), "cues": reading["cues"],
            "face_seen": reading["face_seen"]}, None


def fixed_windows(duration: float, window: float = WINDOW) -> list[Segment]:
    """Consecutive windows of ``window`` seconds over [0, duration] (the last one shorter)."""
    if not window > 0:
        raise ValueError(f"window must be positive, got {window}")
    out, t, i = [], 0.0, 0
    while t < duration - 1e-6:
        out.append(Segment(text="", start=round(t, 3), end=round(min(duration, t + window), 3), index=i))
        t += window
        i += 1
    return out


def analyze_video(path: str | Path, transcript: str | Path | None = None, *, asr: bool | None = None,
                  language: str | None = None, transcript_format: str | None = None, fps: float = 5.0,
                  window: float = WINDOW, text_model: TextModel | None = None,
                  voice_head: VoiceEmotionHead | None = None, face_model=None,
                  progress: Callable[[int], None] | None = None,
                  note: Callable[[str], None] | None = None, cache: Any = None, explain: bool = True,
                  limits: Limits | None = None, timer: Timer | None = None, landmarks: bool = False) -> dict:
    """Analysis record for a video: faces found, followed and read per utterance (``face_emotion``),
    beside the voice and text readings. Utterances come from ``transcript``; else from the
    soundtrack (speech-to-text or voice activity, as ``analyze_audio``); else (no audio track, or
    no speech in it) from fixed ``window``-second windows. A video where no face is ever seen
    gives "no face" per utterance, not an error. VideoError for a file without a video stream.
    ``limits``: the duration and transcript limits (``io.probe.Limits``); ``timer``: seconds per
    stage (``core.timing``); ``landmarks``: facial geometry from MediaPipe's face mesh in each
    utterance's face cues (the ``landmarks`` extra)."""
    from affectkit.io.audio import MAX_DURATION, decode_audio
    from affectkit.io.video import probe_video
    from affectkit.perceive.face import face_timeline

    timer = timer or Timer()
    say = note or (lambda msg: None)
    with timer.stage("probe"):
        info = probe_video(path)
    if limits is not None and info.duration is not None and info.duration > limits.max_duration:
        from affectkit.core.errors import VideoError

        raise VideoError(str(path), f"is {info.duration:.0f} s long; recordings over {limits.max_duration:g} s "
                                    f"are refused (raise --max-duration or AFFECTKIT_MAX_DURATION)")
    tl = face_timeline(path, fps=fps, model=face_model, timer=timer, landmarks=landmarks)
    say(f"{len(tl.times)} frames sampled at {fps:g} fps, a face in {tl.frames_with_face}")
    damaged = [tl.damage] if tl.damage else []
    x, sr, no_voice, found = None, 16000, None, None
    if info.has_audio:
        try:
            with timer.stage("decode.audio"):
                audio = decode_audio(path, max_duration=limits.max_duration if limits else MAX_DURATION)
        except AudioError as exc:
            no_voice = exc.reason
        else:
            x, sr = audio.samples, audio.sr
            damaged += [audio.damage] if audio.damage else []
    for line in damaged:
        say(f"warning: {line}")
    else:
        no_voice = "the video has no audio track"
    duration = len(x) / sr if x is not None else max(info.duration or 0.0, tl.duration)
    if x is not None:
        try:
            found = find_utterances(path, x, sr, transcript=transcript, transcript_format=transcript_format,
                                    asr=asr, language=language, cache=cache, limits=limits, timer=timer)
        except AudioError as exc:
            if transcript is not None:
                raise
            no_voice = exc.reason
            x = None
    if found is None:
        if transcript is not None:
            from affectkit.segment.vad import segments_from_transcript

            with timer.stage("segment"):
                segments = segments_from_transcript(_read_transcript(transcript, transcript_format, limits), duration,
                                                    str(path))
            found = Utterances(segments, "transcript", {"method": "transcript", "transcript": str(transcript)},
                               f"{len(segments)} utterances from the timestamps of {transcript}")
        else:
            segments = fixed_windows(duration, window)
            found = Utterances(segments, "windows", {"method": "windows", "window": window, "no_voice": no_voice},
                               f"{len(segments)} fixed {window:g} s windows ({no_voice})")
    say(found.note)
    doc = analyze_utterances(path, x, sr, found, text_model=text_model, voice_head=voice_head, progress=progress,
                             face=tl, no_voice=no_voice, duration=duration, cache=cache, explain=explain,
                             timer=timer)
    doc["errors"].extend(damaged)
    return conform(doc)


def analyze_audio(path: str | Path, transcript: str | Path | None = None, *, asr: bool | None = None,
                  language: str | None = None, transcript_format: str | None = None,
                  text_model: TextModel | None = None, voice_head: VoiceEmotionHead | None = None,
                  progress: Callable[[int], None] | None = None, cache: Any = None, explain: bool = True,
                  limits: Limits | None = None, timer: Timer | None = None,
                  note: Callable[[str], None] | None = None) -> dict:
    """Analysis record for one audio or video file (see ``find_utterances`` for ``transcript``,
    ``asr`` and ``language``). Raises AffectkitError if the file is unusable or has no speech;
    use ``affectkit.records_frame`` for a DataFrame. ``cache``: a FeatureCache, so that a
    second run over the same content reads speech-to-text and features back. ``explain``:
    see ``analyze_utterances``. ``limits``: the duration and transcript limits; ``timer``:
    seconds per stage; ``note``: told how the utterances were found (one line)."""
    from affectkit.io.audio import MAX_DURATION, decode_audio

    timer = timer or Timer()
    with timer.stage("decode.audio"):
        audio = decode_audio(path, max_duration=limits.max_duration if limits else MAX_DURATION)
    x, sr = audio.samples, audio.sr
    if audio.damage and note is not None:
        note(f"warning: {audio.damage}")
    found = find_utterances(path, x, sr, transcript=transcript, transcript_format=transcript_format,
                            asr=asr, language=language, cache=cache, limits=limits, timer=timer)
    if note is not None:
        note(found.note)
        if found.method == "asr" and found.detail.get("language") != "en":
            note(f"note: the text model reads English; the text readings of {found.detail.get('language')} "
                 f"speech are unreliable")
    doc = analyze_utterances(path, x, sr, found, text_model=text_model, voice_head=voice_head, progress=progress,
                             cache=cache, explain=explain, timer=timer)
    doc["errors"].extend([audio.damage] if audio.damage else [])
    return conform(doc)
