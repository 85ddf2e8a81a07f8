"""What every ``affectkit`` subcommand shares: exit statuses, usage errors, progress bars, reading
input lines and writing outputs (never over an input or an existing file)."""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

EXIT_OK, EXIT_ITEM_FAILED, EXIT_USAGE, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageError(Exception):
    """A bad option or argument: one line on stderr, exit status 2."""


_Usage = UsageError  # the name the subcommand modules use


@contextmanager
def _progress(total: int, enabled: bool | None, desc: str) -> Iterator:
    """A tqdm bar on stderr (never stdout); on by default for inputs of 100 items or more."""
    show = total >= 100 if enabled is None else enabled
    if not show:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="utt", file=sys.stderr, dynamic_ncols=True)
    try:
        yield bar.update
    finally:
        bar.close()


def _read_lines(source: str) -> list[bytes]:
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        p = Path(source)
        if not p.is_file():
            raise _Usage(f"no such file: {source}")
        data = p.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [l[:-1] if l.endswith(b"\r") else l for l in lines]


def _check_output(args: argparse.Namespace) -> None:
    """Refuse before any work if -o names an existing file and --force is not given."""
    if args.output and args.output != "-" and Path(args.output).exists() and not args.force:
        raise _Usage(f"{args.output} already exists; choose another name or pass --force to replace it")


def _emit(text: str, output: str | None, force: bool, inputs: list[str]) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from affectkit.report.writers import write_text_file

    write_text_file(output, text, force=force, protect=[i for i in inputs if i != "-"])


def _positive(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not (x > 0 and x < 1e6):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
    return x
