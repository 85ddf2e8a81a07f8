"""An OpenAI-compatible chat-completions client over the standard library (no new dependency).

The protocol is the one llama.cpp's ``llama-server``, vLLM, Ollama (``/v1``) and hosted
services speak: ``POST {base_url}/chat/completions`` with ``{"model", "messages",
"temperature", "seed", "max_tokens"}``. Settings are deterministic by default (temperature 0
and a fixed seed; a server that rejects the seed field with a 400 naming it is asked again
without it, and servers that ignore it still get temperature 0). The API key comes
from the ``api_key`` argument, else ``$AFFECTKIT_LLM_API_KEY``, else ``$OPENAI_API_KEY``;
it is sent as a bearer token and never stored or logged.

Failures become typed errors (``errors.py``): unreachable server, timeout, HTTP status (with
the server's own message), missing model, malformed response. Timeouts, connection errors,
429 and 5xx are retried a bounded number of times with exponential backoff (honouring a
``Retry-After`` header, capped). ``chat_many`` runs a batch on a bounded thread pool and
returns one reply *or error* per item, in order: one bad reply never ends a batch; once the
server is found unreachable or without the model, the items not yet sent fail at once with
the same error instead of each waiting out its retries. Complete responses are cached
(``cache.py``) under a key of the full request, so a rerun sends no request at all.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from affectkit.core.errors import InputError
from affectkit.llm.cache import ResponseCache, request_key
from affectkit.llm.errors import (LLMError, LLMHTTPError, LLMModelMissing, LLMReplyError, LLMTimeout,
                                          LLMUnreachable)

API_KEY_VARS = ("AFFECTKIT_LLM_API_KEY", "OPENAI_API_KEY")
Messages = Sequence[dict[str, str]]


@dataclass(frozen=True)
class ChatReply:
    """One answer: its ``text``, why generation stopped (``stop``, ``length``...), the model
    that answered, whether it came from the cache, and a refusal message if the server gave one."""

    text: str
    finish_reason: str | None
    model: str
    cached: bool = False
    refusal: str | None = None


def endpoint(base_url: str) -> str:
    """``{base_url}/chat/completions`` (a URL that already ends so is kept). InputError for a
    URL that is not http(s)."""
    url = (base_url or "").strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InputError(f"LLM base URL must start with http:// or https://, got {base_url!r} "
                         "(e.g. http://127.0.0.1:8080/v1 for llama-server, http://127.0.0.1:11434/v1 for Ollama)")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def api_key_from_env() -> str | None:
    for var in API_KEY_VARS:
        if os.environ.get(var):
            return os.environ[var]
    return None


def _server_message(body: bytes) -> str:
    """The error message in an error response body ({"error": {"message"}}, {"error": "..."},
    {"detail": ...}), else the start of the body."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        obj = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(obj, dict):
        err = obj.get("error", obj.get("detail", obj.get("message")))
        if isinstance(err, dict):
            err = err.get("message") or err.get("code") or err
        if err is not None:
            return str(err)[:300]
    return text[:300]


