"""Acted speech corpora named by convention: RAVDESS and CREMA-D (labels from the file name).

RAVDESS (Livingstone & Russo, 2018): ``MM-VV-EE-II-SS-RR-AA.wav`` = modality (01 audio-video,
02 video-only, 03 audio-only), vocal channel (01 speech, 02 song), emotion (01 neutral, 02 calm,
03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust, 08 surprised), intensity (01 normal,
02 strong), statement (01, 02), repetition (01, 02), actor (01-24; odd male, even female).

CREMA-D (Cao et al., 2014): ``AAAA_SSS_EEE_LL.wav`` = actor (1001-1091), sentence (IEO, TIE...),
emotion (ANG DIS FEA HAP NEU SAD), level (LO MD HI XX).
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from affectkit.bench.datasets.paths import user_folder
from affectkit.core.errors import DataError

RAVDESS_EMOTIONS = {"01": "neutral", "02": "calm", "03": "happy", "04": "sad", "05": "angry",
                    "06": "fearful", "07": "disgust", "08": "surprised"}
RAVDESS_LABELS = tuple(RAVDESS_EMOTIONS.values())
CREMAD_EMOTIONS = {"ANG": "anger", "DIS": "disgust", "FEA": "fear", "HAP": "happy", "NEU": "neutral",
                   "SAD": "sad"}
CREMAD_LABELS = tuple(CREMAD_EMOTIONS.values())
CREMAD_LEVELS = ("LO", "MD", "HI", "XX")


def parse_ravdess(name: str) -> dict:
    """Fields of one RAVDESS file name (with or without folder and suffix); DataError if not one."""
    stem = Path(name).stem
    parts = stem.split("-")
    if len(parts) != 7 or not all(len(p) == 2 and p.isdigit() for p in parts):
        raise DataError(f"{name}: not a RAVDESS file name (7 two-digit fields, e.g. 03-01-06-01-02-01-12.wav)")
    mod, voc, emo, inten, stmt, rep, actor = parts
    if mod not in ("01", "02", "03") or voc not in ("01", "02") or emo not in RAVDESS_EMOTIONS \
            or inten not in ("01", "02") or stmt not in ("01", "02") or rep not in ("01", "02") \
            or not 1 <= int(actor) <= 24:
        raise DataError(f"{name}: a RAVDESS field is out of range")
    if emo == "01" and inten == "02":
        raise DataError(f"{name}: RAVDESS has no strong-intensity neutral")
    return {"modality": {"01": "audio-video", "02": "video", "03": "audio"}[mod],
            "channel": "speech" if voc == "01" else "song", "emotion": RAVDESS_EMOTIONS[emo],
            "intensity": "normal" if inten == "01" else "strong", "statement": int(stmt),
            "repetition": int(rep), "actor": int(actor), "gender": "male" if int(actor) % 2 else "female"}


def parse_cremad(name: str) -> dict:
    stem = Path(name).stem
    parts = stem.split("_")
    if len(parts) != 4 or not parts[0].isdigit() or len(parts[1]) != 3 or parts[2] not in CREMAD_EMOTIONS \
            or parts[3] not in CREMAD_LEVELS:
        raise DataError(f"{name}: not a CREMA-D file name (e.g. 1001_DFA_ANG_XX.wav)")
    actor = int(parts[0])
    if not 1001 <= actor <= 1091:
        raise DataError(f"{name}: CREMA-D actors are 1001-1091")
    return {"actor": actor, "sentence": parts[1], "emotion": CREMAD_EMOTIONS[parts[2]], "level": parts[3]}


def _folder(path, env: str, what: str, hint: str) -> Path:
    return user_folder(path, env, what, f"{what} is not in ../shared/data: download it ({hint})")


def load_ravdess(path: str | os.PathLike | None = None, channel: str = "speech") -> pd.DataFrame:
    """Audio files (any of the modality codes with a soundtrack: 01, 03) of one vocal ``channel``
    found recursively under the folder: path, actor, emotion, intensity, statement, ..."""
    root = _folder(path, "AFFECTKIT_RAVDESS", "RAVDESS", "zenodo.org/record/1188976, Audio_Speech_Actors_01-24")
    rows = []
    for f in sorted(root.rglob("*.wav")):
        info = parse_ravdess(f.name)
        if info["channel"] == channel and info["modality"] != "video":
            rows.append({"path": str(f), **info})
    if not rows:
        raise DataError(f"no RAVDESS {channel} wav files under {root}")
    return pd.DataFrame(rows)


def load_cremad(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """CREMA-D AudioWAV files under the folder: path, actor, sentence, emotion, level."""
    root = _folder(path, "AFFECTKIT_CREMAD", "CREMA-D", "github.com/CheyneyComputerScience/CREMA-D, AudioWAV/")
    rows = [{"path": str(f), **parse_cremad(f.name)} for f in sorted(root.rglob("*.wav"))]
    if not rows:
        raise DataError(f"no CREMA-D wav files under {root}")
    return pd.DataFrame(rows)
