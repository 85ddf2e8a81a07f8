"""``affectkit analyze ... --llm URL --llm-model NAME`` against the fake server: the prompt
carries the transcript and the textualized cues, the record carries the LLM's reading beside
ours, one bad reply spoils only its own utterance, and a rerun is served from the cache."""
import json
import re

import pandas as pd
import pytest
from fake_llm_server import FakeLLM, closed_port_url

from affectkit.cli import main
from affectkit.explain.llm_readings import add_llm_readings
from affectkit.explain.textualize import cue_values

EXAMPLE = "examples/interview.srt"
WORDS = {"rough": ["devastated"], "disgusting": ["disgusted", "furious"], "sorry": ["sympathetic", "sad"]}


def responder(body):
    text = re.search(r'Utterance \(\w+\): "(.*)"', body["messages"][-1]["content"]).group(1)
    if "awful" in text:
        return ("text", "Sure! The emotion is {emotion: concern")  # malformed
    for key, words in WORDS.items():
        if key in text:
            return ("json", {"emotion": words[0], "emotion_words": words, "reasoning": f"the words '{key}'"})
    return ("json", {"emotion": "calm", "emotion_words": ["calm"], "reasoning": "plain words, no cue stands out"})


def run(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_analyze_json_has_the_llm_reading_beside_ours(capsys, text_model, monkeypatch, tmp_path):
    monkeypatch.setenv("AFFECTKIT_CACHE", str(tmp_path / "cache"))
    with FakeLLM(responder) as server:
        rc, out, err = run(capsys, ["analyze", EXAMPLE, "--no-explain", "--llm", server.url, "--llm-model", "fake", "--format", "json"])
        sent = [r["body"] for r in server.requests]
        doc = json.loads(out)
        assert rc == 1  # one utterance got no usable LLM answer: "some items failed"
        assert len(sent) == 10 and all(b["model"] == "fake" and b["temperature"] == 0.0 for b in sent)
        # sent concurrently, so in any order: the prompt about Sam's first utterance (later prompts
        # quote it too, in their context, but not on their "Utterance" line)
        prompts = [b["messages"][-1]["content"] for b in sent
                   if 'Utterance (Sam): "Honestly? Pretty rough.' in b["messages"][-1]["content"]]
        assert len(prompts) == 1
        prompt = prompts[0]
        assert "Maya: Thanks for coming in." in prompt                      # the conversation before it
        assert "Voice cues: none (no audio: transcript only)" in prompt and "Face cues: none (no video)" in prompt
        assert doc["models"]["llm"] == f"fake @ {server.url} (cues_reasoning@1)"
        segs = doc["segments"]
        rough = segs[1]["llm"]
        assert rough["emotion"] == "sadness" and rough["emotion_raw"] == "devastated"
        assert rough["emotion_words"] == ["devastated"] and rough["reasoning"] == "the words 'rough'"
        assert rough["error"] is None and rough["mapping"] == "lexicon" and segs[1]["emotion"]  # ours is still there
        assert segs[3]["llm"]["emotion"] == "disgust" and segs[3]["llm"]["emotion_words"] == ["disgusted", "furious"]
        bad = [s for s in segs if "awful" in s["text"]][0]["llm"]
        assert bad["emotion"] is None and bad["error"]["kind"] == "malformed"
        assert doc["summary"]["llm"]["failed"] == 1 and doc["summary"]["llm"]["errors"] == {"malformed": 1}
        assert doc["summary"]["llm"]["answered"] == 9
        assert "LLM malformed for 1 of 10 utterances" in err
        # the rerun asks nothing: every answer (the malformed one too) is in the cache
        rc, out, _ = run(capsys, ["analyze", EXAMPLE, "--no-explain", "--llm", server.url, "--llm-model", "fake", "--format", "json"])
        assert len(server.requests) == 10
        again = json.loads(out)["segments"]
        assert all(s["llm"]["cached"] for s in again)
        assert [s["llm"]["emotion"] for s in again] == [s["llm"]["emotion"] for s in segs]
        # table, CSV and HTML show it too
        rc, out, _ = run(capsys, ["analyze", EXAMPLE, "--no-explain", "--llm", server.url, "--llm-model", "fake"])
        assert "   > llm (sadness; 'devastated'): the words 'rough'" in out
        assert "   > llm: no answer (malformed:" in out
        target = tmp_path / "t.csv"
        run(capsys, ["analyze", EXAMPLE, "--no-explain", "--llm", server.url, "--llm-model", "fake", "--format", "csv", "-o", str(target)])
        df = pd.read_csv(target)
        assert {"llm_emotion", "llm_words", "llm_reasoning", "llm_error"} <= set(df.columns)
        assert df.loc[3, "llm_words"] == "disgusted; furious"
        rc, out, _ = run(capsys, ["analyze", EXAMPLE, "--no-explain", "--llm", server.url, "--llm-model", "fake", "--format", "html"])
        assert "llm: sadness" in out and "the words &#x27;rough&#x27;" in out
        assert len(server.requests) == 10


def test_unreachable_llm_keeps_the_analysis(capsys, text_model):
    rc, out, err = run(capsys, ["analyze", EXAMPLE, "--no-explain", "--llm", closed_port_url(), "--llm-model", "fake",
                                "--llm-timeout", "2", "--format", "json", "--no-cache"])
    doc = json.loads(out)
    assert rc == 1 and len(doc["segments"]) == 10 and all(s["emotion"] for s in doc["segments"])
    assert all(s["llm"]["error"]["kind"] == "unreachable" for s in doc["segments"])
    assert "cannot reach" in err and "no usable answer for 10 of 10" in err


@pytest.mark.parametrize("argv,words", [
    (["--llm-model", "fake"], "--llm-model goes with --llm"),
    (["--llm", "http://127.0.0.1:9/v1"], "--llm needs --llm-model"),
    (["--llm", "127.0.0.1:9", "--llm-model", "m"], "must start with http"),
    (["--llm", "http://127.0.0.1:9/v1", "--llm-model", "m", "--llm-timeout", "0"], "--llm-timeout"),
])
def test_bad_llm_options_are_usage_errors(capsys, argv, words):
    rc, out, err = run(capsys, ["analyze", EXAMPLE, *argv])
    assert rc == 2 and words in err and out == ""


def test_cues_are_written_out_for_recordings():
    segs = [{"text": "Hi.", "speaker": "A"},
            {"text": "I said NO!", "speaker": "B",
             "voice_emotion": {"label": "anger", "scores": {"anger": 0.71}, "cues": {"pitch_rel": 0.4, "loudness_rel_db": 4.0}},
             "face_emotion": {"label": "anger", "scores": {"anger": 0.62}, "face_seen": 0.9}},
            {"text": "", "speaker": "B", "voice_emotion": None, "face_emotion": None}]
    v = cue_values(segs, 1)
    assert v["context"] == "A: Hi."
    assert v["voice"] == ("pitch 40% above this speaker's usual; louder than usual (+4.0 dB); "
                          "the voice emotion model hears anger (p=0.71)")
    assert v["face"] == "the facial expression model reads anger (p=0.62), face visible in 90% of the sampled frames"
    v = cue_values(segs, 2)
    assert v["voice"].startswith("none (no usable voice") and v["face"] == "no face seen"
    assert v["text"].startswith("(no words") and cue_values(segs, 1)["text"] == '"I said NO!"'
    assert cue_values(segs, 0)["context"].startswith("(none: this is the first")


def test_open_vocabulary_words_are_mapped_and_kept(fake_llm, llm_cache):
    from affectkit.llm.client import ChatClient

    fake_llm.push(("json", {"emotion": "serenity", "emotion_words": ["serenity"], "reasoning": "r"}),
                  ("json", {"emotion": "hangry", "emotion_words": ["hangry", "irritated"], "reasoning": "r"}),
                  ("json", {"emotion_words": "thrilled, amazed"}),
                  ("length", '{"emotion": "joy", "reasoning": "The spea'),
                  ("text", "I'm sorry, but I can't help with that."))
    doc = {"segments": [{"text": f"t{i}", "speaker": "A"} for i in range(5)], "models": {}, "summary": {}}
    add_llm_readings(doc, ChatClient(fake_llm.url, "fake", cache=llm_cache, concurrency=1))
    got = [s["llm"] for s in doc["segments"]]
    assert (got[0]["emotion"], got[0]["mapping"], got[0]["emotion_raw"]) == ("neutral", "embedding", "serenity")
    assert (got[1]["emotion"], got[1]["mapping"], got[1]["emotion_words"]) == ("anger", "words", ["hangry", "irritated"])
    assert (got[2]["emotion"], got[2]["emotion_raw"], got[2]["emotion_words"]) == ("joy", "thrilled", ["thrilled", "amazed"])
    assert [g["error"]["kind"] for g in got[3:]] == ["truncated", "refusal"]
    assert doc["summary"]["llm"]["errors"] == {"truncated": 1, "refusal": 1}
