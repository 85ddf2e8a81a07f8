"""Recording conditions applied to a signal: speed, pitch, noise, reverberation, a lossy codec,
level, length. Used to train heads that hold up off their corpus (augmentation) and to test them
under conditions they never saw (domain shift).

A condition is a small JSON-able dict, ``{"kind": "noise", "snr_db": 10, "color": "pink"}``, so
it can key a feature cache and be written into a results file; ``apply_condition`` applies one,
``apply_chain`` several in order. Randomness (noise, room impulse responses) comes only from the
``seed`` given, so the same condition on the same signal gives the same samples.

Why hand-written where it is: noise at a given SNR, a synthetic room impulse response
(exponentially decaying Gaussian noise, the usual stand-in when no measured RIRs may be
downloaded) and a gain are a few lines of numpy; speed perturbation is scipy's polyphase
resampler (Kaldi's recipe: tempo and pitch together); pitch and the codec go through FFmpeg's
own filters and encoders in PyAV (``asetrate``+``atempo``; libopus, libmp3lame, aac), the
well-kept implementations, already a dependency of every audio path.
"""
from __future__ import annotations

import io
import json
import math
from fractions import Fraction
from typing import Any, Mapping, Sequence

import numpy as np

from affectkit.core.errors import InputError

KINDS = ("clean", "speed", "pitch", "noise", "reverb", "codec", "gain", "crop", "tile")
NOISE_COLORS = {"white": 0.0, "pink": 1.0, "brown": 2.0}  # power spectrum ~ 1 / f**exponent
CODECS = {"opus": ("ogg", "libopus"), "mp3": ("mp3", "libmp3lame"), "aac": ("adts", "aac")}


def condition_name(cond: Mapping[str, Any]) -> str:
    """A short stable name, e.g. ``noise:color=pink,snr_db=10``."""
    rest = ",".join(f"{k}={cond[k]}" for k in sorted(cond) if k != "kind")
    return f"{cond.get('kind')}:{rest}" if rest else str(cond.get("kind"))


