"""DAIC-WOZ / E-DAIC session tasks with the screening heads as the harness model ``screen``, on
synthetic files of the exact formats written into tmp_path."""
import json
import warnings

import numpy as np
import pytest

from affectkit.bench import robustness as R
from affectkit.bench.datasets import edaic, synthetic
from affectkit.cli import main
from affectkit.core.errors import DataError, InputError


def test_edaic_reads_split_files_in_labels_folder(tmp_path):
    root = synthetic.write_edaic(tmp_path / "edaic", n=(4, 2, 2))
    df = edaic.load_edaic("train", root)
    assert list(df.participant) == [600, 601, 602, 603]
    assert df.label.tolist() == [int(s >= 10) for s in df.phq8]
    assert "tired, down and hopeless" in df.text[1] and "Start_Time" not in df.text[1]
    assert len(df.text[0].splitlines()) == 4  # one line per recognised utterance
    assert len(edaic.load_edaic("test", root)) == 2


def test_edaic_split_files_at_the_root_and_detailed_labels_fallback(tmp_path):
    root = synthetic.write_edaic(tmp_path / "edaic", n=(2, 2, 2), labels_folder=False)
    assert len(edaic.load_edaic("dev", root)) == 2
    for f in ("train_split.csv", "dev_split.csv", "test_split.csv"):
        (root / f).unlink()
    (root / "detailed_lables.csv").write_text(
        "Participant,Depression_label,gender,age,split,PTSD_label,PTSD_severity\n"
        "600,0,male,30,train,0,20\n601,1,female,41,train,1,50\n602,0,male,25,dev,0,18\n")
    df = edaic.load_edaic("train", root)
    assert df.participant.tolist() == [600, 601] and df.label.tolist() == [0, 1] and df.phq8.isna().all()


def test_edaic_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("AFFECTKIT_EDAIC", raising=False)
    with pytest.raises(DataError, match="AFFECTKIT_EDAIC"):
        edaic.edaic_root()
    with pytest.raises(DataError, match="not found"):
        edaic.edaic_root(tmp_path / "nowhere")
    root = synthetic.write_edaic(tmp_path / "edaic", n=(2, 2, 2))
    with pytest.raises(DataError, match="no speaker column"):
        edaic.load_edaic("train", root, include_interviewer=True)
    (root / "labels" / "dev_split.csv").unlink()
    with pytest.raises(DataError, match="dev_split.csv"):
        edaic.load_edaic("dev", root)
    (root / "600_P" / "600_Transcript.csv").write_text("Start_Time,End_Time,Words\n1,2,hi\n")
    with pytest.raises(DataError, match="Start_Time,End_Time,Text,Confidence"):
        edaic.load_edaic("train", root)
    (root / "601_P" / "601_Transcript.csv").unlink()
    (root / "600_P" / "600_Transcript.csv").write_text("Start_Time,End_Time,Text,Confidence\n1,2,hi,0.9\n")
    with pytest.raises(DataError, match="601_Transcript.csv"):
        edaic.load_edaic("train", root)


def test_raw_text_modality_gets_dilution_only():
    X = {"text": np.asarray(["a b", "c d"], dtype=object)}
    names = [n for n, _ in R.conditions(X, ["text"], lambda X: X)]
    assert names == ["clean", "dilution"]
    mixed = {"text": X["text"], "audio": np.ones((2, 3), dtype=np.float32)}
    out = R.random_missing(mixed, 0.5)
    assert out["text"] is mixed["text"] and out["audio"].dtype == np.float32


def test_missing_data_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv("AFFECTKIT_DAIC", raising=False)
    monkeypatch.delenv("AFFECTKIT_EDAIC", raising=False)
    assert main(["bench", "--task", "daic-woz", "--model", "screen"]) == 2
    assert "AFFECTKIT_DAIC" in capsys.readouterr().err
    assert main(["bench", "--task", "edaic-phq8", "--model", "screen"]) == 2
    assert "AFFECTKIT_EDAIC" in capsys.readouterr().err
    assert main(["bench", "--task", "edaic", "--model", "screen", "--include-interviewer"]) == 2
    assert "DAIC-WOZ tasks only" in capsys.readouterr().err


def test_screen_model_needs_a_text_task(capsys):
    assert main(["bench", "--task", "emodb", "--model", "screen", "--debug"]) == 2
    assert "reads ['text']" in capsys.readouterr().err


@pytest.mark.slow
def test_screen_on_daic_participant_only(tmp_path, monkeypatch, capsys):
    root = synthetic.write_daic(tmp_path / "daic", n=(12, 6, 6))
    monkeypatch.setenv("AFFECTKIT_DAIC", str(root))
    out = tmp_path / "r.json"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # participant-only: no leak warning
        assert main(["bench", "--task", "daic-woz", "--model", "screen", "--bootstrap", "50", "--compare",
                     "-o", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["task_spec"]["features"] == {"text": "text.raw"} and r["data"]["include_interviewer"] is False
    assert r["n"] == {"test": 6, "all": 18, "train": 12, "valid": 0}
    # sad and plain sessions alternate; the heads, calibrated on train, tell them apart on dev
    assert r["metrics"]["macro_f1"]["mean"] == 1.0
    assert set(r["robustness"]) == {"clean", "dilution"}
    assert "Pampouchidou" in capsys.readouterr().out


@pytest.mark.slow
def test_screen_phq8_regression_train_save_score(tmp_path, monkeypatch):
    root = synthetic.write_edaic(tmp_path / "edaic", n=(12, 6, 6))
    d = tmp_path / "m"
    assert main(["train", "--task", "edaic-phq8", "--model", "screen", "--data", str(root), "-o", str(d)]) == 0
    out = tmp_path / "r.json"
    assert main(["bench", "--task", "edaic-phq8", "--model", str(d), "--data", str(root), "--no-robustness",
                 "--bootstrap", "50", "-o", str(out)]) == 0
    r = json.loads(out.read_text())
    majority = tmp_path / "maj.json"
    assert main(["bench", "--task", "edaic-phq8", "--model", "majority", "--data", str(root), "--no-robustness",
                 "--bootstrap", "50", "-o", str(majority)]) == 0
    assert r["metrics"]["mae"]["mean"] < json.loads(majority.read_text())["metrics"]["mae"]["mean"]
    assert set(r["metrics"]) == {"mae", "rmse", "corr"}


@pytest.mark.slow
def test_screen_zero_shot_and_its_limits(tmp_path):
    from affectkit.bench.screen_model import ScreenHeadsModel

    root = synthetic.write_daic(tmp_path / "daic", n=(4, 2, 2))
    from affectkit.bench.datasets.daic import load_daic

    df = load_daic("train", root)
    X = {"text": np.asarray(df.text.tolist(), dtype=object)}
    m = ScreenHeadsModel(calibrate=False).fit(X, df.label.to_numpy())
    p = m.predict_proba(X)[:, 1]
    assert ((p >= m.threshold_).astype(int) == m.predict(X)).all() and (0 <= p).all() and (p <= 1).all()
    with pytest.raises(InputError, match="calibrate"):
        ScreenHeadsModel(calibrate=False).fit(X, df.phq8.to_numpy(dtype=np.float32))
    with pytest.raises(InputError, match="reads texts"):
        m.predict({"text": np.zeros((4, 3), dtype=np.float32)})
