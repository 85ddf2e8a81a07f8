#!/usr/bin/env python
"""Retrain the bundled facial-expression CNN on FER2013 (CPU; see MODEL_CARD.md).

    python bench/train_face.py                       # the shipped recipe -> src/affectkit/weights/face
    python bench/train_face.py --recipe bench/recipes/face_v4.json --out runs/face4   # another recipe
    python bench/train_face.py --debug --out /tmp/f  # 20 crops per class, 1 epoch, in seconds (a test)
    python bench/train_face.py --int8-only FOLDER    # (re)calibrate int8 inference of a trained folder

The recipe (every hyper-parameter and augmentation setting) is read from
src/affectkit/weights/face/recipe.json, the one that produced the shipped weights, unless
--recipe names another; --epochs, --seed and --threads override its fields (and --debug its
network size and schedule), and the recipe actually used is written beside the new weights
(recipe.json) and into the training record. So the defaults rebuild exactly what ships.

FER2013 official splits, read in place: train on Training, keep the epoch with the best
PublicTest accuracy (centre crop + mirror), report PrivateTest once at the end.
Writes config.json + weights.safetensors (fp16) + int8_calibration.safetensors + MODEL_CARD.md
into --out, and bench/results/face_train.json (not in --debug). The int8 calibration runs the
first 300 Training crops of each class (centre + mirror views) through the trained network to fix
the activation ranges; its PrivateTest scores go into the card beside fp32's.
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
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench.datasets.face import load_fer2013  # noqa: E402
from affectkit.bench.metrics import accuracy, macro_f1, per_class_f1  # noqa: E402
from affectkit.core.labels import EMOTION  # noqa: E402
from affectkit.recognize.face_affect import INT8_FILE, WEIGHTS_DIR, FaceModel  # noqa: E402
from affectkit.recognize.face_cnn import count_macs  # noqa: E402
from affectkit.train.face import FaceRecipe, predict_logits, train_face_cnn  # noqa: E402
from affectkit.train.recipes import RECIPE_FILE, recipe_record, run_source, script_recipe, write_recipe  # noqa: E402

# The model version comes from the recipe's model_version. 4 (bench/recipes/face_v4.json, not trained yet):
# + degradation augmentation; 3: 90 epochs (2026-11-28, shipped); 2: 24 epochs (2026-11-23); 1: 11 epochs.
# what --debug changes in the recipe: a tiny network, one short epoch
DEBUG_OVERRIDES = {"widths": [8, 16], "depths": [1, 1], "epochs": 1, "batch_size": 32, "int8_per_class": 20}

CARD = """# Facial-expression CNN (face.expression) {name}

Emotion from a face crop, for `affectkit predict face` and the face path of `analyze VIDEO`.

<!-- figures: bench/results/face_train.json bench/results/fer2013.json#network bench/results/model_sizes.json#models.face -->
| | |
|---|---|
| data | FER2013 (Goodfellow et al., 2013), `../shared/data/face/fer2013`, official usage splits: Training {n_train} crops (fit), PublicTest {n_val} (epoch selection), PrivateTest {n_test} (reported once) |
| labels | {labels} (FER2013 angry -> anger, happy -> joy, sad -> sadness; the rest keep their names) |
| input | a face crop, converted to grayscale, resized to 48x48, centre 44x44 crop, each image standardised to zero mean and unit variance (brightness and contrast removed) |
| network | VGG-style CNN trained from scratch: widths {widths}, convolutions per stage {depths}, 3x3 conv + BatchNorm + ReLU, 2x2 max-pool between stages, global average pooling, dropout {dropout}, linear; {params:,} parameters, {macs:.1f} M multiply-adds per view |
| training | seed {seed}; {epochs_run} of {epochs} epochs (best: epoch {best_epoch}); SGD Nesterov momentum 0.9, one-cycle LR peak {max_lr}, weight decay {wd}, batch {bs}, label smoothing {ls}; augmentation per batch in torch: rotation +/-{rot} deg, scale {scale}, shift +/-{shift}, mirror, gamma; {degradations}random erasing (p={erase}) |
| recipe | `recipe.json` beside these weights (every hyper-parameter and augmentation setting of this run; `bench/train_face.py` reads it by default) |
| test-time | centre crop + its mirror image, logits averaged (`tta: flip`) |
| files | config.json, weights.safetensors (fp16, no pickle), int8_calibration.safetensors, recipe.json, {size_kb:.0f} KB in all |

