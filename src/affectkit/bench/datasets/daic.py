"""DAIC-WOZ (Gratch et al., 2014; AVEC 2016/2017 depression splits), from the folder users
download: ``<id>_P/<id>_TRANSCRIPT.csv`` (or ``<id>_TRANSCRIPT.csv`` flat) and the split CSVs
``train_split_Depression_AVEC2017.csv``, ``dev_split_Depression_AVEC2017.csv`` and
``full_test_split.csv`` (the test labels released later).

Transcripts are tab-separated ``start_time stop_time speaker value`` with speaker ``Ellie`` (the
virtual interviewer) or ``Participant``. By default only the participant's words are read.
The interviewer's prompts leak the label (Ellie's follow-up questions depend on earlier
answers; a published shortcut reaches about 0.90 F1 from the prompts alone), so adding them is an
explicit option and warns with :class:`InterviewerLeakWarning`.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from affectkit.core.errors import DataError

DAIC_ENV = "AFFECTKIT_DAIC"
DAIC_SPLITS = {"train": ("train_split_Depression_AVEC2017.csv",),
               "dev": ("dev_split_Depression_AVEC2017.csv",),
               "test": ("full_test_split.csv", "test_split_Depression_AVEC2017.csv")}
INTERVIEWER = "Ellie"
PARTICIPANT = "Participant"


class InterviewerLeakWarning(UserWarning):
    """The interviewer's prompts are in the input: they are known to leak the depression label."""


def daic_root(path: str | os.PathLike | None = None) -> Path:
    from affectkit.bench.datasets.paths import user_folder

    return user_folder(path, DAIC_ENV, "DAIC-WOZ",
                       "DAIC-WOZ is licensed per user (dcapswoz.ict.usc.edu): put the transcripts "
                       "(<id>_P/<id>_TRANSCRIPT.csv) and the AVEC 2017 split CSVs in one folder")


def _split_table(root: Path, split: str) -> pd.DataFrame:
    if split not in DAIC_SPLITS:
        raise DataError(f"DAIC-WOZ has splits {tuple(DAIC_SPLITS)}, not {split!r}")
    for name in DAIC_SPLITS[split]:
        f = root / name
        if f.is_file():
            df = pd.read_csv(f)
            df.columns = [c.strip() for c in df.columns]
            score = next((c for c in ("PHQ8_Score", "PHQ_Score") if c in df.columns), None)
            binary = next((c for c in ("PHQ8_Binary", "PHQ_Binary") if c in df.columns), None)
            if score is None:
                raise DataError(f"{f}: no PHQ8_Score / PHQ_Score column (the original test split has no "
                                "labels; use full_test_split.csv)")
            out = pd.DataFrame({"participant": df["Participant_ID"].astype(int),
                                "phq8": df[score].astype(float)})
            out["label"] = (df[binary].astype(int) if binary else (out.phq8 >= 10).astype(int)).to_numpy()
            return out
    raise DataError(f"DAIC-WOZ {split} split file missing: put {' or '.join(DAIC_SPLITS[split])} in {root}")


def _transcript(root: Path, pid: int) -> Path:
    for p in (root / f"{pid}_P" / f"{pid}_TRANSCRIPT.csv", root / f"{pid}_TRANSCRIPT.csv"):
        if p.is_file():
            return p
    raise DataError(f"DAIC-WOZ transcript of participant {pid} missing: expected {root}/{pid}_P/{pid}_TRANSCRIPT.csv")


def read_transcript(path: str | os.PathLike, include_interviewer: bool = False) -> str:
    """The turns of one interview joined by newlines: the participant's only, or with the
    interviewer's prompts prefixed ``Ellie:`` / ``Participant:`` when ``include_interviewer``."""
    df = pd.read_csv(path, sep="\t")
    df.columns = [c.strip() for c in df.columns]
    if not {"speaker", "value"} <= set(df.columns):
        raise DataError(f"{path}: a DAIC-WOZ transcript has tab-separated columns start_time stop_time speaker value")
    df = df.dropna(subset=["value"])
    speakers = df["speaker"].astype(str).str.strip()
    unknown = set(speakers) - {INTERVIEWER, PARTICIPANT}
    if unknown:
        raise DataError(f"{path}: unknown speaker roles {sorted(unknown)} (expected Ellie, Participant)")
    if include_interviewer:
        return "\n".join(f"{s}: {v}" for s, v in zip(speakers, df["value"].astype(str)))
    return "\n".join(df["value"].astype(str)[speakers == PARTICIPANT])


def load_daic(split: str, path: str | os.PathLike | None = None, include_interviewer: bool = False) -> pd.DataFrame:
    """One row per interview of ``split``: participant, text, phq8 (0-24), label (PHQ-8 >= 10)."""
    if include_interviewer:
        warnings.warn("DAIC-WOZ with the interviewer's prompts: they leak the label (a published shortcut "
                      "reaches ~0.90 F1 from the prompts alone); do not report these figures as depression "
                      "detection from the participant", InterviewerLeakWarning, stacklevel=2)
    root = daic_root(path)
    table = _split_table(root, split)
    table["text"] = [read_transcript(_transcript(root, pid), include_interviewer) for pid in table.participant]
    return table
