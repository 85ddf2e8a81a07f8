"""The text network's configuration and inputs, without torch: its task heads, LoRA settings
and the (utterance, context) pairs it reads. Shared by the ONNX Runtime path
(``recognize.text_model``) and the PyTorch network (``recognize.text_net``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Sequence


@dataclass
class TaskSpec:
    """One output head: its labels and whether classes are exclusive (softmax) or not (sigmoid)."""

    name: str
    labels: tuple[str, ...]
    multilabel: bool = False


@dataclass
class NetConfig:
    n_top: int = 2
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.1
    max_len: int = 96
    max_context: int = 3
    tasks: list[TaskSpec] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "NetConfig":
        d = dict(d)
        d["tasks"] = [TaskSpec(t["name"], tuple(t["labels"]), bool(t["multilabel"])) for t in d["tasks"]]
        return cls(**d)


def format_pair(text: str, speaker: str | None = None,
                context: Sequence[tuple[str | None, str]] = (), max_context: int = 3) -> tuple[str, str]:
    """(segment A, segment B) for one utterance and its earlier context (oldest first)."""
    parts = []
    for ctx_speaker, ctx_text in list(context)[::-1][:max_context]:
        same = speaker is not None and ctx_speaker == speaker
        parts.append(("A: " if same else "B: ") + ctx_text)
    return text, " | ".join(parts)


def contextual_pairs(texts: Sequence[str], speakers: Sequence[str | None] | None = None,
                     dialogue_ids: Sequence[object] | None = None, max_context: int = 3) -> list[tuple[str, str]]:
    """Pairs for a sequence of utterances; an utterance's context is the earlier ones with the
    same dialogue id (no dialogue ids: no context)."""
    speakers = list(speakers) if speakers is not None else [None] * len(texts)
    history: dict[object, list[tuple[str | None, str]]] = {}
    pairs = []
    for i, text in enumerate(texts):
        if dialogue_ids is None or dialogue_ids[i] is None:
            pairs.append((text, ""))
            continue
        past = history.setdefault(dialogue_ids[i], [])
        pairs.append(format_pair(text, speakers[i], past, max_context))
        past.append((speakers[i], text))
    return pairs
