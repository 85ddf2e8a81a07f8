"""``affectkit screen INPUT... [--speaker NAME]``: the screening of each session, per speaker.

An input is a transcript, a recording or a video (one conversation, read as ``analyze`` reads it),
or a folder of one person's posts (each file one post, read as UTF-8 text). The output is the
analysis record with its ``screening`` block (``--format json``), the HTML report with its
screening section (``--format html``), or, on the terminal, one paragraph per screened speaker,
their markers, and the disclaimer as the last line. A bad input is one line on stderr; the
others still run; the exit status is then 1.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from affectkit.core.errors import AffectkitError, DependencyError, InputError, ModelError

POST_LIMIT_MB = 5.0  # a post folder's files are read whole: refuse anything that is not a post


def add_parser(sub, epilog: str) -> None:
    """The ``screen`` subcommand and its options."""
    from affectkit.cli.common import _positive

    p = sub.add_parser(
        "screen", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=epilog,
        help="stress, depression and crisis indicators per speaker of a session (not a diagnosis)",
        description="Screening indicators per speaker of a session: research and triage signals, never a diagnosis.\n\n"
                    "INPUT: a transcript (.srt .vtt .json .txt), a recording or a video (one conversation, read as\n"
                    "`analyze` reads it), or a folder of one person's posts (each file one post, UTF-8 text).\n\n"
                    "Per screened speaker: stress and depression (probability and level: low / elevated / high;\n"
                    "elevated from the head's threshold, chosen on dev data for F1; high from the probability where\n"
                    "its dev precision reached 0.9), crisis (flag and the quoted evidence with segment times;\n"
                    "negated, quoted and other-person mentions listed as excluded), markers (text: first-person\n"
                    "singular, absolutist words, negative-emotion words and utterances; voice: speaking rate, pause\n"
                    "ratio, pitch and loudness variability, jitter, shimmer, HNR; face: expressivity, smiles,\n"
                    "expression variability), each with the study behind it and whether data here validates it.\n"
                    "Under 50 words from a speaker: \"insufficient\" with the reason (the crisis check still runs).\n\n"
                    "Speakers: --speaker NAME (repeatable) screens those; by default everyone but the interviewer\n"
                    "(named Ellie / Interviewer / Therapist..., or in a conversation the speaker whose turns are\n"
                    "mostly questions). DAIC-WOZ-style transcripts screen the participant only;\n"
                    "--include-interviewer screens the interviewer too, with a warning (the prompts leak the label).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="transcripts, recordings, videos, or a folder of posts")
    p.add_argument("--speaker", action="append", metavar="NAME", help="screen this speaker (repeatable)")
    p.add_argument("--include-interviewer", action="store_true",
                   help="screen the interviewer too (warns: in DAIC-WOZ the prompts leak the label)")
    p.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="text (default): a paragraph per speaker; json: the analysis record; html: the report")
    p.add_argument("--transcript", metavar="FILE", help="utterance times, speakers and text for the one recording")
    p.add_argument("--no-asr", action="store_true", help="recordings: no speech-to-text (then there are no words)")
    p.add_argument("--no-cache", action="store_true", help="recordings: do not use the feature cache")
    p.add_argument("--fps", type=_positive, default=5.0, metavar="N", help="video: frames sampled per second")
    p.add_argument("--llm", metavar="URL", help="also ask an LLM to read each speaker's textualized markers and "
                   "evidence (an OpenAI-compatible base URL, or 'local')")
    p.add_argument("--llm-model", metavar="NAME", help="the model name on that server")
    p.add_argument("--llm-timeout", type=float, default=60.0, metavar="S", help="seconds per LLM request")
    p.add_argument("--llm-concurrency", type=int, default=4, metavar="N", help="LLM requests in flight at once")
    p.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr (errors and the disclaimer still)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (never over an input)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_screen)


def read_posts(folder: Path) -> list:
    """A folder of one person's posts as utterances (``Segment``), one per file, sorted by name."""
    from affectkit.core.data import Segment

    files = sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))
    if not files:
        raise InputError(f"{folder}: no files in the folder (a folder of posts holds one text file per post)")
    segs = []
    for i, f in enumerate(files):
        if f.stat().st_size > POST_LIMIT_MB * 1e6:
            raise InputError(f"{f}: {f.stat().st_size / 1e6:.1f} MB is not a post (limit {POST_LIMIT_MB:g} MB)")
        try:
            text = f.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{f}: not UTF-8 text (byte {exc.start}); a folder of posts holds text files") from None
        if "\x00" in text:
            raise InputError(f"{f}: binary content; a folder of posts holds text files")
        if text.strip():
            segs.append(Segment(text=" ".join(text.split()), speaker=None, index=i))
    if not segs:
        raise InputError(f"{folder}: every file is empty")
    return segs


