"""An LLM's reading of each utterance of an analysis record, beside affectkit's own.

``add_llm_readings(record, backend)`` sends each utterance's transcript context, text and
textualized voice and face cues (``textualize``) with the ``cues_reasoning`` prompt, and adds
to every segment::

    "llm": {"model", "prompt", "emotion" (canonical label or null), "emotion_raw" (the LLM's
            own word), "emotion_words" (its words, as said), "mapping" (how "emotion" was
            mapped: canonical / lexicon / embedding / unknown), "reasoning", "cached", "error"}

``error`` is null or ``{"kind", "message"}`` (kinds: ``errors.py``); a failed utterance keeps
its other readings. The record gets ``models["llm"]`` and ``summary["llm"]`` (answered,
failed, errors by kind, agreement with the fused ``emotion``).
"""
from __future__ import annotations

from typing import Callable

from affectkit.llm.errors import LLMError, LLMReplyError
from affectkit.llm.parse import parse_json
from affectkit.llm.prompts import load_template
from affectkit.explain.textualize import cue_values
from affectkit.llm.vocab import map_emotions

TEMPLATE = "cues_reasoning@1"


def _words(obj: dict) -> tuple[str, list[str]]:
    emotion = obj.get("emotion")
    words = obj.get("emotion_words")
    if isinstance(words, str):
        words = [w.strip() for w in words.split(",")]
    words = [str(w).strip() for w in (words or []) if isinstance(w, (str, int, float)) and str(w).strip()]
    if isinstance(emotion, list):  # some models answer a list here too
        emotion = emotion[0] if emotion else None
    if not isinstance(emotion, str) or not emotion.strip():
        if not words:
            raise LLMReplyError(f"the reply names no emotion: {obj!r:.200}")
        emotion = words[0]
    emotion = emotion.strip()
    if emotion.lower() not in (w.lower() for w in words):
        words.insert(0, emotion)
    return emotion, words


def reading(reply, name: str, prompt: str, embeddings: bool = True) -> dict:
    """One segment's ``llm`` field from a ChatReply or an LLMError."""
    out = {"model": name, "prompt": prompt, "emotion": None, "emotion_raw": None, "emotion_words": [],
           "mapping": None, "reasoning": None, "cached": False, "error": None}
    if isinstance(reply, LLMError):
        out["error"] = reply.record()
        return out
    out["cached"] = reply.cached
    try:
        obj = parse_json(reply)
        emotion, words = _words(obj)
    except LLMError as exc:
        out["error"] = exc.record()
        return out
    mapped = map_emotions([emotion] + words, embeddings=embeddings)
    main = mapped[0]
    if main.label is None:  # the main word is unknown: the most frequent label of the other words
        labels = [m.label for m in mapped[1:] if m.label]
        if labels:
            main = type(main)(main.word, max(labels, key=labels.count), "words")
    reasoning = obj.get("reasoning")
    out.update(emotion=main.label, emotion_raw=emotion, emotion_words=words, mapping=main.method,
               reasoning=reasoning.strip() if isinstance(reasoning, str) else None)
    return out


def add_llm_readings(record: dict, backend, template: str = TEMPLATE, context: int = 3, embeddings: bool = True,
                     progress: Callable[[int], None] | None = None) -> dict:
    """Add each segment's ``llm`` reading to ``record`` (in place; also returned). ``backend``:
    a ChatClient or LocalLLM; ``context``: utterances before each one that the LLM sees;
    ``embeddings``: map unknown emotion words by embedding similarity (else lexicon only)."""
    segments = record.get("segments") or []
    if not segments:
        return record
    tpl = load_template(template)
    from affectkit.schema import channels

    offered = channels(record) if "kind" in record else None
    conversations = [tpl.messages(**cue_values(segments, i, context, offered)) for i in range(len(segments))]
    replies = backend.chat_many(conversations, max_tokens=tpl.max_tokens, progress=progress)
    for seg, reply in zip(segments, replies):
        seg["llm"] = reading(reply, backend.name, tpl.id, embeddings=embeddings)
    record.setdefault("models", {})["llm"] = f"{backend.name} ({tpl.id})"
    kinds: dict[str, int] = {}
    for seg in segments:
        if seg["llm"]["error"]:
            kinds[seg["llm"]["error"]["kind"]] = kinds.get(seg["llm"]["error"]["kind"], 0) + 1
    answered = [s for s in segments if s["llm"]["emotion"]]
    record.setdefault("summary", {})["llm"] = {
        "answered": sum(not s["llm"]["error"] for s in segments), "failed": sum(kinds.values()),
        "errors": kinds, "unmapped": sum(not s["llm"]["error"] and not s["llm"]["emotion"] for s in segments),
        "agree_with_emotion": sum(s["llm"]["emotion"] == s.get("emotion") for s in answered)}
    return record


def llm_failures(record: dict) -> int:
    """How many segments of ``record`` have an LLM error."""
    return sum(bool((s.get("llm") or {}).get("error")) for s in record.get("segments") or [])
