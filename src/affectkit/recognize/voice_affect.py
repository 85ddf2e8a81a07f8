"""Emotion from voice files with the bundled speech-emotion head, as plain records.

The bundled head sees one file at a time, so it uses the *strict* normalisation: each feature
is standardised with statistics of the training speakers (EmoDB), never of the input's speaker.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from affectkit.core.data import Prediction, Segment, round_scores
from affectkit.core.errors import DependencyError, InputError, ModelError
from affectkit.core.labels import EMOTION
from affectkit.recognize.voice_head import WEIGHTS_DIR, VoiceEmotionHead

CUES = ("pitch_hz", "pitch_range_st", "loudness_db", "syllable_rate", "pause_ratio", "voiced_ratio",
        "jitter", "shimmer_db", "hnr_db")
# each cue against the same speaker's median over the recording (perceive.voice.RELATIVE)
RELATIVE_CUES = ("pitch_rel", "pitch_range_rel", "loudness_rel_db", "rate_rel", "pause_rel",
                 "jitter_rel", "shimmer_rel_db", "hnr_rel_db")
MIN_SECONDS = 0.5  # the head learned from 2 s clips: shorter utterances give no voice reading


def bundled_voice_head(folder: str | Path | None = None) -> VoiceEmotionHead:
    """The shipped head ($AFFECTKIT_VOICE_MODEL overrides the folder); ModelError if unusable."""
    return VoiceEmotionHead.load(folder or os.environ.get("AFFECTKIT_VOICE_MODEL") or WEIGHTS_DIR)


def input_extractor(head: VoiceEmotionHead):
    """The feature extractor the head was trained with (from its config), checked for version."""
    from affectkit.perceive.voice_sets import EmotionInput

    spec = getattr(head, "config_", {}).get("extractor") or {}
    if spec.get("name") != EmotionInput.name or str(spec.get("version")) != EmotionInput.version:
        raise ModelError(f"the voice model was trained with extractor {spec.get('name')}@{spec.get('version')}; "
                         f"this affectkit has {EmotionInput.name}@{EmotionInput.version}: retrain it "
                         f"(python bench/train_voice.py)")
    params = dict(spec.get("params") or {})
    params["blocks"] = tuple(params.get("blocks", ()))
    return EmotionInput(**params)


def label_order(classes: Sequence[str]) -> list[str]:
    """Canonical labels the head knows, in canonical order, then its extra labels (boredom)."""
    known = set(classes)
    return [l for l in EMOTION.labels if l in known] + sorted(known - set(EMOTION.labels))


OUTPUTS = ("hide", "neutral")  # what the output does with an extra label (EmoDB's boredom)


def canonical_scores(classes: Sequence[str], probs: np.ndarray, output: str = "hide") -> tuple[str, dict[str, float]]:
    """(label, scores) from a head's probabilities. ``output`` "hide": scores over every class,
    extras included, and the label is the most probable *canonical* one (an extra such as boredom
    never becomes it); "neutral": an extra's mass is added to neutral (boredom is low-arousal,
    flat speech: what the canonical labels call neutral), so the scores are canonical only."""
    if output not in OUTPUTS:
        raise ModelError(f"unknown voice output mapping {output!r}; known: {', '.join(OUTPUTS)}")
    order = label_order(classes)
    idx = {c: i for i, c in enumerate(classes)}
    scores = {l: float(probs[idx[l]]) for l in order}
    if output == "neutral":
        extra = sum(v for l, v in scores.items() if l not in EMOTION)
        scores = {l: v for l, v in scores.items() if l in EMOTION}
        scores["neutral"] = scores.get("neutral", 0.0) + extra
    canonical = [l for l in scores if l in EMOTION]
    return max(canonical, key=scores.get), scores


def to_prediction(classes: Sequence[str], probs: np.ndarray, output: str = "hide") -> Prediction:
    """``canonical_scores`` as a Prediction (the analysis record requires a canonical label)."""
    label, scores = canonical_scores(classes, probs, output)
    return Prediction(label, scores)


def head_output(head: VoiceEmotionHead) -> str:
    """The output mapping a head was shipped with (its config's ``output``; "hide" before v2)."""
    return str(getattr(head, "config_", {}).get("output") or "hide")


def voice_model_name(head: VoiceEmotionHead) -> str:
    """``name@version`` of a loaded head, for the analysis record's ``models``."""
    config = getattr(head, "config_", {})
    return f"{config.get('name', 'voice.emotion')}@{config.get('version') or config.get('affectkit_version', '0')}"


def _cue_values(row: Any, digits: int, names: Sequence[str] = CUES) -> dict[str, float | None]:
    out = {}
    for c in names:
        v = float(row[c]) if c in row.index else math.nan
        out[c] = round(v, digits) if math.isfinite(v) else None
    return out


def _extract(cache: Any, extractor: Any, path: str):
    if cache is None:
        return extractor.extract(str(path))
    try:
        return cache.extract(extractor, path)
    except OSError:  # missing or unreadable: the extractor's own AudioError names the problem
        return extractor.extract(str(path))


def voice_records(paths: Sequence[str], *, head: VoiceEmotionHead | None = None, cache: Any = None,
                  digits: int = 4, progress: Callable[[int], None] | None = None) -> list[dict]:
    """The ``predict voice`` record per file, in order: path, emotion, emotion_scores, cues.
    A file that cannot be used gives {"path", "error"} and the others still run. ``cache``: a
    FeatureCache (features of a file seen before are read back), or None for no cache."""
    from affectkit.perceive.voice import Prosody

    head = head or bundled_voice_head()
    extractor = input_extractor(head)
    prosody = Prosody()
    classes = [str(c) for c in head.classes_]
    out = []
    for path in paths:
        try:
            feats = _extract(cache, extractor, path)
            cues = _extract(cache, prosody, path)
            pred = to_prediction(classes, head.predict_proba(feats)[0], head_output(head))
            out.append({"path": str(path), "emotion": pred.label,
                        "emotion_scores": round_scores(pred.scores, digits),
                        "cues": _cue_values(cues.iloc[0], digits)})
        except DependencyError as exc:
            raise ModelError(str(exc)) from exc
        except InputError as exc:
            out.append({"path": str(path), "error": str(exc)})
        if progress:
            progress(1)
    return out


def segment_readings(x: np.ndarray, sr: int, segments: Sequence[Segment], *, head: VoiceEmotionHead | None = None,
                     file: str = "<signal>", digits: int = 4, min_seconds: float = MIN_SECONDS,
                     progress: Callable[[int], None] | None = None,
                     cache: Any = None, timer: Any = None) -> list[tuple[dict | None, str | None]]:
    """Per utterance of one recording: (``{"label", "scores", "cues"}``, None), or (None, reason)
    for an utterance shorter than ``min_seconds``, which the head (trained on 2 s clips) cannot
    read. Cues are the raw CUES and RELATIVE_CUES: each against the median of the same speaker's
    utterances (``Segment.speaker``; unnamed speakers count as one), so ``pitch_rel = 0.31`` is
    31% above that speaker's usual pitch. DependencyError without the ``voice`` extra.
    ``cache``: a FeatureCache keyed by ``file``'s content (it must be the file ``x`` came from).
    ``timer``: a ``core.timing.Timer``; the time goes to ``voice.features`` and ``voice.recognize``."""
    from affectkit.core.timing import Timer
    from affectkit.perceive.voice import Prosody

    timer = timer or Timer()
    with timer.stage("load"):
        head = head or bundled_voice_head()
        extractor = input_extractor(head)
    classes = [str(c) for c in head.classes_]
    segments = list(segments)
    readable = [i for i, seg in enumerate(segments) if float(seg.end) - float(seg.start) >= min_seconds]
    with timer.stage("voice.features", len(segments)):
        if cache is not None:
            cues = cache.extract(Prosody(sr=sr), file, segments)
            feats = cache.extract(extractor, file, [segments[i] for i in readable]) if readable else None
        else:
            cues = Prosody(sr=sr).extract_signal(x, sr, segments, file=file)
            feats = extractor.extract_signal(x, sr, [segments[i] for i in readable], file=file) if readable else None
    with timer.stage("voice.recognize", len(segments)) as tick:
        probs = dict(zip(readable, head.predict_proba(feats))) if readable else {}
    out: list[tuple[dict | None, str | None]] = []
    for i, seg in enumerate(segments):
        length = float(seg.end) - float(seg.start)
        if i not in probs:
            out.append((None, f"voice: the utterance is {length:.2f} s long; reading emotion from the voice "
                              f"needs at least {min_seconds:g} s (the model learned from 2 s clips)"))
        else:
            pred = to_prediction(classes, probs[i], head_output(head))
            row = cues.iloc[i]
            out.append(({"label": pred.label, "scores": round_scores(pred.scores, digits),
                         "cues": {**_cue_values(row, digits), **_cue_values(row, digits, RELATIVE_CUES)}}, None))
        if progress:
            progress(1)
        tick(1)  # the bar, still on voice.recognize: its results are being put together
    return out
