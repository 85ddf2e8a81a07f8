"""The analysis record as typed models (pydantic v2): one shape for every input.

A transcript, an audio file, a video and a failed input all give a ``Record`` with the same keys;
what does not apply or could not be read is ``null`` (with the reason in ``errors``), never a
missing key. ``conform(doc)`` checks a record dict against the models and returns it complete
(absent optional keys filled with null, in the schema's key order); ``json_schema()`` is the JSON
Schema of the serialised record, every key required, which ships as ``record.schema.json``.

Versioning (``SCHEMA_VERSION``, semantic): a new optional key is a minor bump; a renamed,
removed or retyped key, or a key that may newly be null, breaks readers: a major bump.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SCHEMA_VERSION = "1.1.0"  # 1.1: the screening block (affectkit screen)

Scores = dict[str, float]
Modality = Literal["text", "voice", "face"]


class _Model(BaseModel):
    # extra="forbid": a key the schema does not know is a bug in the writer, not a silent extra;
    # serialisation defaults required: the JSON Schema lists every key as present (null or not).
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class Word(_Model):
    """One word of speech-to-text, with its times and probability."""

    word: str
    start: float | None
    end: float | None
    probability: float | None


class Reading(_Model):
    """One modality's emotion (or sentiment) reading: the top label and a probability per label."""

    label: str | None
    scores: Scores


class VoiceReading(Reading):
    """The voice head's reading and the acoustic cues behind it (absolute and relative to the
    speaker's own usual values; a cue that could not be measured is null)."""

    cues: dict[str, float | None]


class FaceCues(_Model):
    """What the face reading rests on: frames used, face size, faces in view, expression change,
    and the facial geometry when ``--face-landmarks`` is on (else null)."""

    frames: int
    face_width_rel: float | None = None
    faces_in_view: float | None = None
    expression_change: float | None = None
    geometry: dict[str, float | None] | None = None


class FaceReading(Reading):
    """The face CNN's reading over an utterance's sampled frames; ``face_seen``: the share of
    those frames with a face."""

    cues: FaceCues
    face_seen: float


class LLMError(_Model):
    kind: str
    message: str


class LLMReading(_Model):
    """An LLM's reading of the utterance (``analyze --llm``), beside affectkit's own."""

    model: str
    prompt: str
    emotion: str | None
    emotion_raw: str | None
    emotion_words: list[str]
    mapping: str | None
    reasoning: str | None
    cached: bool
    error: LLMError | None


class Segment(_Model):
    """One utterance: its times, speaker and text, each modality's reading (null when the
    modality is absent or unreadable, the reason in ``errors``), the fused answer and its
    explanation."""

    start: float | None
    end: float | None
    speaker: str | None = None
    text: str
    words: list[Word] | None = None
    text_emotion: Reading | None = None
    voice_emotion: VoiceReading | None = None
    face_emotion: FaceReading | None = None
    emotion: str | None = None
    emotion_scores: Scores | None = None
    valence: float | None = None
    modality_weights: Scores = Field(default_factory=dict)
    conflict: bool = False
    explanation: str | None = None
    sentiment: str | None = None
    sentiment_scores: Scores | None = None
    llm: LLMReading | None = None
    errors: list[str] = Field(default_factory=list)


class Segmentation(_Model):
    """How the utterances were found: a transcript's times, speech-to-text (model, language),
    voice activity (why there is no text) or fixed windows (why there is no voice)."""

    method: Literal["transcript", "asr", "vad", "windows"]
    transcript: str | None = None
    model: str | None = None
    language: str | None = None
    language_probability: float | None = None
    no_text: str | None = None
    window: float | None = None
    no_voice: str | None = None


class LLMSummary(_Model):
    answered: int
    failed: int
    errors: dict[str, int]
    unmapped: int
    agree_with_emotion: int


class Summary(_Model):
    """The paragraph a person reads first (``text``), counts of the fused and per-modality
    readings, conflicts, and for video the frames sampled and with a face."""

    text: str | None = None
    segments: int = 0
    emotion_counts: dict[str, int] = Field(default_factory=dict)
    dominant_emotion: str | None = None
    conflicts: int = 0
    voice_emotion_counts: dict[str, int] | None = None
    face_emotion_counts: dict[str, int] | None = None
    frames_sampled: int | None = None
    frames_with_face: int | None = None
    llm: LLMSummary | None = None


class ScreenScore(_Model):
    """A screening head's reading of one speaker: the probability (mean over ~100-word chunks of
    the speaker's words) and its level (low / elevated / high, thresholds in ``thresholds``)."""

    probability: float
    level: Literal["low", "elevated", "high"]
    thresholds: dict[str, float]
    chunks: int


class CrisisEvidence(_Model):
    """One phrase behind a crisis flag (or, in ``excluded``, one that matched but was not counted,
    with the ``reason``), where it is: the segment's index and times."""

    phrase: str
    category: str
    segment: int | None
    start: float | None
    end: float | None
    context: str
    tense: str | None = None
    reason: str | None = None


