"""The package's version, kept here (not in ``affectkit/__init__``) so that the parts that stamp it
on what they write import it without importing the whole package (no cycle through the root)."""
__version__ = "0.1.0"  # the same as pyproject.toml's (tests/core/test_version.py)