def condition_key(conds: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> str:
    """Canonical JSON of a condition or a chain (for cache keys)."""
    return json.dumps(conds, sort_keys=True, separators=(",", ":"))


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(0 if seed is None else int(seed))


def speed(x: np.ndarray, sr: int, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (tempo and pitch together), by polyphase resampling."""
    from scipy.signal import resample_poly

    if not 0.5 <= factor <= 2.0:
        raise InputError(f"speed factor must be within 0.5 and 2.0, got {factor}")
    frac = Fraction(1.0 / factor).limit_denominator(200)
    return resample_poly(np.asarray(x, dtype=np.float64), frac.numerator, frac.denominator).astype(np.float32)


def _filter(x: np.ndarray, sr: int, chain: Sequence[tuple[str, str]]) -> np.ndarray:
    """Run mono float32 samples through a chain of FFmpeg audio filters (PyAV)."""
    import av
    from av.filter import Graph

    graph = Graph()
    node = graph.add_abuffer(format="flt", sample_rate=sr, layout="mono", time_base=Fraction(1, sr))
    first = node
    for name, args in chain:
        nxt = graph.add(name, args)
        node.link_to(nxt)
        node = nxt
    sink = graph.add("abuffersink")
    node.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x, dtype=np.float32)[None, :], format="flt",
                                       layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = sr, 0, Fraction(1, sr)
    first.push(frame)
    first.push(None)
    out = []
    while True:
        try:
            out.append(sink.pull().to_ndarray().reshape(-1))
        except (av.error.BlockingIOError, av.error.EOFError):
            break
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)


def pitch(x: np.ndarray, sr: int, semitones: float) -> np.ndarray:
    """Shift the pitch by ``semitones`` keeping the tempo (FFmpeg asetrate + aresample + atempo)."""
    if abs(semitones) > 12:
        raise InputError(f"pitch shift must be within 12 semitones, got {semitones}")
    r = 2.0 ** (semitones / 12.0)
    return _filter(x, sr, [("asetrate", str(int(round(sr * r)))), ("aresample", str(sr)),
                           ("atempo", f"{1.0 / r:.6f}")])


def colored_noise(n: int, color: str, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS Gaussian noise whose power spectrum falls as 1/f**k (white 0, pink 1, brown 2)."""
    if color not in NOISE_COLORS:
        raise InputError(f"unknown noise colour {color!r}; known: {sorted(NOISE_COLORS)}")
    spec = np.fft.rfft(rng.standard_normal(max(n, 2)))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    spec *= f ** (-NOISE_COLORS[color] / 2.0)
    out = np.fft.irfft(spec, max(n, 2))[:n]
    return out / (np.sqrt(np.mean(out ** 2)) + 1e-12)


def _rms_active(x: np.ndarray) -> float:
    """RMS over the louder half of 20 ms frames: the speech, not its padding or pauses."""
    n = 320
    k = len(x) // n
    if k < 2:
        return float(np.sqrt(np.mean(np.square(x)) + 1e-20))
    e = np.mean(np.square(x[: k * n].reshape(k, n)), axis=1)
    return float(np.sqrt(np.mean(np.sort(e)[k // 2:]) + 1e-20))


def add_noise(x: np.ndarray, snr_db: float, color: str = "white", seed: int | None = None) -> np.ndarray:
    """Additive noise at ``snr_db`` against the speech's active level."""
    x = np.asarray(x, dtype=np.float64)
    noise = colored_noise(len(x), color, _rng(seed))
    return (x + noise * _rms_active(x) / 10 ** (snr_db / 20.0)).astype(np.float32)


def room_impulse_response(sr: int, rt60: float, seed: int | None = None, direct: float = 1.0) -> np.ndarray:
    """A synthetic room impulse response: a direct path, then Gaussian noise decaying by 60 dB in
    ``rt60`` seconds (low-passed slightly, as walls absorb highs), unit energy."""
    if not 0.05 <= rt60 <= 3.0:
        raise InputError(f"rt60 must be within 0.05 and 3 s, got {rt60}")
    rng = _rng(seed)
    n = int(rt60 * sr)
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * 10 ** (-3.0 * t / rt60)
    tail = np.convolve(tail, np.ones(3) / 3, mode="same")
    pre = int(0.002 * sr)  # 2 ms of nothing before the first reflections
    h = np.concatenate([[direct], np.zeros(pre), 0.5 * tail])
    return h / np.sqrt(np.sum(h ** 2))


def reverb(x: np.ndarray, sr: int, rt60: float, seed: int | None = None) -> np.ndarray:
    """Convolve with ``room_impulse_response`` and cut to the input's length plus the tail."""
    from scipy.signal import fftconvolve

    y = fftconvolve(np.asarray(x, dtype=np.float64), room_impulse_response(sr, rt60, seed))
    peak = np.max(np.abs(y)) if len(y) else 0.0
    scale = np.max(np.abs(x)) / peak if peak > 0 else 1.0
    return (y[: len(x) + int(0.3 * rt60 * sr)] * scale).astype(np.float32)


def codec(x: np.ndarray, sr: int, name: str, kbps: int) -> np.ndarray:
    """Encode with a lossy codec at ``kbps`` in memory, decode again (PyAV / FFmpeg)."""
    import av

    if name not in CODECS:
        raise InputError(f"unknown codec {name!r}; known: {sorted(CODECS)}")
    fmt, enc = CODECS[name]
    rate = 48000 if name == "opus" else (sr if name == "aac" else 16000)
    x = np.asarray(x, dtype=np.float32)
    if rate != sr:
        from scipy.signal import resample_poly

        g = math.gcd(rate, sr)
        x = resample_poly(x, rate // g, sr // g).astype(np.float32)
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(enc, rate=rate, layout="mono")
        stream.bit_rate = int(kbps * 1000)
        # PyAV converts the sample format and cuts the encoder's frame size (its resampler + FIFO)
        frame = av.AudioFrame.from_ndarray(x[None, :], format="flt", layout="mono")
        frame.sample_rate, frame.pts = rate, 0
        for pkt in stream.encode(frame):
            out.mux(pkt)
        for pkt in stream.encode(None):
            out.mux(pkt)
    buf.seek(0)
    parts = []
    with av.open(buf, "r") as inp:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
        for frame in inp.decode(audio=0):
            for f in resampler.resample(frame):
                parts.append(f.to_ndarray().reshape(-1))
        for f in resampler.resample(None):
            parts.append(f.to_ndarray().reshape(-1))
    y = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    n = int(round(len(x) * sr / rate))
    return y[:n].astype(np.float32)


def gain(x: np.ndarray, db: float, bits: int | None = 16) -> np.ndarray:
    """Change the level by ``db``, then store as a ``bits``-bit file would: clipped at full scale
    and quantised (quiet recordings lose detail, loud ones distort)."""
    y = np.clip(np.asarray(x, dtype=np.float64) * 10 ** (db / 20.0), -1.0, 1.0)
    if bits:
        q = 2 ** (bits - 1) - 1
        y = np.round(y * q) / q
    return y.astype(np.float32)


def crop(x: np.ndarray, sr: int, seconds: float, where: float = 0.5) -> np.ndarray:
    """A ``seconds`` window of the speech (from its first to last loud frame), ``where`` in [0, 1]
    placing it from the start to the end; the whole signal when it is shorter."""
    n = int(seconds * sr)
    a, b = _speech_span(x, sr)
    if b - a <= n:
        return np.asarray(x[a:b], dtype=np.float32)
    start = a + int(round((b - a - n) * min(max(where, 0.0), 1.0)))
    return np.asarray(x[start:start + n], dtype=np.float32)


def tile(x: np.ndarray, sr: int, times: int, pause: float = 0.3) -> np.ndarray:
    """The speech said ``times`` times with ``pause`` seconds between: a longer utterance with
    the same voice and emotion."""
    a, b = _speech_span(x, sr)
    part = np.asarray(x[a:b], dtype=np.float32)
    gap = np.zeros(int(pause * sr), np.float32)
    return np.concatenate([p for _ in range(max(1, int(times))) for p in (part, gap)][:-1])


def _speech_span(x: np.ndarray, sr: int, floor_db: float = 40.0) -> tuple[int, int]:
    """First and last sample of the frames within ``floor_db`` of the loudest (drops padding)."""
    n = int(0.01 * sr)
    k = len(x) // n
    if k < 2:
        return 0, len(x)
    e = 10 * np.log10(np.mean(np.square(np.asarray(x[: k * n], dtype=np.float64).reshape(k, n)), axis=1) + 1e-12)
    loud = np.flatnonzero(e >= e.max() - floor_db)
    return int(loud[0] * n), int(min(len(x), (loud[-1] + 1) * n))


def apply_condition(x: np.ndarray, sr: int, cond: Mapping[str, Any]) -> np.ndarray:
    """One condition (a dict with ``kind`` and its parameters) applied to mono float32 samples."""
    kind = cond.get("kind")
    p = {k: v for k, v in cond.items() if k != "kind"}
    try:
        if kind == "clean":
            y = np.asarray(x, dtype=np.float32)
        elif kind == "speed":
            y = speed(x, sr, float(p["factor"]))
        elif kind == "pitch":
            y = pitch(x, sr, float(p["semitones"]))
        elif kind == "noise":
            y = add_noise(x, float(p["snr_db"]), str(p.get("color", "white")), p.get("seed"))
        elif kind == "reverb":
            y = reverb(x, sr, float(p["rt60"]), p.get("seed"))
        elif kind == "codec":
            y = codec(x, sr, str(p["name"]), int(p["kbps"]))
        elif kind == "gain":
            y = gain(x, float(p["db"]), p.get("bits", 16))
        elif kind == "crop":
            y = crop(x, sr, float(p["seconds"]), float(p.get("where", 0.5)))
        elif kind == "tile":
            y = tile(x, sr, int(p["times"]), float(p.get("pause", 0.3)))
        else:
            raise InputError(f"unknown condition kind {kind!r}; known: {', '.join(KINDS)}")
    except KeyError as exc:
        raise InputError(f"condition {condition_name(cond)} lacks parameter {exc.args[0]!r}") from None
    if not np.all(np.isfinite(y)):
        raise InputError(f"condition {condition_name(cond)} gave non-finite samples")
    return y


def apply_chain(x: np.ndarray, sr: int, chain: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Conditions applied in order (e.g. speed, then a room, then a codec)."""
    for cond in chain:
        x = apply_condition(x, sr, cond)
    return x
