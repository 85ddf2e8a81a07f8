"""affectkit bench / train on the command line."""
import json

from affectkit.cli import main


def test_list(capsys):
    assert main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    assert "mosi" in out and "iemocap-4" in out and "logreg" in out and "[weak]" in out


def test_bench_debug_with_compare(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["bench", "--task", "mosi", "--model", "logreg", "--debug", "--seeds", "0", "1",
                 "--compare", "--bootstrap", "50", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "MulT (word-aligned)" in text and "Tsai et al., 2019" in text and "acc2_non0" in text
    r = json.loads(out.read_text())
    assert r["seeds"] == [0, 1] and r["task_version"] == 1 and "missing:0.3" in r["robustness"]


def test_train_then_bench_a_saved_model(tmp_path, capsys):
    d = tmp_path / "model"
    assert main(["train", "--task", "daic-woz-phq8", "--model", "logreg", "--debug", "-o", str(d)]) == 0
    assert json.loads((d / "harness.json").read_text())["task"] == "daic-woz-phq8"
    assert main(["train", "--task", "daic-woz-phq8", "--model", "logreg", "--debug", "-o", str(d)]) == 2
    out = tmp_path / "r.json"
    assert main(["bench", "--task", "daic-woz-phq8", "--model", str(d), "--debug", "-o", str(out),
                 "--bootstrap", "20"]) == 0
    r = json.loads(out.read_text())
    assert r["seeds"] == [] and r["trained"]["model"] == "logreg" and "mae" in r["metrics"]


def test_config_file(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("C: 0.05\n")
    out = tmp_path / "r.json"
    assert main(["bench", "--task", "daic-woz", "--model", "logreg", "--config", str(cfg), "--debug",
                 "--no-robustness", "--bootstrap", "20", "-o", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["config"] == {"C": 0.05} and r["robustness"] is None


def test_errors_exit_2_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AFFECTKIT_MOSI", raising=False)
    assert main(["bench", "--task", "mosi", "--model", "logreg", "-o", str(tmp_path / "x.json")]) == 2
    assert "AFFECTKIT_MOSI" in capsys.readouterr().err
    assert main(["bench", "--task", "nope", "--model", "logreg"]) == 2
    assert main(["bench", "--task", "mosi", "--model", "nope", "--debug"]) == 2
    assert "known: " in capsys.readouterr().err
    bad = tmp_path / "c.json"
    bad.write_text("[1]")
    assert main(["bench", "--task", "mosi", "--model", "logreg", "--config", str(bad), "--debug"]) == 2


def test_daic_interviewer_option_warns_and_is_recorded(tmp_path, capsys):
    import pytest

    from affectkit.bench.datasets.daic import InterviewerLeakWarning

    out = tmp_path / "r.json"
    with pytest.warns(InterviewerLeakWarning):
        assert main(["bench", "--task", "daic-woz", "--model", "logreg", "--debug", "--include-interviewer",
                     "--no-robustness", "--bootstrap", "20", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["task_spec"]["loader_args"]["include_interviewer"] is True
    assert main(["bench", "--task", "carer", "--model", "logreg", "--debug", "--include-interviewer"]) == 2


def test_bench_an_llm_on_a_text_task_through_a_fake_server(tmp_path, capsys):
    """`bench --model llm:URL#MODEL`: the harness's split, labels and metrics; the gold label for
    every test text but one, whose reply is malformed and counts as wrong."""
    import re

    import pytest
    from fake_llm_server import FakeLLM

    from affectkit.bench.llm_model import llm_task
    from affectkit.bench.tasks import get_task

    spec = get_task("carer")
    data, _ = llm_task(spec, "llm:http://127.0.0.1:9/v1#x", debug=True, limit=5)
    test = [i for i, p in enumerate(data.part) if p == "test"]
    assert len(test) == 5 and "unused" in set(data.part)
    gold = {data.texts[i]: spec.label_space[data.y[i]] for i in test}
    bad = data.texts[test[2]]

    def responder(body):
        text = re.search(r'Utterance: "(.*)"', body["messages"][-1]["content"], re.S).group(1)
        return ("text", "no idea") if text == bad else ("json", {"emotion": gold[text]})

    out = tmp_path / "r.json"
    with FakeLLM(responder) as server:
        rc = main(["bench", "--task", "carer", "--model", f"llm:{server.url}#fake", "--debug", "--limit", "5",
                   "--bootstrap", "20", "-o", str(out)])
        assert rc == 0 and len(server.requests) == 5
    r = json.loads(out.read_text())
    assert r["metrics"]["accuracy"]["mean"] == pytest.approx(4 / 5)
    assert r["llm"]["parse_failure_rate"] == pytest.approx(1 / 5) and r["llm"]["test_limit"] == 5
    assert r["robustness"] is None and r["n"]["test"] == 5
    assert "parse_failure_rate=0.2000" in capsys.readouterr().out
    lo, hi = r["metrics"]["accuracy"]["ci95"]
    assert 0.0 <= lo <= 0.8 <= hi <= 1.0


def test_bench_llm_errors_are_usage_errors(capsys):
    assert main(["bench", "--task", "mosi", "--model", "llm:http://127.0.0.1:9/v1#x", "--debug"]) == 2
    assert "single-label text tasks" in capsys.readouterr().err
    assert main(["bench", "--task", "carer", "--model", "llm:http://127.0.0.1:9/v1", "--debug"]) == 2
    assert main(["bench", "--task", "carer", "--model", "logreg", "--limit", "5", "--debug"]) == 2
    assert "--limit is for LLM" in capsys.readouterr().err
