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


class VoicePipeline:
    """Emotion from audio files (or video soundtracks) with the bundled speech-emotion head.

    Call with a path (returns one Prediction) or a list of paths (returns a list); a file that
    cannot be used raises its AudioError. Scores include EmoDB's extra label ``boredom``; the
    label is the most probable canonical one. The head sees one file at a time ("strict"
    normalisation: training-speaker statistics, not this speaker's own voice).
    """

    def __init__(self, model=None) -> None:
        self._model = model

    @property
    def model(self):
        if self._model is None:
            from affectkit.recognize.voice_affect import bundled_voice_head

            self._model = bundled_voice_head()
        return self._model

    def __call__(self, inputs: str | Sequence[str]) -> Prediction | list[Prediction]:
        from affectkit.recognize.voice_affect import head_output, input_extractor, to_prediction

        single = isinstance(inputs, str) or hasattr(inputs, "__fspath__")
        paths = [inputs] if single else list(inputs)
        extractor = input_extractor(self.model)
        classes = [str(c) for c in self.model.classes_]
        preds = [to_prediction(classes, self.model.predict_proba(extractor.extract(str(p)))[0], head_output(self.model))
                 for p in paths]
        return preds[0] if single else preds


PIPELINES.register("emotion/voice", lambda model=None: VoicePipeline(model))


def pipeline(task: str = "emotion", modality: str = "text", model=None) -> TextPipeline | VoicePipeline:
    """The default pipeline for ``task`` on ``modality`` (e.g. ``pipeline("emotion", modality="text")``)."""
    return PIPELINES.get(f"{task}/{modality}")(model)
