"""``affectkit predict screen`` and ``affectkit screen`` as a user runs them: one JSON line per
input in order, bad lines recorded and the rest run, the disclaimer in every output, a speaker
that is not there is one clear line, and the same answers from several threads at once."""
import json
import threading
from pathlib import Path

import pytest

from affectkit.schema import problems
from affectkit.screen import DISCLAIMER, screen_texts

from conftest import run_cli as run  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
INTERVIEW = str(ROOT / "examples" / "interview.srt")




def test_predict_screen_lines_in_order_with_errors_recorded(capsys, monkeypatch):
    lines = ["My boss keeps yelling and I can't sleep before the deadline, I'm so anxious.", "",
             "I would never kill myself.", "Honestly I just want to die."]
    rc, out, err = run(capsys, monkeypatch, ["predict", "screen", "-"], "\n".join(lines).encode() + b"\n")
    recs = [json.loads(l) for l in out.splitlines()]
    assert rc == 1 and len(recs) == 4
    assert recs[1] == {"text": "", "error": "line 2: empty text"}
    for r, t in zip([recs[0], recs[2], recs[3]], [lines[0], lines[2], lines[3]]):
        assert r["text"] == t and list(r)[:4] == ["text", "stress", "depression", "crisis"]
        for task in ("stress", "depression"):
            assert isinstance(r[task]["label"], bool) and 0 <= r[task]["probability"] <= 1
    assert recs[2]["crisis"]["flag"] is False and recs[2]["crisis"]["excluded"][0]["reason"].startswith("negated")
    assert recs[3]["crisis"] == {**recs[3]["crisis"], "flag": True, "evidence": ["want to die"]}
    assert DISCLAIMER in err and "crisis indicators in 1 of 4 inputs" in err and "1 of 4 inputs failed" in err


def test_predict_screen_jsonl_passes_fields_and_names_bad_lines(capsys, monkeypatch):
    data = b'{"text": "I feel fine today, work went well.", "speaker": "A"}\n{"txt": 1}\nnot json\n'
    rc, out, err = run(capsys, monkeypatch, ["predict", "screen", "--jsonl", "-"], data)
    recs = [json.loads(l) for l in out.splitlines()]
    assert rc == 1 and recs[0]["speaker"] == "A" and recs[0]["stress"]["probability"] >= 0
    assert recs[1] == {"error": 'line 2: missing or empty "text"'}
    assert recs[2]["error"].startswith("line 3: invalid JSON")


def test_predict_screen_never_writes_over_its_input(capsys, monkeypatch, tmp_path):
    src = tmp_path / "posts.txt"
    src.write_text("I am stressed.\n")
    rc, out, err = run(capsys, monkeypatch, ["predict", "screen", str(src), "-o", str(src), "--force"])
    assert rc == 2 and src.read_text() == "I am stressed.\n"


def test_screen_a_transcript_on_the_terminal(capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["screen", INTERVIEW])
    assert rc == 0
    assert "not screened: Maya: the interviewer (asks questions in 3 of 5 turns)" in out
    assert "\nSam: stress " in out and "first_person_singular" in out
    assert out.rstrip().splitlines()[-1] == f"NOTE: {DISCLAIMER}"


def test_screen_json_and_html(capsys, monkeypatch, tmp_path):
    rc, out, err = run(capsys, monkeypatch, ["screen", INTERVIEW, "--format", "json"])
    doc = json.loads(out)
    assert rc == 0 and problems(doc) == [] and doc["screening"]["speakers"][0]["speaker"] == "Sam"
    assert DISCLAIMER in err
    page = tmp_path / "r.html"
    rc, out, err = run(capsys, monkeypatch, ["screen", INTERVIEW, "--format", "html", "-o", str(page)])
    html = page.read_text()
    assert rc == 0 and "<h2>Screening</h2>" in html and "Not a diagnosis." in html and "988" in html
    assert "Rude, Gortner &amp; Pennebaker" in html and "<script" not in html


def test_screen_speaker_that_is_not_there(capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["screen", INTERVIEW, "--speaker", "Nobody", "--format", "json"])
    doc = json.loads(out)
    assert rc == 1 and doc["screening"] is None
    assert "speaker 'Nobody' is not in this session (it has 'Maya', 'Sam')" in err and "Traceback" not in err


def test_screen_include_interviewer_warns(capsys, monkeypatch):
    rc, out, err = run(capsys, monkeypatch, ["screen", INTERVIEW, "--include-interviewer", "--format", "json"])
    doc = json.loads(out)
    assert rc == 0 and [s["speaker"] for s in doc["screening"]["speakers"]] == ["Maya", "Sam"]
    assert "leak the label" in err and doc["screening"]["warnings"]


def test_screen_a_folder_of_posts_and_a_bad_input(capsys, monkeypatch, tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "1.txt").write_text("Short post.")
    rc, out, err = run(capsys, monkeypatch, ["screen", str(posts), str(tmp_path / "missing.srt")])
    assert rc == 2 and "no such file or folder" in err
    rc, out, err = run(capsys, monkeypatch, ["screen", str(posts)])
    assert rc == 0 and "stress and depression not read: only 2 words" in out


def test_screen_texts_from_several_threads_gives_the_same_answers():
    texts = ["I can't stop worrying about money.", "We had a lovely picnic.", "I want to end my life."]
    want = screen_texts(texts)
    got, errors = [None] * 4, []

    def work(k):
        try:
            got[k] = screen_texts(texts)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(g == want for g in got)
    assert want[2]["crisis"]["flag"] and not want[1]["crisis"]["flag"]


def test_screen_llm_reads_the_textualized_markers(capsys, monkeypatch, fake_llm, tmp_path):
    fake_llm.push(("text", "Stress looks moderate; nothing urgent."))
    monkeypatch.setenv("AFFECTKIT_CACHE", str(tmp_path / "cache"))
    rc, out, err = run(capsys, monkeypatch, ["screen", INTERVIEW, "--format", "json", "--no-cache",
                                             "--llm", fake_llm.url, "--llm-model", "m"])
    doc = json.loads(out)
    assert rc == 0 and problems(doc) == []
    (reading,) = doc["screening"]["llm"]
    assert reading["speaker"] == "Sam" and reading["reply"] == "Stress looks moderate; nothing urgent."
    assert "first person singular" in reading["prompt"] and "Stress: probability" in reading["prompt"]
    body = fake_llm.requests[0]["body"]
    assert "not diagnosing" in body["messages"][0]["content"]


@pytest.mark.slow
def test_screen_a_recording_has_voice_markers(capsys, monkeypatch):
    pytest.importorskip("faster_whisper")
    rc, out, err = run(capsys, monkeypatch, ["screen", str(ROOT / "examples" / "talk.flac"), "--format", "json"])
    doc = json.loads(out)
    assert rc == 0 and problems(doc) == []
    sp = doc["screening"]["speakers"][0]
    assert sp["status"] == "insufficient" and "words from the speaker" in sp["reason"]  # three sentences
    voice = {m["name"]: m for m in sp["markers"] if m["modality"] == "voice"}
    assert set(voice) == {"speaking_rate", "pause_ratio", "pitch_variability", "loudness_variability", "jitter",
                          "shimmer", "hnr"}
    assert voice["speaking_rate"]["value"] > 0 and "no speech labelled" in voice["hnr"]["validated_here"]
