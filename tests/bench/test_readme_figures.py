"""bench/check_figures.py: every figure in README.md, docs/ and the model cards matches the results
file its marker names (issue 15); and the checker itself on small synthetic markdown + JSON."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_figures", ROOT / "bench" / "check_figures.py")
cf = importlib.util.module_from_spec(spec)
sys.modules.setdefault("check_figures", cf)  # dataclasses look their module up
spec.loader.exec_module(cf)


def test_repository_figures_match_their_results(capsys):
    rep = cf.check(ROOT)
    for rel, n, fig, a in rep.pending:
        print(f"pending: {rel}:{n}: {fig}: {a.why}")
    for rel, n, fig, a in rep.unsourced:
        print(f"known unsourced: {rel}:{n}: {fig}: {a.why}")
    assert rep.figures > 500
    assert rep.ok, "\n".join(map(str, rep.problems))


def test_every_quoted_figure_entry_is_used():
    rep = cf.check(ROOT)
    quoted = json.loads((ROOT / cf.QUOTED_FILE).read_text())["figures"]
    unused = [q for i, q in enumerate(quoted) if i not in rep.quoted_used]
    # the docs/harness.md "Reading the table" list is prose outside the checked scope unless marked
    assert all(q["where"] == "docs/harness.md" for q in unused), unused


def run(tmp_path, md, results=None, quoted=(), name="README.md", pending=(), unsourced=()):
    for rel, doc in (results or {}).items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(doc))
    f = tmp_path / name
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(md)
    return cf.check(tmp_path, files=[f], quoted=list(quoted), pending=list(pending), unsourced=list(unsourced))


RES = {"bench/results/r.json": {"score": 0.6031, "n": 7883, "rate": 0.912, "rss_kib": 1462272, "secs": 8.49,
                                "rtf": 0.1312, "params": 656647, "band": [0.47, 0.52]}}
TABLE = """## Benchmarks

