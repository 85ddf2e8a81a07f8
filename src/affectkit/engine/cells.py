"""Independent cells of work (the harness's (task, model, seed) fits) run in this process or as Ray
tasks; the same function on the same inputs either way, so the results are the same.

    results = map_cells(fit_one_seed, shared, seeds)                        # in order, here
    with ray_session(num_cpus=2):
        results = map_cells(fit_one_seed, shared, seeds, engine="ray")     # one Ray task per seed

``shared`` (the task's data, the unfitted model) goes to Ray's object store once, not once per cell.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")


def map_cells(fn: Callable[[Any, T], Any], shared: Any, items: Sequence[T], engine: str = "local") -> list:
    """``[fn(shared, item) for item in items]``, in order; ``engine="ray"``: each call a Ray task
    (one CPU each) in the Ray session the caller opened (``engine.session.ray_session``)."""
    if engine == "local":
        return [fn(shared, item) for item in items]
    if engine != "ray":
        raise ValueError(f"unknown engine {engine!r}: local or ray")
    from affectkit.engine.session import require_ray

    ray = require_ray()
    if not ray.is_initialized():
        raise RuntimeError("map_cells(engine='ray') runs inside ray_session(...)")
    ref = ray.put(shared)
    task = ray.remote(num_cpus=1)(_call)
    return ray.get([task.remote(fn, ref, item) for item in items])


def _call(fn: Callable, shared: Any, item: Any) -> Any:
    return fn(shared, item)
