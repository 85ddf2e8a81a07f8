"""`affectkit analyze` on bad input: one clear line on stderr, no traceback, the documented exit
status (1: the input failed; 2: usage; 3: a missing extra) -- and the outputs people want:
the summary paragraph, --timings, Parquet, the staged progress bar."""
import json
import sys

import pandas as pd
import pytest

from affectkit.cli import EXIT_ITEM_FAILED, EXIT_MODEL, EXIT_OK, EXIT_USAGE, build_parser, main

EXAMPLE = "examples/interview.srt"
SRT = "1\n00:00:00,000 --> 00:00:02,000\nAnn: What a lovely surprise!\n\n2\n00:00:02,500 --> 00:00:04,000\nBob: I hate this.\n"


def run(capsys, argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err, *words):
    """The error is said on exactly one stderr line, without a traceback, naming what is wrong."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("affectkit: ")
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def tone(path, seconds=2.0, sr=16000):
    import wave

    import numpy as np

    t = np.arange(int(seconds * sr)) / sr
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture
def no_decoding(monkeypatch):
    """Limits and content checks must come before decoding: decoding fails the test."""
    from affectkit.io import audio

    def fail(*a, **k):
        raise AssertionError("decoded")

    monkeypatch.setattr(audio, "load_audio", fail)


def test_help_documents_the_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["analyze", "--help"])
    text = capsys.readouterr().out
    for line in ("0    all done", "1    some inputs failed", "2    usage error", "3    a bundled model", "130  interrupted"):
        assert line in text
    assert "--max-file-mb" in text and "--timings" in text and "parquet" in text and "failures.json" in text


def test_corrupt_audio(capsys, tmp_path, no_decoding):
    bad = tmp_path / "corrupt.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVE" + b"\x07" * 500)
    rc, out, err = run(capsys, ["analyze", bad])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, str(bad), "corrupt or unsupported")
    assert out.startswith("ERROR: ")


def test_truncated_audio(capsys, tmp_path, no_decoding):
    whole = tone(tmp_path / "whole.wav", 3.0)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 4])
    rc, out, err = run(capsys, ["analyze", cut, "--no-asr", "--format", "json"])
    assert rc == EXIT_ITEM_FAILED
    line = one_line(err, str(cut), "truncated: its WAV header announces 96,000 bytes of audio, the file holds 23,967 (25%)")
    assert json.loads(out)["errors"] == [line[len("affectkit: "):]]


def test_truncated_compressed_audio(capsys, tmp_path, media):
    whole = media.ffmpeg("tone_faststart.m4a", "-f", "lavfi", "-i", "sine=frequency=220:duration=4",
                         "-c:a", "aac", "-movflags", "+faststart")
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.3)])
    rc, _, err = run(capsys, ["analyze", cut, "--no-asr"])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, str(cut), "truncated or corrupt")
    moov_last = media.ffmpeg("tone_moov_last.m4a", "-f", "lavfi", "-i", "sine=frequency=220:duration=4", "-c:a", "aac")
    cut.write_bytes(moov_last.read_bytes()[: int(moov_last.stat().st_size * 0.6)])
    rc, _, err = run(capsys, ["analyze", cut, "--no-asr"])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, str(cut), "corrupt or unsupported")


@pytest.mark.parametrize("name,reason", [("empty.mp4", "empty (0 bytes)"), ("empty.srt", "the file is empty")])
def test_zero_length(capsys, tmp_path, name, reason):
    (tmp_path / name).touch()
    rc, _, err = run(capsys, ["analyze", tmp_path / name])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, name, reason)


def test_missing_file_and_folder_without_files(capsys, tmp_path):
    rc, _, err = run(capsys, ["analyze", tmp_path / "nowhere.wav"])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "nowhere.wav: no such file")
    (tmp_path / "empty_dir").mkdir()
    rc, _, err = run(capsys, ["analyze", tmp_path / "empty_dir"])
    assert rc == EXIT_USAGE
    one_line(err, "no files in the folder")


def test_wrong_extension_text_named_mp4(capsys, tmp_path, no_decoding):
    fake = tmp_path / "talk.mp4"
    fake.write_text(SRT)
    rc, _, err = run(capsys, ["analyze", fake])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "talk.mp4", "holds text, not audio or video", "--transcript")


def test_wrong_extension_wav_named_mp4_is_read_as_audio(capsys, tmp_path, media, utterance):
    disguised = tmp_path / "speech.mp4"
    disguised.write_bytes(utterance.read_bytes())
    rc, out, err = run(capsys, ["analyze", disguised, "--no-asr", "--no-explain", "--format", "json", "--quiet"])
    assert rc == EXIT_OK and err == ""                           # --quiet: no notes, no bar
    doc = json.loads(out)
    assert doc["modalities"] == ["voice"] and doc["kind"] == "audio" and doc["segments"]
    assert doc["segments"][0]["face_emotion"] is None and doc["segments"][0]["errors"] == []  # no face to read


def test_binary_named_txt_is_an_unreadable_transcript(capsys, tmp_path):
    blob = tmp_path / "notes.txt"
    blob.write_bytes(b"\x00\x01\x02\x03" * 100)
    rc, _, err = run(capsys, ["analyze", blob])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "notes.txt", "binary data")


def test_unreadable_transcripts(capsys, tmp_path, monkeypatch, text_model):
    latin = tmp_path / "latin1.srt"
    latin.write_bytes("1\n00:00:00,000 --> 00:00:01,000\ncaf\u00e9 cr\u00e8me\n".encode("latin-1"))
    rc, _, err = run(capsys, ["analyze", latin])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "latin1.srt, line 3", "not valid UTF-8")
    locked = tmp_path / "locked.srt"
    locked.write_text(SRT)
    from pathlib import Path

    real = Path.read_bytes

    def deny(self):
        if self.name == "locked.srt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    rc, _, err = run(capsys, ["analyze", locked])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "locked.srt", "cannot read: Permission denied")


def test_unreadable_transcript_given_with_a_recording(capsys, tmp_path, media, utterance):
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:05,000 --> 00:00:01,000\nhi\n")
    rc, _, err = run(capsys, ["analyze", utterance, "--transcript", bad, "--no-explain", "--quiet"])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "bad.srt, line 2", "is not after start")


def test_huge_files_are_refused_before_decoding(capsys, tmp_path, monkeypatch, no_decoding):
    wav = tone(tmp_path / "long.wav", 2.0)
    rc, _, err = run(capsys, ["analyze", wav, "--max-file-mb", "0.01"])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "long.wav", "files over 0.01 MB are refused", "--max-file-mb")
    monkeypatch.setenv("AFFECTKIT_MAX_DURATION", "1.5")
    rc, _, err = run(capsys, ["analyze", wav])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "long.wav", "is 2.00 s long; recordings over 1.50 s are refused", "AFFECTKIT_MAX_DURATION")
    monkeypatch.setenv("AFFECTKIT_MAX_DURATION", "forever")
    rc, _, err = run(capsys, ["analyze", wav])
    assert rc == EXIT_USAGE
    one_line(err, "AFFECTKIT_MAX_DURATION must be a positive number")
    monkeypatch.delenv("AFFECTKIT_MAX_DURATION")
    rc, _, err = run(capsys, ["analyze", EXAMPLE, "--max-transcript-mb", "0.0001"])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "interview.srt", "--max-transcript-mb")
    with pytest.raises(SystemExit) as e:
        main(["analyze", EXAMPLE, "--max-duration", "-3"])
    assert e.value.code == EXIT_USAGE


def test_no_audio_and_no_video_stream(capsys, tmp_path, media):
    srt = tmp_path / "subs.srt"
    srt.write_text(SRT)
    subs_only = media.ffmpeg("subtitles_only.mkv", "-i", str(srt))
    rc, _, err = run(capsys, ["analyze", subs_only])
    assert rc == EXIT_ITEM_FAILED
    one_line(err, "subtitles_only.mkv", "has no audio or video stream", "subtitle")


def test_no_video_stream_reads_the_soundtrack(capsys, media, utterance):
    audio_only = media.ffmpeg("speech_only_cli.mp4", "-i", str(utterance), "-c:a", "aac")
    rc, out, err = run(capsys, ["analyze", audio_only, "--no-asr", "--no-explain", "--format", "json"])
    assert rc == EXIT_OK and "Traceback" not in err
    doc = json.loads(out)
    assert doc["modalities"] == ["voice"] and "face.expression" not in doc["models"]


def test_one_bad_input_among_good_ones_says_so_and_the_rest_runs(capsys, tmp_path, text_model):
    empty = tmp_path / "empty.vtt"
    empty.touch()
    rc, out, err = run(capsys, ["analyze", empty, EXAMPLE, "--no-explain", "--format", "json"])
    assert rc == EXIT_ITEM_FAILED and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "empty.vtt" in lines[0] and "1 of 2 inputs failed" in lines[1]
    docs = json.loads(out)
    assert docs[0]["errors"] and len(docs[1]["segments"]) == 10


def test_summary_paragraph_in_record_table_and_html(capsys, tmp_path, text_model):
    rc, out, _ = run(capsys, ["analyze", EXAMPLE, "--no-explain", "--format", "json"])
    doc = json.loads(out)
    text = doc["summary"]["text"]
    assert text.startswith("10 utterances over 38.0 s, read from text. Mostly ")
    assert f"({doc['summary']['emotion_counts'][doc['summary']['dominant_emotion']]} of 10)" in text
    rc, out, _ = run(capsys, ["analyze", EXAMPLE, "--no-explain"])
    table, _, summary = out.partition("\n\nSummary: ")
    assert rc == 0 and len(table.splitlines()) == 11
    assert " ".join(summary.split()) == text
    page = tmp_path / "r.html"
    assert run(capsys, ["analyze", EXAMPLE, "--no-explain", "--format", "html", "-o", page])[0] == 0
    html = page.read_text()
    assert html.index('<p class="summary">') < html.index("<h2>Timeline</h2>")
    assert "10 utterances over 38.0 s, read from text. Mostly" in html


@pytest.mark.slow
def test_timings_per_stage(capsys, text_model):
    import affectkit
    from affectkit.core.timing import STAGES

    rc, out, err = run(capsys, ["analyze", EXAMPLE, "--format", "json", "--timings"])
    assert rc == 0
    t = json.loads(out)["timings"]
    assert {"probe", "segment", "text", "explain", "fusion", "report", "total"} <= set(t) <= set(STAGES) | {"total"}
    assert all(v >= 0 for v in t.values()) and sum(v for k, v in t.items() if k != "total") <= t["total"] + 1e-3
    line = one_line(err, "interview.srt: timings (s): probe ")
    assert "; RTF " in line
    rc, out, _ = run(capsys, ["analyze", EXAMPLE, "--format", "json"])
    assert json.loads(out)["timings"] is None     # off unless asked: outputs stay reproducible
    result = affectkit.analyze(EXAMPLE, model=text_model, timings=True, explain=False)
    assert set(result.timings) >= {"text", "fusion", "total"} and "explain" not in result.timings


def test_parquet(capsys, tmp_path, text_model, monkeypatch):
    pytest.importorskip("pyarrow")
    target = tmp_path / "t.parquet"
    rc, out, err = run(capsys, ["analyze", EXAMPLE, "--no-explain", "--format", "parquet", "-o", target])
    assert rc == 0 and out == ""
    df = pd.read_parquet(target)
    csv_path = tmp_path / "t.csv"
    run(capsys, ["analyze", EXAMPLE, "--no-explain", "--format", "csv", "-o", csv_path])
    ref = pd.read_csv(csv_path)
    assert list(df.columns) == list(ref.columns) and len(df) == 10
    assert df["emotion_joy"].tolist() == pytest.approx(ref["emotion_joy"].tolist())
    assert df["speaker"].tolist() == ref["speaker"].tolist()
    import affectkit

    api = tmp_path / "api.parquet"
    affectkit.analyze(EXAMPLE, model=text_model, explain=False).to_parquet(api)
    assert pd.read_parquet(api).equals(df)
    rc, _, err = run(capsys, ["analyze", EXAMPLE, "--format", "parquet"])
    assert rc == EXIT_USAGE
    one_line(err, "-o FILE")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    rc, _, err = run(capsys, ["analyze", EXAMPLE, "--format", "parquet", "-o", tmp_path / "u.parquet"])
    assert rc == EXIT_MODEL
    one_line(err, "pip install 'affectkit[parquet]'")
    assert not (tmp_path / "u.parquet").exists()


@pytest.mark.slow
def test_progress_bar_is_one_staged_line_on_stderr(capsys, text_model):
    rc, out, err = run(capsys, ["analyze", EXAMPLE, "--progress", "--format", "json"])
    assert rc == 0 and json.loads(out)["segments"]
    for stage in ("interview.srt · text", "interview.srt · explain", "interview.srt · fusion"):
        assert stage in err
    rc, out, err = run(capsys, ["analyze", EXAMPLE, "--format", "json"])   # stderr is not a terminal here
    assert err == ""