<!-- figures: bench/results/r.json -->
| model | score |
|---|---|
| ours, 7 emotions, layers 0-3 | {} |
"""


@pytest.mark.parametrize("shown", ["0.603", "**0.603**", "0.60", "7,883", "91.2 %", "0.91", "1,428 MiB", "8.5 s",
                                   "RTF 0.13", "0.66 M", "0.45-0.55", "< 0.7", "1.4 GiB"])
def test_matching_figures_pass(tmp_path, shown):
    rep = run(tmp_path, TABLE.format(shown), RES)
    assert rep.ok, [str(p) for p in rep.problems]
    assert rep.figures >= 1


@pytest.mark.parametrize("shown", ["0.604", "0.61", "7,884", "92.2 %", "1,500 MiB", "8.6 s", "0.67 M", "0.70-0.75"])
def test_stale_figures_fail(tmp_path, shown):
    rep = run(tmp_path, TABLE.format(shown), RES)
    assert [p.kind for p in rep.problems] and {p.kind for p in rep.problems} == {"stale"}
    assert rep.problems[0].line == 6 and rep.problems[0].file == "README.md"


def test_labels_integers_code_and_versions_are_not_figures(tmp_path):
    md = TABLE.format("0.603") + ("\nThe issue-4 model, 2 threads, seed 0, year 2024, fp32, 720p, x86_64, H.264, "
                                  "Python 3.11.7, `--lr 0.0005`, 640x360.\n")
    rep = run(tmp_path, md, RES)
    assert rep.ok, [str(p) for p in rep.problems]


def test_ints_option_checks_integers_outside_the_first_column(tmp_path):
    md = "<!-- figures: bench/results/r.json +ints -->\n| case, 3 runs | n |\n|---|---|\n| a 5 | {} |\n"
    assert run(tmp_path, md.format("7883"), RES).ok
    rep = run(tmp_path, md.format("7884"), RES)
    assert [p.figure for p in rep.problems] == ["7884"]


def test_unmarked_table_in_scope_fails(tmp_path):
    rep = run(tmp_path, "## Usage\n\n| model | score |\n|---|---|\n| ours | 0.603 |\n", RES)
    assert [(p.kind, p.figure, p.line) for p in rep.problems] == [("unsourced", "0.603", 5)]


def test_unmarked_paragraph_in_benchmarks_fails_elsewhere_not(tmp_path):
    assert not run(tmp_path, "## Benchmarks\n\nIt scores 0.603 on MELD.\n", RES).ok
    assert run(tmp_path, "## Usage\n\nIt scores 0.603 on MELD.\n", RES).ok


def test_key_path_narrows_the_source(tmp_path):
    res = {"bench/results/r.json": {"ours": {"f1": 0.603}, "anchor": {"f1": 0.561}}}
    md = "<!-- figures: bench/results/r.json#ours -->\n| a | b |\n|---|---|\n| x | {} |\n"
    assert run(tmp_path, md.format("0.603"), res).ok
    assert not run(tmp_path, md.format("0.561"), res).ok


def test_missing_results_file_is_a_problem(tmp_path):
    rep = run(tmp_path, "<!-- figures: bench/results/nope.json -->\n| a | b |\n|---|---|\n| x | 0.5 |\n", RES)
    assert "marker" in {p.kind for p in rep.problems}


def test_ignore_marker(tmp_path):
    md = "<!-- figures: bench/results/r.json -->\n<!-- figures-ignore: 4.4 (derived) -->\n| a | b |\n|---|---|\n| x | 4.4 |\n"
    assert run(tmp_path, md, RES).ok


QUOTED = [{"figure": "0.46", "where": "README.md", "context": "BERT-base", "source": "Demszky et al., 2020"}]


def test_quoted_figure_with_paper_wording_passes(tmp_path):
    md = TABLE.format("0.603; BERT-base (paper) 0.46")
    assert run(tmp_path, md, RES, QUOTED).ok


def test_quoted_figure_without_wording_fails(tmp_path):
    rep = run(tmp_path, TABLE.format("0.603; BERT-base 0.46"), RES, QUOTED)
    assert [(p.kind, p.figure) for p in rep.problems] == [("quoted-wording", "0.46")]


def test_unlisted_peer_figure_fails_even_with_wording(tmp_path):
    rep = run(tmp_path, TABLE.format("0.603; RoBERTa (paper) 0.64"), RES, QUOTED)
    assert [(p.kind, p.figure) for p in rep.problems] == [("stale", "0.64")]


def test_pending_figures_are_reported_not_failed(tmp_path):
    pend = [cf.Allowed("README.md", "TF-IDF", ("0.421",), "refpoints")]
    rep = run(tmp_path, TABLE.format("0.603; TF-IDF + LR 0.421"), RES, pending=pend)
    assert rep.ok and [(p[2], p[3].why) for p in rep.pending] == [("0.421", "refpoints")]


def test_code_blocks_are_skipped(tmp_path):
    assert run(tmp_path, "## Benchmarks\n\n```\nscore 0.999\n```\n", RES).ok


def test_cli_exit_status(tmp_path, monkeypatch, capsys):
    assert cf.main([str(ROOT / "README.md")]) == 0
    captured = capsys.readouterr()
    assert "0 stale or unsourced; 0 pending" in captured.out + captured.err   # nothing left waiting for a source


# ------------------------------------------------------------------------------ bench/provenance.py

pspec = importlib.util.spec_from_file_location("provenance", ROOT / "bench" / "provenance.py")
prov = importlib.util.module_from_spec(pspec)
sys.modules.setdefault("provenance", prov)
pspec.loader.exec_module(prov)


def test_write_results_adds_provenance_atomically(tmp_path):
    started = prov.run_started()
    out = prov.write_results(tmp_path / "r.json", {"score": 0.5}, argv=["--seed", "3"], seeds=[3],
                             script=ROOT / "bench" / "text_benchmarks.py", started=started)
    doc = json.loads(out.read_text())
    p = doc["provenance"]
    assert doc["score"] == 0.5 and p["backfilled"] is False
    assert p["command"].endswith("python bench/text_benchmarks.py --seed 3") and p["seeds"] == [3]
    assert len(p["git"]["commit"]) == 40 and isinstance(p["git"]["dirty"], bool)
    assert p["machine"]["logical_cpus"] >= 1 and len(p["machine"]["load_average_1_5_15_min"]) == 3
    assert p["machine"]["load_average_at_start"] == started["load_average_1_5_15_min"]
    assert p["utc"].endswith("Z") and p["started_utc"] == started["utc"]
    assert [f.name for f in tmp_path.iterdir()] == ["r.json"]           # no temporary file left


def test_backfill_records_only_what_is_known(tmp_path):
    f = tmp_path / "old.json"
    f.write_text(json.dumps({"command": "python bench/x.py", "seed": 0, "score": 0.5}, indent=2) + "\n")
    assert prov.backfill([f]) == [f]
    doc = json.loads(f.read_text())
    p = doc["provenance"]
    assert p["backfilled"] is True and p["command"] == "python bench/x.py" and p["seeds"] == 0
    assert p["machine"]["load_average_1_5_15_min"] is None and p["git"]["dirty"] is None
    assert f.read_text().startswith('{\n  "command"')                    # the file's own layout kept
    assert prov.backfill([f]) == []                                      # never twice


def test_every_results_file_has_provenance():
    missing = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "bench" / "results").rglob("*.json"))
               if "provenance" not in json.loads(p.read_text())]
    assert not missing, missing
