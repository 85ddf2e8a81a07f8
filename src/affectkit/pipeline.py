"""``affectkit.pipeline(task, modality)``: a task name maps to a default, pinned model that
works offline (as Hugging Face's ``pipeline``)."""
from __future__ import annotations

from typing import Any, Sequence

from affectkit.core.data import Prediction
from affectkit.core.errors import InputError
from affectkit.core.registry import Registry

PIPELINES: Registry = Registry("pipeline")


class TextPipeline:
    """Reads one task (emotion or sentiment) from texts with the bundled text model.

    Call with a string (returns one Prediction) or a list of strings or of dicts with
    ``text`` and optional ``speaker`` and ``dialogue_id`` (returns a list). Context for an
    utterance is the earlier items with the same ``dialogue_id``.
    """

    def __init__(self, task: str, model=None) -> None:
        self.task = task
        self._model = model

    @property
    def model(self):
        if self._model is None:
            from affectkit.recognize.text_model import bundled_text_model

            self._model = bundled_text_model()
        return self._model

    def __call__(self, inputs: str | Sequence[str] | Sequence[dict[str, Any]]) -> Prediction | list[Prediction]:
        from affectkit.recognize.text_affect import read_text

        single = isinstance(inputs, str)
        items = [inputs] if single else list(inputs)
        texts, speakers, dialogues = [], [], []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                if "text" not in item:
                    raise InputError(f"input {i} has no 'text' field")
                texts.append(item["text"])
                speakers.append(item.get("speaker"))
                dialogues.append(item.get("dialogue_id"))
            else:
                texts.append(item)
                speakers.append(None)
                dialogues.append(None)
        if not texts:
            return []
        preds = read_text(texts, (self.task,), speakers=speakers, dialogue_ids=dialogues, model=self.model)[self.task]
        return preds[0] if single else preds


PIPELINES.register("emotion/text", lambda model=None: TextPipeline("emotion", model))
PIPELINES.register("sentiment/text", lambda model=None: TextPipeline("sentiment", model))


def pipeline(task: str = "emotion", modality: str = "text", model=None) -> TextPipeline:
    """The default pipeline for ``task`` on ``modality`` (e.g. ``pipeline("emotion", modality="text")``)."""
    return PIPELINES.get(f"{task}/{modality}")(model)
