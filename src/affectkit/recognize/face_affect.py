"""The bundled facial-expression model: FaceCNN weights (fp16 safetensors) + config.json.

``FaceModel.predict_proba(crops)`` takes grayscale face crops (any size, uint8) and returns
probabilities over the canonical emotion labels, with test-time augmentation (the centre crop and
its mirror image, logits averaged) as recorded in the config.

Runtime: ONNX Runtime by default (``face_cnn.onnx``, weights from ``weights.safetensors``; int8:
``face_int8.onnx``, ONNX Runtime's static quantisation); ``backend="torch"`` or
``$AFFECTKIT_BACKEND=torch`` runs the PyTorch network (the ``train`` extra; its int8 is torch FX
with ``int8_calibration.safetensors``), for comparisons.

Precision: where the folder holds an int8 model, the network runs in int8 (faster on CPU, within a
few thousandths of fp32 accuracy); ``precision="fp32"`` or ``$AFFECTKIT_FACE_PRECISION=fp32``
keeps full precision.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from affectkit.core.atomic import atomic_path, write_atomic
from affectkit.core.errors import ModelError
from affectkit.core.once import once

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "face"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
INT8_FILE = "int8_calibration.safetensors"  # torch FX observer state (the torch backend's int8)
ONNX_FILE = "face_cnn.onnx"  # fp32 graph, weights supplied from WEIGHTS_FILE
ONNX_INT8_FILE = "face_int8.onnx"  # ONNX Runtime int8, self-contained
PRECISIONS = ("auto", "int8", "fp32")
INPUT_SIZE = 48  # crops are resized to 48x48 (FER2013's size), then centre-cropped to ``crop``


class FaceModel:
    def __init__(self, net, meta: dict[str, Any], folder: Path | None = None, int8_net=None,
                 session=None, int8: bool = False) -> None:
        self.net = net  # the fp32 network (torch backend)
        self.int8_net = int8_net  # its int8 copy, when loaded with int8 precision (torch backend)
        self.session = session  # the ONNX Runtime session (onnx backend)
        self._int8 = int8_net is not None or int8
        self.meta = meta
        self.folder = folder
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.crop: int = int(meta.get("crop", 44))
        self.tta: str = meta.get("tta", "flip")

    @property
    def precision(self) -> str:
        """"int8" or "fp32": what :meth:`logits` runs."""
        return "int8" if self._int8 else "fp32"

    @property
    def name(self) -> str:
        """e.g. ``face.expression@3+int8-ort``: name, version and, for int8, the precision and whose
        quantisation it is (``-ort``: ONNX Runtime's, the default; plain ``+int8``: torch FX's, the
        backend="torch" path). The two int8 models differ on about 3% of FER2013 labels, so a record
        names which one read it."""
        base = f"{self.meta.get('name', 'face.expression')}@{self.meta.get('version', '0')}"
        if not self._int8:
            return base
        return base + ("+int8-ort" if self.session is not None else "+int8")

    # -- files ---------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().half() if v.is_floating_point() else v.detach()
                 for k, v in self.net.state_dict().items() if not k.endswith("num_batches_tracked")}
        with atomic_path(folder / WEIGHTS_FILE) as tmp:
            save_file({k: v.contiguous() for k, v in state.items()}, str(tmp))
        write_atomic(folder / CONFIG_FILE, json.dumps(self.meta, indent=2, sort_keys=True) + "\n")

    def save_int8(self, views, folder: str | Path, note: str) -> dict[str, Any]:
        """Calibrate int8 inference on normalised ``views`` (tensors [N, 1, crop, crop]; see
        ``face_cnn.eval_views``) and write the calibration into ``folder`` beside the weights,
        recording ``note`` (what the views were) in its config. Needs a loaded (BatchNorm-folded)
        model. Returns the config's new ``int8`` entry."""
        from safetensors.torch import save_file

        from affectkit.recognize.face_int8 import BACKEND, calibrate, to_int8

        state = calibrate(self.net, views, self.crop)
        folder = Path(folder)
        with atomic_path(folder / INT8_FILE) as tmp:
            save_file({k: v.contiguous() for k, v in state.items()}, str(tmp))
        self.meta["int8"] = {"backend": BACKEND, "file": INT8_FILE, "calibration": note,
                             "method": "post-training static quantisation (torch FX), per-channel int8 "
                                       "weights, histogram-calibrated uint8 activations"}
        write_atomic(folder / CONFIG_FILE, json.dumps(self.meta, indent=2, sort_keys=True) + "\n")
        self.int8_net = to_int8(self.net, state, self.crop)
        return self.meta["int8"]

    @classmethod
    def load(cls, folder: str | Path = WEIGHTS_DIR, precision: str | None = None,
             backend: str | None = None) -> "FaceModel":
        """Load a trained folder. ``precision``: "auto" (int8 where it is calibrated, else fp32;
        the default, or ``$AFFECTKIT_FACE_PRECISION``), "int8" (ModelError if impossible) or
        "fp32". ``backend``: "onnx" (default) or "torch" (see the module)."""
        from affectkit.perceive.ort import backend as pick

        precision = (precision or os.environ.get("AFFECTKIT_FACE_PRECISION") or "auto").lower()
        if precision not in PRECISIONS:
            raise ModelError(f"unknown face model precision {precision!r} (one of {', '.join(PRECISIONS)})")
        folder = Path(folder)
        cfg_path, w_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
        if not cfg_path.is_file() or not w_path.is_file():
            raise ModelError(f"face model not found in {folder} (expected {CONFIG_FILE} and {WEIGHTS_FILE}); "
                             "retrain with: python bench/train_face.py")
        if pick(backend) == "onnx":
            return cls._load_onnx(folder, precision)
        import torch
        from safetensors.torch import load_file

        from affectkit.recognize.face_cnn import FaceCNN, fold_batchnorm

        try:
            meta = json.loads(cfg_path.read_text(encoding="utf-8"))
            net = FaceCNN(**meta["net"])
            state = load_file(str(w_path))
            net.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
            missing = set(k for k in net.state_dict() if not k.endswith("num_batches_tracked")) - set(state)
            if missing or len(meta["labels"]) != net.fc.out_features:
                raise ValueError(f"weights do not match the config (missing {sorted(missing)[:3]})")
        except Exception as exc:  # corrupt or foreign files
            raise ModelError(f"face model in {folder} is unreadable: {exc}") from exc
        net.eval()
        fold_batchnorm(net)
        net.to(memory_format=torch.channels_last)
        return cls(net, meta, folder=folder, int8_net=_load_int8(net, meta, folder, precision))

    @classmethod
    def _load_onnx(cls, folder: Path, precision: str) -> "FaceModel":
        from affectkit.perceive.ort import mapped_tensors, session

        try:
            meta = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
            labels = meta["labels"]
        except Exception as exc:
            raise ModelError(f"face model in {folder} is unreadable: {exc}") from exc
        int8_path = folder / ONNX_INT8_FILE
        if precision != "fp32" and int8_path.is_file():
            try:
                return cls(None, meta, folder=folder, session=session(int8_path), int8=True)
            except ModelError as exc:
                raise ModelError(f"int8 calibration in {folder} is unreadable: {exc} (load with precision fp32, "
                                 "or recalibrate: python bench/train_face.py --int8-only FOLDER)") from exc
        if precision == "int8":
            raise ModelError(f"int8 face model unavailable: {folder} has no int8 calibration ({ONNX_INT8_FILE}); "
                             "add one with: python bench/train_face.py --int8-only FOLDER (or use precision fp32)")
        graph = folder / ONNX_FILE if (folder / ONNX_FILE).is_file() else WEIGHTS_DIR / ONNX_FILE
        try:
            weights = {k: v.astype(np.float32) for k, v in mapped_tensors(folder / WEIGHTS_FILE).items()
                       if not k.endswith("num_batches_tracked")}
            sess = session(graph, weights)
        except ModelError as exc:
            raise ModelError(f"face model in {folder} is unreadable: {exc}") from exc
        if sess.get_outputs()[0].shape[-1] != len(labels):
            raise ModelError(f"face model in {folder}: weights do not match the config ({len(labels)} labels)")
        return cls(None, meta, folder=folder, session=sess)

    # -- inference -----------------------------------------------------------------------------
    def logits(self, x, tta: str | None = None):
        """x: uint8/float [N, 1, 48, 48] (array, or tensor on the torch backend) -> mean logits over
        the test-time views."""
        if self.session is not None:
            views = eval_views(np.asarray(x), self.crop, tta or self.tta)
            return sum(self.session.run(None, {"views": v})[0] for v in views) / len(views)
        import torch

        from affectkit.recognize.face_cnn import eval_views as torch_views

        views = torch_views(x, self.crop, tta or self.tta)
        with torch.inference_mode():
            if self.int8_net is not None:
                out = sum(self.int8_net(v.contiguous()) for v in views)
            else:
                out = sum(self.net(v.contiguous(memory_format=torch.channels_last)) for v in views)
        return out / len(views)

    def predict_proba(self, crops: Sequence[np.ndarray] | np.ndarray, batch_size: int = 512,
                      tta: str | None = None) -> np.ndarray:
        """Probabilities [N, len(labels)] for grayscale (or BGR) face crops of any size."""
        x = prepare_crops(crops)
        if len(x) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        if self.session is not None:
            out = [_softmax(self.logits(x[i:i + batch_size, None], tta)) for i in range(0, len(x), batch_size)]
            return np.concatenate(out).astype(np.float64)
        import torch

        out = []
        for i in range(0, len(x), batch_size):
            xb = torch.from_numpy(x[i:i + batch_size]).unsqueeze(1)
            out.append(torch.softmax(self.logits(xb, tta).float(), dim=1).numpy())
        return np.concatenate(out).astype(np.float64)


