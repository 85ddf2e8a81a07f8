"""Domain-shift folds hold out what they say; canonical figures computed as described."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from affectkit.bench.voice_shift import canonical_truth, folds, summarise, training_labels
from affectkit.core.errors import ModelError
from affectkit.recognize.voice_affect import canonical_scores

ROOT = Path(__file__).resolve().parents[2]


def _table():
    rows = [{"speaker": s, "sentence": t, "emotion": e} for s in ("03", "08", "09", "10", "11")
            for t in ("a01", "a02", "a04", "b01") for e in ("anger", "neutral")]
    return pd.DataFrame(rows)


def test_speaker_sentence_folds_share_neither_speaker_nor_sentence():
    df = _table()
    fs = folds(df, "speaker+sentence")
    tested = np.zeros(len(df), int)
    for _, train, test in fs:
        assert not set(df.speaker[train]) & set(df.speaker[test])
        assert not set(df.sentence[train]) & set(df.sentence[test])
        tested += test
    assert (tested == 1).all()  # every file tested once
    assert len(folds(df, "loso")) == 5
    with pytest.raises(ValueError):
        folds(df, "random")


def test_canonical_truth_and_summary_by_hand():
    assert list(canonical_truth(["boredom", "anger"])) == ["neutral", "anger"]
    assert list(training_labels(["boredom"], "keep")) == ["boredom"]
    with pytest.raises(ValueError):
        training_labels(["boredom"], "drop")
    r = summarise(["neutral", "neutral", "anger", "anger"], ["neutral", "anger", "anger", "anger"],
                  labels=("anger", "neutral"))
    assert r["uar"] == 0.75 and r["neutral_recall"] == 0.5 and r["confusion"] == [[2, 0], [1, 1]]
    assert r["predicted_share"] == {"anger": 0.75, "neutral": 0.25}


def test_output_mappings_of_an_extra_label():
    classes = ["anger", "boredom", "neutral"]
    p = np.array([0.4, 0.35, 0.25])
    label, scores = canonical_scores(classes, p, "hide")
    assert label == "anger" and scores["boredom"] == 0.35
    label, scores = canonical_scores(classes, p, "neutral")
    assert label == "neutral" and "boredom" not in scores and np.isclose(sum(scores.values()), 1.0)
    with pytest.raises(ModelError, match="unknown voice output"):
        canonical_scores(classes, p, "drop")


@pytest.mark.slow
def test_debug_run_writes_results(tmp_path, shared_data):
    out = tmp_path / "shift.json"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "voice_shift.py"), "--debug", "--out", str(out),
                        "--cache", str(tmp_path / "cache")], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert doc["debug"] and doc["baseline"]["name"].startswith("shipped")
    for key in ("baseline", "chosen"):
        assert 0 <= doc[key]["loso"]["uar"] <= 1 and set(doc[key]["conditions"]) == {"noise white 15 dB", "speed 1.15"}
    assert all("dev_score" in c for c in doc["candidates"]) and doc["provenance"]["seeds"] == [0]
