#!/usr/bin/env python
"""Two text models on MELD, side by side, with a paired bootstrap of their difference.

    python bench/text_versions.py --old 503d24c     # the text model as committed at 503d24c (v1)
                                                    # against the bundled one
                                                    # -> bench/results/text_versions.json
    python bench/text_versions.py --old FOLDER --new FOLDER --limit 200 --out /tmp/v.json

Why: a new text model ships on dev evidence, and its one test read then says whether it kept the
old one's score. A difference of a point of weighted-F1 on MELD test (2,610 utterances in 280
dialogues) may be noise; this says how much. The interval resamples whole **dialogues** (each
utterance is read with its dialogue's earlier utterances, and neighbours share a scene, so
utterances are not independent), 2,000 resamples, seed 0, the same resample for both models.

Read after the ship decision, never to make it: MELD dev and test, each as written and with every
punctuation mark removed (bench/text_shift.py's ``no_punctuation``), emotion and sentiment
weighted-F1 under the benchmark protocol (``affectkit.bench.text_eval``: dialogue context).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit.bench.metrics import cls_weighted_f1 as weighted_f1  # noqa: E402  numpy, fast enough for 2,000 resamples

WEIGHTS = "src/affectkit/weights/text"
N_BOOT = 2000


def model_folder(spec: str, scratch: Path) -> Path:
    """A model folder: ``spec`` itself when it is one, else the bundled text model as committed at
    git revision ``spec`` (extracted into ``scratch``)."""
    for folder in (Path(spec), ROOT / spec):  # a path from here or from the repository
        if folder.is_dir():
            return folder
    try:
        blob = subprocess.run(["git", "-C", str(ROOT), "archive", spec, WEIGHTS], capture_output=True,
                              check=True).stdout
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"--old/--new {spec!r} is neither a folder nor a git revision with {WEIGHTS}: "
                         f"{exc.stderr.decode(errors='replace').strip()}") from exc
    out = scratch / spec.replace("/", "_")
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(out, filter="data")
    return out / WEIGHTS


def paired_bootstrap(y, a, b, groups, k: int, seed: int = 0) -> dict:
    """Both models' weighted-F1, their difference (b - a) and a 95 % percentile interval of it,
    resampling ``groups`` (dialogues) with replacement; the share of resamples where b < a."""
    rng = np.random.default_rng(seed)
    ids, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(ids))]
    diffs = np.empty(N_BOOT)
    for i in range(N_BOOT):
        idx = np.concatenate([members[g] for g in rng.integers(0, len(ids), len(ids))])
        diffs[i] = weighted_f1(y[idx], b[idx], k) - weighted_f1(y[idx], a[idx], k)
    fa, fb = weighted_f1(y, a, k), weighted_f1(y, b, k)
    lo, hi = np.quantile(diffs, [0.025, 0.975])
    return {"old": round(fa, 4), "new": round(fb, 4), "difference": round(fb - fa, 4),
            "ci95": [round(float(lo), 4), round(float(hi), 4)], "share_new_worse": round(float((diffs < 0).mean()), 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", required=True, help="a text model folder or a git revision (its bundled text model)")
    ap.add_argument("--new", default=WEIGHTS, help="a folder or a git revision (default: the bundled model)")
    ap.add_argument("--limit", type=int, help="the first N utterances of each split (a quick run)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "text_versions.json")
    args = ap.parse_args(argv)
    from affectkit.bench.datasets import load_meld
    from affectkit.core.labels import EMOTION, SENTIMENT
    from affectkit.recognize.text_model import TextModel
    from affectkit.train.text_augment import strip_punctuation

    started = run_started()
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        folders = {side: model_folder(spec, Path(tmp)) for side, spec in (("old", args.old), ("new", args.new))}
        models = {side: TextModel.load(f) for side, f in folders.items()}
        names = {side: m.name for side, m in models.items()}
        rows: dict[str, dict] = {}
        for split in ("dev", "test"):
            df = load_meld(split)
            if args.limit:
                df = df.iloc[:args.limit]
            for cond, texts in (("as_written", df.text.tolist()),
                                ("no_punctuation", [strip_punctuation(t) for t in df.text])):
                print(f"{split} {cond}", file=sys.stderr, flush=True)
                probs = {side: m.predict_tasks(texts, ("emotion", "sentiment"), speakers=df.speaker.tolist(),
                                               dialogue_ids=df.dialogue_id.tolist()) for side, m in models.items()}
                row = {"n": len(df), "dialogues": int(df.dialogue_id.nunique())}
                for task, space in (("emotion", EMOTION), ("sentiment", SENTIMENT)):
                    y = np.array([space.labels.index(v) for v in df[task]])
                    row[task] = paired_bootstrap(y, probs["old"][task].argmax(1), probs["new"][task].argmax(1),
                                                 df.dialogue_id.to_numpy(), len(space.labels))
                rows[f"{split}.{cond}"] = row
    result = {"benchmark": "two text models on MELD, paired bootstrap over dialogues",
              "protocol": "MELD dev and test (official splits), each utterance with up to max_context earlier "
                          "utterances of its dialogue; weighted-F1; no_punctuation = train.text_augment."
                          "strip_punctuation on every utterance (context included); read after the ship decision",
              "models": {side: {"spec": spec, "name": names[side]} for side, spec in (("old", args.old), ("new", args.new))},
              "n_boot": N_BOOT, "seed": 0, "limit": args.limit, "results": rows, "seconds": round(time.time() - t0, 1)}
    write_results(args.out, result, argv=argv, seeds=[0], script=__file__, started=started, indent=1)
    for key, row in rows.items():
        print(key, {t: row[t] for t in ("emotion", "sentiment")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
