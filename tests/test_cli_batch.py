"""Batch mode: `affectkit analyze DIR/ -o OUTDIR/` -- one output per input, the bad ones listed."""
import json

import pandas as pd
import pytest

from affectkit.cli import EXIT_ITEM_FAILED, EXIT_OK, EXIT_USAGE, main

GOOD = "1\n00:00:00,000 --> 00:00:02,000\nAnn: What a lovely surprise!\n\n2\n00:00:02,500 --> 00:00:04,000\nBob: I hate this.\n"


def run(capsys, argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a_good.srt").write_text(GOOD)
    (d / "b_overlap.srt").write_text("1\n00:00:05,000 --> 00:00:01,000\nhi\n")
    (d / "c_empty.txt").touch()
    (d / "d_fake.mp4").write_text(GOOD)
    (d / "e_good.txt").write_text("So happy to see you!\nThis is terrible.\n")
    (d / ".hidden.srt").write_text(GOOD)           # hidden files are skipped
    (d / "sub").mkdir()                            # and subfolders
    (d / "sub" / "x.srt").write_text(GOOD)
    return d


def test_batch_carries_on_past_bad_files_and_lists_them(capsys, tmp_path, folder, text_model):
    out = tmp_path / "out"
    rc, stdout, err = run(capsys, ["analyze", folder, "-o", out, "--format", "json", "--no-explain"])
    assert rc == EXIT_ITEM_FAILED and stdout == "" and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["a_good.srt.json", "e_good.txt.json", "failures.json"]
    good = json.loads((out / "a_good.srt.json").read_text())
    assert good["input"] == str(folder / "a_good.srt") and [s["speaker"] for s in good["segments"]] == ["Ann", "Bob"]
    assert good["summary"]["text"].startswith("2 utterances over 4.0 s")
    assert len(json.loads((out / "e_good.txt.json").read_text())["segments"]) == 2
    report = json.loads((out / "failures.json").read_text())
    assert report["inputs"] == 5 and report["written"] == 2
    failed = {f["input"].rsplit("/", 1)[1]: f["error"] for f in report["failed"]}
    assert list(failed) == ["b_overlap.srt", "c_empty.txt", "d_fake.mp4"]
    assert "line 2" in failed["b_overlap.srt"] and "empty" in failed["c_empty.txt"]
    assert "holds text" in failed["d_fake.mp4"]
    # stderr: one line per bad file as it happens, then the list at the end
    lines = err.strip().splitlines()
    assert lines[3] == f"affectkit: 3 of 5 inputs failed (listed in {out / 'failures.json'}):"
    assert [l.split(":")[0].strip() for l in lines[4:]] == [str(folder / n) for n in failed]
    assert lines[4] == f"  {folder / 'b_overlap.srt'}: line 2: end 1.000s is not after start 5.000s"
    assert len(lines) == 7


def test_batch_never_overwrites_outputs_or_inputs(capsys, tmp_path, folder, text_model):
    out = tmp_path / "out"
    assert run(capsys, ["analyze", folder, "-o", out, "--format", "csv", "--no-explain", "-q"])[0] == EXIT_ITEM_FAILED
    before = (out / "a_good.srt.csv").read_text()
    (out / "a_good.srt.csv").write_text("precious")
    rc, _, err = run(capsys, ["analyze", folder, "-o", out, "--format", "csv", "--no-explain"])
    assert rc == EXIT_USAGE and "already exists" in err and "--force" in err and "(and 1 more)" in err
    assert (out / "a_good.srt.csv").read_text() == "precious"           # refused before any work
    rc, _, _ = run(capsys, ["analyze", folder, "-o", out, "--format", "csv", "--no-explain", "--force", "-q"])
    assert rc == EXIT_ITEM_FAILED and (out / "a_good.srt.csv").read_text() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]        # no temporary files left behind
    rc, _, err = run(capsys, ["analyze", folder, "-o", folder, "--no-explain"])
    assert rc == EXIT_USAGE and "another folder" in err
    assert sorted(p.name for p in folder.iterdir()) == [".hidden.srt", "a_good.srt", "b_overlap.srt", "c_empty.txt",
                                                         "d_fake.mp4", "e_good.txt", "sub"]
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "a_good.srt").write_text(GOOD)
    rc, _, err = run(capsys, ["analyze", folder / "a_good.srt", twin / "a_good.srt", "-o", f"{tmp_path / 'o2'}/"])
    assert rc == EXIT_USAGE and "would both be written to" in err


def test_batch_of_files_into_a_folder_all_good_parquet_and_html(capsys, tmp_path, folder, text_model):
    pytest.importorskip("pyarrow")
    out = tmp_path / "pq"
    files = [folder / "a_good.srt", folder / "e_good.txt"]
    rc, _, err = run(capsys, ["analyze", *files, "-o", f"{out}/", "--format", "parquet", "--no-explain"])
    assert rc == EXIT_OK and f"2 outputs written to {out}" in err
    df = pd.read_parquet(out / "a_good.srt.parquet")
    assert df["speaker"].tolist() == ["Ann", "Bob"] and "emotion_joy" in df.columns
    assert json.loads((out / "failures.json").read_text()) == {"inputs": 2, "written": 2, "failed": []}
    rc, _, _ = run(capsys, ["analyze", *files, "-o", f"{out}/", "--format", "html", "--no-explain", "-q"])
    assert rc == EXIT_OK and (out / "e_good.txt.html").read_text().startswith("<!DOCTYPE html>")


def test_batch_progress_bar_counts_files(capsys, tmp_path, folder, text_model):
    rc, _, err = run(capsys, ["analyze", folder, "-o", tmp_path / "o", "--progress", "--no-explain", "-q"])
    assert rc == EXIT_ITEM_FAILED
    assert "analyze: 100%" in err and "5/5" in err and "e_good.txt: fusion" in err
