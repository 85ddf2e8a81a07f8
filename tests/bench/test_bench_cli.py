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
