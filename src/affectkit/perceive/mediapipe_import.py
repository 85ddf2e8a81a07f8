"""mediapipe, imported without loading its drawing helpers until someone uses them.

``import mediapipe`` (0.10) imports every Solution, and with them ``solutions.drawing_utils``, which
imports ``matplotlib.pyplot``: 0.41 of mediapipe's 0.54 s import (``python -X importtime``, 2 cores),
all of it Python holding the GIL, on the face path of every video (``bench/short_clip_levers.py``
times the import both ways). affectkit never draws with mediapipe, so those two modules are
registered, before mediapipe is imported, as modules whose code runs, matplotlib and all, the first
time anything reads one of their names: ``mp.solutions.drawing_utils.draw_landmarks`` still works
for a caller. If the files are not where mediapipe 0.10 keeps them, mediapipe is imported as it is.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType

_SOLUTIONS = "mediapipe.python.solutions"
_LAZY = ("drawing_utils", "drawing_styles")  # drawing_styles imports drawing_utils
_lock = threading.Lock()


def import_mediapipe() -> ModuleType:
    """``import mediapipe``, its drawing helpers deferred. Raises what the import raises (ImportError
    when mediapipe is missing; other errors when a dependency it needs is broken)."""
    with _lock:  # the face thread and the landmarks stage may both come here first
        if "mediapipe" not in sys.modules:
            deferred = _defer_drawing()
            try:
                import mediapipe
            except BaseException:
                for name in deferred:  # leave no half-registered modules behind
                    sys.modules.pop(name, None)
                raise
            solutions = sys.modules.get(_SOLUTIONS)
            for name, module in deferred.items():  # what a normal import would have bound
                if solutions is not None and sys.modules.get(name) is module:
                    setattr(solutions, name.rsplit(".", 1)[1], module)
        import mediapipe  # through the import system each time, as a plain `import mediapipe` would go

        return mediapipe


def _defer_drawing() -> dict[str, ModuleType]:
    spec = importlib.util.find_spec("mediapipe")  # a top-level package: found without running it
    if spec is None or not spec.submodule_search_locations:
        return {}
    folder = Path(list(spec.submodule_search_locations)[0]) / "python" / "solutions"
    deferred: dict[str, ModuleType] = {}
    for short in _LAZY:
        name, path = f"{_SOLUTIONS}.{short}", folder / f"{short}.py"
        if name not in sys.modules and path.is_file():
            module = _deferred(name, path)
            if module is not None:
                deferred[name] = sys.modules[name] = module
    return deferred


def _deferred(name: str, path: Path) -> ModuleType | None:
    """A module whose code runs at the first read of an attribute it lacks (PEP 562's module
    ``__getattr__``). Not ``importlib.util.LazyLoader``: on Python 3.11 its modules run at any
    attribute read, and the import system itself reads ``__spec__`` of each module it finds."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    loading, state = threading.RLock(), {"ran": False, "running": False}

    def __getattr__(attr: str):  # noqa: N807 - the module hook's name
        with loading:  # other threads wait for the code to have run; a read from inside it falls through
            if not state["ran"] and not state["running"]:
                state["running"] = True
                try:
                    spec.loader.exec_module(module)
                finally:
                    state["running"] = False
                state["ran"] = True
                if module.__dict__.get("__getattr__") is __getattr__:
                    del module.__dict__["__getattr__"]
        if attr in module.__dict__:
            return module.__dict__[attr]
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    return module
