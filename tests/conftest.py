import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared_data():
    """../shared/data; skipped when absent, except in CI (AFFECTKIT_REQUIRE_DATA=1) where it must exist."""
    from affectkit.bench.datasets import data_root
    from affectkit.core.errors import DataError

    try:
        return data_root()
    except DataError as exc:
        if os.environ.get("AFFECTKIT_REQUIRE_DATA") == "1":
            raise
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def text_model():
    from affectkit.recognize.text_model import bundled_text_model

    return bundled_text_model()