class CrisisReading(_Model):
    """Explicit suicidal ideation, self-harm, plan or means in the speaker's own words."""

    flag: bool
    categories: list[str] = Field(default_factory=list)
    evidence: list[CrisisEvidence] = Field(default_factory=list)
    excluded: list[CrisisEvidence] = Field(default_factory=list)


class Marker(_Model):
    """One marker's value for the speaker (null: not measurable here, ``note`` says why), what it
    means, the direction the literature found, the study, whether data here validates it, and
    where one exists a ``reference`` (e.g. the mean over Dreaddit's stressed and not-stressed
    training posts)."""

    name: str
    modality: Modality
    value: float | None
    unit: str
    meaning: str
    direction: str
    citation: str
    validated_here: str
    reference: dict[str, float] | None = None
    note: str | None = None


class ScreenedSpeaker(_Model):
    """The screening of one speaker: ``status`` screened, or insufficient (too few words:
    ``reason``; stress and depression are then null, the crisis check still runs)."""

    speaker: str | None
    status: Literal["screened", "insufficient"]
    reason: str | None = None
    segments: int
    words: int
    stress: ScreenScore | None = None
    depression: ScreenScore | None = None
    crisis: CrisisReading
    markers: list[Marker] = Field(default_factory=list)
    explanation: str | None = None


class ScreeningLLM(_Model):
    """An LLM's reading of one speaker's textualized markers and evidence (``screen --llm``)."""

    speaker: str | None
    model: str
    prompt: str
    reply: str | None
    error: LLMError | None


class Screening(_Model):
    """The screening block (``affectkit screen``): one entry per screened speaker, the speakers
    left out and why (the interviewer by default), warnings, and the disclaimer that goes with
    every output."""

    disclaimer: str
    model: str
    speakers: list[ScreenedSpeaker] = Field(default_factory=list)
    excluded_speakers: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    llm: list[ScreeningLLM] | None = None


class Record(_Model):
    """One input's analysis record (DESIGN.md's shape). ``kind``: what the input was read as
    (a transcript; audio, whose utterances may carry text from a transcript or speech-to-text;
    video, with faces), which says the modalities it offers (``channels``); ``modalities``:
    those that gave a reading. A failed input: kind null, no modalities, no segments, an
    empty summary, its reason in ``errors``."""

    schema_version: str = SCHEMA_VERSION
    input: str
    kind: Literal["transcript", "audio", "video"] | None = None
    duration: float | None = None
    modalities: list[Modality] = Field(default_factory=list)
    affectkit_version: str
    models: dict[str, str] = Field(default_factory=dict)
    segmentation: Segmentation | None = None
    segments: list[Segment] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)
    screening: Screening | None = None
    timings: dict[str, float] | None = None
    errors: list[str] = Field(default_factory=list)


class RecordError(ValueError):
    """A record that does not follow the schema: a bug in what wrote it, named field by field."""


def validated(doc: dict[str, Any]) -> Record:
    """``doc`` as a Record; RecordError naming each offending field (the first ten)."""
    try:
        return Record.model_validate(doc)
    except ValidationError as exc:
        where = doc.get("input") if isinstance(doc, dict) else None
        lines = [f"{'.'.join(map(str, e['loc'])) or '(record)'}: {e['msg']}" for e in exc.errors()[:10]]
        raise RecordError(f"analysis record of {where!r} does not follow schema {SCHEMA_VERSION}: "
                          + "; ".join(lines)) from None


def conform(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` checked against the schema and returned complete (every key, null where absent),
    as plain JSON types. RecordError names each offending field."""
    return validated(doc).model_dump(mode="json")


def problems(doc: Any) -> list[str]:
    """What is wrong with a serialised record, as read back from JSON: type errors and unknown
    keys (``conform``'s), and keys that are missing (absent must be null, not left out). Empty
    when it follows the schema exactly."""
    if not isinstance(doc, dict):
        return [f"an analysis record is a JSON object, not {type(doc).__name__}"]
    try:
        model = validated(doc)
    except RecordError as exc:
        return [str(exc)]
    out: list[str] = []

    def walk(have: Any, obj: Any, where: str) -> None:
        if isinstance(obj, BaseModel) and isinstance(have, dict):
            for name in type(obj).model_fields:
                if name not in have:
                    out.append(f"{where}{name}: missing (absent values are null, never a missing key)")
                else:
                    walk(have[name], getattr(obj, name), f"{where}{name}.")
        elif isinstance(obj, list) and isinstance(have, list):
            for i, (h, o) in enumerate(zip(have, obj)):
                walk(h, o, f"{where}{i}.")

    walk(doc, model, "")
    return out


def channels(record: dict[str, Any]) -> set[str]:
    """The modalities the input offers, read or not: text always; voice for audio and video;
    face for video read with faces. A reading of one of these that is null was tried and failed
    (the reason in the segment's ``errors``); one outside them does not apply."""
    kind = record.get("kind")
    return {"text"} | ({"voice"} if kind in ("audio", "video") else set()) | ({"face"} if kind == "video" else set())


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a serialised record: every key required."""
    schema = Record.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"affectkit analysis record {SCHEMA_VERSION}"
    return schema
