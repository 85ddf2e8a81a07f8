"""Which inputs of a batch still need work: resuming by input content and options.

A batch run (``affectkit analyze DIR/ -o OUT/``, with ``--resume`` or ``--engine ray``) keeps its
state under ``OUT/.affectkit/``:

- ``run.json``, the journal, written before any work: the options and, per output, the key it is
  being made for;
- ``done/<output name>.json``, one marker per finished input, written after its output (and its
  rows of the utterance table): its key and the sha256 of the output as written.

An input's key is the sha256 of its content's sha256 and the options key (the options that change
a record, the format and the affectkit version), so a renamed input still matches and an edited one,
or a changed option, does not. A rerun skips an input whose marker has its key and whose output is
still the file that was written; redoes one the journal says this folder's earlier run was making
for the same key (a run killed between writing its output and its marker); and, as without
resuming, refuses to replace any other existing output unless ``force``. Every write is atomic
(``core.atomic``), so a killed run leaves whole files or none.
"""
from __future__ import annotations

import glob
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from affectkit.core.atomic import write_atomic
from affectkit.core.errors import InputError

STATE = ".affectkit"
JOURNAL = "run.json"
TABLE = "utterances"  # OUT/utterances/: the Parquet utterance table, one file per input


@dataclass(frozen=True)
class Item:
    """One input of the batch: its position, path, output and key (None: the input is unreadable,
    so it has no content to key; it is always tried, and fails as without resuming)."""

    index: int
    path: str
    target: Path
    sha256: str | None
    key: str | None

    @property
    def table_part(self) -> Path:
        """This input's file of the utterance table."""
        return self.target.parent / TABLE / f"{Path(self.path).name}.parquet"


@dataclass
class Plan:
    """The batch: ``items`` in input order, ``todo`` (to run) and ``skipped`` (done by an earlier run
    for the same content and options); ``replace``: outputs that exist and may be replaced."""

    outdir: Path
    options_key: str
    items: list[Item]
    todo: list[Item] = field(default_factory=list)
    skipped: list[Item] = field(default_factory=list)
    replace: set[Path] = field(default_factory=set)

    def marker(self, item: Item) -> Path:
        return marker_path(self.outdir, item)

    def mark_done(self, item: Item) -> None:
        mark_done(self.outdir, item)

    def forget(self, item: Item) -> None:
        """Drop ``item``'s marker and table part before it is made again (a stale part never stays),
        and the temporary files a killed run left of its output, part or marker (an atomic write
        cut short by SIGKILL cannot remove its own; ``core.atomic`` names them ``.NAME.*.tmp``)."""
        for p in (self.marker(item), item.table_part):
            p.unlink(missing_ok=True)
        for p in (item.target, item.table_part, self.marker(item)):
            if p.parent.is_dir():
                for tmp in p.parent.glob(f".{glob.escape(p.name)}.*.tmp"):
                    tmp.unlink(missing_ok=True)


def marker_path(outdir: Path, item: Item) -> Path:
    """Where ``item``'s done marker lives."""
    return Path(outdir) / STATE / "done" / f"{item.target.name}.json"


def mark_done(outdir: Path, item: Item) -> None:
    """Record ``item`` as finished, after its output is written (nothing when the batch does not
    resume: no state folder; or the input had no content to key)."""
    if item.key is None or not item.target.is_file() or not (Path(outdir) / STATE).is_dir():
        return
    m = marker_path(outdir, item)
    m.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(m, json.dumps({"input": item.path, "key": item.key, "input_sha256": item.sha256,
                                "output_sha256": _sha256(item.target)}) + "\n")


def options_key(options: dict[str, Any]) -> str:
    """A stable key for the options that change what a run writes (with the affectkit version)."""
    from affectkit.core.version import __version__

    blob = json.dumps({"options": options, "affectkit": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _sha256(path: str | Path) -> str | None:
    from affectkit.store.cache import file_sha256

    try:
        return file_sha256(path)
    except OSError:  # missing or unreadable: the pipeline says why, for this input only
        return None


def plan_batch(files: Sequence[str], targets: Sequence[Path], options: dict[str, Any], *, force: bool,
               resume: bool) -> Plan:
    """The plan of a batch run (see the module's docstring); writes the journal when ``resume``.
    InputError (a usage error) when an output exists that this folder's runs did not make for the
    same input and options, and not ``force``."""
    outdir = Path(targets[0]).parent
    okey = options_key(options)
    items = []
    for i, (f, t) in enumerate(zip(files, targets)):
        digest = _sha256(f)
        key = hashlib.sha256(f"{digest}:{okey}".encode()).hexdigest() if digest else None
        items.append(Item(i, str(f), Path(t), digest, key))
    plan = Plan(outdir, okey, items)
    journal = _read_json(outdir / STATE / JOURNAL) if resume else {}
    earlier = journal.get("outputs", {}) if isinstance(journal.get("outputs"), dict) else {}
    foreign = []
    for it in items:
        if not it.target.exists():
            plan.todo.append(it)
            continue
        if resume and it.key is not None:
            done = _read_json(plan.marker(it))
            if done.get("key") == it.key and done.get("output_sha256") == _sha256(it.target):
                plan.skipped.append(it)
                continue
            if earlier.get(it.target.name) == it.key and not done:  # our own run, killed before its marker
                plan.replace.add(it.target)
                plan.todo.append(it)
                continue
        if force:
            plan.replace.add(it.target)
            plan.todo.append(it)
        else:
            foreign.append(it.target)
    if foreign:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        hint = "" if resume else ", or --resume to skip the inputs an earlier --resume run finished"
        raise InputError(f"{foreign[0]}{more} already exists; pass --force to replace{hint}, or choose another folder")
    if resume:
        outdir.mkdir(parents=True, exist_ok=True)
        (outdir / STATE).mkdir(exist_ok=True)
        outputs = {**earlier, **{it.target.name: it.key for it in items}}
        write_atomic(outdir / STATE / JOURNAL, json.dumps({"options": options, "options_key": okey,
                                                          "outputs": outputs}, indent=1, default=str) + "\n")
    return plan


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # absent or damaged state counts as no state: the input is redone
        return {}
    return data if isinstance(data, dict) else {}
