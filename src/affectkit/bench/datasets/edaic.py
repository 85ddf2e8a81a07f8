"""E-DAIC (Extended DAIC; AVEC 2019 Detecting Depression with AI Sub-challenge; Ringeval et al.,
2019), from the folder users download: ``<id>_P/<id>_Transcript.csv`` and the split CSVs
``train_split.csv``, ``dev_split.csv``, ``test_split.csv`` (in the folder or its ``labels/``),
with columns ``Participant_ID, Gender, PHQ_Binary, PHQ_Score, PCL-C (PTSD), PTSD Severity``.
Where the split CSVs are absent, ``detailed_lables.csv`` (sic, as released) is read instead:
``Participant``, ``split`` and ``Depression_label`` (and a PHQ-8 total column where it has one).

Transcripts are comma-separated ``Start_Time, End_Time, Text, Confidence``: automatic speech
recognition of the session, with no speaker column, so the interviewer cannot be told apart and
``include_interviewer`` does not apply (a DataError says so). E-DAIC's interviewer is Ellie, as in
DAIC-WOZ; sessions 600 and up were run by the autonomous agent.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from affectkit.core.errors import DataError

EDAIC_ENV = "AFFECTKIT_EDAIC"
EDAIC_SPLITS = {"train": "train_split.csv", "dev": "dev_split.csv", "test": "test_split.csv"}
DETAILED = "detailed_lables.csv"
_SCORE_COLUMNS = ("PHQ_Score", "PHQ8_Score", "PHQ_8Total")


def edaic_root(path: str | os.PathLike | None = None) -> Path:
    from affectkit.bench.datasets.paths import user_folder

    return user_folder(path, EDAIC_ENV, "E-DAIC",
                       "E-DAIC is licensed per user (dcapswoz.ict.usc.edu): put the <id>_P folders (with "
                       "<id>_Transcript.csv) and the split CSVs (train_split.csv, dev_split.csv, test_split.csv, "
                       "or labels/detailed_lables.csv) in one folder")


def _find(root: Path, name: str) -> Path | None:
    for p in (root / name, root / "labels" / name):
        if p.is_file():
            return p
    return None


def _split_table(root: Path, split: str) -> pd.DataFrame:
    if split not in EDAIC_SPLITS:
        raise DataError(f"E-DAIC has splits {tuple(EDAIC_SPLITS)}, not {split!r}")
    f = _find(root, EDAIC_SPLITS[split])
    if f is not None:
        df = pd.read_csv(f)
        df.columns = [c.strip() for c in df.columns]
        pid_col, score_col = "Participant_ID", next((c for c in _SCORE_COLUMNS if c in df.columns), None)
        binary_col = "PHQ_Binary" if "PHQ_Binary" in df.columns else None
    else:
        f = _find(root, DETAILED)
        if f is None:
            raise DataError(f"E-DAIC {split} labels missing: put {EDAIC_SPLITS[split]} (or {DETAILED}) in {root} "
                            f"or {root / 'labels'}")
        df = pd.read_csv(f)
        df.columns = [c.strip() for c in df.columns]
        if not {"Participant", "split"} <= set(df.columns):
            raise DataError(f"{f}: expected columns Participant and split")
        df = df[df["split"].astype(str).str.strip().str.lower() == split]
        pid_col, score_col = "Participant", next((c for c in _SCORE_COLUMNS if c in df.columns), None)
        binary_col = "Depression_label" if "Depression_label" in df.columns else None
    if pid_col not in df.columns:
        raise DataError(f"{f}: no {pid_col} column")
    if score_col is None and binary_col is None:
        raise DataError(f"{f}: no PHQ-8 label column ({', '.join(_SCORE_COLUMNS)} or PHQ_Binary)")
    df = df.dropna(subset=[pid_col])
    out = pd.DataFrame({"participant": df[pid_col].astype(int).to_numpy()})
    out["phq8"] = df[score_col].astype(float).to_numpy() if score_col else float("nan")
    out["label"] = (df[binary_col].astype(int).to_numpy() if binary_col else (out.phq8 >= 10).astype(int).to_numpy())
    if out.empty:
        raise DataError(f"{f}: no participants in the {split} split")
    return out


def _transcript(root: Path, pid: int) -> Path:
    for p in (root / f"{pid}_P" / f"{pid}_Transcript.csv", root / f"{pid}_Transcript.csv",
              root / f"{pid}_P" / f"{pid}_P" / f"{pid}_Transcript.csv"):
        if p.is_file():
            return p
    raise DataError(f"E-DAIC transcript of participant {pid} missing: expected {root}/{pid}_P/{pid}_Transcript.csv")


def read_transcript(path: str | os.PathLike) -> str:
    """The recognised utterances of one session joined by newlines."""
    df = pd.read_csv(path)
    df.columns = [c.strip() for c in df.columns]
    if "Text" not in df.columns:
        raise DataError(f"{path}: an E-DAIC transcript has comma-separated columns Start_Time,End_Time,Text,Confidence")
    return "\n".join(t.strip() for t in df["Text"].dropna().astype(str) if t.strip())


def load_edaic(split: str, path: str | os.PathLike | None = None, include_interviewer: bool = False) -> pd.DataFrame:
    """One row per session of ``split``: participant, text, phq8 (0-24, NaN where not given), label."""
    if include_interviewer:
        raise DataError("E-DAIC transcripts have no speaker column: the interviewer cannot be included or "
                        "excluded (--include-interviewer applies to DAIC-WOZ)")
    root = edaic_root(path)
    table = _split_table(root, split)
    table["text"] = [read_transcript(_transcript(root, pid)) for pid in table.participant]
    return table
