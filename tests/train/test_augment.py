"""Training augmentation: chains are stable, in range, disjoint from the benchmark's TEST
conditions; altered-copy features are cached and a failing chain is reported, not fatal."""
import sys
from pathlib import Path

import numpy as np

from affectkit.train.augment import TRAIN_AUGMENT, condition_features, train_chains

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from voice_conditions import DEV, TEST  # noqa: E402


def test_chains_are_stable_non_empty_and_in_range():
    chains = [train_chains(f"/x/{i:02d}a01Fa.wav", k, 0) for i in range(60) for k in range(2)]
    assert chains[5] == train_chains("/x/02a01Fa.wav", 1, 0)  # name, copy and seed fix the draw
    assert train_chains("/x/00a01Fa.wav", 0, 1) != train_chains("/x/00a01Fa.wav", 0, 0)
    kinds = {c["kind"] for chain in chains for c in chain}
    assert {"speed", "pitch", "reverb", "noise", "codec", "gain"} <= kinds
    for chain in chains:
        assert chain
        for c in chain:
            if c["kind"] == "speed":
                assert 0.9 <= c["factor"] <= 1.1
            if c["kind"] == "noise":
                assert 12 <= c["snr_db"] <= 30 and c["color"] in TRAIN_AUGMENT["noise"]["colors"]


def test_training_ranges_are_disjoint_from_the_test_conditions():
    """TEST conditions lie outside every training range (DEV ones do not all: see voice_conditions)."""
    s = TRAIN_AUGMENT
    for chain in TEST.values():
        for c in chain:
            k = c["kind"]
            if k == "speed":
                assert not s["speed"]["factor"][0] <= c["factor"] <= s["speed"]["factor"][1]
            elif k == "pitch":
                assert not s["pitch"]["semitones"][0] <= c["semitones"] <= s["pitch"]["semitones"][1]
            elif k == "noise":
                lo, hi = s["noise"]["snr_db"]
                assert not lo <= c["snr_db"] <= hi or c["color"] not in s["noise"]["colors"]
            elif k == "reverb":
                assert not s["reverb"]["rt60"][0] <= c["rt60"] <= s["reverb"]["rt60"][1]
            elif k == "codec":
                assert [c["name"], c["kbps"]] not in s["codec"]["choices"]
            elif k == "gain":
                assert not s["gain"]["db"][0] <= c["db"] <= s["gain"]["db"][1]
            elif k == "crop":
                assert not s["length"]["crop_seconds"][0] <= c["seconds"] <= s["length"]["crop_seconds"][1]
    assert not set(DEV) & set(TEST)


def test_condition_features_cache_and_failures(tmp_path, emodb_wav):
    from affectkit.perceive.voice_sets import EmotionInput

    ex = EmotionInput(blocks=("egemaps",))  # small and quick; the head's own uses the whisper block
    path = str(emodb_wav[0])
    chains = [[[{"kind": "noise", "snr_db": 20.0, "color": "white", "seed": 1}],
               [{"kind": "codec", "name": "flac", "kbps": 8}]]]  # the second is not a lossy codec we know
    X, errors = condition_features([path], chains, ex, cache_root=str(tmp_path))
    assert X.shape == (2, len(ex.columns())) and list(X.index) == [(path, 0), (path, 1)]
    assert np.isfinite(X.iloc[0]).all() and np.isnan(X.iloc[1]).all()
    assert len(errors) == 1 and "unknown codec" in errors[0] and path in errors[0]
    entries = list((tmp_path / "features").rglob("*.npz"))
    assert len(entries) == 1
    again, _ = condition_features([path], chains, ex, cache_root=str(tmp_path))
    assert np.array_equal(again.iloc[0].to_numpy(), X.iloc[0].to_numpy())
    assert list((tmp_path / "features").rglob("*.npz")) == entries
