"""Published figures per task (``bench/anchors.yaml``) and a table of ours beside them."""
from __future__ import annotations

import functools
import math
from importlib import resources
from typing import Any

from affectkit.core.errors import DataError


@functools.lru_cache(maxsize=1)
def load_anchors() -> dict[str, list[dict[str, Any]]]:
    """task -> [{model, source: {paper, table}, features, metrics: {name: value}}]."""
    import yaml

    text = resources.files("affectkit.bench").joinpath("anchors.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    out = data.get("anchors") if isinstance(data, dict) else None
    if not isinstance(out, dict):
        raise DataError("anchors.yaml: expected a mapping 'anchors: {task: [...]}'")
    for task, rows in out.items():
        for r in rows:
            if not {"model", "source", "metrics"} <= set(r) or not {"paper", "table"} <= set(r["source"]):
                raise DataError(f"anchors.yaml: {task}: every anchor needs model, source (paper, table), metrics")
    return out


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.3f}"


def compare_table(result: dict[str, Any]) -> str:
    """A plain-text table: our mean (+/- std over seeds) per metric, then each published figure
    for the same task, with its source. Metrics a paper does not give are '-'."""
    anchors = load_anchors().get(result["task"], [])
    names = list(result["metrics"])
    extra = [m for a in anchors for m in a["metrics"] if m not in names]
    cols = names + [m for i, m in enumerate(extra) if m not in extra[:i]]
    width = max([len("ours: " + result["model"])] + [len(a["model"]) for a in anchors] + [10])
    lines = [f"{result['task']} (v{result['task_version']}, {result['protocol']})",
             " ".join([" " * width] + [f"{c:>12}" for c in cols])]
    ours = []
    for c in cols:
        m = result["metrics"].get(c)
        ours.append(f"{_fmt(m['mean']) + ('±' + format(m['std'], '.3f') if m and m['std'] else ''):>12}" if m else f"{'-':>12}")
    lines.append(" ".join([f"{'ours: ' + result['model']:<{width}}"] + ours))
    for a in anchors:
        lines.append(" ".join([f"{a['model']:<{width}}"] + [f"{_fmt(a['metrics'].get(c)):>12}" for c in cols]))
    if anchors:
        lines.append("sources:")
        lines += [f"  {a['model']}: {a['source']['paper']} - {a['source']['table']}"
                  + (f" [{a['features']}]" if a.get("features") else "") for a in anchors]
    else:
        lines.append("no published figure on file for this task (bench/anchors.yaml)")
    return "\n".join(lines)
