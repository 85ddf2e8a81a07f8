"""bench/llm_eval.py end to end on a few real MELD and CARER test items, against the fake server."""
import importlib.util
import json
import re
from pathlib import Path

from fake_llm_server import FakeLLM

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("llm_eval", ROOT / "bench" / "llm_eval.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_llm_eval_writes_scores_and_parse_failures(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("AFFECTKIT_CACHE", str(tmp_path / "cache"))
    script = load_script()

    def always_joy(body):  # every reply says joy (the open-vocabulary prompt gets "glad")
        system = body["messages"][0]["content"]
        if "own words" in system:
            return ("json", {"emotion_words": ["glad"]})
        assert re.search(r"exactly one of: [a-z, ]+\.", system)
        return ("json", {"emotion": "joy"})

    with FakeLLM(always_joy) as server:
        assert script.main(["--model", f"llm:{server.url}#fake", "--limit", "12", "--k-shot", "3",
                            "--out", str(tmp_path)]) == 0
        assert len(server.requests) == 36
        assert len(server.requests[0]["body"]["messages"]) == 1 + 2 * 3 + 1
    meld = json.loads((tmp_path / "llm_fake_meld_k3_n12.json").read_text())
    carer = json.loads((tmp_path / "llm_fake_carer_k3_n12.json").read_text())
    assert meld["n"] == carer["n"] == 12 and meld["parse_failure_rate"] == 0.0
    assert meld["headline"] == "weighted_f1" and carer["headline"] == "accuracy"
    assert set(carer["per_class_f1"]) == {"sadness", "joy", "love", "anger", "fear", "surprise"}
    # always "joy": accuracy is the share of joy among the 12 items the seed picks
    import numpy as np

    from affectkit.bench.datasets.text import load_carer

    test = load_carer("test")
    picked = test.iloc[np.sort(np.random.default_rng(0).choice(len(test), 12, replace=False))]
    assert carer["accuracy"] == (picked["label"] == "joy").mean()
    assert meld["k_shot"] == 3 and len(meld["examples"]) == 3
    go = json.loads((tmp_path / "llm_fake_goemotions_open_n12.json").read_text())
    assert go["headline"] == "sample_f1" and go["n"] == 12 and go["mapping_methods"] == {"lexicon": 12}
    from affectkit.bench.datasets.text import load_goemotions
    from affectkit.core.labels import GOEMOTIONS_TO_EMOTION

    rows = load_goemotions("test")
    rows = rows.iloc[np.sort(np.random.default_rng(0).choice(len(rows), 12, replace=False))]
    has_joy = [("joy" in {GOEMOTIONS_TO_EMOTION[f] for f in labels}) for labels in rows["labels"]]
    assert go["sample_precision"] == go["micro_precision"] == np.mean(has_joy)  # {"joy"} predicted for each
    assert script.slug("llm:local#/m/Qwen2.5-7B.Q4.gguf") == "qwen2.5-7b.q4.gguf"
    assert script.slug("llm:local") == "local-gemma3-270m"
