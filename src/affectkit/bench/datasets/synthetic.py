"""Tiny files in the exact on-disk formats of the datasets users bring (IEMOCAP, DAIC-WOZ, E-DAIC,
RAVDESS, CREMA-D; MMSA pickles are in datasets.mmsa): for the loaders' tests and the harness's
debug runs. Contents are random; only the layout, names and columns are real."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, seconds: float = 0.2, sr: int = 16000, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    x = (np.random.default_rng(seed).normal(0, 0.05, int(seconds * sr)) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(x.tobytes())
    return path


def write_iemocap(root: Path, turns_per_dialog: int = 6, wavs: bool = False, seed: int = 0) -> Path:
    """IEMOCAP_full_release layout: 5 sessions x 2 dialogs, labels cycling over the codes
    (including ones both conventions drop: xxx, oth)."""
    rng = np.random.default_rng(seed)
    codes = ["neu", "hap", "exc", "ang", "sad", "fru", "xxx", "oth", "sur"]
    words = ["fine", "great", "no", "why", "really", "okay", "terrible", "wow"]
    k = 0
    for sess in range(1, 6):
        for d, kind in enumerate(("impro01", "script01_1")):
            dialog = f"Ses0{sess}{'F' if d == 0 else 'M'}_{kind}"
            ev = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""]
            tr = []
            t = 1.0
            for i in range(turns_per_dialog):
                turn = f"{dialog}_{'F' if i % 2 == 0 else 'M'}{i:03d}"
                code = codes[k % len(codes)]
                k += 1
                ev += [f"[{t:.4f} - {t + 1.5:.4f}]\t{turn}\t{code}\t[2.5000, 3.0000, 2.5000]",
                       "C-E2:\tNeutral;\t()", "A-E3:\tval 3; act 3; dom  3;\t()", ""]
                text = " ".join(rng.choice(words, 4)) + " " + code
                tr.append(f"{turn} [{t:08.4f}-{t + 1.5:08.4f}]: {text}")
                if wavs:
                    write_wav(root / f"Session{sess}" / "sentences" / "wav" / dialog / f"{turn}.wav", seed=k)
                t += 2.0
            base = root / f"Session{sess}" / "dialog"
            (base / "EmoEvaluation").mkdir(parents=True, exist_ok=True)
            (base / "transcriptions").mkdir(parents=True, exist_ok=True)
            (base / "EmoEvaluation" / f"{dialog}.txt").write_text("\n".join(ev) + "\n", encoding="utf-8")
            (base / "transcriptions" / f"{dialog}.txt").write_text("\n".join(tr) + "\n", encoding="utf-8")
    return root


def write_daic(root: Path, n: tuple[int, int, int] = (8, 4, 4), seed: int = 0) -> Path:
    """DAIC-WOZ layout: <id>_P/<id>_TRANSCRIPT.csv (tab-separated, Ellie and Participant turns) and
    the AVEC 2017 split CSVs (train/dev with PHQ8_* columns, full_test_split.csv with PHQ_*)."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    pid = 300
    heads = {"train": "Participant_ID,PHQ8_Binary,PHQ8_Score,Gender,PHQ8_NoInterest,PHQ8_Depressed,PHQ8_Sleep,"
                      "PHQ8_Tired,PHQ8_Appetite,PHQ8_Failure,PHQ8_Concentrating,PHQ8_Moving",
             "dev": None, "test": "Participant_ID,PHQ_Binary,PHQ_Score,Gender"}
    heads["dev"] = heads["train"]
    files = {"train": "train_split_Depression_AVEC2017.csv", "dev": "dev_split_Depression_AVEC2017.csv",
             "test": "full_test_split.csv"}
    for split, m in zip(("train", "dev", "test"), n):
        lines = [heads[split]]
        for i in range(m):
            score = int(rng.integers(0, 25)) if i % 2 else int(rng.integers(0, 10))
            if i % 2 and score < 10:
                score += 10
            binary = int(score >= 10)
            items = ",".join(["1"] * 8)
            lines.append(f"{pid},{binary},{score},{i % 2}" + (f",{items}" if split != "test" else ""))
            sad = binary == 1
            rows = ["start_time\tstop_time\tspeaker\tvalue"]
            for j in range(4):
                rows.append(f"{10 + 5 * j:.3f}\t{12 + 5 * j:.3f}\tEllie\t"
                            + ("have you been diagnosed with depression" if sad and j == 2 else "how are you doing today"))
                rows.append(f"{12.5 + 5 * j:.3f}\t{14 + 5 * j:.3f}\tParticipant\t"
                            + ("i feel tired and down lately" if sad else "pretty good thanks"))
            d = root / f"{pid}_P"
            d.mkdir(exist_ok=True)
            (d / f"{pid}_TRANSCRIPT.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
            pid += 1
        (root / files[split]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root



def write_edaic(root: Path, n: tuple[int, int, int] = (8, 4, 4), seed: int = 0, labels_folder: bool = True) -> Path:
    """E-DAIC layout: <id>_P/<id>_Transcript.csv (comma-separated Start_Time,End_Time,Text,Confidence;
    ASR text, no speaker column) and train_split.csv / dev_split.csv / test_split.csv (Participant_ID,
    Gender, PHQ_Binary, PHQ_Score, PCL-C (PTSD), PTSD Severity), in ``labels/`` when ``labels_folder``."""
    import csv

    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    labels = root / "labels" if labels_folder else root
    labels.mkdir(exist_ok=True)
    pid = 600
    for split, m in zip(("train", "dev", "test"), n):
        with open(labels / f"{split}_split.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Participant_ID", "Gender", "PHQ_Binary", "PHQ_Score", "PCL-C (PTSD)", "PTSD Severity"])
            for i in range(m):
                score = int(rng.integers(10, 25)) if i % 2 else int(rng.integers(0, 10))
                w.writerow([pid, "female" if i % 2 else "male", int(score >= 10), score, int(score >= 14),
                            float(rng.integers(17, 60))])
                d = root / f"{pid}_P"
                d.mkdir(exist_ok=True)
                line = ("i feel tired, down and hopeless lately" if score >= 10 else "pretty good, thanks for asking")
                with open(d / f"{pid}_Transcript.csv", "w", newline="", encoding="utf-8") as tf:
                    tw = csv.writer(tf)
                    tw.writerow(["Start_Time", "End_Time", "Text", "Confidence"])
                    for j in range(4):
                        tw.writerow([f"{14.3 + 5 * j:.1f}", f"{16.1 + 5 * j:.1f}", line, f"{0.9 - 0.01 * j:.9f}"])
                pid += 1
    return root


def write_ravdess(root: Path, actors: tuple[int, ...] = (1, 2, 3, 4), seed: int = 0) -> Path:
    """Audio_Speech_Actors_01-24 layout: Actor_XX/03-01-EE-II-SS-RR-XX.wav, every emotion, one
    statement and repetition (strong intensity except for neutral)."""
    k = 0
    for a in actors:
        for e in range(1, 9):
            inten = "01" if e == 1 else "02"
            write_wav(root / f"Actor_{a:02d}" / f"03-01-{e:02d}-{inten}-01-01-{a:02d}.wav", seconds=0.1, seed=seed + k)
            k += 1
    return root


def write_cremad(root: Path, actors: tuple[int, ...] = (1001, 1002, 1003, 1004), seed: int = 0) -> Path:
    """AudioWAV layout: AAAA_SSS_EEE_LL.wav, every emotion for each actor."""
    k = 0
    for a in actors:
        for e in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD"):
            write_wav(root / "AudioWAV" / f"{a}_IEO_{e}_{'HI' if e != 'NEU' else 'XX'}.wav", seconds=0.1, seed=seed + k)
            k += 1
    return root