def _load_int8(net, meta: dict[str, Any], folder: Path, precision: str):
    """The int8 copy of a loaded fp32 ``net``, or None for fp32 (see :meth:`FaceModel.load`)."""
    if precision == "fp32":
        return None
    from affectkit.recognize.face_int8 import int8_available, to_int8

    path = folder / INT8_FILE
    why = (None if path.is_file() and "int8" in meta else f"{folder} has no int8 calibration ({INT8_FILE}); "
           "add one with: python bench/train_face.py --int8-only FOLDER")
    if why is None and not int8_available():
        why = "this torch build has no x86 quantised kernels (int8 runs on x86-64 CPUs only)"
    if why is not None:
        if precision == "int8":
            raise ModelError(f"int8 face model unavailable: {why}; use precision fp32")
        return None
    from safetensors.torch import load_file

    try:
        return to_int8(net, load_file(str(path)), int(meta.get("crop", 44)))
    except Exception as exc:  # corrupt or foreign calibration
        raise ModelError(f"int8 calibration in {folder} is unreadable: {exc} "
                         "(load with precision fp32, or recalibrate: python bench/train_face.py --int8-only FOLDER)") from exc


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def eval_views(x: np.ndarray, crop: int, tta: str = "flip") -> list[np.ndarray]:
    """uint8 [N, 1, 48, 48] -> the normalised float32 views the model averages, as
    ``face_cnn.eval_views`` makes them (numpy, no torch): "none" (the centre crop), "flip" (+ its
    mirror), "tencrop" (4 corners + centre, each + mirror). Per-image standardisation with the
    sample standard deviation, at least 8 grey levels."""
    size = x.shape[-1]
    o = (size - crop) // 2
    xf = x.astype(np.float32)
    if tta == "tencrop":
        offs = [(0, 0), (0, size - crop), (size - crop, 0), (size - crop, size - crop), (o, o)]
    else:
        offs = [(o, o)]
    views = []
    for i, j in offs:
        v = xf[:, :, i:i + crop, j:j + crop]
        mean = v.mean(axis=(1, 2, 3), keepdims=True)
        std = np.maximum(v.std(axis=(1, 2, 3), ddof=1, keepdims=True), 8.0)
        views.append(np.ascontiguousarray((v - mean) / std, dtype=np.float32))
    if tta in ("flip", "tencrop"):
        views += [np.ascontiguousarray(v[..., ::-1]) for v in views]
    elif tta != "none":
        raise ValueError(f"unknown test-time augmentation {tta!r} (none, flip, tencrop)")
    return views


