"""The OpenAI-compatible client against the fake server: what we send, retries, timeouts,
errors, the response cache and batches."""
import json

import pytest
from fake_llm_server import FakeLLM, closed_port_url

from affectkit.core.errors import InputError
from affectkit.llm.client import ChatClient, endpoint
from affectkit.llm.errors import (LLMHTTPError, LLMModelMissing, LLMReplyError, LLMTimeout,
                                          LLMUnreachable)

MSGS = [{"role": "system", "content": "Label it."}, {"role": "user", "content": "I won!"}]


def client(url, **kw):
    kw.setdefault("cache", False)
    kw.setdefault("backoff", 0.01)
    return ChatClient(url, "fake-model", **kw)


def test_request_body_path_and_auth_header(fake_llm, monkeypatch):
    for var in ("AFFECTKIT_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    fake_llm.push(("text", "joy"))
    reply = client(fake_llm.url, api_key="sekret", seed=7, max_tokens=50).chat(MSGS)
    assert (reply.text, reply.finish_reason, reply.model, reply.cached) == ("joy", "stop", "fake", False)
    req = fake_llm.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"] == {"model": "fake-model", "messages": MSGS, "temperature": 0.0, "max_tokens": 50,
                           "stream": False, "seed": 7}
    assert req["headers"]["Authorization"] == "Bearer sekret"
    assert req["headers"]["Content-Type"] == "application/json"
    # no key anywhere: no Authorization header; seed=None sends no seed
    client(fake_llm.url, seed=None).chat(MSGS)
    assert "Authorization" not in fake_llm.requests[1]["headers"]
    assert "seed" not in fake_llm.requests[1]["body"]


