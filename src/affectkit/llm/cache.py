"""Response cache for LLM requests: a rerun of the same prompts sends nothing.

An entry's key is the sha256 of the full request (endpoint URL and the whole JSON body:
model, messages, temperature, seed, max_tokens...), never the API key; so changing the
prompt template, the model, a setting or the server misses, and the same request hits.
Entries are JSON files under ``$AFFECTKIT_CACHE/llm`` (default ``~/.cache/affectkit/llm``,
the root of ``affectkit.store.cache``), written atomically (temp file beside it, then
rename); an unreadable entry is ignored and rewritten. Only complete HTTP answers are
stored: errors (timeouts, 5xx) are retried on the next run.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from affectkit.core.atomic import write_atomic
from affectkit.store.cache import default_cache_dir

log = logging.getLogger("affectkit.llm")


def request_key(url: str, body: dict[str, Any]) -> str:
    """sha256 of the endpoint and the canonical JSON of the request body."""
    blob = json.dumps({"url": url, "body": body}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Raw chat-completion responses on disk, keyed by ``request_key``."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir() / "llm"

    def entry(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored response, or None when absent or unreadable."""
        path = self.entry(key)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("key") != key:
                raise ValueError("key mismatch")
            return data["response"]
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable LLM cache entry %s (%s)", path, exc)
            return None

    def put(self, key: str, response: dict, request: dict | None = None) -> Path:
        """Store atomically: a temp file beside the entry, then a rename. ``request`` (the URL
        and body, never the key) is stored beside the response so an entry can be read back."""
        path = self.entry(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = json.dumps({"key": key, "request": request, "response": response}, ensure_ascii=False)
        return write_atomic(path, entry, fsync=True)
