"""The pipeline's stages as the operations of a distributed run (``engine.ray_batch``), free of Ray.

Each operation takes and returns one row ``{"i": input index, "state": bytes}``; the state (a
pickled ``State``) carries the input's ``analysis.pipeline.Job`` from one operation to the next, or
its record once it failed, so a bad input passes through the later operations untouched. The
operations run the very stage functions of the in-process pipeline, in its order
(``analysis.pipeline.stages``), so the readings are the same:

1. ``probe``: what the input is, within the limits (a task);
2. ``FaceStage``: a video's face timeline; the face model loaded once per actor;
3. ``decode_segment``: the audio, then the utterances (transcript, speech-to-text, voice activity; a task);
4. ``VoiceStage``: the voice readings; the voice head loaded once per actor;
5. ``TextStage``: the text readings and the words behind them; the text model loaded once per actor;
6. ``finish``: the face reading per utterance, fusion, explanations, the record, its output file, its
   rows of the utterance table and its done marker (a task).

Errors are handled as ``cli.analyze`` does: an AffectkitError fails its input (its record says why,
one line for stderr); a missing dependency or a broken model is fatal (the driver raises it, exit 3);
any other exception fails its input as "unexpected error ... please report it" (AFFECTKIT_DEBUG=1
raises it instead).
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from affectkit.core.errors import AffectkitError, DependencyError, InputError, ModelError


class Notes:
    """What an input's analysis says for stderr, kept to be printed by the driver (in a worker there
    is no terminal): lines in the local engine's form (``affectkit: FILE: ...``)."""

    def __init__(self, path: str, quiet: bool) -> None:
        self.path, self.quiet, self.lines = path, quiet, []

    def __call__(self, msg: str) -> None:
        if not self.quiet or msg.startswith("warning:"):  # a partly read input is said even with -q
            self.lines.append(f"affectkit: {self.path}: {msg}")

    def error(self, line: str) -> None:
        self.lines.append(line)


@dataclass
class State:
    """One input between operations: ``job`` while it runs, ``doc`` once it failed or finished,
    ``fatal`` (error class name, message) for a broken model or a missing dependency."""

    path: str
    notes: Notes
    job: Any = None
    doc: dict | None = None
    fatal: tuple[str, str] | None = None
    write_error: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BatchSpec:
    """What every operation needs to know of the run: the analysis options (CLI names), the
    inputs (never written over), the output format and the table width for the terminal form."""

    options: dict
    files: tuple[str, ...]
    fmt: str
    width: int
    quiet: bool


def pack(state: State) -> bytes:
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(blob: bytes) -> State:
    return pickle.loads(blob)


def _step(row: dict, fn: Callable[[State], None]) -> dict:
    """Run ``fn`` on the row's state unless its input already failed; errors as the module says."""
    st = unpack(row["state"])
    if st.doc is None and st.fatal is None:
        try:
            fn(st)
        except (ModelError, DependencyError) as exc:
            st.fatal, st.job = (type(exc).__name__, str(exc)), None
        except AffectkitError as exc:
            _fail(st, exc, f"affectkit: {exc}")
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # a bug must not end a batch of 1,000 files; AFFECTKIT_DEBUG=1 shows it
            if os.environ.get("AFFECTKIT_DEBUG") == "1":
                raise
            msg = f"{st.path}: unexpected error ({type(exc).__name__}: {exc}); please report it"
            _fail(st, msg, f"affectkit: {msg}")
    return {"i": row["i"], "state": pack(st)}


def _fail(st: State, error: AffectkitError | str, line: str) -> None:
    from affectkit.analysis.record import failed_record

    st.notes.error(line)
    st.doc, st.job = failed_record(st.path, error), None


def _stage(job, name: str) -> None:
    """Run the in-process pipeline's stage ``name`` on ``job`` where it applies."""
    from affectkit.analysis.pipeline import stages

    stage = next(s for s in stages() if s.name == name)
    if stage.applies(job):
        stage.run(job)


def options(spec: BatchSpec, notes: Notes):
    """The ``analysis.options.Options`` of the run (the CLI's meaning of each option)."""
    from affectkit.analysis.options import Options
    from affectkit.core.timing import Timer
    from affectkit.store.cache import FeatureCache

    o = spec.options
    return Options(transcript_format=o["transcript_format"], asr=o["asr"], language=o["language"], fps=o["fps"],
                   window=o["window"], cache=None if o["no_cache"] else FeatureCache(), explain=o["explain"],
                   limits=o["limits"], timer=Timer(), note=notes, landmarks=o["landmarks"],
                   face_detector=o.get("face_detector"))


# --- the operations, in order -----------------------------------------------------------------------

def start_row(i: int, path: str, spec: BatchSpec) -> dict:
    """The first row of input ``i`` (before ``probe``)."""
    return {"i": i, "state": pack(State(path=path, notes=Notes(path, spec.quiet)))}


