"""``python -m affectkit ...``: the ``affectkit`` command (for environments without the script on PATH)."""
import sys

from affectkit.cli import main

sys.exit(main())