def _opener(url: str) -> urllib.request.OpenerDirector:
    """An opener that honours the proxy environment variables, except for a server on this
    machine (127.0.0.1, localhost, ::1), which is always reached directly."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host in ("127.0.0.1", "localhost", "::1") or host.startswith("127."):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _retryable(exc: LLMError) -> bool:
    if isinstance(exc, (LLMTimeout, LLMUnreachable)):
        return True
    return type(exc) is LLMHTTPError and exc.status is not None and (exc.status == 429 or exc.status >= 500)


def reply_from_response(obj: Any, cached: bool = False) -> ChatReply:
    """The first choice of a chat-completion response; LLMReplyError if it is not one."""
    if isinstance(obj, dict) and obj.get("error"):
        raise LLMHTTPError(f"the server answered with an error: {_server_message(json.dumps(obj).encode())}")
    try:
        choice = obj["choices"][0]
        message = choice.get("message") or {}
        content = message.get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise LLMReplyError("the response is not a chat completion (no choices[0].message)") from None
    refusal = message.get("refusal") if isinstance(message, dict) else None
    if content is not None and not isinstance(content, str):
        raise LLMReplyError(f"choices[0].message.content is {type(content).__name__}, not text")
    return ChatReply(text=content or "", finish_reason=choice.get("finish_reason"),
                     model=str(obj.get("model") or ""), cached=cached, refusal=refusal or None)


class _Batch:
    """``chat_many`` over a ``chat`` method, on a bounded thread pool."""

    concurrency: int = 1

    def chat(self, messages: Messages, max_tokens: int | None = None) -> ChatReply:  # pragma: no cover
        raise NotImplementedError

    def chat_many(self, conversations: Sequence[Messages], max_tokens: int | None = None,
                  progress: Callable[[int], None] | None = None) -> list[ChatReply | LLMError]:
        """One ChatReply or LLMError per conversation, in order (never raises an LLMError)."""
        fatal: list[LLMError] = []
        lock = threading.Lock()

        def one(messages: Messages) -> ChatReply | LLMError:
            if fatal:
                return type(fatal[0])(str(fatal[0]))
            try:
                return self.chat(messages, max_tokens=max_tokens)
            except (LLMUnreachable, LLMModelMissing) as exc:
                with lock:
                    fatal.append(exc)
                return exc
            except LLMError as exc:
                return exc
            finally:
                if progress:
                    progress(1)

        if self.concurrency <= 1 or len(conversations) <= 1:
            return [one(m) for m in conversations]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(conversations))) as pool:
            return list(pool.map(one, conversations))


class ChatClient(_Batch):
    """A client of one model on one OpenAI-compatible server.

    ``timeout`` (seconds) bounds each attempt; ``max_retries`` extra attempts follow a timeout,
    a connection error, 429 or 5xx, waiting ``backoff * 2**attempt`` seconds (at most
    ``max_backoff``); ``concurrency`` requests at a time in ``chat_many``; ``seed=None`` sends
    none; ``cache=None`` uses the default cache folder, ``cache=False`` none."""

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2, backoff: float = 1.0, max_backoff: float = 20.0, temperature: float = 0.0,
                 seed: int | None = 0, max_tokens: int = 256, concurrency: int = 4,
                 cache: ResponseCache | None | bool = None, extra_body: dict | None = None) -> None:
        if not model or not str(model).strip():
            raise InputError("an LLM model name is required (e.g. --llm-model llama3.1:8b)")
        if not timeout > 0:
            raise InputError(f"LLM timeout must be positive, got {timeout}")
        if max_retries < 0 or concurrency < 1 or max_tokens < 1:
            raise InputError("max_retries must be >= 0, concurrency and max_tokens >= 1")
        self.base_url, self.url, self.model = base_url, endpoint(base_url), str(model)
        self._api_key = api_key if api_key is not None else api_key_from_env()
        self.timeout, self.max_retries, self.backoff, self.max_backoff = timeout, max_retries, backoff, max_backoff
        self.temperature, self.seed, self.max_tokens = temperature, seed, max_tokens
        self.concurrency, self.extra_body = concurrency, dict(extra_body or {})
        self.cache = None if cache is False else (ResponseCache() if cache in (None, True) else cache)
        self.requests_sent = 0  # HTTP requests actually sent (retries included); cache hits send none
        self._count = threading.Lock()
        self._seed_ok = True  # False once the server has rejected the seed field
        self._opener = _opener(self.url)

    @property
    def name(self) -> str:
        return f"{self.model} @ {self.base_url}"

    def __repr__(self) -> str:  # never shows the key
        return f"ChatClient({self.base_url!r}, {self.model!r})"

    def request_body(self, messages: Messages, max_tokens: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": [dict(m) for m in messages],
                                "temperature": self.temperature, "max_tokens": int(max_tokens or self.max_tokens),
                                "stream": False}
        if self.seed is not None:
            body["seed"] = int(self.seed)
        body.update(self.extra_body)
        return body

    def chat(self, messages: Messages, max_tokens: int | None = None) -> ChatReply:
        """The model's answer to ``messages``; an LLMError subclass when there is none."""
        body = self.request_body(messages, max_tokens)
        if not self._seed_ok:
            body.pop("seed", None)
        key = request_key(self.url, body)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return reply_from_response(hit, cached=True)
        try:
            obj = self._post_with_retries(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        except LLMHTTPError as exc:
            # "seed when supported": a server that rejects the field is asked again without it
            if exc.status != 400 or "seed" not in body or "seed" not in str(exc).lower():
                raise
            self._seed_ok = False
            return self.chat(messages, max_tokens)
        reply = reply_from_response(obj)
        if self.cache is not None:
            self.cache.put(key, obj, {"url": self.url, "body": body})
        return reply

    def _post_with_retries(self, data: bytes) -> Any:
        attempt = 0
        while True:
            try:
                return self._post(data)
            except LLMError as exc:
                if attempt >= self.max_retries or not _retryable(exc):
                    if attempt:
                        exc.args = (f"{exc} (after {attempt + 1} attempts)",)
                    raise
                wait = min(self.max_backoff, self.backoff * 2 ** attempt)
                retry_after = getattr(exc, "retry_after", None)
                if retry_after is not None:
                    wait = min(self.max_backoff, max(wait, retry_after))
                time.sleep(wait)
                attempt += 1

    def _post(self, data: bytes) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        req = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        with self._count:
            self.requests_sent += 1
        where = f"LLM server {self.base_url}"
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise LLMTimeout(f"{where} did not answer within {self.timeout:g} s") from None
            raise LLMUnreachable(f"cannot reach {where}: {exc.reason}; is the server running, "
                                 "and does the URL include the API prefix (e.g. /v1)?") from None
        except (TimeoutError, socket.timeout):
            raise LLMTimeout(f"{where} did not answer within {self.timeout:g} s") from None
        except (ConnectionError, OSError) as exc:
            raise LLMUnreachable(f"cannot reach {where}: {exc}") from None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise LLMReplyError(f"{where} answered with something that is not JSON: "
                                f"{raw[:120].decode('utf-8', errors='replace')!r}") from None

    def _http_error(self, exc: urllib.error.HTTPError) -> LLMHTTPError:
        try:
            body = exc.read()
        except OSError:
            body = b""
        msg, status = _server_message(body), exc.code
        where = f"LLM server {self.base_url}"
        if status == 404 and "model" in msg.lower():
            return LLMModelMissing(f"{where} does not serve model {self.model!r}: {msg}", status)
        if status == 404:
            return LLMHTTPError(f"{where}: 404 Not Found at {self.url} ({msg}); does the base URL need /v1?", status)
        if status in (401, 403):
            return LLMHTTPError(f"{where} refused the request ({status}: {msg}); set AFFECTKIT_LLM_API_KEY "
                                "or OPENAI_API_KEY", status)
        err = LLMHTTPError(f"{where} answered HTTP {status}: {msg}", status)
        retry_after = exc.headers.get("Retry-After") if exc.headers else None
        try:
            err.retry_after = float(retry_after) if retry_after is not None else None  # type: ignore[attr-defined]
        except ValueError:
            err.retry_after = None  # type: ignore[attr-defined]
        return err
