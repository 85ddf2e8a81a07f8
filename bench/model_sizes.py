#!/usr/bin/env python
"""Parameters and file sizes of every model that ships in ``src/affectkit/weights`` (issue 15).

    python bench/model_sizes.py            # -> bench/results/model_sizes.json

For each shipped folder (text, text/carer, voice, face, fusion):

- ``files``: every file's size in bytes, and their total;
- ``stored_values``: the number of values in each weights file (safetensors tensors, npz arrays;
  strings and settings left out), i.e. what the folder itself holds;
- model-specific parameter counts:
  - face: the CNN's parameters as trained (convolutions, BatchNorm scale and shift, the linear layer;
    ``params_before_batchnorm_folding``, what the model card reports), after folding each BatchNorm
    into its convolution for inference (``params_after_batchnorm_folding``, what ``FaceModel.load``
    runs and ``bench/fer2013_benchmark.py`` reports), the BatchNorm running statistics (buffers), and
    multiply-adds per 44x44 view;
  - text: the whole network's parameters (the frozen MiniLM encoder, from its bundled package,
    included) and those stored here (LoRA adapters, LayerNorms, task heads);
  - voice: the logistic-regression heads' coefficients and intercepts, the standardisation's means and
    scales (the Whisper-base encoder it reads belongs to the ``voice`` extra and is not shipped here);
  - fusion: the numbers in its calibration file (temperatures and prior weights).

Counting only: no data, no timing; deterministic.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

import numpy as np  # noqa: E402

from affectkit import __version__  # noqa: E402

WEIGHTS = ROOT / "src" / "affectkit" / "weights"


def files_of(folder: Path) -> dict:
    sizes = {p.relative_to(folder).as_posix(): p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}
    return {"bytes": sizes, "total_bytes": sum(sizes.values())}


def stored_values(folder: Path) -> dict:
    from safetensors.numpy import load_file

    out = {}
    for p in sorted(folder.iterdir()):
        if p.suffix == ".safetensors":
            d = load_file(str(p))
            out[p.name] = {"tensors": len(d), "values": int(sum(v.size for v in d.values())),
                           "dtypes": sorted({str(v.dtype) for v in d.values()})}
        elif p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            num = {k: a for k, a in arrays.items() if a.dtype.kind in "fiu" and a.ndim >= 1 and k != "params"}
            out[p.name] = {"arrays": len(num), "values": int(sum(a.size for a in num.values())),
                           "dtypes": sorted({str(a.dtype) for a in num.values()}),
                           "strings": {k: int(a.size) for k, a in arrays.items() if a.dtype.kind == "U"}}
    return out


def face(folder: Path) -> dict:
    import torch

    from affectkit.recognize.face_affect import FaceModel
    from affectkit.recognize.face_cnn import FaceCNN, count_macs

    meta = json.loads((folder / "config.json").read_text())
    trained = FaceCNN(**meta["net"])
    bn = [m for m in trained.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    model = FaceModel.load(folder, precision="fp32")
    folded = model.net
    return {"network": meta["net"],
            "params_before_batchnorm_folding": int(sum(p.numel() for p in trained.parameters())),
            "batchnorm_layers": len(bn),
            "batchnorm_params": int(sum(p.numel() for m in bn for p in m.parameters())),
            "batchnorm_running_stats": int(sum(m.running_mean.numel() + m.running_var.numel() for m in bn)),
            "params_after_batchnorm_folding": int(sum(p.numel() for p in folded.parameters())),
            "macs_per_view": int(count_macs(folded, model.crop)), "view_size": model.crop}


def text(folder: Path) -> dict:
    from affectkit.recognize.text_model import TextModel

    model = TextModel.load(folder)
    net = model.net
    trainable = net.trainable_state()
    total = int(sum(p.numel() for p in net.parameters()))
    stored = int(sum(v.numel() for v in trainable.values() if v.is_floating_point()))
    return {"name": model.name, "params_total": total, "params_stored_here": stored,
            "params_frozen_encoder": total - stored,
            "note": "params_total: the whole network as it runs (the frozen all-MiniLM-L6-v2 encoder of the bundled "
                    "package included); params_stored_here: LoRA adapters, LayerNorms and task heads in "
                    "weights.safetensors"}


def voice(folder: Path) -> dict:
    with np.load(folder / "head.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    coef = sum(a.size for k, a in arrays.items() if k.startswith(("coef", "intercept")))
    scaler = sum(a.size for k, a in arrays.items() if k in ("mean", "scale"))
    return {"head_params": int(coef), "standardisation_values": int(scaler),
            "models": sum(1 for k in arrays if k.startswith("coef")),
            "note": "logistic-regression coefficients and intercepts; the Whisper-base encoder it reads comes with "
                    "the voice extra and is not counted here"}


def fusion(folder: Path) -> dict:
    doc = json.loads((folder / "calibration.json").read_text())
    params = {"temperatures": len(doc.get("temperatures", {}))}
    for key in ("weights", "prior_weights", "priors"):
        if isinstance(doc.get(key), dict):
            params[key] = len(doc[key])
    return {"params": params, "params_total": int(sum(params.values())),
            "note": "temperatures (and prior weights where present) of calibration.json; no trained network"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "model_sizes.json"))
    args = ap.parse_args(argv)
    started = run_started()
    models = {}
    for name, fn in (("text", text), ("text/carer", text), ("voice", voice), ("face", face), ("fusion", fusion)):
        folder = WEIGHTS / name
        models[name] = {"folder": folder.relative_to(ROOT).as_posix(), "files": files_of(folder),
                        "stored_values": stored_values(folder), **fn(folder)}
        print(f"{name}: {json.dumps({k: v for k, v in models[name].items() if 'params' in k})}",
              file=sys.stderr)
    doc = {"what": "parameters and file sizes of every shipped model (src/affectkit/weights)",
           "affectkit_version": __version__, "models": models}
    write_results(args.out, doc, argv=argv, seeds=None, script=__file__, started=started)
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if "params" in kk} for k, v in models.items()},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
