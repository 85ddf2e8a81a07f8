"""The command-line contract (scripts depend on it)."""
import json

import pandas as pd
import pytest

from affectkit.cli import main
from affectkit.core.labels import EMOTION, SENTIMENT

from conftest import run_cli as run  # noqa: E402

EXAMPLE = "examples/interview.srt"




def check_record(rec, text):
    assert list(rec) == ["text", "emotion", "emotion_scores", "sentiment", "sentiment_scores"]
    assert rec["text"] == text
    assert list(rec["emotion_scores"]) == list(EMOTION.labels)
    assert list(rec["sentiment_scores"]) == list(SENTIMENT.labels)
    for task in ("emotion", "sentiment"):
        scores = rec[f"{task}_scores"]
        assert sum(scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert all(0.0 <= p <= 1.0 for p in scores.values())
        assert rec[task] == max(scores, key=scores.get)


def test_predict_text_lines_in_order(capsys, monkeypatch, text_model):
    texts = ["I can't believe it!", "The train leaves at nine.", "I hate this so much."]
    rc, out, err = run(capsys, monkeypatch, ["predict", "text", "-"], "\n".join(texts).encode())
    assert rc == 0
    lines = [json.loads(l) for l in out.splitlines()]
    assert len(lines) == 3
    for rec, text in zip(lines, texts):
        check_record(rec, text)


def test_predict_text_bad_lines_carry_on_and_exit_1(capsys, monkeypatch, text_model):
    rc, out, err = run(capsys, monkeypatch, ["predict", "text"], b"good day\n\n   \ncaf\xe9\nfine\n")
    assert rc == 1
    lines = [json.loads(l) for l in out.splitlines()]
    assert len(lines) == 5
    assert "error" in lines[1] and "line 2" in lines[1]["error"]
    assert "error" in lines[2] and "error" in lines[3] and "UTF-8" in lines[3]["error"]
    check_record(lines[0], "good day")
    check_record(lines[4], "fine")
    assert "3 of 5 inputs failed" in err


def test_jsonl_context_changes_the_reading(capsys, monkeypatch, text_model):
    jl = [{"text": "You got fired? They fired you on your birthday?", "speaker": "A", "dialogue_id": "d1"},
          {"text": "Yeah.", "speaker": "B", "dialogue_id": "d1"},
          {"text": "Yeah.", "speaker": "B", "dialogue_id": "d2"},
          {"text": "Yeah.", "speaker": "B"}]
    payload = "\n".join(json.dumps(x) for x in jl).encode()
    rc, out, _ = run(capsys, monkeypatch, ["predict", "text", "--jsonl", "-"], payload)
    assert rc == 0
    recs = [json.loads(l) for l in out.splitlines()]
    with_ctx, alone_new_dialogue, alone = recs[1], recs[2], recs[3]
    assert alone_new_dialogue["emotion_scores"] == alone["emotion_scores"]
    assert with_ctx["emotion_scores"] != alone["emotion_scores"]


def test_jsonl_errors(capsys, monkeypatch, text_model):
    payload = b'{"text": "ok"}\nnot json\n[1,2]\n{"txt": "x"}\n{"text": "x", "speaker": {"a": 1}}\n'
    rc, out, _ = run(capsys, monkeypatch, ["predict", "text", "--jsonl"], payload)
    recs = [json.loads(l) for l in out.splitlines()]
    assert rc == 1 and len(recs) == 5
    assert "emotion" in recs[0]
    assert [("error" in r) for r in recs] == [False, True, True, True, True]


def test_output_file_never_overwrites_inputs_or_files(capsys, monkeypatch, tmp_path, text_model):
    src = tmp_path / "in.txt"
    src.write_text("hello there\n")
    out = tmp_path / "out.jsonl"
    assert run(capsys, monkeypatch, ["predict", "text", str(src), "-o", str(out)])[0] == 0
    assert json.loads(out.read_text())["text"] == "hello there"
    out.write_text("precious")
    rc, _, err = run(capsys, monkeypatch, ["predict", "text", str(src), "-o", str(out)])
    assert rc == 2 and "exists" in err and out.read_text() == "precious"
    assert run(capsys, monkeypatch, ["predict", "text", str(src), "-o", str(out), "--force"])[0] == 0
    assert "hello there" in out.read_text()
    rc, _, err = run(capsys, monkeypatch, ["predict", "text", str(src), "-o", str(src), "--force"])
    assert rc == 2 and "input" in err and src.read_text() == "hello there\n"


def test_progress_bar_goes_to_stderr_only(capsys, monkeypatch, text_model):
    rc, out, err = run(capsys, monkeypatch, ["predict", "text", "--progress"], b"a fine day\nso sad\n")
    assert rc == 0
    assert "predict text" in err and "2/2" in err
    assert all(json.loads(l) for l in out.splitlines())


def test_analyze_table_json_csv(capsys, monkeypatch, tmp_path, text_model):
    rc, out, _ = run(capsys, monkeypatch, ["analyze", EXAMPLE])
    assert rc == 0
    out, _, summary = out.partition("\n\nSummary: ")      # the table, then its summary paragraph
    assert summary.startswith("10 utterances over 38.0 s, read from text. Mostly ")
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["#", "start", "end", "speaker"]
    rows = [l for l in lines[1:] if not l.startswith(" ")]
    assert len(rows) == 10 and "Maya" in out
    assert sum(l.startswith("   > text (") for l in lines) == 10      # an explanation under each row
    rc, out, _ = run(capsys, monkeypatch, ["analyze", EXAMPLE, "--format", "json"])
    doc = json.loads(out)
    assert doc["modalities"] == ["text"] and doc["errors"] == [] and len(doc["segments"]) == 10
    seg = doc["segments"][1]
    assert seg["speaker"] == "Sam" and seg["start"] == 3.4 and seg["end"] == 8.1
    assert seg["emotion"] == seg["text_emotion"]["label"] in EMOTION.labels
    assert seg["modality_weights"] == {"text": 1.0} and seg["conflict"] is False
    sc = seg["emotion_scores"]  # valence: the fused reading's P(joy) - P(negative emotions)
    assert seg["valence"] == pytest.approx(sc["joy"] - sc["anger"] - sc["disgust"] - sc["fear"] - sc["sadness"], abs=2e-3)
    assert seg["valence"] < 0 and -1 <= min(s["valence"] for s in doc["segments"]) <= max(s["valence"] for s in doc["segments"]) <= 1
    assert seg["explanation"].startswith(f"text ({seg['emotion']}): '")  # the words behind the reading
    rc, out, _ = run(capsys, monkeypatch, ["analyze", EXAMPLE, "--no-explain"])
    out = out.partition("\n\nSummary: ")[0]
    assert rc == 0 and len(out.splitlines()) == 11 and "   > " not in out
    rc, out, _ = run(capsys, monkeypatch, ["analyze", EXAMPLE, "--no-explain", "--format", "json"])
    plain = json.loads(out)["segments"]
    assert all(s["explanation"] is None for s in plain)
    assert [s["emotion_scores"] for s in plain] == [s["emotion_scores"] for s in doc["segments"]]
    assert sum(seg["sentiment_scores"].values()) == pytest.approx(1.0, abs=1e-6)
    target = tmp_path / "t.csv"
    assert run(capsys, monkeypatch, ["analyze", EXAMPLE, "--format", "csv", "-o", str(target)])[0] == 0
    df = pd.read_csv(target)
    assert len(df) == 10 and {"start", "end", "speaker", "text", "emotion", "emotion_joy", "sentiment"} <= set(df.columns)


def test_analyze_bad_file_is_reported_and_the_rest_runs(capsys, monkeypatch, tmp_path, text_model):
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:05,000 --> 00:00:01,000\nhi\n")
    rc, out, err = run(capsys, monkeypatch, ["analyze", str(bad), EXAMPLE, "--format", "json"])
    assert rc == 1
    docs = json.loads(out)
    assert "line 2" in docs[0]["errors"][0] and docs[0]["segments"] == []
    assert len(docs[1]["segments"]) == 10
    assert "bad.srt" in err


def test_usage_errors_exit_2(capsys, monkeypatch):
    assert run(capsys, monkeypatch, [])[0] == 2
    assert run(capsys, monkeypatch, ["predict"])[0] == 2
    with pytest.raises(SystemExit) as e:
        main(["analyze"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["predict", "text", "--bogus"])
    assert e.value.code == 2
    assert run(capsys, monkeypatch, ["predict", "text", "/no/such/file"])[0] == 2


def test_missing_model_exits_3(capsys, monkeypatch, tmp_path):
    from affectkit.recognize import text_model

    monkeypatch.setenv("AFFECTKIT_TEXT_MODEL", str(tmp_path))
    text_model.bundled_text_model.cache_clear()
    try:
        rc, _, err = run(capsys, monkeypatch, ["predict", "text"], b"hi\n")
    finally:
        monkeypatch.delenv("AFFECTKIT_TEXT_MODEL")
        text_model.bundled_text_model.cache_clear()
    assert rc == 3 and "retrain" in err


def test_python_dash_m_affectkit_is_the_command():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "affectkit", "predict", "text", "-"], input="We won the final!\n",
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["emotion"] == "joy"
    bad = subprocess.run([sys.executable, "-m", "affectkit", "predict", "nothing"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "invalid choice" in bad.stderr
