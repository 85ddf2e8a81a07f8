"""LLMClassifier against the fake server: zero-shot, k-shot and chain-of-thought prompts,
scores with the harness metrics, parse failures reported beside them, and model specs."""
import re

import pytest
from fake_llm_server import FakeLLM

from affectkit.core.errors import InputError
from affectkit.bench.llm_classifier import NO_ANSWER, LLMClassifier, evaluate_llm, make_llm_model

TEXTS = ["I am so happy today", "This makes me furious", "I miss her so much", "The bus comes at nine",
         "What a wonderful gift", "Get out of my house"]
GOLD = ["joy", "anger", "sadness", "neutral", "joy", "anger"]


def oracle(body):
    """Answers the gold label for the known texts, in several of the styles models use."""
    text = re.search(r'Utterance: "(.*)"', body["messages"][-1]["content"]).group(1)
    label = GOLD[TEXTS.index(text)]
    if "miss her" in text:
        return ("text", f"Emotion: {label}")                    # a plain line
    if "wonderful" in text:
        return ("json", {"emotion": "delighted"})              # a synonym
    if "bus" in text:
        return ("text", '{"emotion": ')                        # malformed: no label anywhere
    return ("json", {"reasoning": "r", "emotion": label})


def test_zero_shot_scores_and_parse_failures(llm_cache):
    with FakeLLM(oracle) as server:
        clf = LLMClassifier(server.url, "fake", cache=llm_cache).fit(TEXTS, GOLD)
        res = evaluate_llm(clf, TEXTS, GOLD)
        sent = [r["body"] for r in server.requests]
    assert len(sent) == 6
    assert all(b["temperature"] == 0.0 and b["seed"] == 0 and b["max_tokens"] == 32 for b in sent)
    assert "anger, joy, neutral, sadness" in sent[0]["messages"][0]["content"]
    assert list(clf.classes_) == ["anger", "joy", "neutral", "sadness"]
    assert res["prompt"] == "emotion_zero_shot@1" and res["n"] == 6
    assert res["accuracy"] == pytest.approx(5 / 6)   # the malformed reply counts as wrong
    assert res["parse_failure_rate"] == pytest.approx(1 / 6)
    assert res["parse_failures_by_kind"] == {"malformed": 1}
    assert res["parse_methods"] == {"json": 3, "line": 1, "synonym": 1}
    assert 0 < res["macro_f1"] < 1 and set(res["per_class_f1"]) == {"anger", "joy", "neutral", "sadness"}
    assert clf.parse_failures_[0]["index"] == 3
    counts = res["predicted_counts"]
    assert sum(counts.values()) == 6 and counts["<no answer>"] == 1
    assert set(counts) == {"anger", "joy", "neutral", "sadness", "<no answer>"}


def test_rerun_is_served_from_the_cache(llm_cache):
    with FakeLLM(oracle) as server:
        clf = LLMClassifier(server.url, "fake", cache=llm_cache).fit(TEXTS, GOLD)
        first = clf.predict(TEXTS)
        second = clf.predict(TEXTS)
        assert len(server.requests) == 6
    assert list(first) == list(second) and clf.cached_ == 6
    assert first[3] == NO_ANSWER


def test_k_shot_examples_are_seeded_and_balanced_and_cot_asks_for_reasoning(llm_cache):
    clf = LLMClassifier("http://127.0.0.1:9/v1", "fake", k_shot=4, seed=3).fit(TEXTS, GOLD)
    again = LLMClassifier("http://127.0.0.1:9/v1", "fake", k_shot=4, seed=3).fit(TEXTS, GOLD)
    assert clf.examples_ == again.examples_
    assert sorted(l for _, l in clf.examples_) == ["anger", "joy", "neutral", "sadness"]  # one per class
    msgs = clf._messages("new text")
    assert [m["role"] for m in msgs] == ["system"] + ["user", "assistant"] * 4 + ["user"]
    assert clf.template_().id == "emotion_k_shot@1"
    with FakeLLM(lambda b: ("json", {"reasoning": "loud words", "emotion": "anger"})) as server:
        cot = LLMClassifier(server.url, "fake", chain_of_thought=True, cache=llm_cache).fit(TEXTS, GOLD)
        pred = cot.predict(["Get out!"])
        body = server.requests[0]["body"]
    assert list(pred) == ["anger"] and cot.reasonings_ == ["loud words"]
    assert body["max_tokens"] == 200 and '"reasoning"' in body["messages"][0]["content"]
    proba = cot.predict_proba(["Get out!"])
    assert proba.shape == (1, 4) and proba[0, list(cot.classes_).index("anger")] == 1.0


