"""Build the character tables of ``perceive.wordpiece`` by asking ``tokenizers`` itself.

    python -m affectkit.train.wordpiece_tables           # (re)write perceive/wordpiece_tables.json
    python -m affectkit.train.wordpiece_tables --check   # the shipped tables equal a fresh probe

Why probe instead of reading the Unicode database: the reference is what the encoder was trained
with, BERT's normalizer as the Rust ``tokenizers`` implements it on its own Unicode tables; Python's
``unicodedata`` follows the Unicode version of the interpreter (14 on 3.11, 15.1 on 3.13), so a table
built from it would drift between Pythons. Every code point (surrogates excepted) goes through the
normalizer alone (what it becomes: removed, padded with spaces as a CJK character, or mapped to other
characters) and, if it survives unchanged, through the pre-tokenizer between two letters (split off as
punctuation or not). ``tokenizers`` is the ``train`` extra's.
"""
from __future__ import annotations

import argparse
import json
import sys

from affectkit.perceive.encoder import ENCODER_DIR
from affectkit.perceive.wordpiece import TABLES_FILE

MAX_CODE_POINT = 0x10FFFF


def _ranges(points: list[int]) -> list[list[int]]:
    """Sorted code points as [first, last] runs."""
    out: list[list[int]] = []
    for c in points:
        if out and c == out[-1][1] + 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def probe() -> dict:
    """The tables: ``removed`` and ``padded`` (CJK) as code-point runs, ``mapped`` (code point -> the
    string it becomes), ``punctuation`` (runs split off by the pre-tokenizer), and the source."""
    try:
        import tokenizers
        from tokenizers import Tokenizer
    except ImportError:
        raise SystemExit("probing needs tokenizers: pip install 'affectkit[train]'") from None
    tok = Tokenizer.from_file(str(ENCODER_DIR / "tokenizer.json"))
    norm, pre = tok.normalizer, tok.pre_tokenizer
    removed, padded, punct = [], [], []
    mapped: dict[str, str] = {}
    for c in range(MAX_CODE_POINT + 1):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        out = norm.normalize_str(ch)
        if out == "":
            removed.append(c)
        elif out == f" {ch} ":
            padded.append(c)
        elif out != ch:
            mapped[str(c)] = out
        elif ch != " " and len(pre.pre_tokenize_str(f"a{ch}a")) == 3:
            punct.append(c)
    return {"tokenizers": tokenizers.__version__, "normalizer": json.loads(tok.to_str())["normalizer"],
            "pre_tokenizer": "BertPreTokenizer", "command": "python -m affectkit.train.wordpiece_tables",
            "removed": _ranges(removed), "padded": _ranges(padded), "punctuation": _ranges(punct), "mapped": mapped}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--check", action="store_true", help="compare the shipped tables with a fresh probe")
    args = ap.parse_args(argv)
    fresh = probe()
    if args.check:
        shipped = json.loads(TABLES_FILE.read_text(encoding="utf-8"))
        keys = ("removed", "padded", "punctuation", "mapped", "normalizer")
        bad = [k for k in keys if shipped.get(k) != fresh[k]]
        print(f"tables differ from tokenizers {fresh['tokenizers']}: {', '.join(bad)}" if bad
              else f"tables match tokenizers {fresh['tokenizers']}")
        return 1 if bad else 0
    TABLES_FILE.write_text(json.dumps(fresh, separators=(",", ":"), ensure_ascii=True) + "\n", encoding="utf-8")
    print(f"wrote {TABLES_FILE} ({TABLES_FILE.stat().st_size:,} bytes): {len(fresh['mapped'])} mapped, "
          f"{len(fresh['removed'])} removed runs, {len(fresh['padded'])} CJK runs, "
          f"{len(fresh['punctuation'])} punctuation runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
