"""``affectkit analyze DIR/ -o OUT/ --engine ray``: the batch as a Ray Data pipeline.

The operations are ``engine.stages``' (decode and segment as tasks, each model stage as an actor
pool that loads its model once per actor, then fusion, explanations and writing as a task); the
driver only plans (``engine.plan``: what an earlier run finished is skipped), follows the rows as
they finish (progress and each input's notes on stderr) and gathers the failures. Outputs are
written by the workers, so on a cluster OUT must be a folder every node sees (as the inputs are).

CPUs: every operation reserves the same share of a CPU, ``min(1, CPUs / 4)`` (three model pools
and the tasks), so that on a small machine each pool still gets its first actor; each pool grows
to at most one actor per CPU of the cluster.
"""
from __future__ import annotations

import logging
import sys
from typing import Callable

from affectkit.core.errors import DependencyError, ModelError
from affectkit.engine.plan import Plan
from affectkit.engine.stages import (BatchSpec, FaceStage, TextStage, VoiceStage, decode_segment, finish, probe,
                                     start_row, unpack)

MODEL_POOLS = 3


def run_batch(plan: Plan, spec: BatchSpec, *, address: str | None = None, num_cpus: int | None = None,
              progress: bool = False, say: Callable[[str], None] | None = None) -> list[dict]:
    """Run ``plan.todo`` on Ray; the failures (``{"input", "error"}``, in input order). Raises the
    ModelError / DependencyError of a broken model or a missing dependency (exit 3)."""
    from affectkit.engine.session import cluster_cpus, ray_session

    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    for item in plan.todo:
        plan.forget(item)
    if not plan.todo:
        return []
    failures: list[tuple[int, dict]] = []
    with ray_session(address, num_cpus) as ray:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # ours counts inputs; Ray Data's would count blocks per operation
        ctx.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        cpus = cluster_cpus(ray)
        share = min(1.0, cpus / (MODEL_POOLS + 1))
        pool = ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, int(cpus)))
        items = {it.index: it for it in plan.todo}
        ds = ray.data.from_items([start_row(it.index, it.path, spec) for it in plan.todo],
                                 override_num_blocks=len(plan.todo))
        ds = ds.map(probe, fn_kwargs={"spec": spec}, num_cpus=share)
        ds = ds.map(FaceStage, compute=pool, num_cpus=share)
        ds = ds.map(decode_segment, num_cpus=share)
        ds = ds.map(VoiceStage, compute=pool, num_cpus=share)
        ds = ds.map(TextStage, compute=pool, num_cpus=share)
        ds = ds.map(finish, fn_kwargs={"spec": spec, "plan_items": items,
                                       "replace_targets": frozenset(str(t) for t in plan.replace)}, num_cpus=share)
        bar = _bar(progress, len(plan.items), len(plan.skipped))
        write = (lambda line: bar.write(line, file=sys.stderr)) if bar is not None else say
        try:
            for row in ds.iter_rows():
                st = unpack(row["state"])
                for line in st.notes.lines:
                    write(line)
                if st.fatal is not None:
                    cls = ModelError if st.fatal[0] == "ModelError" else DependencyError
                    raise cls(st.fatal[1])
                if st.doc is not None:
                    failures.append((row["i"], {"input": st.path, "error": "; ".join(st.doc["errors"])}))
                elif st.write_error:
                    failures.append((row["i"], {"input": st.path, "error": st.write_error}))
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
    return [f for _, f in sorted(failures, key=lambda x: x[0])]


def _bar(enabled: bool, total: int, done: int):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc="analyze (ray)", unit="file", file=sys.stderr, dynamic_ncols=True)
