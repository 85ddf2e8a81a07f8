"""The face training recipe's debug mode runs end to end on a handful of FER2013 crops (a test)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from affectkit.recognize.face_affect import FaceModel

ROOT = Path(__file__).resolve().parents[2]


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
    p = model.predict_proba(np.zeros((2, 48, 48), np.uint8))
    assert np.allclose(p.sum(axis=1), 1.0)


def test_debug_refuses_to_replace_the_bundled_model():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_face.py"), "--debug"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--out" in r.stderr
