"""An OpenAI-compatible chat-completions client over httpx (one keep-alive connection pool).

The protocol is the one llama.cpp's ``llama-server``, vLLM, Ollama (``/v1``) and hosted
services speak: ``POST {base_url}/chat/completions`` with ``{"model", "messages",
"temperature", "seed", "max_tokens"}``. Settings are deterministic by default (temperature 0
and a fixed seed; a server that rejects the seed field with a 400 naming it is asked again
without it, and servers that ignore it still get temperature 0). The API key comes
from the ``api_key`` argument, else ``$AFFECTKIT_LLM_API_KEY``, else ``$OPENAI_API_KEY``;
it is sent as a bearer token and never stored or logged.

Each ``ChatClient`` holds one ``httpx.Client`` (opened on the first request, shared by the
threads of ``chat_many``, ``close()`` or ``with`` ends it) whose pool keeps up to ``concurrency``
connections alive between requests. The proxy environment variables are honoured, except for a
server on this machine, which is always reached directly.

Failures become typed errors (``errors.py``): unreachable server, timeout, HTTP status (with
the server's own message), missing model, malformed response. Timeouts, connection errors,
429 and 5xx are retried (nothing else is) up to ``max_retries`` times, waiting what the
server's ``Retry-After`` asks (delta-seconds or an HTTP-date) or else a full-jitter exponential
backoff, uniform in ``[0, min(max_backoff, backoff * 2**attempt)]``; a wait never exceeds
``max_backoff``. ``chat_many`` runs a batch on a bounded thread pool and returns one reply *or
error* per item, in order: one bad reply never ends a batch; once the server is found
unreachable or without the model, the items not yet sent fail at once with the same error
instead of each waiting out its retries. Complete responses are cached (``cache.py``) under a
key of the full request, so a rerun sends no request at all.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
import random
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence

from affectkit.core.errors import DependencyError, InputError
from affectkit.llm.cache import ResponseCache, request_key
from affectkit.llm.errors import (LLMError, LLMHTTPError, LLMModelMissing, LLMReplyError, LLMTimeout,
                                  LLMUnreachable)

if TYPE_CHECKING:  # pragma: no cover
    import httpx

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
    if not urllib.parse.urlsplit(url).hostname:
        raise InputError(f"LLM base URL {base_url!r} names no host (e.g. http://127.0.0.1:8080/v1)")
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


def _is_local(url: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def _httpx():
    try:
        import httpx
    except ImportError:  # a core dependency: only an install with --no-deps lacks it
        raise DependencyError("the LLM client needs httpx: pip install 'httpx>=0.27'") from None
    return httpx


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """The seconds a ``Retry-After`` header asks for: delta-seconds (``"120"``, also ``"1.5"``) or an
    HTTP-date (``"Wed, 21 Oct 2026 07:28:00 GMT"``, counted from ``now``, a POSIX time, default the
    current time; a date in the past is 0). None when absent or unreadable."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


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

    def close(self) -> None:
        """Release what the backend holds open (nothing here; ChatClient: its connections)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    ``timeout`` (seconds) bounds each attempt (connect, send, each read); ``max_retries`` extra
    attempts follow a timeout, a connection error, 429 or 5xx, after the server's ``Retry-After``
    or else a random wait in ``[0, min(max_backoff, backoff * 2**attempt)]`` (full jitter), never
    more than ``max_backoff``; ``concurrency`` requests at a time in ``chat_many`` and as many
    keep-alive connections; ``seed=None`` sends none; ``cache=None`` uses the default cache folder,
    ``cache=False`` none. ``sleep``, ``clock`` (POSIX seconds, for ``Retry-After`` dates) and
    ``rng`` (the jitter's ``random.Random``) can be replaced, e.g. to test the waits without
    waiting. ``close()`` (or ``with ChatClient(...) as c:``) closes the connections; a later
    request opens new ones."""

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2, backoff: float = 1.0, max_backoff: float = 20.0, temperature: float = 0.0,
                 seed: int | None = 0, max_tokens: int = 256, concurrency: int = 4,
                 cache: ResponseCache | None | bool = None, extra_body: dict | None = None,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] | None = None,
                 rng: random.Random | None = None) -> None:
        if not model or not str(model).strip():
            raise InputError("an LLM model name is required (e.g. --llm-model llama3.1:8b)")
        if not timeout > 0:
            raise InputError(f"LLM timeout must be positive, got {timeout}")
        if max_retries < 0 or concurrency < 1 or max_tokens < 1:
            raise InputError("max_retries must be >= 0, concurrency and max_tokens >= 1")
        if backoff < 0 or max_backoff < 0:
            raise InputError("backoff and max_backoff must be >= 0 seconds")
        self.base_url, self.url, self.model = base_url, endpoint(base_url), str(model)
        self._api_key = api_key if api_key is not None else api_key_from_env()
        self.timeout, self.max_retries, self.backoff, self.max_backoff = timeout, max_retries, backoff, max_backoff
        self.temperature, self.seed, self.max_tokens = temperature, seed, max_tokens
        self.concurrency, self.extra_body = concurrency, dict(extra_body or {})
        self.cache = None if cache is False else (ResponseCache() if cache in (None, True) else cache)
        self.requests_sent = 0  # HTTP requests actually sent (retries included); cache hits send none
        self._count = threading.Lock()
        self._seed_ok = True  # False once the server has rejected the seed field
        self._sleep = time.sleep if sleep is None else sleep
        self._clock = time.time if clock is None else clock
        self._rng = random.Random() if rng is None else rng
        self._http: httpx.Client | None = None  # opened on the first request
        self._http_lock = threading.Lock()

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

    # -- transport -----------------------------------------------------------------------------
    def close(self) -> None:
        """Close the pooled connections (a later request opens new ones)."""
        with self._http_lock:
            http, self._http = self._http, None
        if http is not None:
            http.close()

    def __del__(self) -> None:  # a client dropped without close() still closes its sockets
        http = getattr(self, "_http", None)
        if http is not None:
            try:
                http.close()
            except Exception:  # pragma: no cover - interpreter shutdown
                pass

    def _client(self) -> "httpx.Client":
        http = self._http
        if http is not None:
            return http
        with self._http_lock:
            if self._http is None:
                httpx = _httpx()
                from affectkit.core.version import __version__

                # pool=None: a thread beyond ``concurrency`` waits for a free connection (each
                # request is bounded by its own timeout), it does not fail with a timeout
                self._http = httpx.Client(
                    timeout=httpx.Timeout(self.timeout, pool=None),
                    limits=httpx.Limits(max_connections=self.concurrency,
                                        max_keepalive_connections=self.concurrency),
                    trust_env=not _is_local(self.url), follow_redirects=False,
                    headers={"User-Agent": f"affectkit/{__version__}"})
            return self._http

    def retry_wait(self, attempt: int, exc: LLMError) -> float:
        """Seconds to wait before retry ``attempt + 1`` (0-based ``attempt``) after ``exc``: the
        server's ``Retry-After`` when it sent one, else uniform in ``[0, min(max_backoff,
        backoff * 2**attempt)]``; never more than ``max_backoff``."""
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(self.max_backoff, max(0.0, float(retry_after)))
        return self._rng.uniform(0.0, min(self.max_backoff, self.backoff * 2 ** attempt))

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
                self._sleep(self.retry_wait(attempt, exc))
                attempt += 1

    def _post(self, data: bytes) -> Any:
        httpx = _httpx()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        client = self._client()
        with self._count:
            self.requests_sent += 1
        where = f"LLM server {self.base_url}"
        try:
            resp = client.post(self.url, content=data, headers=headers)
        except httpx.TimeoutException:
            raise LLMTimeout(f"{where} did not answer within {self.timeout:g} s") from None
        except httpx.ConnectError as exc:
            raise LLMUnreachable(f"cannot reach {where}: {exc}; is the server running, "
                                 "and does the URL include the API prefix (e.g. /v1)?") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # protocol and network errors mid-request
            raise LLMUnreachable(f"cannot reach {where}: {exc or type(exc).__name__}") from None
        raw = resp.content
        if resp.status_code >= 400:
            raise self._http_error(resp.status_code, raw, resp.headers)
        if resp.status_code >= 300:
            raise LLMHTTPError(f"{where} answered HTTP {resp.status_code} (a redirect to "
                               f"{resp.headers.get('Location', '?')}); use that URL as the base URL",
                               resp.status_code)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise LLMReplyError(f"{where} answered with something that is not JSON: "
                                f"{raw[:120].decode('utf-8', errors='replace')!r}") from None

    def _http_error(self, status: int, body: bytes, headers: Any) -> LLMHTTPError:
        msg = _server_message(body)
        where = f"LLM server {self.base_url}"
        if status == 404 and "model" in msg.lower():
            return LLMModelMissing(f"{where} does not serve model {self.model!r}: {msg}", status)
        if status == 404:
            return LLMHTTPError(f"{where}: 404 Not Found at {self.url} ({msg}); does the base URL need /v1?", status)
        if status in (401, 403):
            return LLMHTTPError(f"{where} refused the request ({status}: {msg}); set AFFECTKIT_LLM_API_KEY "
                                "or OPENAI_API_KEY", status)
        return LLMHTTPError(f"{where} answered HTTP {status}: {msg}", status,
                            retry_after=parse_retry_after(headers.get("Retry-After"), now=self._clock()))
