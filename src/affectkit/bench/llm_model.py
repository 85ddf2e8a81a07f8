"""LLMs in the harness: `affectkit bench --task TASK --model llm:URL#MODEL`.

The harness hands every model a feature dict; an LLM reads the raw text instead. So for an LLM
the task's X is one column of row numbers (``{"row": [N, 1]}``) and :class:`TextRows` looks each
row's text up before calling the :class:`~affectkit.bench.llm_classifier.LLMClassifier`. The
task's split, label space, metrics, seeds (the k-shot draw and the request seed) and bootstrap
stay the harness's own, so an LLM's score sits beside every other model's. A reply without a
label is class id -1, which the metrics count as wrong (``metrics.confusion``); the parse
failure rate is reported beside the score. Feature perturbations (the robustness suite) do not
apply to raw text and are skipped.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from affectkit.core.errors import InputError


def is_llm_spec(name: str) -> bool:
    return isinstance(name, str) and name.startswith("llm:")


class Tally:
    """Parse failures over every clone of one TextRows (the harness clones the model per seed and
    fold; copies share this object, so the caller can read the totals)."""

    def __init__(self) -> None:
        self.failures = 0
        self.predicted = 0

    def __deepcopy__(self, memo: dict) -> "Tally":
        return self

    @property
    def rate(self) -> float:
        return self.failures / self.predicted if self.predicted else 0.0


class TextRows:
    """Adapter: fit/predict on row numbers ``X["row"]`` by handing the rows' ``texts`` to ``llm``."""

    def __init__(self, llm: Any = None, texts: Sequence[str] = (), label_names: Sequence[str] = (),
                 seed: int = 0, tally: Tally | None = None) -> None:
        self.llm = llm
        self.texts = texts
        self.label_names = label_names
        self.seed = seed
        self.tally = tally

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"llm": self.llm, "texts": self.texts, "label_names": self.label_names, "seed": self.seed,
                "tally": self.tally}

    def set_params(self, **params: Any) -> "TextRows":
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _texts(self, X: dict[str, np.ndarray]) -> list[str]:
        if "row" not in X:
            raise InputError("an LLM model reads the task's texts: X must be {'row': row numbers}")
        return [self.texts[int(i)] for i in np.asarray(X["row"]).reshape(-1)]

    def fit(self, X: dict[str, np.ndarray], y: Sequence[int]) -> "TextRows":
        self.llm.set_params(labels=list(self.label_names), seed=self.seed)
        self.llm.fit(self._texts(X), [int(v) for v in y])
        return self

    def predict(self, X: dict[str, np.ndarray]) -> np.ndarray:
        pred = self.llm.predict(self._texts(X))
        if self.tally is not None:
            self.tally.failures += len(self.llm.parse_failures_)
            self.tally.predicted += len(pred)
        return pred


def llm_task(spec, model_spec: str, *, data_path: str | None = None, debug: bool = False,
             limit: int | None = None, params: dict | None = None):
    """(TaskData with X = row numbers, the TextRows model) for an LLM on a text classification task.
    ``limit``: score only the first ``limit`` test items (recorded by the caller)."""
    from affectkit.bench.task_data import DATA_LOADERS
    from affectkit.bench.llm_classifier import make_llm_model

    if spec.target != "classification" or set(spec.features) != {"text"}:
        raise InputError(f"an LLM is scored on single-label text tasks; {spec.task} is {spec.target} "
                         f"on {'+'.join(spec.features)}")
    llm = make_llm_model(model_spec, **(params or {}))
    data = DATA_LOADERS.get(spec.loader)(spec, path=data_path, debug=debug)
    if not data.texts:
        raise InputError(f"{spec.task}: the loader gave no texts")
    if limit is not None:
        if limit < 1:
            raise InputError("--limit must be at least 1")
        if data.part is None:
            raise InputError(f"--limit needs a task with an official test split; {spec.task} uses {spec.protocol}")
        part = np.asarray(data.part, dtype=object).copy()
        test = np.flatnonzero(part == "test")
        part[test[limit:]] = "unused"
        data.part = part
    data.X = {"row": np.arange(len(data.texts), dtype=np.int64)[:, None]}
    return data, TextRows(llm, list(data.texts), list(spec.label_space), tally=Tally())
