"""scikit-learn's estimator API for our heads, with or without scikit-learn installed.

The shipped heads (the TF-IDF classifiers, the screening heads, the voice head) are stored as plain
arrays and predict with numpy alone. scikit-learn, with the scipy it requires, is about 200 MB
installed (measured in issue 22) and only training and the benchmark harness need it, so it is part of
the ``train`` and ``bench`` extras. Where it is installed the heads are genuine scikit-learn
estimators (``clone``, grid search, cross-validation work on them); where it is not, these stand-ins
give the same ``get_params``/``set_params``/``score`` so inference runs unchanged.
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from affectkit.core.errors import DependencyError

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
except ImportError:  # inference-only install
    class BaseEstimator:  # type: ignore[no-redef]
        """The parameters of ``__init__`` as ``get_params``/``set_params``, as scikit-learn's."""

        @classmethod
        def _get_param_names(cls) -> list[str]:
            params = inspect.signature(cls.__init__).parameters.values()
            return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

        def get_params(self, deep: bool = True) -> dict[str, Any]:
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params: Any) -> "BaseEstimator":
            valid = self._get_param_names()
            for name, value in params.items():
                if name not in valid:
                    raise ValueError(f"{name} is not a parameter of {type(self).__name__}")
                setattr(self, name, value)
            return self

        def __repr__(self) -> str:
            return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    class ClassifierMixin:  # type: ignore[no-redef]
        """``score`` as accuracy, as scikit-learn's."""

        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None) -> float:
            right = np.asarray(self.predict(X)) == np.asarray(y)
            return float(np.average(right, weights=sample_weight))


def require_sklearn(purpose: str, extra: str = "train") -> None:
    """A DependencyError naming the extra when scikit-learn is not installed (``purpose``: what needs it)."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise DependencyError(f"{purpose} needs scikit-learn: pip install 'affectkit[{extra}]'") from None
