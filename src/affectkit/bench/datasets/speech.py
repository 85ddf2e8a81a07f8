"""Speech datasets, read in place, with labels mapped explicitly onto the canonical spaces."""
from __future__ import annotations

import pandas as pd

from affectkit.bench.datasets.paths import data_root
from affectkit.core.errors import DataError
from affectkit.core.labels import EMODB_CODES

EMODB_SPEAKERS = ("03", "08", "09", "10", "11", "12", "13", "14", "15", "16")


def load_emodb() -> pd.DataFrame:
    """EmoDB utterances sorted by file name: path, speaker (2 digits), sentence (3 characters),
    code (the letter) and emotion (canonical name; boredom stays "boredom")."""
    folder = data_root() / "speech" / "emodb" / "wav"
    files = sorted(folder.glob("*.wav"))
    if not files:
        raise DataError(f"no EmoDB wav files in {folder}")
    rows = []
    for f in files:
        stem = f.stem
        if len(stem) != 7 or stem[5] not in EMODB_CODES:
            raise DataError(f"{f}: not an EmoDB file name (speaker(2) sentence(3) emotion(1) version(1))")
        rows.append({"path": str(f), "speaker": stem[:2], "sentence": stem[2:5], "code": stem[5],
                     "emotion": EMODB_CODES[stem[5]]})
    return pd.DataFrame(rows)
