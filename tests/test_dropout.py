"""A timeline where a modality drops out half-way: the fused answer renormalises over the
modalities still present, and the missing one's reason is in the utterance's errors."""
import json
import wave

import numpy as np
import pytest

from conftest import FACES, face_canvas, gray_video

pytest.importorskip("cv2")
pytest.importorskip("av")
pytest.importorskip("opensmile")

from affectkit.cli import main  # noqa: E402

SRT = ("1\n00:00:00,000 --> 00:00:02,700\nI really did not expect to see you here today.\n\n"
       "2\n00:00:03,650 --> 00:00:06,800\nWell, that is a very pleasant surprise, my friend.\n")


def test_face_drops_out_half_way(capsys, tmp_path, two_utterances):
    from affectkit.recognize.fusion import fuse

    with wave.open(str(two_utterances)) as w:
        seconds = w.getnframes() / w.getframerate()
    n = int(seconds * 10)
    face = face_canvas(FACES / "fer_happy.png")
    blank = np.full_like(face, 110)
    clip = gray_video(tmp_path / "talk.mp4", [face] * 34 + [blank] * (n - 34), 10, two_utterances)  # face until 3.4 s
    srt = tmp_path / "talk.srt"
    srt.write_text(SRT)
    rc = main(["analyze", str(clip), "--transcript", str(srt), "--format", "json", "--timings"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["modalities"] == ["text", "voice", "face"]
    first, second = doc["segments"]
    assert set(first["modality_weights"]) == {"text", "voice", "face"} and first["errors"] == []
    assert set(second["modality_weights"]) == {"text", "voice"}                      # the face is gone
    assert second["face_emotion"] is None
    assert [e for e in second["errors"] if e.startswith("face: no face seen in the ")]
    assert "face" in second["explanation"].rsplit(";", 1)[-1]      # the explanation says which one was unread
    for seg, present in ((first, ("text", "voice", "face")), (second, ("text", "voice"))):
        assert sum(seg["modality_weights"].values()) == pytest.approx(1.0, abs=1e-3)
        assert sum(seg["emotion_scores"].values()) == pytest.approx(1.0, abs=1e-3)
        again = fuse({m: seg[f"{m}_emotion"]["scores"] for m in present})
        assert seg["emotion_scores"] == pytest.approx(again.scores, abs=2e-3) and seg["emotion"] == again.label
    assert "No face reading in 1 of 2" in doc["summary"]["text"]
    t = doc["timings"]
    assert {"probe", "decode.video", "face.detect", "face.recognize", "decode.audio", "segment", "voice.features",
            "voice.recognize", "text", "fusion", "explain", "report", "total"} <= set(t)
