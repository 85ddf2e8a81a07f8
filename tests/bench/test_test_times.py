"""bench/test_times.py times what the Makefile runs, and reads pytest's closing line."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("test_times", ROOT / "bench" / "test_times.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _make_recipe(target: str) -> str:
    text = (ROOT / "Makefile").read_text()
    workers = re.search(r"^TEST_WORKERS \?= (\S+)", text, re.M).group(1)
    recipe = re.search(rf"^{target}: setup\n\t(.+)$", text, re.M).group(1)
    return recipe.replace("$(TEST_WORKERS)", workers)


def test_selections_are_the_makefiles():
    mod = _module()
    for name, target in (("fast", "test-fast"), ("full", "test")):
        args = mod.SELECTIONS[name]
        recipe = _make_recipe(target)
        assert recipe.startswith("$(PY) -m pytest ")
        words = recipe[len("$(PY) -m pytest "):].replace('"not slow"', "not_slow").split()
        assert [w.replace("not_slow", "not slow") for w in words] == args


def test_summary_counts():
    mod = _module()
    out = "....\nSKIPPED [1] x\n840 passed, 3 skipped, 37 deselected, 1 error in 99.37s (0:01:39)\n"
    assert mod.summary_counts(out) == {"passed": 840, "skipped": 3, "deselected": 37, "error": 1}
    assert mod.summary_counts("2 failed, 5 passed in 1.00s") == {"failed": 2, "passed": 5}
    assert mod.summary_counts("no tests ran") == {}
