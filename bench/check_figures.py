#!/usr/bin/env python
"""Every published figure comes from a results file, and still matches it (issue 15).

    python bench/check_figures.py            # each stale or unsourced figure as FILE:LINE; exit 1 if any
    python bench/check_figures.py -v         # also what each marked block was checked against

**Markers.** An HTML comment on its own line names the results the next block (a table, or a
paragraph: the lines up to the next blank line) was read from::

    <!-- figures: bench/results/emodb.json#results bench/results/emodb.json#baselines +ints -->

Each source is a path relative to the repository (a glob is allowed: ``bench/results/harness/*.json``),
optionally ``#key.path`` (dotted; ``*`` matches any key or list index) to narrow it to part of the
file, and ``@REV`` for the file as committed at that git revision (an earlier run, e.g. a superseded
model's scores: ``bench/results/fer2013.json@3a9d0fa#private_test.flip``). ``quoted`` instead of a source means the block holds only quoted figures. Options: ``+ints``
checks integers too (see below). ``<!-- figures-ignore: 4.4 13 (why) -->`` before a block skips those
figures in it (derived figures such as differences; the reason goes in the parentheses).

**What counts as a figure.** A number with a decimal point (``0.603``, ``8.5 s``, ``RTF 0.13``,
``38.6 M``, ``91.2 %``) or a thousands separator (``7,883``, ``1,428 MiB``); both ends of a range
(``0.45-0.55``); integers only in blocks marked ``+ints``, and there not in a table's first
column (the row's label). Integers are left out by default because prose and labels are full
of integers that are not measurements (``7 emotions``, ``layers 0-3``, ``issue-4``, ``seed 0``,
``2 threads``, years), while a measured value is almost always printed with decimals or, when
large, with a thousands separator; ``+ints`` opts a table of counts (utterances/s, MiB) in.
Never figures: anything in a code block or an inline code span, numbers glued to letters or dots
(``fp32``, ``720p``, ``x86_64``, ``H.264``, ``640x360``, versions such as ``3.11.7``), and signs
(values are compared by magnitude). ``C = 0.01`` style settings are figures like any other: they
must be in the results (the scripts record their settings) or be listed in ``figures-ignore``.

**Matching.** A figure matches when some number in the named results (numbers inside strings
included: the scripts describe their data in words) rounds to it at the precision shown:
``0.603`` matches 0.6031 (|v - 0.603| <= 0.0005), ``7,883`` matches 7883.2; either end of a range
``0.45-0.55`` passes when some value lies within it. A unit widens the
candidates by its usual scalings: ``%`` and ``points`` (v x 100), ``M`` (v / 10^6), ``k``,
``MiB``/``GiB``/``MB``/``KB`` (from bytes, KiB or MiB), ``ms`` (from seconds), ``s`` (from ms),
``min`` (from seconds). A figure after ``<`` passes when some value is smaller.

**Quoted figures** (a paper's number beside ours) are listed in ``bench/quoted_figures.json``
with their source and where they appear (file and a piece of the line), and pass only where the
row (tables) or the sentence (prose) says so: paper, literature, published, quoted, et al.

**Scope: where a figure without a marker fails.** Every table with a figure in README.md,
docs/*.md and the model cards (``src/affectkit/weights/**/MODEL_CARD.md``), and every paragraph with
a figure in README.md's ``## Benchmarks`` section. Prose elsewhere is checked where it carries a
marker. Figures of results still being written (``PENDING``) and figures no script produces yet
(``UNSOURCED``) are listed below by file, a piece of their line and the figures; the checker
prints them and passes them, so that they stay visible until they are sourced.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUOTED_FILE = "bench/quoted_figures.json"


@dataclass(frozen=True)
class Allowed:
    """Figures allowed without a matching result: in ``file``, on a line containing ``line``."""
    file: str
    line: str
    figures: tuple[str, ...]
    why: str = ""


# Figures being sourced now (a results file and marker still to merge); none at present.
PENDING: list[Allowed] = []

# Figures that no bench script produces (reported in issue 15; not being sourced yet). Each should
# get a script and a results file, or leave the docs.
UNSOURCED: list[Allowed] = []

QUOTE_WORDS = re.compile(r"\b(paper|papers|literature|published|quoted|et al)\b", re.I)
MARKER = re.compile(r"^\s*<!--\s*figures(?P<kind>-ignore)?\s*:(?P<body>.*?)-->\s*$")
COMMENT = re.compile(r"<!--.*?-->")
CODE_SPAN = re.compile(r"`[^`]*`")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# a number not glued to letters, digits or a dot on either side (fp32, 720p, x86_64, H.264, 3.11.7)
NUMBER = re.compile(r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)(?!\.?\w)"
                    r"(?:\s?(?P<unit>%|MiB|GiB|KiB|MB|GB|KB|ms|min|points|s|M|k|K)(?![A-Za-z]))?")
JSON_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)(?!\.?\w)")

SCALES = {
    None: (1,), "%": (1, 100), "points": (1, 100), "M": (1, 1e-6), "k": (1, 1e-3), "K": (1, 1e-3),
    "KiB": (1, 1 / 1024), "KB": (1, 1e-3, 1 / 1024),
    "MiB": (1, 1 / 1024, 1 / 2**20), "MB": (1, 1e-3, 1e-6, 1 / 1024, 1 / 2**20),
    "GiB": (1, 1 / 1024, 1 / 2**20, 1 / 2**30), "GB": (1, 1e-3, 1e-9, 1 / 1024, 1 / 2**30),
    "ms": (1, 1000), "s": (1, 1e-3), "min": (1, 1 / 60),
}


@dataclass
class Figure:
    text: str           # as printed, e.g. "7,883"
    value: float
    decimals: int
    unit: str | None
    upper_bound: bool   # printed after "<"
    range_with: float | None  # the other end of a range "a-b"
    strong: bool        # has a decimal point or a thousands separator
    column: int         # table column (0: the row's label), -1 in prose
    context: str        # the table row, or the sentence in prose


@dataclass
class Problem:
    file: str
    line: int
    figure: str
    kind: str           # stale, unsourced, quoted-wording, marker
    detail: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.figure}: {self.detail}"


@dataclass
class Block:
    file: str
    start: int                   # 1-based line of the first content line
    lines: list[str]
    section: str                 # the current "## " heading
    markers: list[tuple[int, str]] = field(default_factory=list)  # (line, body)
    ignores: list[tuple[int, str]] = field(default_factory=list)

    @property
    def is_table(self) -> bool:
        return bool(self.lines) and all(line.lstrip().startswith("|") for line in self.lines)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    pending: list[tuple[str, int, str, Allowed]] = field(default_factory=list)
    unsourced: list[tuple[str, int, str, Allowed]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    figures: int = 0
    quoted_used: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------------------------------ parsing

def blocks_of(text: str, file: str) -> list[Block]:
    out: list[Block] = []
    section = ""
    fence = None
    carry_m: list[tuple[int, str]] = []
    carry_i: list[tuple[int, str]] = []
    cur: Block | None = None

    def close():
        nonlocal cur
        if cur is not None and cur.lines:
            out.append(cur)
        cur = None

    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith("```") or stripped.startswith("~~~"):
            close()
            fence = stripped[:3]
            continue
        if not stripped:
            close()
            continue
        if stripped.startswith("## "):
            section = stripped[3:].strip()
        m = MARKER.match(line)
        if m:
            if cur is not None and cur.lines:
                close()
            (carry_i if m.group("kind") else carry_m).append((n, m.group("body").strip()))
            continue
        if stripped.startswith("#"):
            close()
            continue
        if cur is None:
            cur = Block(file, n, [], section, carry_m, carry_i)
            carry_m, carry_i = [], []
        cur.lines.append(line)
    close()
    return out


def clean(text: str) -> str:
    text = COMMENT.sub(" ", text)
    text = CODE_SPAN.sub(" ", text)
    return LINK.sub(r"\1", text)


def _figures_in(text: str, column: int, context: str) -> list[Figure]:
    figs = []
    found = list(NUMBER.finditer(text))
    for i, m in enumerate(found):
        num = m.group("num")
        strong = "." in num or "," in num
        before = text[:m.start()].rstrip()
        other = None                           # a range "0.45-0.55": the two ends go together
        if i + 1 < len(found) and text[m.end():found[i + 1].start()] in ("-", "–") and not m.group("unit"):
            other = float(found[i + 1].group("num").replace(",", ""))
        elif i > 0 and text[found[i - 1].end():m.start()] in ("-", "–") and not found[i - 1].group("unit"):
            other = float(found[i - 1].group("num").replace(",", ""))
        figs.append(Figure(text=num, value=float(num.replace(",", "")),
                           decimals=len(num.split(".")[1]) if "." in num else 0, unit=m.group("unit"),
                           upper_bound=before.endswith("<") or before.endswith("≤"), range_with=other,
                           strong=strong, column=column, context=context))
    return figs


def _sentences(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split after . ; ! ? followed by a space."""
    spans, start = [], 0
    for m in re.finditer(r"(?<=[.;!?])\s+", paragraph):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(paragraph)))
    return spans


