#!/usr/bin/env python
"""Retrain the bundled facial-expression CNN on FER2013 (CPU; see MODEL_CARD.md).

    python bench/train_face.py                       # full recipe -> src/affectkit/weights/face
    python bench/train_face.py --debug --out /tmp/f  # 20 crops per class, 1 epoch, in seconds (a test)

FER2013 official splits, read in place: train on Training, keep the epoch with the best
PublicTest accuracy (centre crop + mirror), report PrivateTest once at the end.
Writes config.json + weights.safetensors (fp16) + MODEL_CARD.md into --out, and
bench/results/face_train.json (not in --debug).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench.datasets.face import load_fer2013  # noqa: E402
from affectkit.bench.metrics import accuracy, macro_f1, per_class_f1  # noqa: E402
from affectkit.core.labels import EMOTION  # noqa: E402
from affectkit.recognize.face_affect import WEIGHTS_DIR, FaceModel  # noqa: E402
from affectkit.recognize.face_cnn import count_macs  # noqa: E402
from affectkit.recognize.face_train import FaceRecipe, predict_logits, train_face_cnn  # noqa: E402

MODEL_VERSION = "2"  # 2: 24 epochs (2026-11-23); 1: 11 epochs

CARD = """# Facial-expression CNN (face.expression) {name}

Emotion from a face crop, for `affectkit predict face` and the face path of `analyze VIDEO`.

| | |
|---|---|
| data | FER2013 (Goodfellow et al., 2013), `../shared/data/face/fer2013`, official usage splits: Training {n_train} crops (fit), PublicTest {n_val} (epoch selection), PrivateTest {n_test} (reported once) |
| labels | {labels} (FER2013 angry -> anger, happy -> joy, sad -> sadness; the rest keep their names) |
| input | a face crop, converted to grayscale, resized to 48x48, centre 44x44 crop, each image standardised to zero mean and unit variance (brightness and contrast removed) |
| network | VGG-style CNN trained from scratch: widths {widths}, convolutions per stage {depths}, 3x3 conv + BatchNorm + ReLU, 2x2 max-pool between stages, global average pooling, dropout {dropout}, linear; {params:,} parameters, {macs:.1f} M multiply-adds per view |
| training | seed {seed}; {epochs_run} of {epochs} epochs (best: epoch {best_epoch}); SGD Nesterov momentum 0.9, one-cycle LR peak {max_lr}, weight decay {wd}, batch {bs}, label smoothing {ls}; augmentation per batch in torch: rotation +/-{rot} deg, scale {scale}, shift +/-{shift}, mirror, gamma, random erasing (p={erase}) |
| test-time | centre crop + its mirror image, logits averaged (`tta: flip`) |
| files | config.json, weights.safetensors (fp16, no pickle), {size_kb:.0f} KB in all |

## Scores (FER2013 PrivateTest, {n_test} crops, this exact model)

| test-time views | accuracy | macro-F1 |
|---|---|---|
{score_rows}

Per-class F1 (centre + mirror): {per_class}.
PublicTest accuracy of the kept epoch: {val_acc:.3f}.

## Limits

FER2013 faces are web images found by a search engine, 48x48 grayscale, mostly frontal, posed or
exaggerated expressions, mainly adults. Expect lower accuracy on subtle, spontaneous expressions,
profile views, occlusion (masks, hands), poor light, children and under-represented groups; disgust
has few training examples (about 1.5%). The scores read a facial expression, not a felt emotion.

## Retrain

    python bench/train_face.py{cmd_args}

