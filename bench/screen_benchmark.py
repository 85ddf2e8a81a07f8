#!/usr/bin/env python
"""Score the shipped screening heads and the crisis detector; writes bench/results/screen.json.

    python bench/screen_benchmark.py                 # ~10 min on 2 busy cores (embeddings cached after)
    python bench/screen_benchmark.py --skip-speed    # no timing runs
    python bench/screen_benchmark.py --speed-only    # only the timing runs (the other sections carried over)

What it measures (the heads were chosen on dev splits by bench/train_screen.py; the test splits
are read here, once per shipped model):

- stress: Dreaddit test binary F1 (the paper's figure), macro-F1, accuracy, a 95 % bootstrap
  interval of the binary F1 (resampling posts), binary F1 per subreddit; and the parts of the
  blend alone (embedding + markers, TF-IDF, the fine-tuned network) at 0.5, as ablations; and
  ``dreaddit_test_reads``: every read of the test split so far (carried over from the results
  file this run replaces, this run appended), so a second look at test shows;
- depression: the Reddit depression set's test split (duplicates dropped; the harness's split),
  macro-F1, binary F1, accuracy: a weak set (source-style shortcuts); as a probe of other
  communities, the share of Dreaddit test posts the depression head calls depressive, stressed
  and not stressed (not a score: Dreaddit has no depression labels);
- crisis: recall, precision and F1 of the detector and of a plain keyword list
  (``crisis.KEYWORDS``) on two small labelled sets written for this project
  (bench/data/crisis_posts.jsonl: written while building the rules, a dev set;
  bench/data/crisis_posts_test.jsonl: written after the rules were frozen, scored once), per kind of
  post; and the share of real posts flagged (Reddit depression test split, Dreaddit test);
- markers: Cohen's d of each text marker, stressed vs not, over all Dreaddit posts (train and
  test), with a 95 % bootstrap interval resampling whole posts (chunks of a post move together);
- speed: screen_texts (embedding, stress network, both heads, crisis, markers) per 1,000 Dreaddit posts, and the
  screening stage of a session per hour of interview (a transcript of 9,000 words, ~150 words a
  minute, in 100 utterances; the analysis stages before it are not counted).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from provenance import run_started, write_results  # noqa: E402

from affectkit.bench.datasets.text import load_depression_reddit, load_dreaddit  # noqa: E402
from affectkit.bench.features import text_embeddings  # noqa: E402
from affectkit.screen.crisis import detect_many, keyword_flag  # noqa: E402
from affectkit.screen.crisis_similarity import bundled_matcher  # noqa: E402
from affectkit.screen.heads import bundled_screen_model  # noqa: E402
from affectkit.screen.markers import text_markers  # noqa: E402

SEED = 0
N_BOOT = 1000


def _f1s(y, pred) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    return {"binary_f1": round(float(f1_score(y, pred, zero_division=0)), 4),
            "macro_f1": round(float(f1_score(y, pred, average="macro", zero_division=0)), 4),
            "accuracy": round(float(accuracy_score(y, pred)), 4), "n": int(len(y))}


def _boot_f1(y, pred, groups, rng) -> list[float]:
    from sklearn.metrics import f1_score

    uniq = np.unique(groups)
    index = {g: np.flatnonzero(groups == g) for g in uniq}
    vals = []
    for _ in range(N_BOOT):
        idx = np.concatenate([index[g] for g in rng.choice(uniq, len(uniq))])
        vals.append(f1_score(y[idx], pred[idx], zero_division=0))
    return [round(float(np.percentile(vals, 2.5)), 4), round(float(np.percentile(vals, 97.5)), 4)]


def stress(model, rng) -> dict:
    te = load_dreaddit("test")
    head = model.heads["stress"]
    emb = text_embeddings(te.text.tolist())
    texts, y = te.text.tolist(), te.label.to_numpy()
    p_emb, p_tf = head.parts(texts, emb)
    p_net = model.net_probabilities(texts, "stress")
    p = head.predict_proba(texts, emb, p_net)[:, 1]
    pred = (p >= head.threshold).astype(int)
    out = {"test": _f1s(y, pred), "threshold": head.threshold, "weight": head.weight, "net_weight": head.net_weight}
    out["test"]["binary_f1_ci95"] = _boot_f1(y, pred, te.post_id.to_numpy(), rng)
    out["per_subreddit"] = {s: _f1s(y[te.subreddit.to_numpy() == s], pred[te.subreddit.to_numpy() == s])
                            for s in sorted(te.subreddit.unique())}
    out["ablations_at_0.5"] = {"embedding_and_markers": _f1s(y, (p_emb >= 0.5).astype(int)),
                               "tfidf": _f1s(y, (p_tf >= 0.5).astype(int))}
    if p_net is not None:
        out["ablations_at_0.5"]["network"] = _f1s(y, (p_net >= 0.5).astype(int))
    return out, te, p


def test_reads(output: Path, model_name: str, binary_f1: float) -> list[dict]:
    """Every read of Dreaddit test so far: those the results file this run replaces recorded (a file
    older than this record counts as one read, by the model it names), then this one."""
    try:
        prev = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        prev = {}
    reads = (prev.get("stress") or {}).get("dreaddit_test_reads")
    if reads is None and (prev.get("stress") or {}).get("test"):
        reads = [{"model": prev.get("model"), "binary_f1": prev["stress"]["test"]["binary_f1"],
                  "utc": (prev.get("provenance") or {}).get("utc")}]
    return list(reads or []) + [{"model": model_name, "binary_f1": binary_f1,
                                 "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]


def depression(model, dreaddit_test) -> dict:
    te = load_depression_reddit("test")
    head = model.heads["depression"]
    p = head.predict_proba(te.text.tolist(), text_embeddings(te.text.tolist()))[:, 1]
    out = {"test": _f1s(te.label.to_numpy(), (p >= head.threshold).astype(int)), "threshold": head.threshold}
    dt = dreaddit_test
    pd_ = head.predict_proba(dt.text.tolist(), text_embeddings(dt.text.tolist()))[:, 1] >= head.threshold
    lab = dt.label.to_numpy()
    out["probe_dreaddit_test_called_depressive"] = {
        "stressed": round(float(pd_[lab == 1].mean()), 4), "not_stressed": round(float(pd_[lab == 0].mean()), 4),
        "n_stressed": int((lab == 1).sum()), "n_not_stressed": int((lab == 0).sum())}
    return out


def _crisis_scores(rows: list[dict], flag) -> dict:
    y = np.array([r["crisis"] for r in rows])
    f = np.asarray(flag([r["text"] for r in rows]), dtype=bool)
    tp, fp, fn = int((f & y).sum()), int((f & ~y).sum()), int((~f & y).sum())
    rec = tp / max(tp + fn, 1)
    prec = tp / max(tp + fp, 1)
    kinds = {}
    for k in sorted({r["kind"] for r in rows}):
        sel = np.array([r["kind"] == k for r in rows])
        kinds[k] = {"n": int(sel.sum()), "crisis": bool(y[sel][0]), "flagged": int(f[sel].sum())}
    return {"recall": round(rec, 4), "precision": round(prec, 4),
            "f1": round(2 * prec * rec / max(prec + rec, 1e-9), 4), "tp": tp, "fp": fp, "fn": fn,
            "n": int(len(y)), "positives": int(y.sum()), "by_kind": kinds}


def crisis() -> dict:
    matcher = bundled_matcher()
    out = {"similarity": {"threshold": matcher.threshold, "margin": matcher.margin}}
    for name, file in (("dev_set", "crisis_posts.jsonl"), ("test_set", "crisis_posts_test.jsonl")):
        rows = [json.loads(l) for l in (ROOT / "bench" / "data" / file).read_text(encoding="utf-8").splitlines() if l]
        out[name] = {"file": f"bench/data/{file}",
                     "detector": _crisis_scores(rows, lambda ts: [r.flag for r in detect_many(ts, matcher)]),
                     "patterns_only": _crisis_scores(rows, lambda ts: [r.flag for r in detect_many(ts)]),
                     "keywords": _crisis_scores(rows, lambda ts: [keyword_flag(t) for t in ts])}
    dep = load_depression_reddit("test")
    dr = load_dreaddit("test")
    flags = lambda texts: np.array([r.flag for r in detect_many(list(texts), matcher)])  # noqa: E731
    kw = lambda texts: np.array([keyword_flag(t) for t in texts])  # noqa: E731
    dl, rl = dep.label.to_numpy(), dr.label.to_numpy()
    fd, fr, kd, kr = flags(dep.text), flags(dr.text), kw(dep.text), kw(dr.text)
    out["flag_rate_real_posts"] = {
        "depression_reddit_test": {"depressive": round(float(fd[dl == 1].mean()), 4),
                                   "not_depressive": round(float(fd[dl == 0].mean()), 4),
                                   "keywords_depressive": round(float(kd[dl == 1].mean()), 4),
                                   "keywords_not_depressive": round(float(kd[dl == 0].mean()), 4)},
        "dreaddit_test": {"stressed": round(float(fr[rl == 1].mean()), 4), "not_stressed": round(float(fr[rl == 0].mean()), 4),
                          "keywords_stressed": round(float(kr[rl == 1].mean()), 4),
                          "keywords_not_stressed": round(float(kr[rl == 0].mean()), 4)}}
    return out


def markers(rng) -> dict:
    import pandas as pd

    df = pd.concat([load_dreaddit("train"), load_dreaddit("test").assign(post_id=lambda d: "t" + d.post_id)])
    rows = [text_markers([t]) for t in df.text]
    y, groups = df.label.to_numpy(), df.post_id.to_numpy()
    uniq = np.unique(groups)
    index = {g: np.flatnonzero(groups == g) for g in uniq}

    def d(v, yy):
        a, b = v[yy == 1], v[yy == 0]
        sp = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
        return (a.mean() - b.mean()) / sp

    out = {}
    for name in rows[0]:
        v = np.array([r[name] if r[name] is not None else np.nan for r in rows], dtype=float)
        ok = ~np.isnan(v)
        boots = []
        for _ in range(N_BOOT):
            idx = np.concatenate([index[g] for g in rng.choice(uniq, len(uniq))])
            idx = idx[ok[idx]]
            boots.append(d(v[idx], y[idx]))
        out[name] = {"cohens_d": round(float(d(v[ok], y[ok])), 3),
                     "ci95": [round(float(np.percentile(boots, 2.5)), 3), round(float(np.percentile(boots, 97.5)), 3)],
                     "mean_stressed": round(float(v[ok][y[ok] == 1].mean()), 4),
                     "mean_not_stressed": round(float(v[ok][y[ok] == 0].mean()), 4), "n": int(ok.sum())}
    return out


def speed(model) -> dict:
    from affectkit.screen import screen_texts
    from affectkit.screen.session import screen_segments

    posts = load_dreaddit("train").text.tolist()[:1000]
    screen_texts(posts[:8], model=model)  # warm-up: models loaded
    t0 = time.perf_counter()
    screen_texts(posts, model=model)
    per_1000 = time.perf_counter() - t0
    words, segs, i = 0, [], 0
    pool = load_dreaddit("test").text.tolist()
    while words < 9000:
        t = pool[i % len(pool)]
        segs.append({"start": float(i * 36), "end": float(i * 36 + 35), "speaker": "Participant", "text": t,
                     "text_emotion": None})
        words += len(t.split())
        i += 1
    t0 = time.perf_counter()
    screen_segments(segs, model=model)
    per_hour = time.perf_counter() - t0
    return {"screen_texts_seconds_per_1000_posts": round(per_1000, 2),
            "posts_per_second": round(1000 / per_1000, 1),
            "session_screen_seconds_per_hour_of_interview": round(per_hour, 2),
            "session_words": words, "session_utterances": len(segs)}


def main(argv: list[str] | None = None) -> int:
    started = run_started()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="screening model folder (default: the shipped one)")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--crisis-only", action="store_true",
                    help="only the crisis sets (default output bench/results/screen_crisis.json)")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "bench" / "results" / "screen.json")
    ap.add_argument("--speed-only", action="store_true",
                    help="re-measure only the speed (on train posts; test is not read): the other sections are "
                         "carried over from --output, with the provenance of the run that measured them")
    args = ap.parse_args(argv)
    if args.speed_only:
        old = json.loads(args.output.read_text(encoding="utf-8"))
        model = bundled_screen_model(args.model)
        if old.get("model") != model.name:
            raise SystemExit(f"{args.output} scored {old.get('model')}, not {model.name}: run the whole benchmark")
        doc = {k: v for k, v in old.items() if k not in ("provenance", "speed", "carried_over")}
        doc["carried_over"] = {"sections": [k for k in doc if k != "model"],
                               "provenance": old.get("carried_over", {}).get("provenance") or old.get("provenance")}
        doc["speed"] = speed(model)
        write_results(args.output, doc, argv=sys.argv[1:] if argv is None else argv, seeds=[SEED], started=started)
        print(json.dumps(doc["speed"]), file=sys.stderr)
        return 0
    if args.crisis_only:
        out = args.output if args.output != ap.get_default("output") else ROOT / "bench" / "results" / "screen_crisis.json"
        write_results(out, {"crisis": crisis()}, argv=sys.argv[1:] if argv is None else argv, seeds=None, started=started)
        print(f"wrote {out}", file=sys.stderr)
        return 0
    rng = np.random.default_rng(SEED)
    model = bundled_screen_model(args.model)
    doc: dict = {"model": model.name}
    doc["stress"], dr_test, _ = stress(model, rng)
    doc["stress"]["dreaddit_test_reads"] = test_reads(args.output, model.name, doc["stress"]["test"]["binary_f1"])
    print("stress", json.dumps(doc["stress"]["test"]), file=sys.stderr, flush=True)
    doc["depression"] = depression(model, dr_test)
    print("depression", json.dumps(doc["depression"]["test"]), file=sys.stderr, flush=True)
    doc["crisis"] = crisis()
    print("crisis", json.dumps({k: {m: doc["crisis"][k][m]["recall"] for m in ("detector", "keywords")}
                                for k in ("dev_set", "test_set")}), file=sys.stderr, flush=True)
    doc["markers"] = markers(rng)
    doc["speed"] = None if args.skip_speed else speed(model)
    write_results(args.output, doc, argv=sys.argv[1:] if argv is None else argv, seeds=[SEED], started=started)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
