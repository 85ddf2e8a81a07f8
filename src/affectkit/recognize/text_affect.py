"""Emotion and sentiment from texts with the bundled text model, as plain records."""
from __future__ import annotations

from typing import Callable, Sequence

from affectkit.core.data import Prediction, round_scores
from affectkit.recognize.text_model import TextModel, bundled_text_model


def read_text(texts: Sequence[str], tasks: Sequence[str] = ("emotion", "sentiment"), *,
              speakers: Sequence[str | None] | None = None, dialogue_ids: Sequence[object] | None = None,
              model: TextModel | None = None, progress: Callable[[int], None] | None = None
              ) -> dict[str, list[Prediction]]:
    """Task -> one Prediction per text (canonical labels, probabilities summing to 1)."""
    model = model or bundled_text_model()
    probs = model.predict_tasks(texts, tasks, speakers=speakers, dialogue_ids=dialogue_ids, progress=progress)
    return {task: [Prediction.from_probs(model.tasks()[task], row) for row in probs[task]] for task in tasks}


def text_records(texts: Sequence[str], *, speakers=None, dialogue_ids=None, model: TextModel | None = None,
                 progress=None, digits: int = 4) -> list[dict]:
    """The ``predict text`` record per text: text, emotion, emotion_scores, sentiment, sentiment_scores."""
    preds = read_text(texts, speakers=speakers, dialogue_ids=dialogue_ids, model=model, progress=progress)
    rows = []
    for i, text in enumerate(texts):
        row = {"text": text}
        for task in ("emotion", "sentiment"):
            p = preds[task][i]
            row[task] = p.label
            row[f"{task}_scores"] = round_scores(p.scores, digits)
        rows.append(row)
    return rows


