"""bench/fusion_composites.py: composites by condition, disjoint dev/test voices, the fit lowers dev NLL
and its table rows (on small real-shaped readings; the full run needs every head's readings)."""
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from affectkit.core.labels import EMOTION
from affectkit.recognize.fusion import FusionConfig

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
spec = importlib.util.spec_from_file_location("fusion_composites", ROOT / "bench" / "fusion_composites.py")
fc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fc)
from fusion_readings import DEV_SPEAKERS, TEST_SPEAKERS, Readings  # noqa: E402

VOICE = ("anger", "boredom", "disgust", "fear", "joy", "neutral", "sadness")


def readings(seed=0, per=6):
    """Noisy but informative readings: each item leans to its true label."""
    rng = np.random.default_rng(seed)
    out = {}
    for m, labels in (("text", EMOTION.labels), ("voice", VOICE), ("face", EMOTION.labels)):
        truth = np.asarray([l for l in labels for _ in range(per)])
        p = rng.dirichlet(np.ones(len(labels)), size=len(truth))
        p[np.arange(len(truth)), [labels.index(t) for t in truth]] += 1.0 if m != "text" else 0.3
        out[m] = Readings(m, tuple(labels), p / p.sum(1, keepdims=True), truth, f"fake {m}", f"fake-{m}")
    return out


def test_composites_cover_every_condition_with_the_right_truth_and_modalities():
    comps = fc.composites(readings(), n=3, seed=0)
    by = {}
    for c in comps:
        by.setdefault(c["condition"], []).append(c)
    assert set(by) == set(fc.CONDITIONS)
    assert all(c["truth"] == "neutral" for c in by["all_neutral"])
    r = readings()
    for c in by["words_neutral"]:
        assert r["text"].truth[c["items"]["text"]] == "neutral" and c["truth"] != "neutral"
        assert r["voice"].truth[c["items"]["voice"]] == c["truth"] == r["face"].truth[c["items"]["face"]]
    assert all(sum(i is None for i in c["items"].values()) == 1 for c in by["one_missing"])
    for c in by["one_contradicts"]:
        labels = [r[m].truth[i] for m, i in c["items"].items()]
        assert labels.count(c["truth"]) == 2
    assert comps == fc.composites(readings(), n=3, seed=0)            # seeded
    assert not set(DEV_SPEAKERS) & set(TEST_SPEAKERS)


def test_fit_lowers_dev_nll_and_scores_every_row():
    r = readings()
    base = FusionConfig(weights={"text": 2.0, "voice": 1.0, "face": 1.0})
    start = replace(base, priors=fc.usual_readings(r, base))
    comps = fc.composites(r, n=4, seed=0)
    cfg, fit = fc.fit_pool(fc.evidence_arrays(r, comps, start), start)
    assert cfg.rule == "evidence" and fit["dev_nll"] <= fit["dev_nll_start"]
    table = fc.score(r, comps, {"linear (before)": base, "evidence (new)": cfg})
    row = table["words_neutral"]
    assert {"linear (before)", "evidence (new)", "text alone", "voice alone", "face alone"} <= set(row)
    assert 0 <= row["evidence (new)"]["accuracy"] <= 1 and "conflict_rate" in row["evidence (new)"]
    assert 0 <= row["evidence (new)"]["no_head_top"] <= 1
    lo, hi = fc.CONTAMINATION_BOUNDS
    assert lo <= cfg.contamination <= hi
    plain, _ = fc.fit_pool(fc.evidence_arrays(r, comps, start), start, contamination=False)
    assert plain.contamination == 0.0                                 # the fusion@2 rule, refit the same way
    only = fc.text_only(r, {"evidence (new)": cfg})
    assert only["evidence (new)"]["same_label_as_text"] == 1.0      # one modality is that modality