Trained {date} with affectkit {version} on Python {python} / torch {torch}, {minutes:.0f} min on
{threads} CPU thread(s).
"""


def evaluate(net, x, y, crop: int, tta: str) -> dict:
    pred = predict_logits(net, x, crop, tta).argmax(1)
    labels = list(EMOTION.labels)
    yt, yp = [labels[i] for i in y], [labels[i] for i in pred]
    return {"accuracy": round(accuracy(yt, yp), 4), "macro_f1": round(macro_f1(yt, yp, labels), 4),
            "per_class_f1": {k: round(v, 4) for k, v in per_class_f1(yt, yp, labels).items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help=f"output folder (default: the bundled {WEIGHTS_DIR})")
    ap.add_argument("--debug", action="store_true", help="20 crops per class, 1 epoch, tiny net: end to end in seconds")
    ap.add_argument("--epochs", type=int, help="epochs (default: the recipe's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="stop after the epoch that passes this wall-clock budget, keeping the best epoch so far")
    args = ap.parse_args(argv)
    if args.debug and not args.out:
        ap.error("--debug needs --out (it must not replace the bundled model)")
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out) if args.out else WEIGHTS_DIR
    t0 = time.time()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    limit = 20 if args.debug else None
    x_tr, y_tr = load_fer2013("Training", limit)
    x_va, y_va = load_fer2013("PublicTest", limit)
    x_te, y_te = load_fer2013("PrivateTest", limit)
    log(f"FER2013: Training {len(y_tr)}, PublicTest {len(y_va)}, PrivateTest {len(y_te)} ({time.time() - t0:.0f} s)")
    recipe = FaceRecipe(seed=args.seed)
    if args.debug:
        recipe = FaceRecipe(seed=args.seed, widths=(8, 16), depths=(1, 1), epochs=1, batch_size=32)
    if args.epochs:
        recipe.epochs = args.epochs
    deadline = t0 + 60 * args.max_minutes if args.max_minutes else None
    net_kw = {"widths": list(recipe.widths), "depths": list(recipe.depths), "n_classes": len(EMOTION),
              "dropout": recipe.dropout}

    def meta_for(history, extra=None):
        return {"name": "face.expression", "version": MODEL_VERSION, "affectkit_version": __version__,
                "labels": list(EMOTION.labels), "net": net_kw, "crop": recipe.crop, "tta": "flip",
                "input": "grayscale, resized to 48x48, centre crop, per-image standardisation",
                "training": {"data": "FER2013 (../shared/data/face/fer2013)", "debug": bool(args.debug),
                             "recipe": recipe.to_dict(), "history": history, **(extra or {})}}

    history_so_far: list = []

    def on_epoch(rec, best_net):
        history_so_far.append(rec)
        if best_net is not None:  # checkpoint: the best epoch so far is always on disk
            FaceModel(best_net, meta_for(history_so_far, {"checkpoint": True})).save(out)

    net, history = train_face_cnn(x_tr, y_tr, x_va, y_va, recipe, on_epoch=on_epoch, deadline=deadline, log=log)
    epochs_run = sum(1 for h in history if "epoch" in h)
    best = max((h for h in history if "epoch" in h), key=lambda h: (h["val_acc"], -h["epoch"]))
    test = {tta: evaluate(net, x_te, y_te, recipe.crop, tta) for tta in ("none", "flip", "tencrop")}
    val = evaluate(net, x_va, y_va, recipe.crop, "flip")
    for tta, r in test.items():
        log(f"PrivateTest ({tta}): accuracy {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f}")
    minutes = (time.time() - t0) / 60
    scores = {"private_test_accuracy": test["flip"]["accuracy"], "private_test_macro_f1": test["flip"]["macro_f1"],
              "public_test_accuracy": val["accuracy"]}
    meta = meta_for(history, {"best_epoch": best["epoch"], "scores": scores})
    model = FaceModel(net, meta)
    model.save(out)
    size = sum(f.stat().st_size for f in out.iterdir() if f.name in ("config.json", "weights.safetensors"))
    names = {"none": "centre crop", "flip": "centre crop + mirror (shipped)", "tencrop": "ten-crop (4 corners + centre, each + mirror)"}
    card = CARD.format(
        name=model.name, n_train=len(y_tr), n_val=len(y_va), n_test=len(y_te), labels=", ".join(EMOTION.labels),
        widths=list(recipe.widths), depths=list(recipe.depths), dropout=recipe.dropout,
        params=sum(p.numel() for p in net.parameters()), macs=count_macs(net, recipe.crop) / 1e6,
        seed=recipe.seed, epochs_run=epochs_run, epochs=recipe.epochs, best_epoch=best["epoch"], max_lr=recipe.max_lr,
        wd=recipe.weight_decay, bs=recipe.batch_size, ls=recipe.label_smoothing, rot=recipe.rotate_deg,
        scale=list(recipe.scale), shift=recipe.shift, erase=recipe.erase_p, size_kb=size / 1024,
        score_rows="\n".join(f"| {names[t]} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} |" for t, r in test.items()),
        per_class=", ".join(f"{k} {v:.2f}" for k, v in test["flip"]["per_class_f1"].items()),
        val_acc=val["accuracy"], cmd_args=(" --debug --out " + str(out)) if args.debug else
        (f" --seed {args.seed}" if args.seed else "") + (f" --epochs {args.epochs}" if args.epochs else ""),
        date=time.strftime("%Y-%m-%d"), version=__version__, python=platform.python_version(),
        torch=torch.__version__, minutes=minutes, threads=torch.get_num_threads())
    (out / "MODEL_CARD.md").write_text(card)
    if not args.debug:
        res = ROOT / "bench" / "results"
        res.mkdir(parents=True, exist_ok=True)
        (res / "face_train.json").write_text(json.dumps(
            {"command": "python bench/train_face.py" + " ".join([""] + (argv if argv is not None else sys.argv[1:])),
             "seed": recipe.seed, "recipe": recipe.to_dict(), "epochs_run": epochs_run, "best_epoch": best["epoch"],
             "minutes": round(minutes, 1), "threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
             "private_test": test, "public_test": val, "history": history}, indent=1) + "\n")
    print(json.dumps(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