def figures_of(block: Block) -> list[tuple[int, Figure]]:
    """(line number, figure) for every number in the block."""
    out = []
    if block.is_table:
        for i, line in enumerate(block.lines):
            cells = line.strip().strip("|").split("|")
            if i == 1 and all(set(c.strip()) <= set("-: ") for c in cells):
                continue                     # the separator row
            row = clean(line)
            for col, cell in enumerate(cells):   # the header's cells count as labels (column 0)
                out += [(block.start + i, f) for f in _figures_in(clean(cell), 0 if i == 0 else col, row)]
        return out
    # prose: figures per line, context = the sentence of the joined paragraph holding the figure
    joined, offsets = "", []
    for i, line in enumerate(block.lines):
        c = clean(line).strip()
        offsets.append((len(joined), block.start + i, c))
        joined += c + " "
    spans = _sentences(joined)
    for off, n, c in offsets:
        for f in _figures_in(c, -1, ""):
            pos = off + c.find(f.text)
            f.context = next((joined[a:b] for a, b in spans if a <= pos <= b), c)
            out.append((n, f))
    return out


# ------------------------------------------------------------------------------------------ results

def _walk(node, parts: list[str]):
    if not parts:
        yield node
        return
    head, rest = parts[0], parts[1:]
    if isinstance(node, dict):
        for k, v in node.items():
            if fnmatch.fnmatchcase(str(k), head):
                yield from _walk(v, rest)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if head == "*" or head == str(i):
                yield from _walk(v, rest)