def test_api_key_from_the_environment(fake_llm, monkeypatch):
    monkeypatch.delenv("AFFECTKIT_LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "from-openai-var")
    client(fake_llm.url).chat(MSGS)
    monkeypatch.setenv("AFFECTKIT_LLM_API_KEY", "from-affectkit-var")
    c = client(fake_llm.url)
    c.chat(MSGS)
    assert [r["headers"]["Authorization"] for r in fake_llm.requests] == ["Bearer from-openai-var",
                                                                          "Bearer from-affectkit-var"]
    assert "from-affectkit-var" not in repr(c)


def test_the_cache_makes_a_rerun_send_nothing(fake_llm, llm_cache, monkeypatch):
    monkeypatch.setenv("AFFECTKIT_LLM_API_KEY", "sekret")
    first = client(fake_llm.url, cache=llm_cache).chat_many([MSGS, MSGS[:1]])
    assert len(fake_llm.requests) == 2 and not any(r.cached for r in first)
    again = client(fake_llm.url, cache=llm_cache)
    second = again.chat_many([MSGS, MSGS[:1]])
    assert len(fake_llm.requests) == 2 and again.requests_sent == 0
    assert [r.text for r in second] == [r.text for r in first] and all(r.cached for r in second)
    # another model, setting or message is another request
    ChatClient(fake_llm.url, "other-model", cache=llm_cache).chat(MSGS)
    client(fake_llm.url, cache=llm_cache, max_tokens=9).chat(MSGS)
    assert len(fake_llm.requests) == 4
    # the key is never written to disk
    stored = "".join(p.read_text() for p in llm_cache.root.rglob("*.json"))
    assert "sekret" not in stored and "fake-model" in stored


def test_errors_are_not_cached(fake_llm, llm_cache):
    fake_llm.push(("status", 400, {"error": {"message": "bad request"}}))
    with pytest.raises(LLMHTTPError):
        client(fake_llm.url, cache=llm_cache).chat(MSGS)
    assert client(fake_llm.url, cache=llm_cache).chat(MSGS).cached is False
    assert len(fake_llm.requests) == 2


def test_5xx_and_429_are_retried_then_succeed(fake_llm):
    fake_llm.push(("status", 500, {"error": {"message": "boom"}}), ("status", 429, {"error": "slow down"},
                                                                       {"Retry-After": "0"}), ("text", "joy"))
    c = client(fake_llm.url, max_retries=2)
    assert c.chat(MSGS).text == "joy"
    assert len(fake_llm.requests) == 3 == c.requests_sent


def test_retries_are_bounded(fake_llm):
    fake_llm.push(*[("status", 503, {"error": {"message": "overloaded"}})] * 5)
    with pytest.raises(LLMHTTPError) as err:
        client(fake_llm.url, max_retries=2).chat(MSGS)
    assert err.value.status == 503 and "overloaded" in str(err.value) and "after 3 attempts" in str(err.value)
    assert len(fake_llm.requests) == 3


@pytest.mark.parametrize("status,body,error,words", [
    (404, {"error": {"message": "model 'fake-model' not found"}}, LLMModelMissing, "does not serve model"),
    (404, b"Not Found", LLMHTTPError, "/v1"),
    (401, {"error": {"message": "invalid api key"}}, LLMHTTPError, "AFFECTKIT_LLM_API_KEY"),
    (400, {"detail": "messages must not be empty"}, LLMHTTPError, "messages must not be empty"),
])
def test_client_errors_are_typed_and_not_retried(fake_llm, status, body, error, words):
    fake_llm.push(("status", status, body))
    with pytest.raises(error) as err:
        client(fake_llm.url, max_retries=3).chat(MSGS)
    assert words in str(err.value) and err.value.status == status
    assert len(fake_llm.requests) == 1


def test_timeout_then_retry(fake_llm):
    fake_llm.push(("slow", 1.5, ("text", "late")))
    with pytest.raises(LLMTimeout, match="within 0.3 s"):
        client(fake_llm.url, timeout=0.3, max_retries=0).chat(MSGS)
    fake_llm.push(("slow", 1.5, ("text", "late")), ("text", "on time"))
    assert client(fake_llm.url, timeout=0.3, max_retries=1).chat(MSGS).text == "on time"


def test_unreachable_server_fails_the_whole_batch_fast():
    c = client(closed_port_url(), max_retries=1)
    with pytest.raises(LLMUnreachable, match="cannot reach"):
        c.chat(MSGS)
    results = c.chat_many([MSGS] * 6)
    assert all(isinstance(r, LLMUnreachable) for r in results)
    # after the first item fails, the others are not sent (each would wait out its retries)
    assert c.requests_sent <= 2 + 2 * c.concurrency


@pytest.mark.parametrize("step", [("raw", b"<html>oops</html>"), ("status", 200, {"object": "list", "data": []})])
def test_a_response_that_is_not_a_chat_completion(fake_llm, step):
    fake_llm.push(step)
    with pytest.raises(LLMReplyError):
        client(fake_llm.url).chat(MSGS)


def test_a_batch_with_one_bad_reply_keeps_the_others():
    def responder(body):
        text = body["messages"][-1]["content"]
        return ("status", 400, {"error": "rejected"}) if "bad" in text else ("text", f"echo {text}")

    convs = [[{"role": "user", "content": f"item {i}{' bad' if i == 3 else ''}"}] for i in range(8)]
    with FakeLLM(responder) as server:
        results = client(server.url, concurrency=3).chat_many(convs)
    assert isinstance(results[3], LLMHTTPError)
    assert [r.text for i, r in enumerate(results) if i != 3] == [f"echo item {i}" for i in range(8) if i != 3]


def test_endpoint_and_bad_settings():
    assert endpoint("http://h:8080/v1/") == "http://h:8080/v1/chat/completions"
    assert endpoint("https://api.example.com/v1/chat/completions") == "https://api.example.com/v1/chat/completions"
    with pytest.raises(InputError, match="http"):
        endpoint("localhost:8080")
    with pytest.raises(InputError, match="model"):
        ChatClient("http://h/v1", "")
    with pytest.raises(InputError, match="timeout"):
        ChatClient("http://h/v1", "m", timeout=0)
    json.dumps(client("http://h/v1").request_body(MSGS))  # the body is plain JSON


def test_a_server_that_rejects_the_seed_is_asked_without_it():
    def strict(body):
        if "seed" in body:
            return ("status", 400, {"error": {"message": "Unrecognized request argument supplied: seed"}})
        return ("text", "joy")

    with FakeLLM(strict) as server:
        c = client(server.url)
        assert [r.text for r in c.chat_many([MSGS, MSGS[:1]])] == ["joy", "joy"]
        assert "seed" in server.requests[0]["body"] and "seed" not in server.requests[-1]["body"]
        assert len(server.requests) <= 4


def test_a_local_server_is_reached_directly_even_behind_a_proxy(fake_llm, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "")
    assert client(fake_llm.url, max_retries=0).chat(MSGS).text
    assert len(fake_llm.requests) == 1
