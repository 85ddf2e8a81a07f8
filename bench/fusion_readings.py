"""Per-modality readings for the fusion composites, computed once and cached (bench/fusion_composites.py).

Each head reads data it was not trained on (the face head's dev split also chose its epoch):

- text: the bundled text model on MELD dev (fusion dev) and MELD test (fusion test), each
  utterance with its dialogue context (as bench/text_eval does); it was trained on MELD train.
- voice: EmoDB out-of-fold readings. The shipped voice head was trained on all 10 speakers, so its
  own readings of EmoDB are in-sample; instead each file is read by the shipped recipe refit on
  the other nine speakers (leave-one-speaker-out, strict protocol, as bench/calibrate.py does).
  Speakers 03 08 09 10 11 make the dev composites, 12 13 14 15 16 the test ones (disjoint).
- face: the bundled FER2013 CNN on PublicTest (dev; it chose the epoch) and PrivateTest (test).

Readings are the heads' raw probabilities (calibration happens inside the fusion), stored as
``.npz`` (no pickle) under ``$AFFECTKIT_CACHE/fusion_composites`` (default
``~/.cache/affectkit``), keyed by the models' names, so reruns take seconds.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEV_SPEAKERS = ("03", "08", "09", "10", "11")
TEST_SPEAKERS = ("12", "13", "14", "15", "16")
SPLITS = {"text": {"dev": "dev", "test": "test"},
          "face": {"dev": "PublicTest", "test": "PrivateTest"},
          "voice": {"dev": DEV_SPEAKERS, "test": TEST_SPEAKERS}}


@dataclass(frozen=True)
class Readings:
    """One modality's readings of one fusion split: probabilities [N, len(labels)] over the head's
    own labels, the true canonical label of each item, and where the items came from."""

    modality: str
    labels: tuple[str, ...]
    proba: np.ndarray
    truth: np.ndarray          # str labels (EmoDB's boredom stays "boredom")
    source: str
    model: str

    def of(self, label: str) -> np.ndarray:
        """Row indices of the items whose true label is ``label``."""
        return np.flatnonzero(self.truth == label)


def cache_dir() -> Path:
    from affectkit.store.cache import default_cache_dir

    return default_cache_dir() / "fusion_composites"


def _cached(key: str, build) -> dict:
    path = cache_dir() / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    t0 = time.perf_counter()
    arrays = build()
    bad = [k for k, v in arrays.items() if np.asarray(v).dtype == object]
    if bad:  # would be saved pickled and then refused on load: fail before writing the cache
        raise TypeError(f"readings {bad} are object arrays; give them a numeric or str dtype")
    print(f"readings: {key} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)  # atomic: a killed run never leaves half a cache file
    return arrays


def text_readings(split: str) -> Readings:
    from affectkit.bench.datasets import load_meld
    from affectkit.recognize.text_model import bundled_text_model

    model = bundled_text_model()
    labels = tuple(model.tasks()["emotion"])
    name = SPLITS["text"][split]

    def build() -> dict:
        df = load_meld(name)
        probs = model.predict_proba(df.text.tolist(), "emotion", speakers=df.speaker.tolist(),
                                    dialogue_ids=df.dialogue_id.tolist())
        return {"proba": probs.astype(np.float64), "truth": df.emotion.to_numpy(dtype=str)}

    a = _cached(f"text|{model.name}|meld-{name}", build)
    return Readings("text", labels, a["proba"], a["truth"], f"MELD {name} ({len(a['truth'])} utterances)", model.name)


def face_readings(split: str) -> Readings:
    from affectkit.bench.datasets.face import load_fer2013
    from affectkit.core.labels import EMOTION
    from affectkit.recognize.face_affect import bundled_face_model, face_model_name

    model = bundled_face_model()
    name = SPLITS["face"][split]

    def build() -> dict:
        x, y = load_fer2013(name)
        return {"proba": model.predict_proba(x).astype(np.float64),
                "truth": np.asarray([EMOTION.labels[i] for i in y], dtype=str)}

    a = _cached(f"face|{face_model_name(model)}|fer2013-{name}", build)
    return Readings("face", tuple(model.labels), a["proba"], a["truth"],
                    f"FER2013 {name} ({len(a['truth'])} crops)", face_model_name(model))


def _voice_oof() -> dict:
    """Out-of-fold EmoDB readings of the shipped voice recipe (all 535 files), cached."""
    from affectkit.train.recipes import load_recipe

    voice = load_recipe("voice")["params"]
    key = "voice|loso-oof|" + json.dumps(voice, sort_keys=True)

    def build() -> dict:
        from affectkit.bench.voice_shift import out_of_fold, recipe_matrices

        df, X, X_aug, recipe, _ = recipe_matrices(voice)
        res = out_of_fold(recipe, df, X, X_aug)
        return {"proba": np.asarray(res["proba"], dtype=np.float64), "labels": np.asarray(res["labels"], dtype=str),
                "truth": df.emotion.to_numpy(dtype=str), "speaker": res["speaker"]}

    return _cached(key, build)


def voice_readings(split: str) -> Readings:
    from affectkit.recognize.voice_affect import bundled_voice_head, voice_model_name

    a = _voice_oof()
    speakers = SPLITS["voice"][split]
    keep = np.isin(a["speaker"], speakers)
    model = voice_model_name(bundled_voice_head())
    return Readings("voice", tuple(str(l) for l in a["labels"]), a["proba"][keep], a["truth"][keep],
                    f"EmoDB speakers {' '.join(speakers)} ({int(keep.sum())} files), out-of-fold "
                    "(the shipped recipe refit without each file's speaker)", f"{model} recipe, out-of-fold")


READERS = {"text": text_readings, "voice": voice_readings, "face": face_readings}


def all_readings(split: str) -> dict[str, Readings]:
    """modality -> its readings of the ``split`` ("dev" or "test") items."""
    return {m: read(split) for m, read in READERS.items()}


if __name__ == "__main__":  # warm the cache: python bench/fusion_readings.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    for s in ("dev", "test"):
        for m, r in all_readings(s).items():
            print(s, m, r.source, r.proba.shape)
