"""`affectkit predict face` and `affectkit analyze VIDEO`: the command-line contract for faces."""
import json

import numpy as np
import pytest

from conftest import FACES, face_canvas, gray_video

pytest.importorskip("cv2")
pytest.importorskip("av")

from affectkit.cli import main  # noqa: E402

LABELS = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]
CROPS = sorted(FACES.glob("fer_*.png"))


def check_scores(scores):
    assert list(scores) == LABELS
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-6) and min(scores.values()) >= 0


def test_predict_face_crop_on_real_fer_crops(capsys):
    rc = main(["predict", "face", "--crop", *map(str, CROPS)])
    out, _ = capsys.readouterr()
    recs = [json.loads(l) for l in out.splitlines()]
    assert rc == 0 and [r["path"] for r in recs] == list(map(str, CROPS))
    for r in recs:
        assert list(r) == ["path", "emotion", "emotion_scores"]
        check_scores(r["emotion_scores"])
        assert r["emotion"] == max(r["emotion_scores"], key=r["emotion_scores"].get)


def test_predict_face_finds_faces_and_none_and_reports_bad_files(capsys, tmp_path):
    import cv2

    face, blank = tmp_path / "face.png", tmp_path / "nobody.jpg"
    cv2.imwrite(str(face), face_canvas(FACES / "fer_happy.png"))
    cv2.imwrite(str(blank), np.full((240, 320, 3), 110, np.uint8))
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)
    missing = tmp_path / "missing.jpg"
    rc = main(["predict", "face", str(face), str(blank), str(corrupt), str(missing)])
    out, err = capsys.readouterr()
    recs = [json.loads(l) for l in out.splitlines()]
    assert rc == 1 and [r["path"] for r in recs] == [str(face), str(blank), str(corrupt), str(missing)]
    assert list(recs[0]) == ["path", "faces"] and len(recs[0]["faces"]) == 1
    found = recs[0]["faces"][0]
    assert list(found) == ["box", "emotion", "emotion_scores"]
    x, y, w, h = found["box"]
    assert abs(x - 80) < 20 and abs(y - 40) < 20 and abs(w - 160) < 30
    check_scores(found["emotion_scores"])
    assert recs[1] == {"path": str(blank), "faces": []}
    assert list(recs[2]) == ["path", "error"] and "cannot be read as an image" in recs[2]["error"]
    assert "no such file" in recs[3]["error"]
    assert "2 of 4 inputs failed" in err


def test_predict_face_usage_and_model_errors(capsys, monkeypatch, tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["predict", "face"])
    assert e.value.code == 2
    monkeypatch.setenv("AFFECTKIT_FACE_MODEL", str(tmp_path))
    assert main(["predict", "face", "--crop", str(CROPS[0])]) == 3
    assert "face model not found" in capsys.readouterr().err


@pytest.fixture(scope="module")
def silent_video(tmp_path_factory):
    """4 s, no soundtrack: a FER2013 face for the first 2 s, nobody for the last 2 s."""
    face = face_canvas(FACES / "fer_surprise.png")
    blank = np.full_like(face, 110)
    return gray_video(tmp_path_factory.mktemp("v") / "silent.mp4", [face] * 20 + [blank] * 20)


def test_analyze_video_with_transcript_reads_the_face_per_utterance(capsys, tmp_path, silent_video):
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,900\nWow, I did not see that coming!\n\n"
                   "2\n00:00:02,100 --> 00:00:03,900\nAnd then everybody left.\n")
    out_json = tmp_path / "talk.json"
    rc = main(["analyze", str(silent_video), "--transcript", str(srt), "--format", "json", "-o", str(out_json)])
    err = capsys.readouterr().err
    assert rc == 0, err
    doc = json.loads(out_json.read_text())
    assert doc["modalities"] == ["text", "face"] and doc["models"]["face.expression"].startswith("face.expression@")
    first, second = doc["segments"]
    assert first["face_emotion"]["face_seen"] == 1.0 and first["face_emotion"]["cues"]["frames"] == 10
    check_scores(first["face_emotion"]["scores"])
    assert first["text_emotion"]["label"] in LABELS and first["voice_emotion"] is None
    assert second["face_emotion"] is None
    assert any(e.startswith("face: no face seen") for e in second["errors"])
    assert any("no audio track" in e for e in second["errors"])
    assert doc["summary"]["frames_sampled"] == 20 and doc["summary"]["frames_with_face"] == 10
    assert "frames sampled at 5 fps, a face in 10" in err
    # the table says "no face" where none is seen
    assert main(["analyze", str(silent_video), "--transcript", str(srt), "--no-explain"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "face" in table[0].split() and "no face" in table[2] and "no face" not in table[1]
    # the fused answer uses text and face where both read the utterance, text alone where no face
    assert set(first["modality_weights"]) == {"text", "face"} and set(second["modality_weights"]) == {"text"}


def test_analyze_video_without_transcript_or_audio_uses_fixed_windows(capsys, silent_video):
    rc = main(["analyze", str(silent_video), "--format", "json", "--window", "1"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["segmentation"]["method"] == "windows" and len(doc["segments"]) == 4
    assert [s["face_emotion"] is not None for s in doc["segments"]] == [True, True, False, False]
    assert doc["segments"][0]["emotion"] == doc["segments"][0]["face_emotion"]["label"]
    assert doc["segments"][0]["modality_weights"] == {"face": 1.0}


def test_analyze_corrupt_video_is_an_error_line_and_exit_1(capsys, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 3000)
    rc = main(["analyze", str(bad), "--format", "json"])
    out, err = capsys.readouterr()
    assert rc == 1 and str(bad) in err
    assert json.loads(out)["errors"] and "corrupt" in json.loads(out)["errors"][0]


def test_analyze_video_api_rejects_a_file_without_pictures(media, utterance):
    from affectkit import analyze_video
    from affectkit.core.errors import VideoError

    audio_only = media.ffmpeg("speech_only.mp4", "-i", str(utterance), "-c:a", "aac")
    with pytest.raises(VideoError, match="no video stream"), pytest.warns(DeprecationWarning):
        analyze_video(audio_only)


def test_analyze_video_with_speech_gives_voice_text_and_face(capsys, tmp_path, media, utterance):
    """A talking-head clip: espeak speech as the soundtrack, a FER2013 face throughout."""
    pytest.importorskip("opensmile")
    import wave

    with wave.open(str(utterance)) as w:
        seconds = w.getnframes() / w.getframerate()
    n = int(seconds * 10)
    face = face_canvas(FACES / "fer_happy.png")
    clip = gray_video(tmp_path / "talk.mp4", [face] * n, 10, utterance)
    srt = tmp_path / "talk.srt"
    srt.write_text(f"1\n00:00:00,000 --> 00:00:0{min(9, int(seconds))},{int(seconds % 1 * 1000):03d}\n"
                   "I really did not expect to see you here today.\n")
    rc = main(["analyze", str(clip), "--transcript", str(srt), "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["modalities"] == ["text", "voice", "face"]
    (seg,) = doc["segments"]
    assert seg["voice_emotion"]["label"] in LABELS and seg["text_emotion"]["label"] in LABELS
    assert seg["face_emotion"]["face_seen"] > 0.9
    check_scores(seg["face_emotion"]["scores"])