def probe(row: dict, spec: BatchSpec) -> dict:
    """What the input is, by content, within the limits: its ``Job``."""
    from affectkit.analysis.pipeline import start

    def run(st: State) -> None:
        st.job = start(st.path, None, options(spec, st.notes))
    return _step(row, run)


class _ModelStage:
    """An actor's stage: its model loaded once, on the first input that needs it (a broken model
    then fails that input's run as fatal, exit 3, instead of the actor's start)."""

    field_name = ""

    def __init__(self) -> None:
        self.model = None

    def load(self) -> Any:
        raise NotImplementedError

    def run(self, st: State) -> None:
        raise NotImplementedError

    def __call__(self, row: dict) -> dict:
        def run(st: State) -> None:
            job = st.job
            if self.needed(job):
                if self.model is None:
                    self.model = self.load()
                job.opts = replace(job.opts, **{self.field_name: self.model})
                try:
                    self.run(st)
                finally:  # the model stays in the actor; the row carries the job only
                    if st.job is not None:
                        st.job.opts = replace(st.job.opts, **{self.field_name: None})
        return _step(row, run)

    def needed(self, job) -> bool:
        return True


class FaceStage(_ModelStage):
    """A video's face timeline (``analysis.decode.decode_faces``)."""

    field_name = "face_model"

    def load(self):
        from affectkit.recognize.face_affect import bundled_face_model

        return bundled_face_model()

    def needed(self, job) -> bool:
        return job.kind == "video"

    def run(self, st: State) -> None:
        from affectkit.analysis.decode import decode_faces

        decode_faces(st.job)


def decode_segment(row: dict) -> dict:
    """The audio (``analysis.decode.decode_audio``), the damage warnings, then the utterances."""
    from affectkit.analysis.decode import decode_audio, warn

    def run(st: State) -> None:
        decode_audio(st.job)
        warn(st.job)
        _stage(st.job, "utterances")
    return _step(row, run)


class VoiceStage(_ModelStage):
    """The voice readings per utterance (``analysis.readings.read_voice``)."""

    field_name = "voice_head"

    def load(self):
        from affectkit.recognize.voice_affect import bundled_voice_head

        return bundled_voice_head()

    def needed(self, job) -> bool:
        return "voice" in job.channels and job.audio is not None

    def run(self, st: State) -> None:
        _stage(st.job, "voice")


class TextStage(_ModelStage):
    """The text readings and the words behind them (``analysis.readings.read_text``)."""

    field_name = "text_model"

    def load(self):
        from affectkit.recognize.text_model import bundled_text_model

        return bundled_text_model()

    def needed(self, job) -> bool:
        return any(s.text.strip() for s in job.utterances.segments)

    def run(self, st: State) -> None:
        _stage(st.job, "text")


def finish(row: dict, spec: BatchSpec, plan_items: dict[int, Any], replace_targets: frozenset[str]) -> dict:
    """Face readings, fusion, explanations and the record; then its output, its table rows and its
    marker. The returned row carries the record only when it failed (for failures.json)."""
    from affectkit.analysis.record import assemble

    def run(st: State) -> None:
        job = st.job
        if job.voice is None and "voice" in job.channels:
            _stage(job, "voice")  # no audio: every utterance says so (no model needed)
        _stage(job, "face")
        _stage(job, "fusion")
        st.doc, st.job = assemble(job), None
    out = unpack(_step(row, run)["state"])
    item = plan_items[row["i"]]
    if out.doc is not None and out.fatal is None and not (out.doc["errors"] and not out.doc["segments"]):
        out.write_error = write_outputs(out.doc, item, spec, str(item.target) in replace_targets)
        if out.write_error:
            out.notes.error(f"affectkit: {out.write_error}")
        out.extra["segments"] = len(out.doc["segments"])
        out.extra["duration"] = out.doc.get("duration")
        out.doc = None  # written: the driver needs only the outcome
    return {"i": row["i"], "state": pack(out)}


def write_outputs(doc: dict, item, spec: BatchSpec, replace_existing: bool) -> str | None:
    """The input's output file, its rows of the utterance table, then its done marker; the reason
    when the output could not be written."""
    from affectkit.core.atomic import write_atomic
    from affectkit.engine.plan import mark_done
    from affectkit.report.render import render
    from affectkit.report.utterance_table import rows, to_parquet_bytes
    from affectkit.report.writers import write_text_file

    target = Path(item.target)
    try:
        write_text_file(target, render([doc], spec.fmt, f"affectkit: {Path(doc['input']).name}", width=spec.width),
                        force=replace_existing, protect=spec.files)
        part = item.table_part
        part.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(part, to_parquet_bytes(rows(doc, item.sha256)))
    except (InputError, OSError) as exc:
        return str(exc) if isinstance(exc, InputError) else f"cannot write {target}: {exc.strerror or exc}"
    mark_done(target.parent, item)
    return None
