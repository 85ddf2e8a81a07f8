"""One version: the package's and the distribution's agree."""
import tomllib
from pathlib import Path

import affectkit
from affectkit.core.version import __version__


def test_version_matches_pyproject():
    conf = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert affectkit.__version__ == __version__ == conf["project"]["version"]
