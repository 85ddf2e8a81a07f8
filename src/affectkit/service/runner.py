"""One job through the pipeline, as ``affectkit analyze FILE --format json`` and ``--format html``
would run it: the same options, the same record, the same one-line reason for a bad input.

The upload is read under its own name from the job's working folder (the process's current
folder while it runs), so a bad file's message names ``clip.mp4``, exactly as the CLI says it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from affectkit.core.errors import AffectkitError, DependencyError, ModelError
from affectkit.core.timing import STAGES


class Canceled(BaseException):
    """Raised inside the pipeline (from the progress hook) when the job is no longer this
    worker's: canceled, deleted or taken over. A BaseException so no ``except Exception`` in a
    stage mistakes it for a per-utterance failure."""


class Models:
    """The bundled models, loaded once per worker process (on first use of each)."""

    def __init__(self) -> None:
        self._voice = None
        self._text = None

    def text(self):
        if self._text is None:
            from affectkit.recognize.text_model import bundled_text_model

            self._text = bundled_text_model()
        return self._text

    def voice(self):
        if self._voice is None:
            from affectkit.recognize.voice_affect import bundled_voice_head

            self._voice = bundled_voice_head()
        return self._voice


class Progress:
    """A Timer listener: the fraction of the pipeline's stages reached (never going back), and
    the hook that stops a job that is no longer ours."""

    def __init__(self, check: Callable[[], None]) -> None:
        self.value = 0.0
        self.check = check

    def begin(self, stage: str, total: int | None) -> None:
        self.check()
        if stage in STAGES:
            self.value = max(self.value, min(0.95, (STAGES.index(stage) + 1) / (len(STAGES) + 1)))

    def advance(self, n: int) -> None:
        self.check()


def run_job(workdir: Path, filename: str, transcript: str | None, options: dict[str, Any], models: Models,
            cache_dir: Path, progress: Progress) -> dict:
    """The record of one job (a failed input gives the failed record, its reason in ``errors``).
    ModelError and DependencyError propagate: the worker fails the job with their message."""
    from affectkit.analysis.options import Options
    from affectkit.analysis.pipeline import run as run_pipeline
    from affectkit.analysis.record import failed_record
    from affectkit.core.timing import Timer
    from affectkit.io.probe import sniff
    from affectkit.store.cache import FeatureCache

    here = os.getcwd()
    os.chdir(workdir)
    try:
        kind = sniff(filename)
        head = models.voice() if kind == "media" else None
        text_model = models.text()
        opts = Options(asr=options.get("asr"), language=options.get("language"), fps=options.get("fps", 5.0),
                       window=options.get("window", 2.0), faces=options.get("faces", True),
                       landmarks=options.get("landmarks", False), explain=options.get("explain", True),
                       voice_head=head, text_model=text_model, cache=FeatureCache(cache_dir),
                       timer=Timer(progress))
        try:
            doc = run_pipeline(filename, transcript, opts)
        except (ModelError, DependencyError):
            raise
        except AffectkitError as exc:
            return failed_record(filename, exc)
        if options.get("llm") and doc["segments"]:
            _add_llm(doc, options)
        return doc
    finally:
        os.chdir(here)


def _add_llm(doc: dict, options: dict[str, Any]) -> None:
    from affectkit.explain.llm_readings import add_llm_readings

    if options["llm"] == "local":
        from affectkit.llm.local import LocalLLM, check_installed

        check_installed()
        backend = LocalLLM(options.get("llm_model"))
    else:
        from affectkit.llm.client import ChatClient

        backend = ChatClient(options["llm"], options["llm_model"])
    try:
        add_llm_readings(doc, backend)
    finally:
        close = getattr(backend, "close", None)
        if close is not None:
            close()


def render(doc: dict) -> tuple[str, str]:
    """The record as JSON and the HTML report, both from the schema-complete record."""
    from affectkit.report.html import to_html
    from affectkit.report.writers import to_json
    from affectkit.schema import conform

    doc = conform(doc)
    return to_json(doc), to_html([doc], title=f"affectkit: {doc['input']}")


def failure_reason(doc: dict) -> str | None:
    """A failed input's one-line reason (what the CLI prints), or None when it was analysed."""
    if doc["errors"] and not doc["segments"]:
        return "; ".join(doc["errors"])
    return None
