#!/usr/bin/env python
"""The shipped facial-expression model under degraded pictures: FER2013 PrivateTest, each crop
changed the way real footage differs from FER2013's web photos, scored with the shipped views.

    python bench/face_robustness.py              # -> bench/results/face_robustness.json
    python bench/face_robustness.py --quick      # 30 crops per class (a smoke run; no results file)

No other face corpus is in ../shared/data, so this is how far we can see how the model carries to
other recording conditions: blur (focus, motion), low resolution (a small face in a wide shot),
JPEG compression (streamed video), dark and over-exposed light, sensor noise, head roll, a face
box off-centre (the detector's box is looser or shifted than FER2013's crops), and occlusion (a
bar over the eyes like sunglasses, the lower half covered like a mask). Every change is
deterministic (seed 0 for the noise; rotation and shift alternate their sign by crop index).
Reported per condition: accuracy, macro-F1 and the drop from the clean pictures, in the shipped
precision (int8 where available) and fp32.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench.datasets.face import load_fer2013  # noqa: E402
from affectkit.bench.metrics import accuracy, macro_f1  # noqa: E402
from affectkit.core.labels import EMOTION  # noqa: E402
from affectkit.recognize.face_affect import WEIGHTS_DIR, FaceModel  # noqa: E402

COMMAND = "python bench/face_robustness.py"
Degrade = Callable[[np.ndarray, int], np.ndarray]  # (uint8 48x48 crop, crop index) -> uint8 48x48 crop


def _u8(a: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def blur(sigma: float) -> Degrade:
    return lambda img, i: cv2.GaussianBlur(img, (0, 0), sigma)


def low_resolution(side: int) -> Degrade:
    """Down to side x side pixels and back: the detail a face of that size in the frame has."""
    return lambda img, i: cv2.resize(cv2.resize(img, (side, side), interpolation=cv2.INTER_AREA), (48, 48),
                                     interpolation=cv2.INTER_LINEAR)


def jpeg(quality: int) -> Degrade:
    def f(img: np.ndarray, i: int) -> np.ndarray:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return f


def dark(img: np.ndarray, i: int) -> np.ndarray:
    """Low light: a gamma of 2 and a third of the exposure, so the shadows lose their levels."""
    return _u8(255.0 * (img / 255.0) ** 2.0 * 0.33)


def overexposed(img: np.ndarray, i: int) -> np.ndarray:
    return _u8(img.astype(np.float32) * 1.8 + 30)


def noise(sigma: float) -> Degrade:
    def f(img: np.ndarray, i: int) -> np.ndarray:
        rng = np.random.default_rng(i)  # per crop, so the result does not depend on batch order
        return _u8(img + rng.normal(0.0, sigma, img.shape))
    return f


def roll(degrees: float) -> Degrade:
    def f(img: np.ndarray, i: int) -> np.ndarray:
        m = cv2.getRotationMatrix2D((23.5, 23.5), degrees if i % 2 == 0 else -degrees, 1.0)
        return cv2.warpAffine(img, m, (48, 48), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return f


def off_centre(frac: float) -> Degrade:
    """The face box shifted by ``frac`` of its side, left or right and down, then cropped as usual."""
    def f(img: np.ndarray, i: int) -> np.ndarray:
        d = frac * 48
        m = np.float32([[1, 0, d if i % 2 == 0 else -d], [0, 1, d / 2]])
        return cv2.warpAffine(img, m, (48, 48), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return f


def eye_bar(img: np.ndarray, i: int) -> np.ndarray:
    out = img.copy()
    out[13:25, 4:44] = 20  # dark glasses across both eyes (FER2013 crops put the eyes near row 18)
    return out


def lower_half_mask(img: np.ndarray, i: int) -> np.ndarray:
    out = img.copy()
    out[29:, 5:43] = 200  # a light mask over nose tip, mouth and chin
    return out


CONDITIONS: dict[str, tuple[str, Degrade]] = {
    "clean": ("the split as it is", lambda img, i: img),
    "blur_1": ("Gaussian blur, sigma 1 px", blur(1.0)),
    "blur_2": ("Gaussian blur, sigma 2 px", blur(2.0)),
    "res_24": ("face 24 px across, upscaled", low_resolution(24)),
    "res_16": ("face 16 px across, upscaled", low_resolution(16)),
    "jpeg_30": ("JPEG quality 30", jpeg(30)),
    "jpeg_10": ("JPEG quality 10", jpeg(10)),
    "dark": ("low light: gamma 2, a third of the exposure", dark),
    "overexposed": ("over-exposed: x1.8 + 30, clipped", overexposed),
    "noise_10": ("Gaussian noise, sigma 10 grey levels", noise(10.0)),
    "noise_25": ("Gaussian noise, sigma 25 grey levels", noise(25.0)),
    "roll_15": ("head roll +/-15 deg", roll(15.0)),
    "roll_30": ("head roll +/-30 deg", roll(30.0)),
    "off_centre_10": ("face box shifted 10% sideways, 5% down", off_centre(0.10)),
    "eye_bar": ("eyes covered (a dark bar, like sunglasses)", eye_bar),
    "lower_half": ("mouth and chin covered (like a mask)", lower_half_mask),
}


def degrade(x: np.ndarray, condition: str) -> np.ndarray:
    """The crops ``x`` (uint8 [N, 48, 48]) changed by one of ``CONDITIONS``."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")
    fn = CONDITIONS[condition][1]
    out = np.stack([fn(img, i) for i, img in enumerate(x)]) if len(x) else x.copy()
    assert out.shape == x.shape and out.dtype == np.uint8
    return out


