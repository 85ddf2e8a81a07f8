"""The domain-shift benchmark's recording conditions (bench/voice_shift.py), kept apart so the
training script and the benchmark read the same lists.

Conditions are applied to every other EmoDB file (sorted by name: 268 of 535, all speakers,
emotions and sentences), to keep feature extraction within minutes on two cores.

DEV conditions choose a recipe; TEST conditions are read once, for the report. TEST conditions lie
outside every range of the training augmentation (affectkit.train.augment.TRAIN_AUGMENT); the DEV
ones do not (white noise at 15 dB, RT60 0.35 s and 1.2 s crops are inside the training ranges), so
the dev score favours augmented recipes: only the TEST figures measure generalisation to unseen
conditions.
"""
from __future__ import annotations

SUBSET_STEP = 2  # conditions use files[::SUBSET_STEP]

DEV = {
    "noise white 15 dB": [{"kind": "noise", "snr_db": 15.0, "color": "white", "seed": 101}],
    "room RT60 0.35 s": [{"kind": "reverb", "rt60": 0.35, "seed": 102}],
    "crop 1.2 s": [{"kind": "crop", "seconds": 1.2, "where": 0.5}],
}

TEST = {
    "speed 1.15": [{"kind": "speed", "factor": 1.15}],
    "pitch -3.5 st": [{"kind": "pitch", "semitones": -3.5}],
    "noise brown 10 dB": [{"kind": "noise", "snr_db": 10.0, "color": "brown", "seed": 201}],
    "noise white 5 dB": [{"kind": "noise", "snr_db": 5.0, "color": "white", "seed": 202}],
    "room RT60 0.8 s": [{"kind": "reverb", "rt60": 0.8, "seed": 203}],
    "opus 8 kbps": [{"kind": "codec", "name": "opus", "kbps": 8}],
    "level +12 dB (clipped)": [{"kind": "gain", "db": 12.0}],
    "crop 0.6 s": [{"kind": "crop", "seconds": 0.6, "where": 0.5}],
}
