"""What one ``affectkit serve`` runs with (``ServiceConfig``) and what a job may ask for (``JobOptions``)."""
from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from affectkit.core.errors import InputError


@dataclass
class ServiceConfig:
    """``data_dir``: uploads, results, the SQLite store; ``database``: a PostgreSQL URL instead
    (None: SQLite in ``data_dir``); ``token``: the bearer token /v1 needs (None: no auth, loopback
    only); ``workers``: analysis processes; ``predict_workers``: processes for /v1/predict;
    ``max_upload_mb``: per request; ``max_queue``: queued jobs before 429; ``lease_seconds``: how
    long a worker's claim lasts without a heartbeat (a killed worker's job is run again after it);
    ``poll_seconds``: how often an idle worker looks for work."""

    data_dir: str
    database: str | None = None
    token: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    predict_workers: int = 1
    max_upload_mb: float = 512.0
    max_queue: int = 1000
    max_texts: int = 64
    max_text_chars: int = 5000
    lease_seconds: float = 30.0
    poll_seconds: float = 0.5

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check_bind(self) -> None:
        """Refuse to listen beyond loopback without a token: anyone on the network could use it."""
        if self.token is None and not is_loopback(self.host):
            raise InputError(f"--host {self.host}: listening beyond loopback needs a token "
                             "($AFFECTKIT_API_TOKEN or --token-file FILE)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(token_file: str | None) -> str | None:
    """The API token: from ``token_file`` (its first line) or ``$AFFECTKIT_API_TOKEN``; None: none set."""
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip().splitlines()
        except OSError as exc:
            raise InputError(f"--token-file {token_file}: {exc.strerror or exc}") from None
        if not token or not token[0].strip():
            raise InputError(f"--token-file {token_file}: the file is empty")
        return token[0].strip()
    env = os.environ.get("AFFECTKIT_API_TOKEN", "").strip()
    return env or None


OPTION_FIELDS = {"fps": "frames sampled per second of video (default 5)",
                 "window": "seconds per fixed window for video without speech (default 2)",
                 "explain": "name the cues behind each reading (default true)",
                 "asr": "speech-to-text for recordings without a transcript (default: when installed)",
                 "language": "language code for speech-to-text (default: detected)",
                 "faces": "read the faces of a video (default true)",
                 "landmarks": "facial geometry too (the landmarks extra; default false)",
                 "llm": "an OpenAI-compatible base URL (or 'local') for an LLM reading per utterance",
                 "llm_model": "the model name on that LLM server",
                 "callback_url": "an http(s) URL POSTed the job (JSON) when it ends"}


def parse_options(raw: str | None) -> dict[str, Any]:
    """The ``options`` form field (JSON object) checked: known keys, right types, sane ranges.
    InputError with one line saying what is wrong."""
    if raw is None or not raw.strip():
        return {}
    try:
        opts = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"options: not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(opts, dict):
        raise InputError("options: expected a JSON object, e.g. {\"fps\": 5, \"explain\": false}")
    unknown = sorted(set(opts) - set(OPTION_FIELDS))
    if unknown:
        raise InputError(f"options: unknown {', '.join(map(str, unknown))}; known: {', '.join(OPTION_FIELDS)}")
    out: dict[str, Any] = {}
    for key in ("fps", "window"):
        if key in opts:
            v = opts[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= (60 if key == "fps" else 3600):
                raise InputError(f"options: {key} must be a number in (0, {60 if key == 'fps' else 3600}], got {v!r}")
            out[key] = float(v)
    for key in ("explain", "faces", "landmarks"):
        if key in opts:
            if not isinstance(opts[key], bool):
                raise InputError(f"options: {key} must be true or false, got {opts[key]!r}")
            out[key] = opts[key]
    if "asr" in opts:
        if opts["asr"] is not None and not isinstance(opts["asr"], bool):
            raise InputError(f"options: asr must be true, false or null, got {opts['asr']!r}")
        out["asr"] = opts["asr"]
    for key in ("language", "llm", "llm_model", "callback_url"):
        if opts.get(key) is not None:
            v = opts[key]
            if not isinstance(v, str) or not v.strip() or len(v) > 2000:
                raise InputError(f"options: {key} must be a non-empty string")
            out[key] = v.strip()
    for key in ("llm", "callback_url"):
        v = out.get(key)
        if v is not None and not (key == "llm" and v == "local") and not v.startswith(("http://", "https://")):
            raise InputError(f"options: {key} must be an http:// or https:// URL" + (" or 'local'" if key == "llm" else ""))
    if "llm_model" in out and "llm" not in out:
        raise InputError("options: llm_model goes with llm")
    if out.get("llm", "local") != "local" and "llm_model" not in out:
        raise InputError("options: llm needs llm_model (the model's name on that server)")
    return out
