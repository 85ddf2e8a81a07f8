"""Frame-level voice tracks in numpy: YIN pitch, band levels and syllable nuclei.

YIN (de Cheveigné & Kawahara, 2002) is vectorised over frames with FFT cross-correlation,
so a minute of audio takes well under a second on one core with no extra dependency.
Syllable nuclei follow de Jong & Wempe (2009): voiced intensity peaks separated by a dip.
Frame i is centred at ``i * hop`` seconds, as in ``segment.vad.frame_db``.
"""
from __future__ import annotations

import numpy as np

SEMITONE_REF_HZ = 27.5  # eGeMAPS' reference for F0 in semitones


def hz_to_semitones(f0: np.ndarray | float) -> np.ndarray:
    """Semitones above 27.5 Hz (the eGeMAPS convention); NaN stays NaN."""
    return 12.0 * np.log2(np.asarray(f0, dtype=np.float64) / SEMITONE_REF_HZ)


def yin(x: np.ndarray, sr: int, *, fmin: float = 60.0, fmax: float = 500.0, hop: float = 0.01,
        threshold: float = 0.15, voicing: float = 0.25, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """F0 per frame in Hz (NaN where unvoiced) and YIN's aperiodicity (0 = periodic, 1 = noise).

    A frame is voiced when its aperiodicity at the chosen lag is below ``voicing``."""
    if not 0 < fmin < fmax < sr / 2:
        raise ValueError(f"need 0 < fmin < fmax < sr/2, got fmin={fmin}, fmax={fmax}, sr={sr}")
    x = np.asarray(x, dtype=np.float64)
    tau_min, tau_max = max(int(sr / fmax), 2), int(np.ceil(sr / fmin))
    w = tau_max                      # integration window: one longest period
    length = w + tau_max + 1
    nfft = 1 << int(np.ceil(np.log2(length)))
    h = max(int(round(hop * sr)), 1)
    n_frames = len(x) // h + 1
    pad = np.pad(x, (length // 2, length))
    f0 = np.full(n_frames, np.nan)
    aper = np.ones(n_frames)
    taus = np.arange(tau_max + 1)
    for c0 in range(0, n_frames, chunk):
        idx = np.arange(c0, min(c0 + chunk, n_frames))
        frames = pad[idx[:, None] * h + np.arange(length)[None, :]]
        frames = frames - frames.mean(axis=1, keepdims=True)
        spec = np.fft.rfft(frames, nfft)
        head = np.fft.rfft(frames[:, :w], nfft)
        ac = np.fft.irfft(np.conj(head) * spec, nfft)[:, : tau_max + 1]
        cs = np.concatenate([np.zeros((len(idx), 1)), np.cumsum(frames ** 2, axis=1)], axis=1)
        energy = cs[:, taus + w] - cs[:, taus]                  # sum of x[tau : tau + w]^2
        d = np.maximum(energy[:, :1] + energy - 2 * ac, 0.0)    # YIN difference function
        cum = np.cumsum(d[:, 1:], axis=1)
        cmnd = np.ones_like(d)
        cmnd[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(cum, 1e-12)
        rng = cmnd[:, tau_min: tau_max]
        below = rng < threshold
        first = np.where(below.any(axis=1), below.argmax(axis=1), rng.argmin(axis=1))
        # walk down to the bottom of the dip that first crosses the threshold
        while True:
            nxt = np.minimum(first + 1, rng.shape[1] - 1)
            move = rng[np.arange(len(idx)), nxt] < rng[np.arange(len(idx)), first]
            if not move.any():
                break
            first = np.where(move, nxt, first)
        tau = first + tau_min
        rows = np.arange(len(idx))
        a = cmnd[rows, tau]
        # parabolic interpolation of the lag
        left, right = cmnd[rows, tau - 1], cmnd[rows, np.minimum(tau + 1, tau_max)]
        denom = left - 2 * a + right
        shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
        period = tau + np.clip(shift, -1, 1)
        voiced = (a < voicing) & (energy[:, 0] > 1e-10)
        f0[idx] = np.where(voiced, sr / period, np.nan)
        aper[idx] = np.clip(a, 0, 1)
    f0[(f0 < fmin) | (f0 > fmax)] = np.nan
    return _drop_short_runs(f0, 3), aper


def _drop_short_runs(f0: np.ndarray, min_len: int) -> np.ndarray:
    """Unvoice voiced runs shorter than ``min_len`` frames (isolated octave errors, clicks)."""
    voiced = ~np.isnan(f0)
    d = np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]]))
    out = f0.copy()
    for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
        if b - a < min_len:
            out[a:b] = np.nan
    return out


def band_level_db(x: np.ndarray, sr: int, lo: float = 300.0, hi: float = 2500.0,
                  frame: float = 0.03, hop: float = 0.01) -> np.ndarray:
    """Level (dB) of the ``lo``..``hi`` Hz band per Hann-windowed frame. The vowel band dips
    more between syllables than the broad-band level does (nasals and voiced stops are low)."""
    n, h = max(int(round(frame * sr)), 2), max(int(round(hop * sr)), 1)
    pad = np.pad(np.asarray(x, dtype=np.float64), (n // 2, n // 2))
    count = max(1 + (len(pad) - n) // h, 0)
    freqs = np.fft.rfftfreq(n, 1 / sr)
    band = (freqs >= lo) & (freqs <= hi)
    win = np.hanning(n)
    out = np.empty(count)
    for c0 in range(0, count, 4096):
        idx = np.arange(c0, min(c0 + 4096, count))
        spec = np.abs(np.fft.rfft(pad[idx[:, None] * h + np.arange(n)] * win, axis=1)) ** 2
        out[idx] = spec[:, band].sum(axis=1) / n
    return np.maximum(10 * np.log10(np.maximum(out, 1e-30)), -100.0)


def syllable_nuclei(levels: np.ndarray, f0: np.ndarray, min_level: float, dip_db: float = 2.0,
                    smooth: int = 1) -> np.ndarray:
    """Frame indices of syllable nuclei: peaks of the smoothed level (dB) at or above
    ``min_level``, voiced, and separated from the previous nucleus by a dip of ``dip_db``."""
    if len(levels) < 3:
        return np.zeros(0, dtype=int)
    k = np.ones(smooth) / smooth
    lv = np.convolve(np.pad(levels, (smooth // 2, smooth - 1 - smooth // 2), mode="edge"), k, mode="valid")
    n = min(len(lv), len(f0))
    lv, voiced = lv[:n], ~np.isnan(f0[:n])
    near_voiced = np.convolve(voiced.astype(float), np.ones(5), mode="same") > 0
    cand = np.flatnonzero((lv[1:-1] > lv[:-2]) & (lv[1:-1] >= lv[2:])) + 1
    cand = cand[(lv[cand] >= min_level) & near_voiced[cand]]
    kept: list[int] = []
    for p in cand:
        if not kept:
            kept.append(int(p))
            continue
        q = kept[-1]
        dip = lv[q:p + 1].min()
        if min(lv[q], lv[p]) - dip >= dip_db:
            kept.append(int(p))
        elif lv[p] > lv[q]:
            kept[-1] = int(p)
    return np.asarray(kept, dtype=int)
