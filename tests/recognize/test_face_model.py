"""The bundled facial-expression CNN: loads offline from fp16 safetensors, gives probabilities over
the canonical labels, refuses broken folders; augmentation and test-time views are well formed."""
import json
import shutil

import numpy as np
import pytest
import torch

from conftest import FACES

from affectkit.core.errors import ModelError
from affectkit.recognize.face_affect import WEIGHTS_DIR, FaceModel, bundled_face_model, prepare_crops
from affectkit.recognize.face_cnn import FaceCNN, count_macs
from affectkit.recognize.face_cnn import eval_views
from affectkit.train.face import FaceRecipe, augment

LABELS = ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")


def crops():
    import cv2

    return [cv2.imread(str(FACES / f"fer_{n}.png"), cv2.IMREAD_GRAYSCALE) for n in ("happy", "surprise", "sad", "angry")]


def test_bundled_model_gives_canonical_probabilities():
    model = bundled_face_model()
    assert model.labels == LABELS and model.name.startswith("face.expression@")
    p = model.predict_proba(crops())
    assert p.shape == (4, 7) and np.allclose(p.sum(1), 1.0) and (p >= 0).all()
    # any size, colour or gray: a 96x96 BGR version of the same crop reads about the same
    big = np.repeat(np.kron(crops()[0], np.ones((2, 2), np.uint8))[:, :, None], 3, axis=2)
    assert np.abs(model.predict_proba([big])[0] - p[0]).max() < 0.1
    assert model.predict_proba([]).shape == (0, 7)


def test_bundled_files_are_small_fp16_safetensors_without_pickle():
    from safetensors import safe_open

    cfg = json.loads((WEIGHTS_DIR / "config.json").read_text())
    assert cfg["labels"] == list(LABELS) and (WEIGHTS_DIR / "MODEL_CARD.md").is_file()
    with safe_open(str(WEIGHTS_DIR / "weights.safetensors"), "pt") as f:
        dtypes = {f.get_tensor(k).dtype for k in f.keys()}
    assert dtypes <= {torch.float16, torch.int64}
    assert (WEIGHTS_DIR / "weights.safetensors").stat().st_size < 8 * 2**20


def test_broken_model_folders_raise_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        FaceModel.load(tmp_path)
    shutil.copy(WEIGHTS_DIR / "config.json", tmp_path / "config.json")
    (tmp_path / "weights.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelError, match="unreadable"):
        FaceModel.load(tmp_path)


def test_prepare_crops_resizes_and_converts():
    x = prepare_crops([np.zeros((100, 80), np.uint8), np.full((20, 20, 3), 200, np.uint8)])
    assert x.shape == (2, 48, 48) and x.dtype == np.uint8 and x[1].min() == x[1].max() == 200


def test_augmentation_and_views_shapes():
    r = FaceRecipe()
    x = torch.from_numpy(np.stack(crops()))[:, None]
    a = augment(x, r, torch.Generator().manual_seed(0))
    b = augment(x, r, torch.Generator().manual_seed(0))
    assert a.shape == (4, 1, 44, 44) and torch.equal(a, b)  # seeded: reproducible
    assert abs(float(a.mean())) < 0.2
    assert [v.shape for v in eval_views(x, 44, "flip")] == [(4, 1, 44, 44)] * 2
    assert len(eval_views(x, 44, "tencrop")) == 10 and len(eval_views(x, 44, "none")) == 1
    with pytest.raises(ValueError):
        eval_views(x, 44, "bogus")


def test_network_shape_and_cost():
    net = FaceCNN((8, 16), (1, 1)).eval()
    assert net(torch.zeros(3, 1, 44, 44)).shape == (3, 7)
    assert count_macs(net, 44) == 44 * 44 * 8 * 9 + 22 * 22 * 8 * 16 * 9 + 16 * 7


def test_folding_batchnorm_keeps_the_outputs():
    import copy

    from affectkit.recognize.face_cnn import fold_batchnorm

    torch.manual_seed(0)
    net = FaceCNN((8, 16), (2, 1))
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    net.eval()
    x = torch.randn(5, 1, 44, 44)
    folded = fold_batchnorm(copy.deepcopy(net))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert torch.allclose(net(x), folded(x), atol=1e-4)


def test_onnx_fp32_matches_torch_and_int8_keeps_the_labels():
    pytest.importorskip("torch")
    onnx32, torch32 = FaceModel.load(precision="fp32"), FaceModel.load(precision="fp32", backend="torch")
    assert onnx32.session is not None and torch32.net is not None and onnx32.name == torch32.name
    for tta in ("none", "flip", "tencrop"):
        np.testing.assert_allclose(onnx32.predict_proba(crops(), tta=tta), torch32.predict_proba(crops(), tta=tta),
                                   atol=1e-4)
    q = FaceModel.load(precision="int8")
    assert q.session is not None and q.name == onnx32.name + "+int8-ort"
    assert (q.predict_proba(crops()).argmax(1) == onnx32.predict_proba(crops()).argmax(1)).all()


def test_bundled_model_runs_int8_close_to_fp32():
    q, f = FaceModel.load(precision="int8"), FaceModel.load(precision="fp32")
    assert q.precision == "int8" and q.name.endswith("+int8-ort") and f.precision == "fp32" and "+" not in f.name
    pq, pf = q.predict_proba(crops()), f.predict_proba(crops())
    assert np.allclose(pq.sum(1), 1.0) and np.abs(pq - pf).max() < 0.15
    assert (pq.argmax(1) == pf.argmax(1)).all()
    assert FaceModel.load().precision == "int8"  # the default where it is calibrated


def test_precision_choice_and_its_errors(tmp_path, monkeypatch):
    shutil.copy(WEIGHTS_DIR / "config.json", tmp_path / "config.json")
    shutil.copy(WEIGHTS_DIR / "weights.safetensors", tmp_path / "weights.safetensors")
    with pytest.raises(ModelError, match="unknown face model precision"):
        FaceModel.load(tmp_path, precision="int4")
    # no calibration file: auto falls back to fp32, an explicit int8 request is refused
    assert FaceModel.load(tmp_path).precision == "fp32"
    with pytest.raises(ModelError, match="no int8 calibration"):
        FaceModel.load(tmp_path, precision="int8")
    # a corrupt calibration is a clear error, and fp32 still loads
    (tmp_path / "face_int8.onnx").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="int8 calibration .* unreadable"):
        FaceModel.load(tmp_path, precision="auto")
    assert FaceModel.load(tmp_path, precision="fp32").precision == "fp32"
    monkeypatch.setenv("AFFECTKIT_FACE_PRECISION", "fp32")
    assert FaceModel.load(tmp_path).precision == "fp32"


def test_int8_calibration_must_match_the_network():
    from affectkit.recognize.face_int8 import int8_available, to_int8

    if not int8_available():
        pytest.skip("no x86 quantised kernels in this torch build")
    net = FaceModel.load(precision="fp32", backend="torch").net
    with pytest.raises(ValueError, match="does not match"):
        to_int8(net, {"activation_post_process_0.min_val": torch.tensor(0.0)}, 44)
