"""`affectkit analyze DIR/ -o OUT/ --engine ray`: the same outputs as the local engine, a bad file
listed, the Parquet utterance table, resuming after an interruption; and the harness's cells."""
import builtins
import json
import os

import pytest

from affectkit.cli import EXIT_ITEM_FAILED, EXIT_MODEL, EXIT_OK, EXIT_USAGE, main

pytest.importorskip("ray")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

OUTPUTS = ["interview.srt.json", "talk.flac.json", "talking_head.mp4.json"]
OPTS = ["--format", "json", "--no-asr", "--no-explain"]


def run(capsys, argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def local_out(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    assert main(["analyze", str(corpus), "-o", str(out), *OPTS, "-q"]) \
        == EXIT_ITEM_FAILED
    return out


@pytest.mark.slow
def test_ray_engine_writes_what_the_local_engine_writes(capsys, ray_local, corpus, local_out, tmp_path):
    out = tmp_path / "ray"
    rc, stdout, err = run(capsys, ["analyze", corpus, "-o", out, *OPTS, "--engine", "ray"])
    assert rc == EXIT_ITEM_FAILED and stdout == "" and "Traceback" not in err
    for name in OUTPUTS:  # identical readings, byte for byte
        assert (out / name).read_bytes() == (local_out / name).read_bytes(), name
    assert (out / "failures.json").read_text() == (local_out / "failures.json").read_text()
    failed = json.loads((out / "failures.json").read_text())
    assert failed["inputs"] == 4 and failed["written"] == 3 and failed["failed"][0]["input"].endswith("corrupt.wav")
    assert f"affectkit: {corpus / 'corrupt.wav'}: cannot be read" in err  # said as it happens, as locally
    assert "1 of 4 inputs failed" in err
    # the utterance table: one Parquet dataset, one row per utterance, same columns in every file
    table = pd.read_parquet(out / "utterances").sort_values(["input", "index"])
    records = {n: json.loads((out / n).read_text()) for n in OUTPUTS}
    assert len(table) == sum(len(r["segments"]) for r in records.values())
    srt = table[table.input == str(corpus / "interview.srt")]
    rec = records["interview.srt.json"]
    assert list(srt.text) == [s["text"] for s in rec["segments"]]
    assert list(srt.emotion) == [s["emotion"] for s in rec["segments"]]
    assert srt.emotion_joy.tolist() == [s["emotion_scores"]["joy"] for s in rec["segments"]]
    assert set(srt.model_text_emotion) == {rec["models"]["text.emotion"]} and srt.voice_emotion.isna().all()
    video = table[table.kind == "video"]
    assert set(video.model_face_expression) == {records["talking_head.mp4.json"]["models"]["face.expression"]}
    assert video.input_sha256.str.len().eq(64).all()
    flac = table[table.input.str.endswith("talk.flac")]
    assert dict(flac.voice_cues.iloc[0])["pitch_hz"] == records["talk.flac.json"]["segments"][0]["voice_emotion"]["cues"]["pitch_hz"]


@pytest.mark.slow
def test_ray_engine_resumes_where_an_interrupted_run_stopped(capsys, ray_local, corpus, tmp_path):
    out = tmp_path / "ray"
    assert run(capsys, ["analyze", corpus, "-o", out, *OPTS, "--engine", "ray", "-q"])[0] == EXIT_ITEM_FAILED
    first = {n: (out / n).read_bytes() for n in OUTPUTS}
    stamps = {n: os.stat(out / n).st_mtime_ns for n in OUTPUTS}
    # a rerun does nothing but the failed input again
    rc, _, err = run(capsys, ["analyze", corpus, "-o", out, *OPTS, "--engine", "ray"])
    assert rc == EXIT_ITEM_FAILED and "3 of 4 inputs done by an earlier run" in err
    assert {n: os.stat(out / n).st_mtime_ns for n in OUTPUTS} == stamps
    # interrupted: one input killed after its output was written (no marker), one before anything
    (out / ".affectkit" / "done" / "talk.flac.json.json").unlink()
    (out / "talking_head.mp4.json").unlink()
    (out / ".affectkit" / "done" / "talking_head.mp4.json.json").unlink()
    (out / "utterances" / "talking_head.mp4.parquet").unlink()
    rc, _, err = run(capsys, ["analyze", corpus, "-o", out, *OPTS, "--engine", "ray"])
    assert rc == EXIT_ITEM_FAILED and "1 of 4 inputs done by an earlier run" in err
    assert {n: (out / n).read_bytes() for n in OUTPUTS} == first
    assert os.stat(out / "interview.srt.json").st_mtime_ns == stamps["interview.srt.json"]
    assert sorted(p.name for p in (out / "utterances").iterdir()) == [f"{n[:-5]}.parquet" for n in OUTPUTS]
    # other options: the outputs are not this run's to replace
    rc, _, err = run(capsys, ["analyze", corpus, "-o", out, "--format", "json", "--no-asr", "--engine", "ray"])
    assert rc == EXIT_USAGE and "already exists; pass --force" in err


def test_local_resume_skips_done_inputs(capsys, corpus, tmp_path, text_model):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.srt").write_bytes((corpus / "interview.srt").read_bytes())
    (src / "b.txt").write_text("So happy to see you!\n")
    out = tmp_path / "out"
    assert run(capsys, ["analyze", src, "-o", out, *OPTS, "--resume"])[0] == EXIT_OK
    stamp = os.stat(out / "a.srt.json").st_mtime_ns
    (src / "b.txt").write_text("This is terrible.\n")  # edited: its old output was made for other content
    rc, _, err = run(capsys, ["analyze", src, "-o", out, *OPTS, "--resume"])
    assert rc == EXIT_USAGE and "b.txt.json already exists" in err
    (out / "b.txt.json").unlink()
    rc, _, err = run(capsys, ["analyze", src, "-o", out, *OPTS, "--resume"])
    assert rc == EXIT_OK and "1 of 2 inputs done by an earlier run" in err
    assert os.stat(out / "a.srt.json").st_mtime_ns == stamp
    assert json.loads((out / "b.txt.json").read_text())["segments"][0]["sentiment"] == "negative"


@pytest.mark.parametrize("argv, message", [
    (["--engine", "ray"], "--engine ray is for batch runs"),
    (["--num-cpus", "2"], "--address and --num-cpus go with --engine ray"),
    (["--resume"], "--resume is for batch runs"),
    (["--engine", "ray", "--timings", "-o", "OUT/"], "--timings is for the local engine"),
])
def test_engine_usage_errors(capsys, corpus, tmp_path, argv, message):
    argv = [a.replace("OUT/", f"{tmp_path}/o/") for a in argv]
    rc, _, err = run(capsys, ["analyze", corpus / "interview.srt", *argv])
    assert rc == EXIT_USAGE and message in err and "Traceback" not in err


def test_without_ray_the_error_names_the_extra(capsys, corpus, tmp_path, monkeypatch):
    real = builtins.__import__

    def no_ray(name, *a, **k):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", no_ray)
    rc, _, err = run(capsys, ["analyze", corpus, "-o", tmp_path / "o", "--engine", "ray"])
    assert rc == EXIT_MODEL and "pip install 'affectkit[ray]'" in err and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_bench_cells_on_ray_give_the_local_results(capsys, ray_local, tmp_path):
    def bench(engine):
        out = tmp_path / f"{engine}.json"
        rc, _, _ = run(capsys, ["bench", "--task", "emodb", "--model", "logreg", "--debug", "--seeds", "0", "1", "2",
                                "--bootstrap", "50", "--engine", engine, "-o", out])
        assert rc == 0
        return json.loads(out.read_text())

    def comparable(r):
        drop = {"seconds", "created", "cli_args"}
        r = {k: v for k, v in r.items() if k not in drop}
        r["per_seed"] = [{k: v for k, v in s.items() if k != "seconds"} for s in r["per_seed"]]
        return r
    local, on_ray = bench("local"), bench("ray")
    assert [s["seed"] for s in on_ray["per_seed"]] == [0, 1, 2]
    assert comparable(on_ray) == comparable(local)