def score(model: FaceModel, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    labels = list(EMOTION.labels)
    pred = model.predict_proba(x).argmax(1)
    yt, yp = [labels[i] for i in y], [model.labels[i] for i in pred]
    return {"accuracy": round(accuracy(yt, yp), 4), "macro_f1": round(macro_f1(yt, yp, labels), 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="30 crops per class (smoke run; no results file)")
    ap.add_argument("--model", help="a trained model folder (default: the bundled one)")
    ap.add_argument("--split", default="PrivateTest", choices=["PrivateTest", "PublicTest"],
                    help="PrivateTest reports; PublicTest is for choosing between trained models")
    ap.add_argument("--out", help="results file (default: bench/results/face_robustness.json; --quick writes none)")
    args = ap.parse_args(argv)
    started = run_started()
    t0 = time.time()
    x, y = load_fer2013(args.split, 30 if args.quick else None)
    folder = Path(args.model) if args.model else WEIGHTS_DIR
    models = {"shipped": FaceModel.load(folder)}
    if models["shipped"].precision != "fp32":
        models["fp32"] = FaceModel.load(folder, precision="fp32")
    table: dict[str, dict] = {}
    for name, (what, _) in CONDITIONS.items():
        xd = degrade(x, name)
        row = {"what": what}
        for key, m in models.items():
            row[key] = score(m, xd, y)
        table[name] = row
        print(f"{name:14s} " + "  ".join(f"{k} acc {v['accuracy']:.3f} mF1 {v['macro_f1']:.3f}"
                                          for k, v in row.items() if k != "what"), flush=True)
    for row in table.values():
        for key in models:
            row[key]["accuracy_drop"] = round(table["clean"][key]["accuracy"] - row[key]["accuracy"], 4)
    result = {"command": COMMAND + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip(),
              "model": models["shipped"].name, "shipped_precision": models["shipped"].precision,
              "views": models["shipped"].tta, "affectkit_version": __version__,
              "dataset": f"FER2013 {args.split} (../shared/data/face/fer2013/{args.split})", "n": int(len(y)),
              "seed": 0, "conditions": table, "seconds": round(time.time() - t0, 1)}
    if args.quick and not args.out:
        print(json.dumps({k: v["shipped"]["accuracy"] for k, v in table.items()}))
        return 0
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / "face_robustness.json"
    write_results(out, result, argv=argv, seeds=[0], script=__file__, started=started)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
