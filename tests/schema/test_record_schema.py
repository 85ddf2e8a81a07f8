"""The analysis record's schema: the shipped JSON Schema is the models', every kind of input
gives the same keys, and records read back from JSON validate against the shipped file with an
independent validator (jsonschema)."""
import json
import re
from pathlib import Path

import jsonschema
import pytest

import affectkit
from affectkit.analysis.record import failed_record
from affectkit.cli import main
from affectkit.schema import SCHEMA_FILE, SCHEMA_VERSION, RecordError, channels, conform, problems, schema_text

ROOT = Path(__file__).resolve().parents[2]
INTERVIEW = ROOT / "examples" / "interview.srt"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def transcript_record(text_model):
    return json.loads(affectkit.analyze(INTERVIEW, model=text_model).to_json())


def test_shipped_schema_file_is_the_models_schema():
    # a change to the models must regenerate the file: affectkit schema -o src/affectkit/schema/record.schema.json --force
    assert SCHEMA_FILE.read_text() == schema_text()
    assert re.fullmatch(r"\d+\.\d+\.\d+", SCHEMA_VERSION)


def test_transcript_record_has_every_key_null_where_absent(transcript_record, validator):
    doc = transcript_record
    validator.validate(doc)
    assert problems(doc) == []
    assert doc["schema_version"] == SCHEMA_VERSION and doc["kind"] == "transcript"
    assert doc["segmentation"]["method"] == "transcript" and doc["timings"] is None
    assert channels(doc) == {"text"}
    for seg in doc["segments"]:
        assert seg["voice_emotion"] is None and seg["face_emotion"] is None and seg["words"] is None
        assert seg["errors"] == [] and seg["llm"] is None and seg["text_emotion"]["label"]
    assert doc["summary"]["voice_emotion_counts"] is None and doc["summary"]["frames_sampled"] is None


def test_failed_record_has_the_same_top_level_keys(transcript_record, validator):
    bad = failed_record("cut.mp4", "cut.mp4: cannot be read as audio or video")
    validator.validate(bad)
    assert list(bad) == list(transcript_record)
    assert bad["kind"] is None and bad["segments"] == [] and bad["modalities"] == []
    assert bad["errors"] == ["cut.mp4: cannot be read as audio or video"]
    assert set(bad["summary"]) == set(transcript_record["summary"]) and bad["summary"]["segments"] == 0


def test_every_json_key_is_required_in_the_shipped_schema(transcript_record, validator):
    doc = json.loads(json.dumps(transcript_record))
    del doc["segments"][0]["face_emotion"]
    errors = list(validator.iter_errors(doc))
    assert errors and "face_emotion" in errors[0].message
    assert problems(doc) == ["segments.0.face_emotion: missing (absent values are null, never a missing key)"]


def test_unknown_keys_and_wrong_types_are_named(transcript_record):
    doc = json.loads(json.dumps(transcript_record))
    doc["segments"][1]["mood"] = "fine"
    doc["duration"] = "long"
    with pytest.raises(RecordError) as err:
        conform(doc)
    msg = str(err.value)
    assert "segments.1.mood: Extra inputs are not permitted" in msg and "duration:" in msg
    assert problems([doc]) == ["an analysis record is a JSON object, not list"]


def test_conform_completes_a_partial_record():
    doc = conform({"input": "x.srt", "affectkit_version": "0", "kind": "transcript",
                   "segments": [{"start": 0.0, "end": 1.0, "text": "hi"}]})
    seg = doc["segments"][0]
    assert seg["voice_emotion"] is None and seg["errors"] == [] and seg["modality_weights"] == {}
    assert problems(doc) == [] and conform(doc) == doc  # idempotent


def test_cli_prints_the_schema_and_checks_records(capsys, tmp_path, transcript_record):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"] == f"affectkit analysis record {SCHEMA_VERSION}"
    good, bad, junk = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "junk.json"
    good.write_text(json.dumps([transcript_record, transcript_record]))
    broken = dict(transcript_record)
    del broken["kind"]
    bad.write_text(json.dumps(broken))
    junk.write_text("{not json")
    assert main(["schema", "--check", str(good)]) == 0
    assert "follow the analysis record schema" in capsys.readouterr().err
    assert main(["schema", "--check", str(good), str(bad)]) == 1
    assert f"{bad}: kind: missing" in capsys.readouterr().err
    assert main(["schema", "--check", str(junk)]) == 2
    assert "cannot be read as JSON" in capsys.readouterr().err


def test_csv_of_a_transcript_keeps_its_columns(capsys, text_model):
    # null readings of modalities the input does not offer make no columns
    from affectkit.report.writers import document_rows, to_csv

    doc = affectkit.analyze(INTERVIEW, model=text_model, explain=False).to_dict()
    header = to_csv(document_rows([doc])).splitlines()[0].split(",")
    assert not {"voice_emotion", "face_emotion", "text_emotion", "words", "llm", "face_seen"} & set(header)
    assert {"emotion", "sentiment", "emotion_joy", "weight_text", "errors"} <= set(header)


def test_readme_states_the_schema_version():
    assert f"follows schema **{SCHEMA_VERSION}**" in (ROOT / "README.md").read_text()