def screen_one(path: str, args: argparse.Namespace, note) -> dict:
    """The record of one input with its screening block (a failed input: its reason in errors)."""
    from affectkit.analysis.options import Options
    from affectkit.analysis.pipeline import run as run_pipeline
    from affectkit.analysis.record import failed_record
    from affectkit.store.cache import FeatureCache

    opts = Options(asr=False if args.no_asr else None, fps=args.fps, explain=False, note=note,
                   cache=None if args.no_cache else FeatureCache(), screen=True,
                   screen_speakers=tuple(args.speaker) if args.speaker else None,
                   include_interviewer=args.include_interviewer)
    try:
        if Path(path).is_dir():
            doc = run_pipeline(read_posts(Path(path)), None, opts)
            doc["input"] = path
        else:
            doc = run_pipeline(path, args.transcript, opts)
    except (ModelError, DependencyError):
        raise
    except AffectkitError as exc:
        print(f"affectkit: {exc}", file=sys.stderr)
        return failed_record(path, exc)
    return doc


def render_text(docs: list[dict]) -> str:
    """The terminal form: per input and screened speaker, the explanation and the markers."""
    import textwrap

    from affectkit.screen import DISCLAIMER

    lines: list[str] = []
    for doc in docs:
        sc = doc.get("screening")
        if not sc:
            continue
        lines.append(f"== {doc['input']}")
        for who, why in sc["excluded_speakers"].items():
            lines.append(f"   not screened: {who}: {why}")
        for w in sc["warnings"]:
            lines.append(f"   WARNING: {w}")
        for sp in sc["speakers"]:
            lines += textwrap.wrap(sp["explanation"] or "", 100, initial_indent="", subsequent_indent="   ")
            for m in sp["markers"]:
                val = "n/a" if m["value"] is None else f"{m['value']:g}"
                lines.append(f"   {m['modality']:<5} {m['name']:<24} {val:>8}  {m['unit']}"
                             + (f"  ({m['note']})" if m["note"] else ""))
            for e in sp["crisis"]["evidence"]:
                at = f" at {e['start']:.1f} s" if e["start"] is not None else f" in segment {e['segment']}"
                lines.append(f"   crisis evidence{at}: \"{e['phrase']}\" ({e['category']}, {e['tense']}): {e['context']}")
        for r in sc.get("llm") or []:
            lines.append(f"   LLM ({r['model']}) on {r['speaker']}: " + (r["reply"] or f"error: {r['error']['message']}"))
    lines.append(f"NOTE: {DISCLAIMER}")
    return "\n".join(lines) + "\n"


def cmd_screen(args: argparse.Namespace) -> int:
    from affectkit.cli.common import EXIT_ITEM_FAILED, EXIT_OK, _check_output, _emit, _Usage
    from affectkit.screen import DISCLAIMER
    from affectkit.screen.heads import bundled_screen_model

    _check_output(args)
    if args.transcript is not None and (len(args.inputs) != 1 or Path(args.inputs[0]).is_dir()):
        raise _Usage("--transcript goes with exactly one recording")
    for p in args.inputs:
        if not Path(p).exists():
            raise _Usage(f"no such file or folder: {p}")
    llm = None
    if args.llm:
        from affectkit.cli.llm import backend_from_args

        try:
            llm = backend_from_args(args)
        except InputError as exc:
            raise _Usage(str(exc)) from None
    elif args.llm_model:
        raise _Usage("--llm-model goes with --llm URL")
    bundled_screen_model()  # a broken model is exit 3 before any work

    def note(msg: str) -> None:
        if not args.quiet or msg.startswith("warning:"):
            print(f"affectkit: {msg}", file=sys.stderr)

    docs, failed, llm_failed = [], 0, 0
    try:
        for path in args.inputs:
            try:
                doc = screen_one(path, args, note)
            except InputError as exc:  # e.g. --speaker not in this session: this input fails, the rest run
                from affectkit.analysis.record import failed_record

                print(f"affectkit: {path}: {exc}", file=sys.stderr)
                doc = failed_record(path, f"{path}: {exc}")
            if doc["errors"] and not doc["segments"] or doc.get("screening") is None:
                failed += 1
            elif llm is not None:
                from affectkit.screen.llm import add_llm_reading

                llm_failed += add_llm_reading(doc, llm)
            docs.append(doc)
    finally:
        if llm is not None:
            llm.close()
    if args.format == "json":
        from affectkit.report.writers import to_json

        out = to_json(docs[0] if len(docs) == 1 else docs)
    elif args.format == "html":
        from affectkit.report.html import to_html

        out = to_html(docs, title="affectkit screening: " + ", ".join(Path(p).name for p in args.inputs))
    else:
        out = render_text(docs)
    _emit(out, args.output, args.force, [p for p in args.inputs] + ([args.transcript] if args.transcript else []))
    if args.format != "text" or args.output:
        print(f"affectkit: {DISCLAIMER}", file=sys.stderr)
    if failed:
        print(f"affectkit: {failed} of {len(docs)} inputs failed (see their \"errors\")", file=sys.stderr)
    if llm_failed:
        print(f"affectkit: the LLM gave no answer for {llm_failed} speakers (see screening.llm[].error)",
              file=sys.stderr)
    return EXIT_ITEM_FAILED if failed or llm_failed else EXIT_OK