def _numbers(node, acc: list[float]) -> None:
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, (int, float)):
        if math.isfinite(node):
            acc.append(abs(float(node)))
    elif isinstance(node, str):
        acc += [float(m.replace(",", "")) for m in JSON_NUMBER.findall(node)]
    elif isinstance(node, dict):
        for v in node.values():
            _numbers(v, acc)
    elif isinstance(node, list):
        for v in node:
            _numbers(v, acc)


def load_sources(body: str, root: Path) -> tuple[list[float], list[str], list[str], set[str]]:
    """Numbers of the sources named in a marker body; (numbers, sources, errors, options)."""
    values: list[float] = []
    sources, errors, options = [], [], set()
    for word in body.split():
        if word.startswith("+"):
            options.add(word[1:])
            continue
        if word == "quoted":
            sources.append(word)
            continue
        path, _, keys = word.partition("#")
        path, _, rev = path.partition("@")
        texts = []
        if rev:                                   # the file as committed at REV (an earlier run)
            try:
                r = subprocess.run(["git", "-C", str(root), "show", f"{rev}:{path}"], capture_output=True,
                                   text=True, timeout=30)
            except (OSError, subprocess.SubprocessError) as exc:
                r = None
                errors.append(f"{path}@{rev}: git failed ({exc})")
            if r is not None and r.returncode == 0:
                texts.append(r.stdout)
            elif r is not None:
                errors.append(f"no results file {path} at commit {rev}")
        else:
            files = sorted(root.glob(path)) if any(ch in path for ch in "*?[") else [root / path]
            texts = [f.read_text(encoding="utf-8") for f in files if f.is_file()]
            if not texts:
                errors.append(f"no results file {path}")
        found = False
        for text in texts:
            try:
                doc = json.loads(text)
            except ValueError as exc:
                errors.append(f"{path}: not JSON ({exc})")
                continue
            nodes = list(_walk(doc, keys.split("."))) if keys else [doc]
            found = found or bool(nodes)
            for node in nodes:
                _numbers(node, values)
        if texts and not found:
            errors.append(f"{path}: no key path {keys}")
        sources.append(word)
    return values, sources, errors, options


def matches(fig: Figure, values: list[float]) -> bool:
    tol = 0.5 * 10 ** -fig.decimals * (1 + 1e-9) + 1e-12
    lo, hi = sorted((fig.value, fig.range_with if fig.range_with is not None else fig.value))
    for scale in SCALES.get(fig.unit, (1,)):
        for v in values:
            shown = v * scale
            if fig.upper_bound and shown < fig.value:
                return True
            if lo - tol <= shown <= hi + tol:   # one value rounds to it, or lies within its range
                return True
    return False