def prepare_crops(crops: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """Face crops (grayscale HxW or BGR HxWx3, any size) -> uint8 [N, 48, 48]."""
    if isinstance(crops, np.ndarray) and crops.ndim == 3 and crops.shape[1:] == (INPUT_SIZE, INPUT_SIZE) \
            and crops.dtype == np.uint8:
        return crops
    import cv2

    out = np.empty((len(crops), INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
    for i, c in enumerate(crops):
        c = np.asarray(c)
        if c.ndim == 3:
            c = cv2.cvtColor(c, cv2.COLOR_BGR2GRAY if c.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
        if c.dtype != np.uint8:
            c = np.clip(c, 0, 255).astype(np.uint8)
        if c.shape != (INPUT_SIZE, INPUT_SIZE):
            interp = cv2.INTER_AREA if min(c.shape) > INPUT_SIZE else cv2.INTER_LINEAR
            c = cv2.resize(c, (INPUT_SIZE, INPUT_SIZE), interpolation=interp)
        out[i] = c
    return out


def bundled_face_model(folder: str | Path | None = None) -> FaceModel:
    """The face model that ships in the package (loaded once per process, folder and precision);
    ``$AFFECTKIT_FACE_MODEL`` points at another trained folder, ``$AFFECTKIT_FACE_PRECISION``
    picks int8 or fp32. ModelError if unusable."""
    from affectkit.perceive.ort import backend

    return _cached_model(str(Path(folder or os.environ.get("AFFECTKIT_FACE_MODEL") or WEIGHTS_DIR).resolve()),
                         os.environ.get("AFFECTKIT_FACE_PRECISION") or "auto", backend())


@once
def _cached_model(folder: str, precision: str, backend: str) -> FaceModel:
    return FaceModel.load(folder, precision, backend)


def face_model_name(model: FaceModel) -> str:
    return model.name


def face_records(paths: Sequence[str], *, crop: bool = False, model: FaceModel | None = None,
                 progress=None, batch_size: int = 512, landmarks: bool = False,
                 detector: str | None = None) -> list[dict[str, Any]]:
    """One record per image file, in order: ``{"path", "faces": [{"box", "emotion",
    "emotion_scores"}]}``; with ``crop`` the whole image is one face: ``{"path", "emotion",
    "emotion_scores"}``. ``landmarks`` adds each face's ``"geometry"`` (the landmarks extra);
    ``detector``: the face detector (``perceive.face_detect.resolve_detector``).
    A bad file gives ``{"path", "error"}`` (never raises for one file)."""
    from affectkit.core.errors import InputError
    from affectkit.io.video import is_video, read_image
    from affectkit.recognize.face_timeline import emotion_of, image_faces

    model = model or bundled_face_model()
    out: list[dict[str, Any]] = []
    pending: list[tuple[int, np.ndarray]] = []
    if landmarks:
        from affectkit.perceive.face_landmarks import crop_geometry, require_landmarks

        require_landmarks()

    def flush() -> None:
        if not pending:
            return
        probs = model.predict_proba([img for _, img in pending])
        for (i, img), p in zip(pending, probs):
            out[i] = {"path": out[i]["path"], **emotion_of(model.labels, p)}
            if landmarks:
                out[i]["geometry"] = crop_geometry(img)
        pending.clear()

    for path in paths:
        rec: dict[str, Any] = {"path": str(path)}
        out.append(rec)
        try:
            if is_video(path):
                raise InputError(f"{path}: is a video; predict face reads images "
                                 "(for a video: affectkit analyze VIDEO)")
            img = read_image(path, gray=True)
            if crop:
                pending.append((len(out) - 1, img))
                if len(pending) >= batch_size:
                    flush()
            else:
                rec["faces"] = image_faces(img, model=model, landmarks=landmarks, detector=detector)
        except InputError as exc:
            rec["error"] = str(exc)
        if progress:
            progress(1)
    flush()
    return out
