"""``affectkit analyze``: one input or many, one combined output or one output per input (batch).

What each input is comes from its content (``io.probe``), within limits set by options or the
environment. A bad input gives one line on stderr (``affectkit: FILE: what is wrong``), no
traceback, and the others still run; the exit status says whether any failed (the
``affectkit.cli`` EXIT_* constants). Batch mode (``analyze DIR/ -o OUTDIR/``) writes ``OUTDIR/<input name>.<ext>``
per input, atomically, never over an input or an existing output (unless --force), and
``OUTDIR/failures.json`` listing the inputs that failed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from affectkit.core.errors import AffectkitError, DependencyError, InputError, ModelError
from affectkit.report.render import render, render_table_docs, timings_line as _timings_line  # noqa: F401 (their old home)

EXT = {"table": "txt", "json": "json", "csv": "csv", "parquet": "parquet", "html": "html"}
FAILURES = "failures.json"


def add_options(p: argparse.ArgumentParser) -> None:
    """The options of ``analyze`` that this module adds (limits, timings, quiet)."""
    from affectkit.cli.common import _positive

    for action in p._actions:  # analyze's bar follows the stages of each input: on when stderr is a terminal
        if action.option_strings == ["--progress"]:
            action.help = "always show the progress bar on stderr (default: when stderr is a terminal)"
    p.add_argument("--timings", action="store_true",
                   help='seconds per stage (decode, segment, text, voice, face, fusion, explain, report) in the '
                        'record as "timings", and one line of them on stderr per input')
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no notes or progress bar on stderr (errors are still said)")
    p.add_argument("--max-file-mb", type=_positive, metavar="MB",
                   help="refuse recordings larger than this (default 2048, or $AFFECTKIT_MAX_FILE_MB)")
    p.add_argument("--max-duration", type=_positive, metavar="SECONDS",
                   help="refuse recordings longer than this (default 14400 = 4 h, or $AFFECTKIT_MAX_DURATION)")
    p.add_argument("--max-transcript-mb", type=_positive, metavar="MB",
                   help="refuse transcripts larger than this (default 50, or $AFFECTKIT_MAX_TRANSCRIPT_MB)")
    g = p.add_argument_group("corpora and clusters (batch: DIR/ -o OUT/)")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="where the pipeline runs: in this process (default), or on Ray (pip install "
                        "'affectkit[ray]'): its stages as Ray Data operations, model stages as actor pools; "
                        "also writes OUT/utterances/ (a Parquet utterance table) and resumes (--resume)")
    g.add_argument("--address", metavar="auto|ray://HOST:PORT",
                   help="--engine ray: the Ray cluster to join (auto: the one `ray start` began on this "
                        "machine); default: start a local Ray")
    g.add_argument("--num-cpus", type=_count, metavar="N", help="--engine ray: CPUs of the local Ray (default: all)")
    g.add_argument("--resume", action="store_true",
                   help="skip the inputs an earlier run into OUT/ finished for the same content and options, "
                        "and redo the one it was writing when it stopped (always on with --engine ray)")


def _count(value: str) -> int:
    import argparse as _argparse

    try:
        n = int(value)
    except ValueError:
        raise _argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 1:
        raise _argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return n


# --- progress ------------------------------------------------------------------------------------

class StageBar:
    """One progress line on stderr that follows the stages of the analysis (a ``Timer``
    listener). One input: the bar names the input and the running stage and counts the stage's
    units (utterances, frames). Several inputs: the bar counts inputs, its postfix names the
    input and stage. Notes are written above it."""

    def __init__(self, enabled: bool, files: int) -> None:
        self.files = files
        self.name = ""
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=files if files > 1 else None, desc="analyze", unit="file" if files > 1 else "",
                            file=sys.stderr, dynamic_ncols=True, leave=files > 1)

    def start(self, name: str) -> None:
        self.name = name
        if self.bar is not None and self.files > 1:
            self.bar.set_postfix_str(name)

    def begin(self, stage: str, total: int | None) -> None:
        if self.bar is None:
            return
        if self.files > 1:
            self.bar.set_postfix_str(f"{self.name}: {stage}")
        else:
            self.bar.set_description(f"{self.name} · {stage}", refresh=False)
            # a stage without a count shows its name and the time; one with a count, a bar
            self.bar.bar_format = None if total else "{desc} [{elapsed}]"
            self.bar.reset(total=total)

    def advance(self, n: int) -> None:
        if self.bar is not None and self.files == 1:
            self.bar.update(n)

    def done(self) -> None:
        if self.bar is not None and self.files > 1:
            self.bar.update(1)

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --- inputs and outputs ----------------------------------------------------------------------------

def expand_inputs(inputs: list[str]) -> tuple[list[str], list[Path]]:
    """Files to analyse, in order (a folder gives the files directly inside it, sorted, hidden
    ones skipped), and the folders given."""
    from affectkit.cli.common import _Usage

    files, folders = [], []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
            if not found:
                raise _Usage(f"no files in the folder {item}")
            files += found
            folders.append(p)
        else:
            files.append(item)
    return files, folders


def batch_targets(files: list[str], outdir: Path, fmt: str, force: bool, folders: list[Path]) -> list[Path]:
    """``outdir/<input file name>.<ext>`` per input; usage errors (before any work) when two
    inputs share a name, an output would be an input, or outputs exist and not ``force``."""
    from affectkit.cli.common import _Usage

    if outdir.exists() and not outdir.is_dir():
        raise _Usage(f"{outdir} is a file; -o with a folder input names the output folder")
    for folder in folders:
        if outdir.exists() and os.path.samefile(folder, outdir):
            raise _Usage(f"write the outputs to another folder than the input folder {folder}")
    targets = [outdir / f"{Path(f).name}.{EXT[fmt]}" for f in files]
    seen: dict[Path, str] = {}
    for f, t in zip(files, targets):
        if t in seen:
            raise _Usage(f"{seen[t]} and {f} would both be written to {t}; analyse them in separate runs")
        seen[t] = f
    inputs = {Path(f).resolve() for f in files}
    for t in targets:
        if t.resolve() in inputs or t.name == FAILURES:
            raise _Usage(f"refusing to write an output over an input file: {t}")
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise _Usage(f"{existing[0]}{more} already exists; pass --force to replace, or choose another folder")
    return targets


def _is_folder_target(output: str | None, folders: list[Path]) -> bool:
    if not output or output == "-":
        return False
    return bool(folders) or output.endswith(("/", os.sep)) or Path(output).is_dir()


# --- the command ----------------------------------------------------------------------------------

def check_options(args: argparse.Namespace, files: list[str], folders: list[Path]) -> None:
    """Usage errors of ``analyze``'s options, before any work."""
    from affectkit.cli.common import _Usage
    from affectkit.io.probe import sniff

    media = [p for p in files if sniff(p) == "media"]
    if args.transcript is not None:
        if folders or len(args.inputs) != 1 or len(media) != 1:
            raise _Usage("--transcript goes with exactly one audio or video file (and no other input)")
        if not Path(args.transcript).is_file():
            raise _Usage(f"no such transcript file: {args.transcript}")
    if args.format == "parquet":
        if not args.output or args.output == "-":
            raise _Usage("--format parquet writes a binary file: give it with -o FILE (or -o FOLDER/)")
        try:
            import pyarrow  # noqa: F401
        except ImportError:  # before any work: exit 3, naming the extra
            raise DependencyError("Parquet output needs pyarrow: pip install 'affectkit[parquet]'") from None
    if args.engine == "ray":
        if args.llm is not None:
            raise _Usage("--llm runs with the local engine only (its client pool lives in this process)")
        if args.timings:
            raise _Usage("--timings is for the local engine (under Ray the stages of an input run in "
                         "different processes)")
        try:
            import pyarrow  # noqa: F401
        except ImportError:  # the utterance table; before any work: exit 3, naming the extra
            raise DependencyError("--engine ray writes a Parquet utterance table, which needs pyarrow: "
                                  "pip install 'affectkit[parquet]'") from None
        from affectkit.engine.session import require_ray

        require_ray()
    elif args.address is not None or args.num_cpus is not None:
        raise _Usage("--address and --num-cpus go with --engine ray")
    if args.language is not None:
        if not media and not folders:
            raise _Usage("--language is for speech-to-text; no audio or video file was given")
        if args.no_asr or args.transcript is not None:
            raise _Usage("--language is for speech-to-text, which --no-asr / --transcript turn off")
        from affectkit.segment.asr import check_language

        try:
            args.language = check_language(args.language)
        except DependencyError:
            pass  # no speech-to-text here: the files fall back to voice-activity segmentation, and say so
        except InputError as exc:
            raise _Usage(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """``affectkit analyze`` (see `affectkit analyze --help` for the options and exit statuses)."""
    from affectkit.cli.common import EXIT_ITEM_FAILED, EXIT_OK, _check_output, _Usage
    from affectkit.cli.llm import add_llm_to_documents, backend_from_args
    from affectkit.io.probe import Limits, sniff

    files, folders = expand_inputs(list(args.inputs))
    check_options(args, files, folders)
    try:
        limits = Limits.from_env(max_file_mb=args.max_file_mb, max_duration=args.max_duration,
                                 max_transcript_mb=args.max_transcript_mb)
        llm = backend_from_args(args)  # None without --llm; bad LLM options are usage errors, before any work
    except InputError as exc:
        raise _Usage(str(exc)) from None
    batch = _is_folder_target(args.output, folders)
    resume = args.resume or args.engine == "ray"
    if resume and not batch:
        raise _Usage(f"--{'engine ray' if args.engine == 'ray' else 'resume'} is for batch runs: give a folder, "
                     f"or -o OUT/ (a folder) for the outputs")
    # resuming: the plan decides which existing outputs are this folder's own (engine.plan)
    targets = batch_targets(files, Path(args.output), args.format, args.force or resume, folders) if batch else None
    plan = None
    if resume:
        from affectkit.engine.plan import plan_batch

        try:
            plan = plan_batch(files, targets, _options_key(args), force=args.force, resume=True)
        except InputError as exc:
            raise _Usage(str(exc)) from None
    if args.engine == "ray":
        return _run_ray(args, files, targets, plan, limits)
    if not batch:
        _check_output(args)
    head = None
    kinds = {sniff(f) for f in files}  # by content, as each input will be read (io.probe)
    if "media" in kinds:
        from affectkit.recognize.voice_affect import bundled_voice_head

        head = bundled_voice_head()  # once for all inputs; a broken model is exit 3 before any work
    if "transcript" in kinds:
        from affectkit.recognize.text_model import bundled_text_model

        bundled_text_model()
    if targets is not None:
        targets[0].parent.mkdir(parents=True, exist_ok=True)
    show = (sys.stderr.isatty() and not args.quiet) if args.progress is None else args.progress
    bar = StageBar(show, len(files))
    docs, failures, llm_failed = [], [], 0
    done = {it.index for it in plan.skipped} if plan is not None else set()
    if done and not args.quiet:
        bar.write(f"affectkit: {len(done)} of {len(files)} inputs done by an earlier run into {targets[0].parent}: skipped")
    try:
        for i, path in enumerate(files):
            if i in done:
                bar.done()
                continue
            if plan is not None:
                plan.forget(plan.items[i])
            bar.start(Path(path).name)
            doc = _one(path, args, head, limits, bar)
            if llm is not None and doc["segments"]:
                llm_failed += add_llm_to_documents([doc], llm)
            if doc["errors"] and not doc["segments"]:
                failures.append({"input": path, "error": "; ".join(doc["errors"])})
            elif targets is not None:
                err = _write(doc, targets[i], args, files, bar, replace=plan is not None and targets[i] in plan.replace)
                if err:
                    failures.append({"input": path, "error": err})
                elif plan is not None:
                    plan.mark_done(plan.items[i])
            if targets is None:
                docs.append(doc)
            bar.done()
    finally:
        bar.close()
        if llm is not None:
            llm.close()  # the LLM client's kept-alive connections (one pool for all inputs)
    if targets is not None:
        status = _finish_batch(files, targets, failures, args)
        return EXIT_ITEM_FAILED if llm_failed and status == EXIT_OK else status
    _emit_combined(docs, args, files)
    if failures and len(files) > 1:
        print(f"affectkit: {len(failures)} of {len(files)} inputs failed (see their \"errors\")", file=sys.stderr)
    return EXIT_ITEM_FAILED if failures or llm_failed else EXIT_OK


def _one(path: str, args: argparse.Namespace, head, limits, bar: StageBar) -> dict:
    """The record of one input; a failed input's record has its reason in ``errors`` (said on
    stderr). Missing dependencies and broken models propagate (exit 3)."""
    from affectkit.analysis.options import Options
    from affectkit.analysis.pipeline import run as run_pipeline
    from affectkit.analysis.record import failed_record
    from affectkit.core.timing import Timer
    from affectkit.store.cache import FeatureCache

    def note(msg: str) -> None:
        if not args.quiet or msg.startswith("warning:"):  # a partly read input is said even with -q
            bar.write(f"affectkit: {path}: {msg}")

    fmt = None if args.transcript_format == "auto" else args.transcript_format
    try:
        doc = run_pipeline(path, args.transcript, Options(
            transcript_format=fmt, asr=False if args.no_asr else None, language=args.language, fps=args.fps,
            window=args.window, voice_head=head, cache=None if args.no_cache else FeatureCache(),
            explain=not args.no_explain, limits=limits, timer=Timer(bar), note=note, timings=args.timings,
            landmarks=args.face_landmarks, face_detector=getattr(args, "face_detector", None)))
    except (ModelError, DependencyError):
        raise
    except AffectkitError as exc:
        bar.write(f"affectkit: {exc}")
        return failed_record(path, exc)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # a bug must not end a batch of 1,000 files; AFFECTKIT_DEBUG=1 shows it
        if os.environ.get("AFFECTKIT_DEBUG") == "1":
            raise
        msg = f"{path}: unexpected error ({type(exc).__name__}: {exc}); please report it"
        bar.write(f"affectkit: {msg}")
        return failed_record(path, msg)
    return doc


def _rendered(docs: list[dict], args: argparse.Namespace, title: str, bar: StageBar | None = None) -> str | bytes:
    """The output; with --timings, the time it takes counts as each record's ``report`` stage
    (shared equally between the records of one combined output)."""
    from time import perf_counter

    if not args.timings:
        return render(docs, args.format, title)
    start = perf_counter()
    render(docs, args.format, title)
    share = (perf_counter() - start) / max(1, len(docs))
    for d in docs:
        if d.get("timings"):
            total = d["timings"].pop("total")
            d["timings"]["report"] = round(share, 4)
            d["timings"]["total"] = round(total + share, 4)
            line = f"affectkit: {d['input']}: {_timings_line(d)}"
            bar.write(line) if bar is not None else print(line, file=sys.stderr)
    return render(docs, args.format, title)


def _emit_combined(docs: list[dict], args: argparse.Namespace, files: list[str]) -> None:
    from affectkit.cli.common import _emit

    title = "affectkit: " + ", ".join(Path(p).name for p in files)
    out = _rendered(docs, args, title)
    protect = list(files) + ([args.transcript] if args.transcript else [])
    if isinstance(out, bytes):
        from affectkit.report.writers import write_text_file

        write_text_file(args.output, out, force=args.force, protect=protect)
    else:
        _emit(out, args.output, args.force, protect)


def _write(doc: dict, target: Path, args: argparse.Namespace, files: list[str], bar: StageBar,
           replace: bool = False) -> str | None:
    """Write one batch output (``replace``: an unfinished one of an earlier run may be replaced); the
    reason when it could not be written."""
    from affectkit.report.writers import write_text_file

    try:
        write_text_file(target, _rendered([doc], args, f"affectkit: {Path(doc['input']).name}", bar),
                        force=args.force or replace, protect=files)
    except (InputError, OSError) as exc:
        msg = str(exc) if isinstance(exc, InputError) else f"cannot write {target}: {exc.strerror or exc}"
        bar.write(f"affectkit: {msg}")
        return msg
    return None


def _options_key(args: argparse.Namespace) -> dict:
    """The options that change what a batch run writes for an input (the resume key's part)."""
    keep = ("format", "transcript_format", "no_asr", "language", "no_explain", "fps", "face_landmarks", "window",
            "timings", "llm", "llm_model", "face_detector")
    return {k: getattr(args, k, None) for k in keep}


def _run_ray(args: argparse.Namespace, files: list[str], targets: list[Path], plan, limits) -> int:
    """The batch on Ray (``engine.ray_batch``), then failures.json and the summary as locally."""
    import shutil

    from affectkit.engine.ray_batch import run_batch
    from affectkit.engine.stages import BatchSpec

    fmt = None if args.transcript_format == "auto" else args.transcript_format
    spec = BatchSpec(options={"transcript_format": fmt, "asr": False if args.no_asr else None,
                              "language": args.language, "fps": args.fps, "window": args.window,
                              "no_cache": args.no_cache, "explain": not args.no_explain, "limits": limits,
                              "landmarks": args.face_landmarks, "face_detector": getattr(args, "face_detector", None)},
                     files=tuple(files), fmt=args.format, width=shutil.get_terminal_size((120, 20)).columns,
                     quiet=args.quiet)
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    if plan.skipped and not args.quiet:
        print(f"affectkit: {len(plan.skipped)} of {len(files)} inputs done by an earlier run into "
              f"{targets[0].parent}: skipped", file=sys.stderr)
    show = (sys.stderr.isatty() and not args.quiet) if args.progress is None else args.progress
    failures = run_batch(plan, spec, address=args.address, num_cpus=args.num_cpus, progress=show)
    return _finish_batch(files, targets, failures, args)


def _finish_batch(files: list[str], targets: list[Path], failures: list[dict], args: argparse.Namespace) -> int:
    from affectkit.cli.common import EXIT_ITEM_FAILED, EXIT_OK
    from affectkit.report.writers import write_text_file

    outdir = targets[0].parent
    report = {"inputs": len(files), "written": len(files) - len(failures), "failed": failures}
    write_text_file(outdir / FAILURES, json.dumps(report, ensure_ascii=False, indent=2) + "\n", force=True,
                    protect=files)
    if failures:
        lines = [f"affectkit: {len(failures)} of {len(files)} inputs failed (listed in {outdir / FAILURES}):"]
        lines += [f"  {f['input']}: {_without_name(f['error'], f['input'])}" for f in failures]
        print("\n".join(lines), file=sys.stderr)
        return EXIT_ITEM_FAILED
    if not args.quiet:
        print(f"affectkit: {len(files)} outputs written to {outdir}", file=sys.stderr)
    return EXIT_OK


def _without_name(error: str, path: str) -> str:
    """The error without the file name it starts with (the list names the file already)."""
    for sep in (": ", ", "):
        if error.startswith(path + sep):
            return error[len(path) + len(sep):]
    return error