# ------------------------------------------------------------------------------------------ checking

def _allowed(entries: list[Allowed], file: str, line_text: str, fig: Figure) -> Allowed | None:
    for e in entries:
        if e.file == file and e.line in line_text and (not e.figures or fig.text in e.figures):
            return e
    return None


def doc_files(root: Path) -> list[Path]:
    files = [root / "README.md", *sorted((root / "docs").glob("*.md")),
             *sorted((root / "src" / "affectkit" / "weights").rglob("MODEL_CARD.md"))]
    return [f for f in files if f.is_file()]


def check(root: Path = ROOT, files: list[Path] | None = None, quoted: list[dict] | None = None,
          pending: list[Allowed] | None = None, unsourced: list[Allowed] | None = None) -> Report:
    root = Path(root)
    rep = Report()
    if quoted is None:
        qf = root / QUOTED_FILE
        quoted = json.loads(qf.read_text(encoding="utf-8"))["figures"] if qf.is_file() else []
    pending = PENDING if pending is None else pending
    unsourced = UNSOURCED if unsourced is None else unsourced
    for path in (doc_files(root) if files is None else files):
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        raw_lines = path.read_text(encoding="utf-8").splitlines()
        for block in blocks_of("\n".join(raw_lines), rel):
            figs = figures_of(block)
            ignore = {t for _, body in block.ignores for t in re.split(r"[\s;]+", body.split("(")[0]) if t}
            values: list[float] = []
            sources: list[str] = []
            options: set[str] = set()
            for n, body in block.markers:
                v, s, errs, opts = load_sources(body, root)
                values += v
                sources += s
                options |= opts
                rep.problems += [Problem(rel, n, "-", "marker", e) for e in errs]
            marked = bool(block.markers)
            ints = "ints" in options
            strong = [f for _, f in figs if f.strong]
            in_scope = bool(strong) and (block.is_table or (rel == "README.md" and block.section == "Benchmarks"))
            if not marked and not in_scope:
                continue
            if marked:
                rep.checked.append(f"{rel}:{block.start}: {' '.join(sources) or '(no source)'}")
            for n, fig in figs:
                if not fig.strong and not (marked and ints and fig.column != 0):
                    continue
                if fig.text in ignore:
                    continue
                rep.figures += 1
                line_text = raw_lines[n - 1]
                # a listed quoted figure is judged as quoted even if some result happens to round to it
                q = next((i for i, e in enumerate(quoted) if e.get("where") == rel and e.get("figure") == fig.text
                          and e.get("context", "") in line_text), None)
                if q is None and marked and matches(fig, values):
                    continue
                if q is not None:
                    rep.quoted_used.add(q)
                    if QUOTE_WORDS.search(fig.context or line_text):
                        continue
                    rep.problems.append(Problem(rel, n, fig.text, "quoted-wording",
                                                "listed in bench/quoted_figures.json, but the text does not say it "
                                                "is quoted (paper, literature, published, et al.)"))
                    continue
                a = _allowed(pending, rel, line_text, fig)
                if a:
                    rep.pending.append((rel, n, fig.text, a))
                    continue
                a = _allowed(unsourced, rel, line_text, fig)
                if a:
                    rep.unsourced.append((rel, n, fig.text, a))
                    continue
                if marked:
                    rep.problems.append(Problem(rel, n, fig.text, "stale",
                                                f"no value in {' '.join(sources) or 'the marker'} rounds to it"))
                else:
                    rep.problems.append(Problem(rel, n, fig.text, "unsourced",
                                                "no <!-- figures: ... --> marker names the results it comes from"))
    return rep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("files", nargs="*", type=Path, help="default: README.md, docs/*.md, the model cards")
    args = ap.parse_args(argv)
    rep = check(ROOT, [f.resolve() for f in args.files] or None)
    if args.verbose:
        for c in rep.checked:
            print("checked", c)
    for rel, n, fig, a in rep.pending:
        print(f"{rel}:{n}: pending: {fig}: {a.why}")
    for rel, n, fig, a in rep.unsourced:
        print(f"{rel}:{n}: unsourced (allowed): {fig}: {a.why}")
    for p in rep.problems:
        print(p)
    print(f"{rep.figures} figures checked; {len(rep.problems)} stale or unsourced; {len(rep.pending)} pending; "
          f"{len(rep.unsourced)} known unsourced", file=sys.stderr)
    return 0 if rep.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
