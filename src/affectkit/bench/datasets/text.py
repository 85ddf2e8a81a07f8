"""Text datasets, with labels mapped explicitly onto the canonical spaces (core.labels)."""
from __future__ import annotations

import pandas as pd

from affectkit.bench.datasets.paths import dataset_file
from affectkit.core.errors import DataError
from affectkit.core.labels import CARER_LABELS, CARER_TO_EMOTION, GOEMOTIONS_LABELS, GOEMOTIONS_TO_EMOTION

_SPLITS = {"meld": ("train", "dev", "test"), "goemotions": ("train", "dev", "test"),
           "carer": ("train", "val", "test")}


def _check_split(name: str, split: str) -> None:
    if split not in _SPLITS[name]:
        raise DataError(f"{name} has splits {_SPLITS[name]}, not {split!r}")


def load_meld(split: str) -> pd.DataFrame:
    """MELD utterances in dialogue order: text, speaker, dialogue_id, emotion, sentiment."""
    _check_split("meld", split)
    df = pd.read_csv(dataset_file("text", "meld", f"{split}_sent_emo.csv"), encoding="utf-8")
    out = pd.DataFrame({
        "text": df["Utterance"].astype(str).str.replace("\x92", "'", regex=False),
        "speaker": df["Speaker"].astype(str),
        "dialogue_id": f"{split}-" + df["Dialogue_ID"].astype(str),
        "utterance_id": df["Utterance_ID"].astype(int),
        "emotion": df["Emotion"].astype(str),
        "sentiment": df["Sentiment"].astype(str),
    })
    return out.sort_values(["dialogue_id", "utterance_id"], kind="stable").reset_index(drop=True)


def load_goemotions(split: str) -> pd.DataFrame:
    """GoEmotions: text, labels (tuple of the 28 fine labels), emotion (Ekman, single-label rows only)."""
    _check_split("goemotions", split)
    rows = []
    with open(dataset_file("text", "goemotions", f"{split}.tsv"), encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                raise DataError(f"goemotions {split}.tsv line {n}: expected 3 tab-separated fields")
            ids = [int(i) for i in parts[1].split(",")]
            fine = tuple(GOEMOTIONS_LABELS[i] for i in ids)
            coarse = {GOEMOTIONS_TO_EMOTION[f] for f in fine}
            rows.append({"text": parts[0], "labels": fine,
                         "emotion": coarse.pop() if len(coarse) == 1 else None})
    return pd.DataFrame(rows)


def load_carer(split: str) -> pd.DataFrame:
    """CARER / dair-ai emotion: text, label (its 6 labels), emotion (canonical; love -> joy)."""
    _check_split("carer", split)
    df = pd.read_csv(dataset_file("text", "dair_emotion", f"{split}.txt"), sep=";", encoding="utf-8")
    bad = set(df["label_name"]) - set(CARER_LABELS)
    if bad:
        raise DataError(f"carer {split}: unknown labels {sorted(bad)}")
    return pd.DataFrame({"text": df["text"].astype(str), "label": df["label_name"],
                         "emotion": df["label_name"].map(CARER_TO_EMOTION)})


def load_dreaddit(split: str) -> pd.DataFrame:
    """Dreaddit (Turcan & McKeown, 2019), official train/test split: text, label (1 = stress),
    subreddit, post_id (rows are chunks of posts: a dev split carved from train groups by it).
    The file is latin-1; its LIWC columns are left out (features come from the text)."""
    if split not in ("train", "test"):
        raise DataError(f"dreaddit has splits ('train', 'test'), not {split!r}")
    df = pd.read_csv(dataset_file("text", "dreaddit", f"dreaddit-{split}.csv"), encoding="latin-1")
    return pd.DataFrame({"text": df["text"].astype(str), "label": df["label"].astype(int),
                         "subreddit": df["subreddit"].astype(str), "post_id": df["post_id"].astype(str)})


DEPRESSION_SPLIT_SEED = 0


def load_depression_reddit(split: str) -> pd.DataFrame:
    """Reddit depression posts (text, label 1 = depressive). No official split exists: exact
    duplicate texts are dropped first (81 rows), then a fixed stratified 80/10/10 split with
    seed ``DEPRESSION_SPLIT_SEED``. A weak check (source-style shortcuts); prefer Dreaddit."""
    if split not in ("train", "dev", "test"):
        raise DataError(f"depression-reddit has splits ('train', 'dev', 'test'), not {split!r}")
    import numpy as np

    df = pd.read_csv(dataset_file("text", "depression_reddit", "depression_dataset_reddit_cleaned.csv"),
                     encoding="utf-8")
    df = df.drop_duplicates(subset="text", keep="first").reset_index(drop=True)
    rng = np.random.default_rng(DEPRESSION_SPLIT_SEED)
    part = np.empty(len(df), dtype=object)
    for lab in sorted(df["is_depressive"].unique()):
        idx = np.flatnonzero(df["is_depressive"].to_numpy() == lab)
        idx = idx[rng.permutation(len(idx))]
        n_test = n_dev = int(round(0.1 * len(idx)))
        part[idx[:n_test]] = "test"
        part[idx[n_test:n_test + n_dev]] = "dev"
        part[idx[n_test + n_dev:]] = "train"
    out = df[part == split]
    return pd.DataFrame({"text": out["text"].astype(str), "label": out["is_depressive"].astype(int)}).reset_index(drop=True)
