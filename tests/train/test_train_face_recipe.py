"""The face training recipe's debug mode runs end to end on a handful of FER2013 crops (a test)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from affectkit.recognize.face_affect import FaceModel
from affectkit.train.recipes import load_recipe

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_debug_recipe_trains_saves_and_loads(tmp_path, shared_data):
    out = tmp_path / "face"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_face.py"), "--debug", "--out", str(out),
                        "--threads", "1"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    scores = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0.0 <= scores["private_test_accuracy"] <= 1.0 and 0.0 <= scores["private_test_macro_f1"] <= 1.0
    card = (out / "MODEL_CARD.md").read_text()
    assert card.count("|") > 10 and "--debug" in card and "PrivateTest" in card
    model = FaceModel.load(out)
    assert model.meta["training"]["debug"] is True and model.meta["training"]["recipe"]["seed"] == 0
    used = load_recipe("face", out / "recipe.json")  # the recipe it used, beside the weights it wrote
    shipped = load_recipe("face")["params"]
    assert used["params"]["epochs"] == 1 and used["params"]["widths"] == [8, 16] and used["params"]["threads"] == 1
    assert {k: v for k, v in used["params"].items() if k not in ("epochs", "widths", "depths", "batch_size",
            "int8_per_class", "threads")} == {k: v for k, v in shipped.items() if k not in ("epochs", "widths", "depths",
                                              "batch_size", "int8_per_class", "threads")}
    assert "--debug" in used["source"] and model.meta["training"]["recipe_file"] == "recipe.json"
    p = model.predict_proba(np.zeros((2, 48, 48), np.uint8))
    assert np.allclose(p.sum(axis=1), 1.0)


@pytest.mark.slow
def test_debug_refuses_to_replace_the_bundled_model():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_face.py"), "--debug"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--out" in r.stderr


def _faces(n=16):
    from conftest import FACES
    import cv2

    imgs = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(FACES.glob("fer_*.png"))]
    return np.stack([imgs[i % len(imgs)] for i in range(n)])


def test_degradations_are_off_at_zero_probability_and_deterministic_with_a_seed():
    import torch

    from affectkit.train.face import FaceRecipe, degrade

    x = torch.as_tensor(_faces())[:, None].float()
    none = FaceRecipe(lowres_p=0, blur_p=0, jpeg_p=0, exposure_p=0, noise_p=0)
    assert torch.equal(degrade(x, none, torch.Generator().manual_seed(0)), x)
    r = FaceRecipe()
    a = degrade(x, r, torch.Generator().manual_seed(3))
    b = degrade(x, r, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.shape == x.shape
    assert float(a.min()) >= 0 and float(a.max()) <= 255
    assert torch.equal(x, torch.as_tensor(_faces())[:, None].float())


def test_each_degradation_changes_the_picture_the_way_it_should():
    import torch

    from affectkit.train.face import FaceRecipe, degrade

    x = torch.as_tensor(_faces())[:, None].float()
    off = dict(lowres_p=0, blur_p=0, jpeg_p=0, exposure_p=0, noise_p=0)

    def only(**kw):
        return degrade(x, FaceRecipe(**{**off, **kw}), torch.Generator().manual_seed(0))

    def sharpness(t):  # mean absolute horizontal gradient
        return float((t[..., 1:] - t[..., :-1]).abs().mean())

    assert sharpness(only(blur_p=1, blur_sigma=(1.5, 1.5))) < 0.6 * sharpness(x)
    assert sharpness(only(lowres_p=1, lowres_side=(16, 16))) < 0.8 * sharpness(x)
    assert abs(float(only(blur_p=1).mean()) - float(x.mean())) < 1.0      # blur keeps the brightness
    noisy = only(noise_p=1, noise_sigma=(10, 10))
    assert 6 < float((noisy - x).std()) < 11
    bright = only(exposure_p=1)
    assert float(bright.mean()) >= float(x.mean()) and float((bright == 255).float().mean()) > float((x == 255).float().mean())
    jp = only(jpeg_p=1, jpeg_quality=(10, 10))
    assert 1.0 < float((jp - x).abs().mean()) < 20.0                      # visible artefacts, same face
