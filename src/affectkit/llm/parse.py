"""Reading an LLM's reply: the JSON object it was asked for, or a label, or a typed error.

Replies come wrapped in code fences, preceded by chatter or ``<think>`` blocks, or cut off by the token limit; small
base models answer in plain words. ``parse_json`` finds the first complete JSON object in the
text (fences and chatter skipped, a trailing comma forgiven). A reply with no object is a
refusal (``LLMRefusal``) when it reads like one, truncated (``LLMTruncated``) when the server
says it stopped at the token limit, else malformed (``LLMReplyError``). ``parse_label`` gets one
label of a closed set: from the JSON field, else from an "emotion: X" / "answer: X" line, else
from the only label word in the reply; it says which way it found it, so an evaluation can
report how lenient it had to be.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Sequence

from affectkit.llm.client import ChatReply
from affectkit.llm.errors import LLMRefusal, LLMReplyError, LLMTruncated

_REFUSAL = re.compile(
    r"\b(i\s*(?:am|'m)\s+(?:sorry|unable|not able)|i\s+(?:can\s*not|can't|cannot|won't|will not)\s+"
    r"(?:help|assist|provide|comply|do|answer|determine|classify|analy[sz]e)|as an ai\b|"
    r"i\s+(?:must|have to)\s+decline|not (?:comfortable|appropriate) (?:to|for me))", re.I)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)  # reasoning models' hidden thoughts
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_LABEL_LINE = re.compile(r"\b(?:emotion|label|answer|final answer)\s*[:=-]\s*\**\s*\"?([A-Za-z][A-Za-z \-]*)", re.I)


def _objects(text: str):
    """Candidate ``{...}`` substrings, balanced outside strings, in order."""
    i = text.find("{")
    while i != -1:
        depth, in_str, esc = 0, False, False
        for j in range(i, len(text)):
            c = text[j]
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    yield text[i:j + 1]
                    break
        i = text.find("{", i + 1)


def find_json(text: str) -> dict | None:
    """The first JSON object in ``text`` (inside code fences first; ``<think>`` blocks of
    reasoning models skipped), or None."""
    text = _THINK.sub("", text)
    sources = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for src in sources:
        for cand in _objects(src):
            for attempt in (cand, _TRAILING_COMMA.sub(r"\1", cand)):
                try:
                    obj = json.loads(attempt)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    return obj
    return None


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text or ""))


def _no_answer(reply: ChatReply, what: str) -> LLMReplyError:
    text = reply.text.strip()
    if reply.refusal:
        return LLMRefusal(f"the model refused: {reply.refusal[:200]}")
    if reply.finish_reason == "length":
        return LLMTruncated(f"the reply was cut off at the token limit before {what} was complete: {text[-80:]!r}")
    if is_refusal(text):
        return LLMRefusal(f"the model refused: {text[:200]!r}")
    if not text:
        return LLMReplyError(f"the reply is empty (finish_reason {reply.finish_reason!r})")
    return LLMReplyError(f"no {what} in the reply: {text[:200]!r}")


def parse_json(reply: ChatReply, required: Sequence[str] = ()) -> dict:
    """The JSON object in the reply, with every ``required`` key; a typed LLMReplyError if not."""
    obj = find_json(reply.text)
    if obj is None:
        raise _no_answer(reply, "a JSON object")
    missing = [k for k in required if k not in obj]
    if missing:
        raise LLMReplyError(f"the reply's JSON lacks {', '.join(map(repr, missing))}: {json.dumps(obj)[:200]}")
    return obj


@dataclass(frozen=True)
class ParsedLabel:
    """A label of the closed set, the raw answer it came from, ``how`` it was found
    (``json``, ``line`` or ``mention``) and the reasoning, if the reply gave one."""

    label: str
    raw: str
    how: str
    reasoning: str | None = None


def _match(answer: Any, labels: Sequence[str], synonyms: dict[str, str] | None) -> str | None:
    if not isinstance(answer, str):
        return None
    word = answer.strip().strip(".!\"'*").lower()
    if word in labels:
        return word
    if synonyms and word in synonyms and synonyms[word] in labels:
        return synonyms[word]
    return None


def parse_label(reply: ChatReply, labels: Sequence[str], keys: Sequence[str] = ("emotion", "label"),
                synonyms: dict[str, str] | None = None) -> ParsedLabel:
    """One of ``labels`` from the reply (see the module doc); ``synonyms`` maps other words
    onto labels (e.g. the open-vocabulary lexicon). LLMReplyError subclasses when none is found."""
    labels = [l.lower() for l in labels]
    text = _THINK.sub("", reply.text or "")
    obj = find_json(text)
    if obj is not None:
        reasoning = obj.get("reasoning")
        reasoning = reasoning if isinstance(reasoning, str) else None
        for k in keys:
            if k in obj:
                found = _match(obj[k], labels, synonyms)
                if found:
                    return ParsedLabel(found, str(obj[k]), "json", reasoning)
                raise LLMReplyError(f"the reply's {k!r} is {obj[k]!r}, not one of {', '.join(labels)}")
    for m in _LABEL_LINE.finditer(text):
        found = _match(m.group(1).split()[0] if m.group(1).split() else "", labels, synonyms)
        if found:
            return ParsedLabel(found, m.group(1).strip(), "line")
    words = set(re.findall(r"[a-z]+", text.lower()))
    named = {l for l in labels if l in words}
    if synonyms:
        named |= {synonyms[w] for w in words if w in synonyms and synonyms[w] in labels}
    if len(named) == 1 and not is_refusal(text):
        return ParsedLabel(named.pop(), text.strip()[:80], "mention")
    raise _no_answer(reply, "a label" if len(named) != 1 else "an answer")
