"""The voice training recipe's debug mode runs end to end on a handful of real files (a test)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from affectkit.train.recipes import load_recipe
from affectkit.recognize.voice_head import VoiceEmotionHead

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_debug_recipe_trains_saves_and_loads(tmp_path, shared_data):
    out = tmp_path / "voice"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_voice.py"), "--debug", "--out", str(out),
                        "--cache", str(tmp_path / "cache")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    scores = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0.0 <= scores["loso_strict_uar"] <= 1.0
    card = (out / "MODEL_CARD.md").read_text()
    assert card.count("|") > 10 and "--debug" in card
    head = VoiceEmotionHead.load(out)
    assert head.config_["training"]["debug"] is True and head.config_["training"]["speakers"] == ["03", "08", "09"]
    used = load_recipe("voice", out / "recipe.json")  # the recipe it used, beside the head it wrote
    assert used["params"] == load_recipe("voice")["params"] and "--debug" in used["source"]
    assert head.config_["training"]["recipe"]["file"] == "src/affectkit/weights/voice/recipe.json"
    X = np.zeros((2, head.n_features_in_))
    assert np.allclose(head.predict_proba(X).sum(axis=1), 1.0)


def test_debug_refuses_to_replace_the_bundled_model():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_voice.py"), "--debug"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--out" in r.stderr