## Scores (FER2013 PrivateTest, {n_test} crops, this exact model)

<!-- figures: bench/results/face_train.json#private_test bench/results/face_train.json#public_test -->
| test-time views | accuracy | macro-F1 |
|---|---|---|
{score_rows}

Per-class F1 (centre + mirror): {per_class}.
PublicTest accuracy of the kept epoch: {val_acc:.3f}.

## int8 inference

{int8_section}

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




def degradations_text(r: FaceRecipe) -> str:
    """The card's words for the degradation augmentation (recipe v4), or nothing when it is off."""
    if not any((r.lowres_p, r.blur_p, r.jpeg_p, r.exposure_p, r.noise_p)):
        return ""
    return (f"then video's degradations, each on a share of the images: a smaller face {list(r.lowres_side)} px "
            f"(p={r.lowres_p}), Gaussian blur sigma {list(r.blur_sigma)} (p={r.blur_p}), JPEG quality "
            f"{list(r.jpeg_quality)} (p={r.jpeg_p}), over-exposure (p={r.exposure_p}), noise sigma "
            f"{list(r.noise_sigma)} grey levels (p={r.noise_p}); ")


def scores_of(pred, y) -> dict:
    labels = list(EMOTION.labels)
    yt, yp = [labels[i] for i in y], [labels[i] for i in pred]
    return {"accuracy": round(accuracy(yt, yp), 4), "macro_f1": round(macro_f1(yt, yp, labels), 4),
            "per_class_f1": {k: round(v, 4) for k, v in per_class_f1(yt, yp, labels).items()}}


def evaluate(net, x, y, crop: int, tta: str) -> dict:
    return scores_of(predict_logits(net, x, crop, tta).argmax(1), y)


