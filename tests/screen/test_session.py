"""Screening a session: who is screened (never the interviewer by default), "insufficient" under
50 words while the crisis check still runs, levels from the documented thresholds, markers with
citations, and the record's screening block following the schema."""
import json
from pathlib import Path

import jsonschema
import pytest

import affectkit
from affectkit.core.errors import InputError
from affectkit.schema import SCHEMA_FILE, problems
from affectkit.screen import DISCLAIMER
from affectkit.screen.session import choose_speakers, screen_segments

ROOT = Path(__file__).resolve().parents[2]
INTERVIEW = ROOT / "examples" / "interview.srt"


def segs(*turns):
    return [{"start": float(i), "end": float(i) + 0.9, "speaker": s, "text": t, "text_emotion": None}
            for i, (s, t) in enumerate(turns)]


@pytest.fixture(scope="module")
def record(text_model):
    return json.loads(affectkit.analyze(INTERVIEW, model=text_model, screen=True, explain=False).to_json())


def test_the_interviewer_who_asks_the_questions_is_not_screened(record):
    sc = record["screening"]
    assert [s["speaker"] for s in sc["speakers"]] == ["Sam"]
    assert sc["excluded_speakers"] == {"Maya": "the interviewer (asks questions in 3 of 5 turns): not screened by default"}
    assert sc["disclaimer"] == DISCLAIMER and "not a diagnosis" in DISCLAIMER and "988" in DISCLAIMER


def test_record_with_screening_follows_the_schema(record):
    assert problems(record) == []
    jsonschema.validate(record, json.loads(SCHEMA_FILE.read_text()))
    assert record["models"]["screen"] == record["screening"]["model"]


def test_screened_speaker_has_levels_markers_and_an_explanation(record):
    sam = record["screening"]["speakers"][0]
    assert sam["status"] == "screened" and sam["words"] >= 50 and sam["segments"] == 5
    for task in ("stress", "depression"):
        r = sam[task]
        assert 0 <= r["probability"] <= 1 and r["chunks"] >= 1
        th = r["thresholds"]
        want = "high" if r["probability"] >= th["high"] else "elevated" if r["probability"] >= th["elevated"] else "low"
        assert r["level"] == want and th["elevated"] <= th["high"]
    names = {m["name"]: m for m in sam["markers"]}
    assert {"first_person_singular", "absolutist_words", "negative_emotion_words", "negative_emotion_share"} == set(names)
    assert all(m["citation"] and m["validated_here"] for m in sam["markers"])  # a transcript: text markers only
    assert names["first_person_singular"]["reference"]["dreaddit_stressed"] > 0
    assert sam["crisis"]["flag"] is False
    assert sam["explanation"].startswith("Sam: stress ") and "depression" in sam["explanation"]


def test_daic_style_transcripts_screen_the_participant_only():
    s = segs(("Ellie", "how are you doing today"), ("Participant", "i'm okay i guess"),
             ("Ellie", "tell me more"), ("Participant", "not much to say"))
    chosen, excluded, warnings = choose_speakers(s)
    assert chosen == ["Participant"] and "Ellie" in excluded and warnings == []
    chosen, excluded, warnings = choose_speakers(s, include_interviewer=True)
    assert chosen == ["Ellie", "Participant"] and excluded == {} and "leak the label" in warnings[0]


def test_a_named_speaker_must_be_in_the_session():
    s = segs(("A", "hello there"), ("B", "hi"))
    assert choose_speakers(s, ["B"])[0] == ["B"]
    with pytest.raises(InputError, match="speaker 'C' is not in this session \\(it has 'A', 'B'\\)"):
        choose_speakers(s, ["C"])


def test_too_few_words_is_insufficient_but_a_crisis_is_still_flagged():
    block = screen_segments(segs(("P", "I am tired."), ("P", "Honestly I want to die.")))
    sp = block["speakers"][0]
    assert sp["status"] == "insufficient" and sp["stress"] is None and sp["depression"] is None
    assert "only 8 words from P (at least 50" in sp["reason"]
    assert sp["crisis"]["flag"] and sp["crisis"]["evidence"][0]["phrase"] == "want to die"
    ev = sp["crisis"]["evidence"][0]
    assert (ev["segment"], ev["start"], ev["end"]) == (1, 1.0, 1.9)


def test_negated_statement_is_listed_as_excluded_not_flagged():
    text = ("I would never kill myself, I have two kids and a dog who need me. " * 3) + \
           "Work has been hard and I am tired all the time, but I keep going because they need me."
    sp = screen_segments(segs(("P", text)))["speakers"][0]
    assert sp["status"] == "screened" and not sp["crisis"]["flag"]
    assert sp["crisis"]["excluded"][0]["reason"].startswith("negated")


def test_posts_folder_through_the_python_api(tmp_path):
    from affectkit.cli.screen import read_posts

    (tmp_path / "a.txt").write_text("I can't sleep, I'm worried about everything all the time. " * 6)
    (tmp_path / "b.txt").write_text("Work is always too much and I never get a break. " * 3)
    (tmp_path / ".hidden").write_text("ignored")
    seg = read_posts(tmp_path)
    assert len(seg) == 2
    doc = affectkit.analyze(seg, screen=True, explain=False).to_dict()
    sp = doc["screening"]["speakers"][0]
    assert sp["speaker"] is None and sp["status"] == "screened" and sp["segments"] == 2
    (tmp_path / "c.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="c.txt: not UTF-8"):
        read_posts(tmp_path)
