"""``affectkit analyze ... --llm URL --llm-model NAME``: the options and the one call that adds
the LLM's readings to the analysis records (kept here so that ``affectkit.cli`` stays small)."""
from __future__ import annotations

import argparse
import sys

from affectkit.core.errors import InputError


def add_llm_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("LLM reading (optional)")
    g.add_argument("--llm", metavar="URL",
                   help="also ask an LLM for each utterance's emotion and a short reasoning from its words and "
                        "textualized voice/face cues: the base URL of an OpenAI-compatible server (e.g. "
                        "http://127.0.0.1:8080/v1 for llama-server, http://127.0.0.1:11434/v1 for Ollama; key from "
                        "$AFFECTKIT_LLM_API_KEY or $OPENAI_API_KEY), or 'local' for a GGUF file through "
                        "llama-cpp-python (pip install 'affectkit[llm-local]')")
    g.add_argument("--llm-model", metavar="NAME",
                   help="the model name on that server (with --llm local: a .gguf path; default the bundled "
                        "Gemma 3 270M, a weak base model for smoke tests only)")
    g.add_argument("--llm-timeout", type=float, default=60.0, metavar="S",
                   help="seconds per LLM request before it is retried (default 60; 2 retries)")
    g.add_argument("--llm-concurrency", type=int, default=4, metavar="N",
                   help="LLM requests in flight at once (default 4)")


def backend_from_args(args: argparse.Namespace):
    """The LLM backend the options ask for, or None; InputError (a usage error) for bad options."""
    url, model = getattr(args, "llm", None), getattr(args, "llm_model", None)
    if not url:
        if model:
            raise InputError("--llm-model goes with --llm URL")
        return None
    if not args.llm_timeout > 0 or args.llm_concurrency < 1:
        raise InputError("--llm-timeout must be positive and --llm-concurrency at least 1")
    cache = False if getattr(args, "no_cache", False) else None
    if url == "local":
        from affectkit.llm.local import LocalLLM, check_installed

        check_installed()
        return LocalLLM(model, cache=cache)
    if not model:
        raise InputError("--llm needs --llm-model NAME (the model's name on that server)")
    from affectkit.llm.client import ChatClient

    return ChatClient(url, model, timeout=args.llm_timeout, concurrency=args.llm_concurrency, cache=cache)


def add_llm_to_documents(docs: list[dict], backend) -> int:
    """Add the LLM's readings to every record with utterances; says on stderr what happened.
    Returns how many utterances got no usable LLM answer."""
    from affectkit.explain.llm_readings import add_llm_readings, llm_failures

    failed = total = 0
    for doc in docs:
        if not doc.get("segments"):
            continue
        n = len(doc["segments"])
        print(f"affectkit: {doc['input']}: asking {backend.name} about {n} utterances", file=sys.stderr)
        add_llm_readings(doc, backend)
        failed += llm_failures(doc)
        total += n
        for kind, count in doc["summary"]["llm"]["errors"].items():
            first = next(s["llm"]["error"]["message"] for s in doc["segments"]
                         if s["llm"]["error"] and s["llm"]["error"]["kind"] == kind)
            print(f"affectkit: {doc['input']}: LLM {kind} for {count} of {n} utterances, e.g. {first}",
                  file=sys.stderr)
    if failed:
        print(f"affectkit: the LLM gave no usable answer for {failed} of {total} utterances "
              "(see their \"llm\": {\"error\"})", file=sys.stderr)
    return failed
