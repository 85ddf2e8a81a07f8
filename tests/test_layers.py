"""The package's parts import one way (issue 16): the import-linter contracts in pyproject.toml hold,
counting imports inside functions, and the checker does catch a broken contract."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint(config: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists():
        exe = shutil.which("lint-imports")
    if not exe:
        pytest.fail("import-linter is not installed: pip install -e '.[dev]'")
    return subprocess.run([str(exe), "--config", str(config), "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_the_layers_hold():
    out = lint(ROOT / "pyproject.toml")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "3 kept, 0 broken" in out.stdout


def test_a_broken_contract_is_caught_even_through_an_import_inside_a_function(tmp_path):
    # analysis.record imports explain.explanation only inside a function
    assert "from affectkit.explain.explanation import" in (ROOT / "src/affectkit/analysis/record.py").read_text()
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_package = "affectkit"\n\n[[tool.importlinter.contracts]]\n'
                      'name = "record must not explain"\ntype = "forbidden"\n'
                      'source_modules = ["affectkit.analysis.record"]\n'
                      'forbidden_modules = ["affectkit.explain.explanation"]\n')
    out = lint(config)
    assert out.returncode == 1 and "BROKEN" in out.stdout and "affectkit.analysis.record" in out.stdout
