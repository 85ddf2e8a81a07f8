"""bench/calibrate.py end to end on a few MELD utterances (debug run), written outside the package."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from affectkit.recognize.fusion import FusionConfig

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "bench" / "calibrate.py")


@pytest.mark.slow
def test_debug_run_fits_text_and_writes_settings_card_and_results(tmp_path, shared_data):
    out, results = tmp_path / "fusion" / "calibration.json", tmp_path / "calibration.json"
    r = subprocess.run([sys.executable, SCRIPT, "--heads", "text", "--limit", "60", "--out", str(out),
                        "--results", str(results)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    config = FusionConfig.load(out)
    assert 0.05 <= config.temperature("text") <= 20 and config.weight("text") > config.weight("voice")
    raw = json.loads(out.read_text())
    fit = raw["calibration"]["text"]["fit"]
    assert fit["after"]["nll"] <= fit["before"]["nll"] + 1e-9          # T minimises the NLL it was fit on
    assert fit["after"]["accuracy"] == fit["before"]["accuracy"]        # the labels never change
    assert raw["debug_limit"] == 60 and "| text (fit) |" in (out.parent / "MODEL_CARD.md").read_text()
    assert json.loads(results.read_text())["heads"]["text"]["temperature"] == raw["temperatures"]["text"]
    from affectkit.train.recipes import load_recipe

    used = load_recipe("calibration", out.parent / "recipe.json")  # the recipe it used, beside the settings
    assert used["params"]["heads"] == ["text"] and "--heads text" in used["source"]
    assert raw["weights"] == load_recipe("calibration")["params"]["weights"]
    assert json.loads(results.read_text())["recipe"]["overrides"] == {"heads": ["text"]}


def test_a_debug_run_never_replaces_the_shipped_settings():
    r = subprocess.run([sys.executable, SCRIPT, "--heads", "text", "--limit", "5"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "--out" in r.stderr


@pytest.mark.slow
def test_debug_run_fits_the_face_head_on_fer2013_publictest(tmp_path, shared_data):
    out, results = tmp_path / "fusion" / "calibration.json", tmp_path / "calibration.json"
    out.parent.mkdir()
    shipped = ROOT / "src" / "affectkit" / "weights" / "fusion" / "recipe.json"
    (out.parent / "recipe.json").write_text(shipped.read_text())   # refitting one head of a full recipe
    r = subprocess.run([sys.executable, SCRIPT, "--heads", "face", "--limit", "8", "--out", str(out),
                        "--results", str(results)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    raw = json.loads(out.read_text())
    face = raw["calibration"]["face"]
    assert "PublicTest" in face["data"] and "PrivateTest" in face["held_out"]["data"]
    assert face["fit"]["after"]["nll"] <= face["fit"]["before"]["nll"] + 1e-9
    assert face["held_out"]["after"]["accuracy"] == face["held_out"]["before"]["accuracy"]
    assert FusionConfig.load(out).temperature("face") == raw["temperatures"]["face"]
    assert "| face (fit) |" in (out.parent / "MODEL_CARD.md").read_text()
    kept = json.loads((out.parent / "recipe.json").read_text())
    before = json.loads(shipped.read_text())
    assert kept["params"]["heads"] == before["params"]["heads"]   # the recipe still rebuilds every head
    assert kept["source"].startswith(before["source"]) and "--heads face" in kept["source"]