def test_estimator_conventions_and_errors():
    from sklearn.base import clone

    clf = LLMClassifier("http://h/v1", "m", k_shot=2)
    assert clone(clf).get_params() == clf.get_params()
    with pytest.raises(InputError, match="fit"):
        clf.predict(["x"])
    with pytest.raises(InputError, match="k_shot"):
        LLMClassifier("http://h/v1", "m", k_shot=10).fit(TEXTS, GOLD)
    with pytest.raises(InputError, match="two labels"):
        LLMClassifier("http://h/v1", "m").fit(["a"], ["joy"])


def test_an_unreachable_server_gives_no_answers_not_a_crash():
    from fake_llm_server import closed_port_url

    clf = LLMClassifier(closed_port_url(), "m", max_retries=0, cache=False).fit(TEXTS, GOLD)
    res = evaluate_llm(clf, TEXTS[:3], GOLD[:3])
    assert res["parse_failure_rate"] == 1.0 and res["accuracy"] == 0.0
    assert res["parse_failures_by_kind"] == {"unreachable": 3}


def test_model_specs():
    m = make_llm_model("llm:http://127.0.0.1:8080/v1#qwen2.5:7b", k_shot=3)
    assert (m.base_url, m.model, m.k_shot) == ("http://127.0.0.1:8080/v1", "qwen2.5:7b", 3)
    assert (make_llm_model("llm:local").base_url, make_llm_model("llm:local").model) == ("local", None)
    assert make_llm_model("llm:local#/models/x.gguf").model == "/models/x.gguf"
    for bad in ("http://h/v1#m", "llm:http://h/v1", "llm:ftp://h#m", "llm:#m"):
        with pytest.raises(InputError):
            make_llm_model(bad)


def test_open_vocabulary_answers_scored_against_reference_sets(llm_cache):
    from affectkit.llm.client import ChatClient
    from affectkit.bench.llm_classifier import evaluate_open_vocab

    texts = ["t0", "t1", "t2", "t3"]
    refs = [{"anger"}, {"joy", "surprise"}, {"neutral"}, {"sadness"}]
    with FakeLLM() as server:
        server.push(("json", {"emotion_words": ["livid", "scared"]}),        # anger (hit) + fear (miss)
                    ("json", {"emotion_words": ["thrilled"]}),                # joy: P 1, R 1/2
                    ("json", {"emotion_words": ["banana"]}),                  # unmapped: empty set
                    ("text", "I'm sorry, I can't help with that."))          # refusal: empty set
        res = evaluate_open_vocab(ChatClient(server.url, "fake", cache=llm_cache, concurrency=1), texts, refs)
        assert "own words" in server.requests[0]["body"]["messages"][0]["content"]
    assert res["predicted"] == [["anger", "fear"], ["joy"], [], []]
    assert res["answers"][:3] == [["livid", "scared"], ["thrilled"], ["banana"]] and res["answers"][3] is None
    assert res["sample_precision"] == pytest.approx((0.5 + 1) / 4)
    assert res["sample_recall"] == pytest.approx((1 + 0.5) / 4)
    assert res["micro_precision"] == pytest.approx(2 / 3) and res["micro_recall"] == pytest.approx(2 / 5)
    assert res["parse_failures_by_kind"] == {"refusal": 1} and res["parse_failure_rate"] == 0.25
    assert res["unmapped_words"] == {"banana": 1} and res["prompt"] == "emotion_open@1"


def test_integer_class_ids_with_label_names(llm_cache):
    names = ["anger", "joy", "neutral", "sadness"]
    ids = [names.index(g) for g in GOLD]
    with pytest.raises(InputError, match="labels="):
        LLMClassifier("http://h/v1", "m").fit(TEXTS, ids)
    with FakeLLM(oracle) as server:
        clf = LLMClassifier(server.url, "fake", labels=names, cache=llm_cache).fit(TEXTS, ids)
        pred = clf.predict(TEXTS)
        res = evaluate_llm(clf, TEXTS, ids)
        assert "anger, joy, neutral, sadness" in server.requests[0]["body"]["messages"][0]["content"]
    assert pred.dtype.kind == "i" and list(pred) == [1, 0, 3, -1, 1, 0]
    assert list(clf.classes_) == [0, 1, 2, 3] and res["accuracy"] == pytest.approx(5 / 6)
    assert set(res["per_class_f1"]) == set(names)
    proba = clf.predict_proba(TEXTS)
    assert proba[0].tolist() == [0, 1, 0, 0] and proba[3].tolist() == [0.25] * 4
