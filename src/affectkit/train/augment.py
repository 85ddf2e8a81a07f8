"""Training-time augmentation for the speech-emotion head, and cached features of altered copies.

``train_chains`` draws, for one file and copy, a random chain of recording conditions
(``io.conditions``) from ``TRAIN_AUGMENT``: other speakers (speed, pitch), rooms (reverberation),
microphones and lines (noise, codecs), levels (gain, clipping, quantisation) and lengths (crops,
repeats). The ranges are chosen *disjoint* from the TEST conditions of the domain-shift benchmark
(``bench/voice_shift.py``), so a gain there is generalisation, not a seen condition (its DEV
conditions do fall inside these ranges).

``condition_features`` extracts the head's input of altered copies and caches each one in the
FeatureCache (``$AFFECTKIT_CACHE``), keyed by the file's content, the extractor and the chain:
feature extraction is the slow part, and a rerun (another head, another seed) costs nothing.
"""
from __future__ import annotations

import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

Chain = list[dict[str, Any]]

# What a training copy may go through (each with its probability), every range disjoint from the
# benchmark's test conditions (speed 0.85/1.15, pitch +-3.5 st, noise brown 10 dB and white 5 dB,
# RT60 0.8 s, opus 8 kbps, gain -45/+12 dB, 0.6 s crops, 3x repeats).
TRAIN_AUGMENT: dict[str, Any] = {
    "speed": {"p": 0.5, "factor": [0.9, 1.1]},
    "pitch": {"p": 0.5, "semitones": [-2.5, 2.5]},
    "reverb": {"p": 0.4, "rt60": [0.15, 0.5]},
    "noise": {"p": 0.5, "snr_db": [12.0, 30.0], "colors": ["white", "pink"]},
    "codec": {"p": 0.3, "choices": [["mp3", 32], ["mp3", 48], ["opus", 16], ["opus", 24]]},
    "gain": {"p": 0.3, "db": [-30.0, 6.0]},
    "length": {"p": 0.35, "crop_seconds": [0.8, 1.6], "tile_p": 0.3},
}


def _seed(path: str | Path, copy: int, seed: int) -> np.random.Generator:
    """A generator fixed by the file's name, the copy and the seed (stable across runs)."""
    return np.random.default_rng([int(seed), int(copy), zlib.crc32(Path(path).name.encode())])


def train_chains(path: str | Path, copy: int, seed: int = 0, spec: Mapping[str, Any] = TRAIN_AUGMENT) -> Chain:
    """One random chain for ``copy`` of ``path``; never empty (at least one condition applies).
    Order: length, speed, pitch (the talker), then room, noise, codec, level (the recording)."""
    rng = _seed(path, copy, seed)
    for _ in range(20):
        chain: Chain = []
        s = spec.get("length")
        if s and rng.random() < s["p"]:
            if rng.random() < s["tile_p"]:
                chain.append({"kind": "tile", "times": 2})
            else:
                chain.append({"kind": "crop", "seconds": round(float(rng.uniform(*s["crop_seconds"])), 2),
                              "where": round(float(rng.random()), 2)})
        s = spec.get("speed")
        if s and rng.random() < s["p"]:
            chain.append({"kind": "speed", "factor": round(float(rng.uniform(*s["factor"])), 3)})
        s = spec.get("pitch")
        if s and rng.random() < s["p"]:
            chain.append({"kind": "pitch", "semitones": round(float(rng.uniform(*s["semitones"])), 2)})
        s = spec.get("reverb")
        if s and rng.random() < s["p"]:
            chain.append({"kind": "reverb", "rt60": round(float(rng.uniform(*s["rt60"])), 2),
                          "seed": int(rng.integers(1 << 30))})
        s = spec.get("noise")
        if s and rng.random() < s["p"]:
            chain.append({"kind": "noise", "snr_db": round(float(rng.uniform(*s["snr_db"])), 1),
                          "color": str(rng.choice(s["colors"])), "seed": int(rng.integers(1 << 30))})
        s = spec.get("codec")
        if s and rng.random() < s["p"]:
            name, kbps = s["choices"][int(rng.integers(len(s["choices"])))]
            chain.append({"kind": "codec", "name": name, "kbps": int(kbps)})
        s = spec.get("gain")
        if s and rng.random() < s["p"]:
            chain.append({"kind": "gain", "db": round(float(rng.uniform(*s["db"])), 1)})
        if chain:
            return chain
    return [{"kind": "noise", "snr_db": 20.0, "color": "white", "seed": int(rng.integers(1 << 30))}]


def _key(cache: Any, path: str, extractor: Any, chain: Chain) -> str:
    from affectkit.store.cache import file_sha256

    params = {**extractor.get_params(), "condition": chain}
    return cache.key(file_sha256(path), extractor.name, extractor.version, params, None)


def _extract_file(args: tuple[Any, str, list[Chain], str | None]) -> list[str | None]:
    """Extract (and cache) every chain of one file, decoding it once; a failure per chain is
    returned as its message, the others still run."""
    from affectkit.core.errors import InputError
    from affectkit.io.audio import load_audio
    from affectkit.io.conditions import apply_chain
    from affectkit.store.cache import FeatureCache

    extractor, path, chains, root = args
    cache = FeatureCache(root)
    todo = [(i, c, _key(cache, path, extractor, c)) for i, c in enumerate(chains)]
    todo = [t for t in todo if not cache.entry(extractor.name, t[2]).is_file()]
    errors: list[str | None] = [None] * len(chains)
    if not todo:
        return errors
    x, sr = load_audio(path, extractor.sr)
    for i, chain, key in todo:
        try:
            y = apply_chain(x, sr, chain)
            cache.save(extractor.name, key, extractor.extract_signal(y, sr, None, file=str(path)))
        except (InputError, ValueError) as exc:
            errors[i] = f"{path}: {exc}"
    return errors


def condition_features(paths: Sequence[str], chains: Sequence[Sequence[Chain]], extractor: Any,
                       cache_root: str | None = None, jobs: int = 1,
                       progress: Callable[[int], None] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Features of every (path, chain) pair, one row each in order (path-major), indexed by
    (path, chain number); rows that failed are NaN and their reasons are returned."""
    from affectkit.store.cache import FeatureCache

    args = [(extractor, str(p), [list(c) for c in cs], cache_root) for p, cs in zip(paths, chains)]
    errors: list[str] = []
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            for errs in pool.map(_extract_file, args, chunksize=2):
                errors += [e for e in errs if e]
                if progress:
                    progress(1)
    else:
        for a in args:
            errors += [e for e in _extract_file(a) if e]
            if progress:
                progress(1)
    cache = FeatureCache(cache_root)
    cols = extractor.columns()
    rows, index = [], []
    for p, cs in zip(paths, chains):
        for j, c in enumerate(cs):
            df = cache.load(extractor.name, _key(cache, str(p), extractor, list(c)))
            rows.append(df.to_numpy(dtype=np.float32)[0] if df is not None else np.full(len(cols), np.nan, np.float32))
            index.append((str(p), j))
    out = pd.DataFrame(np.asarray(rows, dtype=np.float32).reshape(len(rows), len(cols)), columns=cols,
                       index=pd.MultiIndex.from_tuples(index, names=["path", "chain"]))
    return out, errors
