"""The OpenAI-compatible client against the fake server: what we send, retries (Retry-After,
jittered backoff), timeouts, errors, keep-alive, the response cache and batches."""
import json
import random
import threading
import time
from email.utils import formatdate

import pytest
from fake_llm_server import FakeLLM, closed_port_url

from affectkit.core.errors import InputError
from affectkit.core.errors import DependencyError
from affectkit.llm.client import ChatClient, endpoint, parse_retry_after
from affectkit.llm.errors import (LLMHTTPError, LLMModelMissing, LLMReplyError, LLMTimeout,
                                          LLMUnreachable)

MSGS = [{"role": "system", "content": "Label it."}, {"role": "user", "content": "I won!"}]


def client(url, **kw):
    kw.setdefault("cache", False)
    kw.setdefault("backoff", 0.01)
    return ChatClient(url, "fake-model", **kw)


class Waits(list):
    """An injected ``sleep`` that records the waits instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


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
    fake_llm.push(("status", status, body, {"Retry-After": "1"}))
    waits = Waits()
    with pytest.raises(error) as err:
        client(fake_llm.url, max_retries=3, sleep=waits).chat(MSGS)
    assert words in str(err.value) and err.value.status == status
    assert len(fake_llm.requests) == 1 and waits == []


def test_timeout_then_retry(fake_llm):
    # the held replies outlast any timeout (they end when the server closes), and the prompt
    # reply has a second to arrive: no outcome depends on how loaded the machine is
    fake_llm.push(("slow", 60, ("text", "late")))
    with pytest.raises(LLMTimeout, match="within 0.3 s"):
        client(fake_llm.url, timeout=0.3, max_retries=0).chat(MSGS)
    fake_llm.push(("slow", 60, ("text", "late")), ("text", "on time"))
    assert client(fake_llm.url, timeout=1.0, max_retries=1).chat(MSGS).text == "on time"
    assert len(fake_llm.requests) == 3


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
    with pytest.raises(InputError, match="no host"):
        endpoint("http://:8080/v1")
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


# --- retries: what is retried, and how long the client waits ------------------------------------

def test_429_with_retry_after_in_seconds_waits_that_long(fake_llm):
    fake_llm.push(("status", 429, {"error": "slow down"}, {"Retry-After": "1"}), ("text", "joy"))
    waits = Waits()
    c = client(fake_llm.url, max_retries=2, backoff=5, sleep=waits)
    assert c.chat(MSGS).text == "joy"
    assert waits == [1.0] and len(fake_llm.requests) == 2 == c.requests_sent


def test_429_with_retry_after_as_an_http_date(fake_llm):
    now = 1_800_000_000.0
    fake_llm.push(("status", 429, {"error": "slow down"}, {"Retry-After": formatdate(now + 3, usegmt=True)}),
                  ("status", 429, {"error": "slow down"}, {"Retry-After": formatdate(now - 60, usegmt=True)}),
                  ("text", "joy"))
    waits = Waits()
    c = client(fake_llm.url, max_retries=2, backoff=5, sleep=waits, clock=lambda: now)
    assert c.chat(MSGS).text == "joy"
    assert waits == [3.0, 0.0]  # a date already past: retry at once


def test_retry_after_is_capped_at_max_backoff(fake_llm):
    fake_llm.push(("status", 503, {"error": "busy"}, {"Retry-After": "3600"}), ("text", "joy"))
    waits = Waits()
    assert client(fake_llm.url, max_backoff=7, sleep=waits).chat(MSGS).text == "joy"
    assert waits == [7.0]


def test_503_then_success_waits_a_seeded_full_jitter_backoff(fake_llm):
    fake_llm.push(("status", 503, {"error": "overloaded"}), ("status", 502, b"bad gateway"), ("text", "joy"))
    waits = Waits()
    c = client(fake_llm.url, max_retries=3, backoff=1.0, max_backoff=20, sleep=waits, rng=random.Random(42))
    assert c.chat(MSGS).text == "joy" and len(fake_llm.requests) == 3
    expected = random.Random(42)
    assert waits == [expected.uniform(0, 1.0), expected.uniform(0, 2.0)]


def test_jitter_stays_within_zero_and_the_cap():
    c = client("http://127.0.0.1:9/v1", backoff=0.5, max_backoff=10, rng=random.Random(0))
    err = LLMHTTPError("busy", 503)
    for attempt in range(8):
        cap = min(10, 0.5 * 2 ** attempt)
        waits = [c.retry_wait(attempt, err) for _ in range(500)]
        assert all(0 <= w <= cap for w in waits)
        assert max(waits) > 0.8 * cap and min(waits) < 0.2 * cap  # spread over the range, not a constant


def test_connection_errors_and_timeouts_are_retried_with_backoff(fake_llm):
    waits = Waits()
    c = client(closed_port_url(), max_retries=2, sleep=waits)
    with pytest.raises(LLMUnreachable, match="after 3 attempts"):
        c.chat(MSGS)
    assert c.requests_sent == 3 and len(waits) == 2
    fake_llm.push(("slow", 1.0, ("text", "late")), ("text", "on time"))
    waits.clear()
    assert client(fake_llm.url, timeout=0.3, max_retries=1, sleep=waits).chat(MSGS).text == "on time"
    assert len(waits) == 1


@pytest.mark.parametrize("value,seconds", [
    ("1", 1.0), (" 2 ", 2.0), ("1.5", 1.5), ("0", 0.0), ("-1", None), ("nan", None), ("inf", None),
    ("soon", None), ("", None), (None, None),
    ("Fri, 15 Jan 2027 08:00:05 GMT", 5.0), ("Fri, 15 Jan 2027 08:00:05 -0000", 5.0),
    ("Fri, 15 Jan 2027 07:00:00 GMT", 0.0),
])
def test_parse_retry_after(value, seconds):
    now = 1_800_000_000.0  # Fri, 15 Jan 2027 08:00:00 GMT
    assert parse_retry_after(value, now=now) == seconds


def test_a_redirect_is_an_error_that_names_where_to(fake_llm):
    fake_llm.push(("status", 307, b"", {"Location": "https://llm.example/v1/chat/completions"}))
    with pytest.raises(LLMHTTPError, match="llm.example") as err:
        client(fake_llm.url).chat(MSGS)
    assert err.value.status == 307 and len(fake_llm.requests) == 1


# --- keep-alive, concurrency, close ---------------------------------------------------------------

def test_requests_reuse_one_kept_alive_connection(fake_llm):
    c = client(fake_llm.url, concurrency=1)
    for i in range(5):
        c.chat([{"role": "user", "content": f"item {i}"}])
    assert len(fake_llm.requests) == 5 and fake_llm.connections() == 1
    c.close()  # a later request opens a new connection
    c.chat(MSGS)
    assert fake_llm.connections() == 2
    with client(fake_llm.url) as c2:
        c2.chat(MSGS)
        c2.chat(MSGS)
    assert fake_llm.connections() == 3


def test_chat_many_sends_concurrency_requests_at_once_on_as_many_connections():
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def responder(body):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.3)
        with lock:
            state["now"] -= 1
        return ("text", "echo " + body["messages"][-1]["content"])

    convs = [[{"role": "user", "content": f"item {i}"}] for i in range(12)]
    with FakeLLM(responder) as server:
        with client(server.url, concurrency=4) as c:
            results = c.chat_many(convs)
        assert [r.text for r in results] == [f"echo item {i}" for i in range(12)]
        assert state["max"] == 4
        assert server.connections() <= 4  # 12 requests on the pool's (at most) 4 connections


def test_without_httpx_the_error_says_what_to_install(fake_llm, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "httpx", None)  # import httpx -> ImportError
    with pytest.raises(DependencyError, match="pip install"):
        client(fake_llm.url).chat(MSGS)
