"""A fake OpenAI-compatible chat-completions server on 127.0.0.1 for the LLM tests.

It records every request (path, headers, JSON body) and answers from a script: each queued
step answers one request, in order; when the script is empty, ``responder(body)`` decides
(default: a good JSON answer). Steps:

    ("json", obj)              200, the assistant's content is json.dumps(obj)
    ("text", str)              200, the content is that text (malformed, chatter, refusal...)
    ("length", str)            200, that content with finish_reason "length" (truncated)
    ("refusal", str)           200, content null and message.refusal set (OpenAI's refusal field)
    ("status", code, body)     that HTTP status and body (bytes or a JSON-able object)
    ("raw", bytes)             200 with a body that is not JSON
    ("slow", seconds, step)    hold the reply for ``seconds`` (or until the server closes), then answer
                               as ``step``: with ``seconds`` well above the client's timeout, the
                               client times out however loaded the machine is

A ``("status", code, body, headers)`` step adds response headers (e.g. ``{"Retry-After": "1"}``).
The server speaks HTTP/1.1 with keep-alive (``keep_alive=False``: HTTP/1.0, one request per
connection); each recorded request has ``peer``, the client's (host, port), so ``connections()``
counts the distinct TCP connections the requests came on.
"""
from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


def completion(content: str | None, finish_reason: str = "stop", model: str = "fake",
               refusal: str | None = None) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if refusal is not None:
        message["refusal"] = refusal
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def good(body: dict) -> tuple:
    return ("json", {"emotion": "joy", "emotion_words": ["happy"], "reasoning": "the words are warm"})


class FakeLLM:
    def __init__(self, responder: Callable[[dict], tuple] = good, keep_alive: bool = True) -> None:
        self.script: deque = deque()
        self.responder = responder
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
            # headers and body go out in two writes: with Nagle on, a kept-alive connection
            # would stall ~40 ms per response on the client's delayed ACK (real servers set this)
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with fake._lock:
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                         "peer": self.client_address[:2]})
                    step = fake.script.popleft() if fake.script else None
                if step is None:
                    step = fake.responder(body)
                try:
                    fake._answer(self, step)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def _answer(self, h: BaseHTTPRequestHandler, step: tuple) -> None:
        kind = step[0]
        if kind == "slow":
            self._closing.wait(step[1])  # a held reply ends when the test's server closes
            return self._answer(h, step[2])
        status, headers = 200, {}
        if kind == "json":
            payload: Any = completion(json.dumps(step[1]))
        elif kind == "text":
            payload = completion(step[1])
        elif kind == "length":
            payload = completion(step[1], finish_reason="length")
        elif kind == "refusal":
            payload = completion(None, refusal=step[1])
        elif kind == "status":
            status, payload = step[1], step[2]
            headers = step[3] if len(step) > 3 else {}
        elif kind == "raw":
            payload = step[1]
        else:
            raise ValueError(f"unknown step {kind!r}")
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def connections(self) -> int:
        """How many distinct client connections (host, port) the recorded requests came on."""
        with self._lock:
            return len({r["peer"] for r in self.requests})

    def push(self, *steps: tuple) -> "FakeLLM":
        self.script.extend(steps)
        return self

    def __enter__(self) -> "FakeLLM":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A URL where nothing listens (a port bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
