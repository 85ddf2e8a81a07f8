"""Values built once per key and shared, safe when several threads ask at once.

Why not ``functools.lru_cache``: it keeps one value per argument tuple, but two threads that miss
at the same moment both build the value (two model loads, twice the memory, for seconds), and a
loader that reads an environment variable inside is cached under the arguments only, so a changed
``$AFFECTKIT_TEXT_MODEL`` was ignored. Here the caller passes the key that selects the value (the
resolved folder, the precision), and one lock per key makes the others wait for the first build.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")


class Once(Generic[T]):
    """``build(*key)`` called at most once per ``key`` (a failed build is not kept: the next call
    tries again, so a fixed file can be loaded without restarting)."""

    def __init__(self, build: Callable[..., T]) -> None:
        self.build = build
        self._values: dict[Hashable, T] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        functools.update_wrapper(self, build)

    def __call__(self, *key: Any) -> T:
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = self.build(*key)
            return self._values[key]

    def cache_clear(self) -> None:
        """Forget every value (tests; a model folder replaced on disk)."""
        with self._guard:
            self._values.clear()
            self._locks.clear()


def once(build: Callable[..., T]) -> Once[T]:
    """Decorator: ``build`` called once per distinct positional arguments (its key)."""
    return Once(build)
