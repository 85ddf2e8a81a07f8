import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_server import FakeLLM  # noqa: E402


@pytest.fixture
def fake_llm():
    with FakeLLM() as server:
        yield server


@pytest.fixture
def llm_cache(tmp_path):
    from affectkit.explain.llm.cache import ResponseCache

    return ResponseCache(tmp_path / "llm-cache")
