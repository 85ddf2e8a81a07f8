"""The training recipe's debug mode runs end to end on tiny real data (as SpeechBrain recipes)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from affectkit.core.errors import ModelError
from affectkit.train.recipes import load_recipe
from affectkit.recognize.text_model import TextModel

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_debug_recipe_trains_saves_and_loads(tmp_path, shared_data):
    out = tmp_path / "model"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_text.py"), "--debug", "--out", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    scores = json.loads(r.stdout[r.stdout.index("{"):])
    assert set(scores) == {"meld_emotion_weighted_f1", "meld_sentiment_weighted_f1", "carer_accuracy",
                           "goemotions_macro_f1"}
    assert (out / "MODEL_CARD.md").read_text().count("|") > 10
    meta = json.loads((out / "config.json").read_text())
    assert meta["training"]["debug"] is True and len(meta["goemotions_thresholds"]) == 28
    used = load_recipe("text", out / "recipe.json")  # the recipe it used, beside the weights it wrote
    assert used["params"]["epochs"] == 1 and used["params"]["lexical"]["min_df"] == 1 and "--debug" in used["source"]
    assert meta["training"]["recipe"]["overrides"]["rank"] == 4 and meta["net"]["rank"] == 4
    assert meta["training"]["recipe"]["params"]["lr"] == load_recipe("text")["params"]["lr"]
    model = TextModel.load(out)
    p = model.predict_proba(["what a day"], "goemotions")
    assert p.shape == (1, 28) and np.all((p > 0) & (p < 1))
    assert model.predict_proba(["what a day"], "carer").sum() == pytest.approx(1.0, abs=1e-5)

    # the CARER specialist builds on that model: it answers `carer`, nothing else changes
    texts = ["what a day", "i feel so alone tonight", "this makes me furious"]
    before = model.predict_tasks(texts, ("emotion", "carer"))
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_carer.py"), "--debug", "--out", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    meta = json.loads((out / "config.json").read_text())
    assert meta["specialists"] == {"carer": "carer"} and 0.0 <= meta["blend"]["carer"] <= 1.0
    used = load_recipe("carer", out / "carer" / "recipe.json")
    assert used["params"]["n_top"] == 1 and used["params"]["max_context"] == 0 and (out / "recipe.json").is_file()
    assert (out / "carer" / "MODEL_CARD.md").is_file() and "## CARER specialist" in (out / "MODEL_CARD.md").read_text()
    model = TextModel.load(out)
    after = model.predict_tasks(texts, ("emotion", "carer"))
    assert np.allclose(after["emotion"], before["emotion"], atol=1e-6)
    assert not np.allclose(after["carer"], before["carer"], atol=1e-4)
    assert np.allclose(after["carer"].sum(1), 1.0, atol=1e-5)
    assert np.allclose(model.predict_proba(texts, "carer"), after["carer"], atol=1e-6)

    # retraining the shared network keeps the specialist and its blend weight
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_text.py"), "--debug", "--seed", "1", "--out", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    again = json.loads((out / "config.json").read_text())
    assert again["specialists"] == {"carer": "carer"} and again["blend"]["carer"] == meta["blend"]["carer"]
    assert again["training"]["specialists_kept"]["specialists"] == {"carer": "carer"}
    retrained = TextModel.load(out).predict_tasks(texts, ("emotion", "carer"))
    assert not np.allclose(retrained["emotion"], after["emotion"], atol=1e-4)
    assert np.allclose(retrained["carer"], after["carer"], atol=1e-5)
    assert "specialist kept" in (out / "MODEL_CARD.md").read_text()
    # so does redoing only the lexical heads (--reuse-net), whose blend is fitted on the shared network
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_text.py"), "--debug", "--seed", "1", "--reuse-net",
                        "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    reused = json.loads((out / "config.json").read_text())
    assert reused["specialists"] == {"carer": "carer"} and reused["blend"]["carer"] == meta["blend"]["carer"]
    assert np.allclose(TextModel.load(out).predict_tasks(texts, ("carer",))["carer"], after["carer"], atol=1e-5)
    (out / "carer" / "weights.safetensors").unlink()
    broken = TextModel.load(out)
    assert broken.predict_proba(texts, "emotion").shape == (3, 7)  # the shared heads still work
    with pytest.raises(ModelError, match="carer"):
        broken.predict_proba(texts, "carer")


@pytest.mark.slow
def test_debug_refuses_to_replace_the_bundled_model():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_text.py"), "--debug"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--out" in r.stderr


@pytest.mark.slow
def test_a_candidate_with_punctuation_dropped_is_scored_on_dev_only(tmp_path, shared_data):
    out = tmp_path / "cand"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_text.py"), "--debug", "--dev-only",
                        "--punct-drop", "0.5", "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    dev = json.loads((out / "dev_scores.json").read_text())
    assert (dev["meld"]["split"], dev["carer"]["split"], dev["goemotions"]["split"]) == ("dev", "val", "dev")
    assert load_recipe("text", out / "recipe.json")["params"]["punct_drop"] == 0.5
    assert not (out / "MODEL_CARD.md").exists()  # a candidate: no test scores, no card
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "train_text.py"), "--dev-only"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--out" in r.stderr
