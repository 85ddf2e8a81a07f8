"""``affectkit schema``: the analysis record's JSON Schema, or records checked against it."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from affectkit.cli.common import EXIT_ITEM_FAILED, EXIT_OK, _emit, _Usage


def cmd_schema(args: argparse.Namespace) -> int:
    from affectkit.schema import SCHEMA_VERSION, problems, schema_text

    if not args.check:
        _emit(schema_text(), args.output, args.force, [])
        return EXIT_OK
    bad = 0
    for name in args.check:
        try:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Usage(f"{name}: cannot be read as JSON ({exc})") from None
        for i, doc in enumerate(data if isinstance(data, list) else [data]):
            found = problems(doc)
            bad += bool(found)
            where = name if not isinstance(data, list) else f"{name}[{i}]"
            for line in found:
                print(f"affectkit: {where}: {line}", file=sys.stderr)
    if bad:
        return EXIT_ITEM_FAILED
    print(f"affectkit: {len(args.check)} file(s) follow the analysis record schema {SCHEMA_VERSION}", file=sys.stderr)
    return EXIT_OK
