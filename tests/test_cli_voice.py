"""`affectkit predict voice`: one JSON line per file, in order; bad files carry on and exit 1."""
import json

import pytest

from affectkit.cli import main

LABELS = ["anger", "disgust", "fear", "joy", "neutral", "sadness"]  # the v2 head (boredom trained as neutral)


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("AFFECTKIT_CACHE", str(tmp_path_factory.getbasetemp() / "cli-cache"))


def check(rec, path):
    assert list(rec) == ["path", "emotion", "emotion_scores", "cues"]
    assert rec["path"] == str(path)
    assert list(rec["emotion_scores"]) == LABELS
    assert sum(rec["emotion_scores"].values()) == pytest.approx(1.0, abs=1e-6)
    assert rec["emotion"] in LABELS[:-1]
    assert 70 < rec["cues"]["pitch_hz"] < 400 and rec["cues"]["loudness_db"] < 0


def test_good_corrupt_and_missing_files(capsys, tmp_path, emodb_wav):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 10)
    missing = tmp_path / "missing.wav"
    rc = main(["predict", "voice", str(emodb_wav[0]), str(corrupt), str(missing), str(emodb_wav[1])])
    out, err = capsys.readouterr()
    assert rc == 1
    recs = [json.loads(l) for l in out.splitlines()]
    assert [r["path"] for r in recs] == [str(emodb_wav[0]), str(corrupt), str(missing), str(emodb_wav[1])]
    check(recs[0], emodb_wav[0])
    check(recs[3], emodb_wav[1])
    assert list(recs[1]) == ["path", "error"] and "corrupt" in recs[1]["error"]
    assert "no such file" in recs[2]["error"]
    assert "2 of 4 inputs failed" in err


def test_all_good_exits_0_and_reads_joy_and_neutral(capsys, emodb_wav):
    rc = main(["predict", "voice", "--no-cache", *map(str, emodb_wav)])
    out, _ = capsys.readouterr()
    recs = [json.loads(l) for l in out.splitlines()]
    assert rc == 0 and len(recs) == 2
    happy, neutral = recs  # 03a01Fa (happiness) and 03a01Nc (neutral), both in the training set
    assert happy["emotion_scores"]["joy"] > neutral["emotion_scores"]["joy"]
    assert neutral["emotion_scores"]["neutral"] > happy["emotion_scores"]["neutral"]


def test_usage_and_model_errors(capsys, monkeypatch, tmp_path, emodb_wav):
    with pytest.raises(SystemExit) as e:
        main(["predict", "voice"])
    assert e.value.code == 2
    monkeypatch.setenv("AFFECTKIT_VOICE_MODEL", str(tmp_path))
    assert main(["predict", "voice", str(emodb_wav[0])]) == 3
    assert "voice model not found" in capsys.readouterr().err


def test_help_states_the_normalisation(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "voice", "--help"])
    out = capsys.readouterr().out
    assert "strict" in out and "boredom" in out  # the help says what became of it


def test_python_pipeline_reads_a_file(emodb_wav):
    import affectkit

    pred = affectkit.pipeline("emotion", modality="voice")(str(emodb_wav[0]))
    assert pred.label == "joy" and set(pred.scores) == set(LABELS)
