"""bench/train_screen.py --debug runs end to end on tiny subsets (SpeechBrain-style debug recipe):
it writes loadable heads, the crisis prototypes, its recipe and a training record."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_train_screen_debug_run(tmp_path, shared_data):
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "train_stress.py"), "--debug", "--out",
                          str(tmp_path / "stress_net")], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    net = json.loads((tmp_path / "stress_net" / "config.json").read_text())
    assert net["version"] == "debug" and net["training"]["split"] == {"seed": 0, "dev_share": 0.15,
                                                                       "dev_posts": net["training"]["split"]["dev_posts"]}
    assert [set(r) >= {"epoch", "loss", "dev_f1_at_0.5"} for r in net["training"]["history"]] == [True]
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "train_screen.py"), "--debug", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    from affectkit.screen import screen_texts
    from affectkit.screen.crisis_similarity import bundled_matcher
    from affectkit.screen.heads import bundled_screen_model

    model = bundled_screen_model(tmp_path)
    out = screen_texts(["I am so stressed about my exams and I cannot sleep."], model=model,
                       matcher=bundled_matcher(tmp_path / "crisis_prototypes.json"))
    assert 0 <= out[0]["stress"]["probability"] <= 1
    rec = json.loads((tmp_path / "screen_train.json").read_text())
    assert rec["debug"] is True and rec["tasks"]["stress"]["n_train"] == 240
    assert rec["provenance"]["command"].endswith("--debug --out " + str(tmp_path))
    assert json.loads((tmp_path / "recipe.json").read_text())["model"] == "affectkit-screen"
    assert model.name == "affectkit-screen@2" and "stress" in model.nets
    s = rec["tasks"]["stress"]
    assert s["net"]["name"] == "affectkit-screen-stress-net@debug" and set(s["dev_best_by_net_weight"]) >= {"0.0", "1.0"}
    assert model.heads["stress"].net_weight == s["chosen"]["net_weight"]


@pytest.mark.slow
def test_train_screen_refuses_a_network_trained_on_another_split(tmp_path, shared_data):
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "train_stress.py"), "--debug", "--out",
                          str(tmp_path / "stress_net")], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    cfg = tmp_path / "stress_net" / "config.json"
    doc = json.loads(cfg.read_text())
    doc["training"]["split"]["seed"] = 1
    cfg.write_text(json.dumps(doc))
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "train_screen.py"), "--debug", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode != 0 and "retrain it (python bench/train_stress.py)" in res.stderr
    assert "Traceback" not in res.stderr