def add_int8(folder: Path, per_class: int, x_te, y_te, log) -> tuple[dict, str]:
    """Quantise the trained ``folder`` to int8: ONNX Runtime's static quantisation
    (``face_int8.onnx``, the default runtime's) and, where torch has the x86 kernels, torch FX's
    calibration (``int8_calibration.safetensors``, for ``AFFECTKIT_BACKEND=torch``); both calibrated
    on the same training crops. Returns (PrivateTest scores of the ONNX int8 model by views, the
    card's int8 section)."""
    from affectkit.recognize.face_affect import ONNX_INT8_FILE, eval_views
    from affectkit.recognize.face_cnn import eval_views as torch_views
    from affectkit.recognize.face_int8 import int8_available
    from affectkit.train.export_onnx import face_int8

    x_cal, _ = load_fer2013("Training", per_class)
    note = f"FER2013 Training, the first {per_class} crops of each class ({len(x_cal)}), centre + mirror views"
    if int8_available():
        model = FaceModel.load(folder, precision="fp32", backend="torch")
        xt = torch.from_numpy(x_cal)[:, None]
        model.save_int8([v for i in range(0, len(xt), 512) for v in torch_views(xt[i:i + 512], model.crop, "flip")],
                        folder, note)
    meta = json.loads((folder / "config.json").read_text())
    views = np.concatenate(eval_views(x_cal[:, None], int(meta.get("crop", 44)), "flip"))
    (folder / ONNX_INT8_FILE).write_bytes(face_int8(folder, views))
    meta["int8"] = {"backend": "onnxruntime", "file": ONNX_INT8_FILE, "calibration": note,
                    "method": "post-training static quantisation (ONNX Runtime, QDQ), per-channel int8 weights, "
                              "min-max calibrated uint8 activations",
                    **({"torch_file": INT8_FILE} if (folder / INT8_FILE).is_file() else {})}
    (folder / "config.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    int8 = FaceModel.load(folder, precision="int8", backend="onnx")
    fp32 = FaceModel.load(folder, precision="fp32", backend="onnx")
    res = {tta: scores_of(int8.predict_proba(x_te, tta=tta).argmax(1), y_te) for tta in ("none", "flip")}
    fp = {tta: scores_of(fp32.predict_proba(x_te, tta=tta).argmax(1), y_te) for tta in ("none", "flip")}
    for tta, r in res.items():
        log(f"PrivateTest int8 ({tta}): accuracy {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f} "
            f"(fp32 {fp[tta]['accuracy']:.4f} / {fp[tta]['macro_f1']:.4f})")
    rows = "\n".join(f"| {n} | {fp[t]['accuracy']:.3f} / {fp[t]['macro_f1']:.3f} | {res[t]['accuracy']:.3f} / "
                     f"{res[t]['macro_f1']:.3f} |" for t, n in (("none", "centre crop"), ("flip", "centre crop + mirror")))
    section = (f"Used by default (`AFFECTKIT_FACE_PRECISION=fp32` turns it off): post-training static quantisation "
               f"by ONNX Runtime (QDQ), per-channel int8 weights, uint8 activations whose ranges were calibrated "
               f"on {note} (`{ONNX_INT8_FILE}`, self-contained). With `AFFECTKIT_BACKEND=torch` the torch FX "
               f"quantisation of the same calibration runs instead (`{INT8_FILE}`). PrivateTest, fp32 against "
               f"int8 (accuracy / macro-F1):\n\n"
               f"<!-- figures: bench/results/fer2013.json#private_test bench/results/fer2013.json#private_test_int8 -->\n| test-time views | fp32 | int8 |\n|---|---|---|\n{rows}\n\n"
               f"Recalibrate a trained folder: `python bench/train_face.py --int8-only FOLDER`.")
    return res, section


def write_int8_section(card_path: Path, section: str) -> None:
    card = card_path.read_text()
    head, sep, rest = card.partition("## int8 inference\n")
    if not sep:  # an older card: put the section before the limits
        head, sep2, tail = card.partition("## Limits\n")
        card_path.write_text(head + "## int8 inference\n\n" + section + "\n\n" + sep2 + tail)
        return
    _, sep3, tail = rest.partition("\n## ")
    card_path.write_text(head + sep + "\n" + section + "\n" + sep3 + tail)


def save_with_graph(model, folder: Path) -> None:
    """The weights, config and the fp32 ONNX graph of this net's own shape (the default runtime's;
    a recipe with other widths, a --debug run's, cannot use the bundled graph)."""
    from affectkit.core.atomic import write_atomic
    from affectkit.recognize.face_affect import ONNX_FILE
    from affectkit.train.export_onnx import face_graphs

    model.save(folder)
    write_atomic(Path(folder) / ONNX_FILE, face_graphs(Path(folder))[ONNX_FILE])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help=f"output folder (default: the bundled {WEIGHTS_DIR})")
    ap.add_argument("--recipe", metavar="FILE", default=None,
                    help="the recipe (default: src/affectkit/weights/face/recipe.json, the shipped model's)")
    ap.add_argument("--debug", action="store_true", help="20 crops per class, 1 epoch, tiny net: end to end in seconds")
    ap.add_argument("--epochs", type=int, help="epochs (default: the recipe's)")
    ap.add_argument("--seed", type=int, default=None, help="seed (default: the recipe's)")
    ap.add_argument("--results", default=None, metavar="FILE",
                    help="where the training record goes (default: bench/results/face_train.json, the shipped "
                         "model's; give another file for a seed study; --debug writes one only when given)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default: the recipe's; null there: torch's choice)")
    ap.add_argument("--int8-only", metavar="FOLDER",
                    help="no training: (re)calibrate int8 inference of the trained FOLDER and update its card")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="stop after the epoch that passes this wall-clock budget, keeping the best epoch so far")
    args = ap.parse_args(argv)
    started = run_started()
    if args.debug and not args.out:
        ap.error("--debug needs --out (it must not replace the bundled model)")
    flags = {k: getattr(args, k) for k in ("epochs", "seed", "threads") if getattr(args, k) is not None}
    doc = script_recipe(ap, "face", args.recipe, {**(DEBUG_OVERRIDES if args.debug else {}), **flags})
    params = doc["params"]
    if params["threads"]:
        torch.set_num_threads(params["threads"])
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    if args.int8_only:
        folder = Path(args.int8_only)
        x_te, y_te = load_fer2013("PrivateTest")
        res, section = add_int8(folder, params["int8_per_class"], x_te, y_te, log)
        if (folder / "MODEL_CARD.md").is_file():
            write_int8_section(folder / "MODEL_CARD.md", section)
        print(json.dumps({"int8_private_test_accuracy": res["flip"]["accuracy"],
                          "int8_private_test_macro_f1": res["flip"]["macro_f1"]}))
        return 0
    out = Path(args.out) if args.out else WEIGHTS_DIR
    t0 = time.time()
    limit = 20 if args.debug else None
    x_tr, y_tr = load_fer2013("Training", limit)
    x_va, y_va = load_fer2013("PublicTest", limit)
    x_te, y_te = load_fer2013("PrivateTest", limit)
    log(f"FER2013: Training {len(y_tr)}, PublicTest {len(y_va)}, PrivateTest {len(y_te)} ({time.time() - t0:.0f} s)")
    recipe = FaceRecipe.from_params(params)
    log(f"recipe: {recipe_record(doc, ROOT)['file']} (face.expression@{doc['model_version']})"
        + (f", overridden: {doc['overrides']}" if doc["overrides"] else ""))
    deadline = t0 + 60 * args.max_minutes if args.max_minutes else None
    net_kw = {"widths": list(recipe.widths), "depths": list(recipe.depths), "n_classes": len(EMOTION),
              "dropout": recipe.dropout}

    def meta_for(history, extra=None):
        return {"name": "face.expression", "version": doc["model_version"], "affectkit_version": __version__,
                "labels": list(EMOTION.labels), "net": net_kw, "crop": recipe.crop, "tta": params["tta"],
                "input": "grayscale, resized to 48x48, centre crop, per-image standardisation",
                "training": {"data": "FER2013 (../shared/data/face/fer2013)", "debug": bool(args.debug),
                             "recipe": recipe.to_dict(), "recipe_file": RECIPE_FILE, "history": history,
                             **(extra or {})}}

    history_so_far: list = []

    def on_epoch(rec, best_net):
        history_so_far.append(rec)
        if best_net is not None:  # checkpoint: the best epoch so far is always on disk
            save_with_graph(FaceModel(best_net, meta_for(history_so_far, {"checkpoint": True})), out)

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
    save_with_graph(model, out)
    from affectkit.recognize.face_int8 import int8_available

    command = "python bench/train_face.py" + " ".join([""] + (argv if argv is not None else sys.argv[1:]))
    write_recipe(doc, out, source=run_source(doc, command, ROOT))
    int8, int8_section = None, "Not calibrated: this torch build has no x86 quantised kernels; the model runs in fp32."
    if int8_available():
        int8, int8_section = add_int8(out, params["int8_per_class"], x_te, y_te, log)
    size = sum(f.stat().st_size for f in out.iterdir() if f.name in ("config.json", "weights.safetensors", INT8_FILE, RECIPE_FILE))
    names = {"none": "centre crop", "flip": "centre crop + mirror (shipped)", "tencrop": "ten-crop (4 corners + centre, each + mirror)"}
    card = CARD.format(
        name=model.name, n_train=len(y_tr), n_val=len(y_va), n_test=len(y_te), labels=", ".join(EMOTION.labels),
        widths=list(recipe.widths), depths=list(recipe.depths), dropout=recipe.dropout,
        params=sum(p.numel() for p in net.parameters()), macs=count_macs(net, recipe.crop) / 1e6,
        seed=recipe.seed, epochs_run=epochs_run, epochs=recipe.epochs, best_epoch=best["epoch"], max_lr=recipe.max_lr,
        wd=recipe.weight_decay, bs=recipe.batch_size, ls=recipe.label_smoothing, rot=recipe.rotate_deg,
        scale=list(recipe.scale), shift=recipe.shift, erase=recipe.erase_p, size_kb=size / 1024,
        degradations=degradations_text(recipe),
        score_rows="\n".join(f"| {names[t]} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} |" for t, r in test.items()),
        per_class=", ".join(f"{k} {v:.2f}" for k, v in test["flip"]["per_class_f1"].items()),
        val_acc=val["accuracy"], int8_section=int8_section, cmd_args=(" --debug --out " + str(out)) if args.debug else
        "".join(f" --{k} {v}" for k, v in (("recipe", args.recipe), ("seed", args.seed), ("epochs", args.epochs))
                if v is not None),
        date=time.strftime("%Y-%m-%d"), version=__version__, python=platform.python_version(),
        torch=torch.__version__, minutes=minutes, threads=torch.get_num_threads())
    (out / "MODEL_CARD.md").write_text(card)
    if args.results or not args.debug:
        record = Path(args.results) if args.results else ROOT / "bench" / "results" / "face_train.json"
        write_results(record,
            {"command": command, "debug": bool(args.debug),
             "seed": recipe.seed, "recipe": recipe_record(doc, ROOT), "epochs_run": epochs_run, "best_epoch": best["epoch"],
             "parameters": sum(p.numel() for p in net.parameters()), "macs_per_view": count_macs(net, recipe.crop),
             "minutes": round(minutes, 1), "threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
             "private_test": test, "private_test_int8": int8, "public_test": val, "history": history},
            argv=argv, seeds=[recipe.seed], script=__file__, started=started)
    print(json.dumps(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
