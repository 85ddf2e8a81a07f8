"""An analysis's output in a format (table, json, csv, parquet, html), and the --timings line.

Here rather than in the CLI so that every engine (``affectkit.engine``: in-process or Ray
workers) renders a record the same way."""
from __future__ import annotations

import textwrap


def render(docs: list[dict], fmt: str, title: str, width: int | None = None) -> str | bytes:
    """The output for ``docs`` in ``fmt`` (table, json, csv, parquet, html); ``width``: the
    table's (None: the terminal's)."""
    from affectkit.report.writers import document_rows, to_csv, to_json
    from affectkit.schema import conform

    docs = [conform(d) for d in docs]  # what goes out follows the schema, complete (a bug fails loudly)
    if fmt == "json":
        return to_json(docs[0] if len(docs) == 1 else docs)
    if fmt == "html":
        from affectkit.report.html import to_html

        return to_html(docs, title=title)
    if fmt == "csv":
        return to_csv(document_rows(docs))
    if fmt == "parquet":
        from affectkit.report.writers import to_parquet

        return to_parquet(docs)
    return render_table_docs(docs, width)


def render_table_docs(docs: list[dict], width: int | None = None) -> str:
    """The terminal form: per input, the table, then its summary paragraph."""
    import shutil

    from affectkit.report.table import render_table
    from affectkit.schema import channels

    width = width or shutil.get_terminal_size((120, 20)).columns
    parts = []
    for d in docs:
        if len(docs) > 1:
            parts.append(f"== {d['input']}\n")
        if d["errors"]:  # a failed input's reason, or what could not be read of a damaged one
            parts.append("".join(f"ERROR: {e}\n" for e in d["errors"]))
        if not d["segments"]:
            continue
        parts.append(render_table(d["segments"], width=width, offered=channels(d)))
        text = (d.get("summary") or {}).get("text")
        if text:
            parts.append("\n" + "\n".join(textwrap.wrap("Summary: " + text, width=max(40, min(width, 100)),
                                                        break_on_hyphens=False)) + "\n")
    return "".join(parts)


def timings_line(doc: dict) -> str:
    """One line of the seconds per stage of a record with ``timings`` (and its real-time factor)."""
    from affectkit.core.timing import real_time_factors

    t = doc.get("timings") or {}
    line = ", ".join(f"{k} {v:.2f}" for k, v in t.items())
    rtf = real_time_factors({"total": t.get("total", 0.0)}, doc.get("duration"))
    return f"timings (s): {line}" + (f"; RTF {rtf['total']:.2f}" if rtf else "")
