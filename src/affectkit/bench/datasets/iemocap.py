"""IEMOCAP (Busso et al., 2008) from its release folder ``IEMOCAP_full_release/``.

Read: ``Session{1..5}/dialog/EmoEvaluation/*.txt`` (the consensus label per turn, lines
``[start - end]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[v, a, d]``), the transcripts
``Session*/dialog/transcriptions/*.txt`` (``Ses01F_impro01_F000 [006.2901-008.2357]: text``) and
the turn wavs ``Session*/sentences/wav/<dialog>/<turn>.wav``.

Class conventions (the two that papers use):
  4 classes: anger, happiness (happy + excited merged), neutral, sadness - 5,531 turns.
  6 classes: happiness, sadness, neutral, anger, excited, frustrated - 7,433 turns
             (the conversational setting of bc-LSTM / DialogueRNN).
The speaker of a turn is the session plus the gender letter that starts the turn's last part
(``Ses01F_impro01_M003`` -> ``1M``); leave-one-session-out folds group by ``session``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from affectkit.core.errors import DataError

IEMOCAP_ENV = "AFFECTKIT_IEMOCAP"
IEMOCAP_CLASSES = {
    4: {"ang": "anger", "hap": "happiness", "exc": "happiness", "neu": "neutral", "sad": "sadness"},
    6: {"hap": "happiness", "sad": "sadness", "neu": "neutral", "ang": "anger", "exc": "excited",
        "fru": "frustrated"},
}
IEMOCAP_LABELS = {4: ("anger", "happiness", "neutral", "sadness"),
                  6: ("happiness", "sadness", "neutral", "anger", "excited", "frustrated")}
_EVAL = re.compile(r"^\[(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\]\s+(Ses\d\d[FM]_\S+)\s+(\w+)\s+\[")
_TRANS = re.compile(r"^(Ses\d\d[FM]_\S+)\s+\[[^\]]*\]:\s?(.*)$")


def iemocap_root(path: str | os.PathLike | None = None) -> Path:
    p = path or os.environ.get(IEMOCAP_ENV)
    if not p:
        raise DataError("IEMOCAP is not public here: request it from sail.usc.edu/iemocap, then pass "
                        f"--data PATH/IEMOCAP_full_release or set {IEMOCAP_ENV}=PATH (the folder holding Session1..Session5)")
    root = Path(p).expanduser()
    if not any((root / f"Session{i}").is_dir() for i in range(1, 6)):
        raise DataError(f"IEMOCAP: no Session1..Session5 folders in {root} (point at IEMOCAP_full_release)")
    return root


def _turn_speaker(turn: str) -> str:
    return f"{int(turn[3:5])}{turn.rsplit('_', 1)[1][0]}"


def load_iemocap(path: str | os.PathLike | None = None, classes: int = 4) -> pd.DataFrame:
    """Turns with a label in the ``classes`` convention: turn, dialog, session (1..5), speaker,
    start, end, label (name), text, wav (path; may not exist if only the labels were copied)."""
    if classes not in IEMOCAP_CLASSES:
        raise DataError(f"IEMOCAP has a 4- and a 6-class convention, not {classes}")
    root = iemocap_root(path)
    mapping = IEMOCAP_CLASSES[classes]
    rows, texts = [], {}
    for sess in range(1, 6):
        sdir = root / f"Session{sess}" / "dialog"
        for f in sorted((sdir / "transcriptions").glob("*.txt")):
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                m = _TRANS.match(line.strip())
                if m:
                    texts[m.group(1)] = m.group(2).strip()
        for f in sorted((sdir / "EmoEvaluation").glob("*.txt")):
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                m = _EVAL.match(line.strip())
                if not m:
                    continue
                start, end, turn, code = float(m.group(1)), float(m.group(2)), m.group(3), m.group(4)
                if code not in mapping:
                    continue
                dialog = turn.rsplit("_", 1)[0]
                rows.append({"turn": turn, "dialog": dialog, "session": sess, "speaker": _turn_speaker(turn),
                             "start": start, "end": end, "label": mapping[code],
                             "wav": str(root / f"Session{sess}" / "sentences" / "wav" / dialog / f"{turn}.wav")})
    if not rows:
        raise DataError(f"IEMOCAP: no labelled turns found under {root}/Session*/dialog/EmoEvaluation")
    df = pd.DataFrame(rows).sort_values(["session", "dialog", "start"], kind="stable").reset_index(drop=True)
    missing = ~df.turn.isin(texts)
    if missing.any():
        raise DataError(f"IEMOCAP: {int(missing.sum())} labelled turns have no transcript line "
                        f"(first: {df.turn[missing].iloc[0]})")
    df["text"] = df.turn.map(texts)
    return df
