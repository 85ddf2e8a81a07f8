"""Whisper-base's audio encoder on ONNX Runtime, its weights read from the CTranslate2 model file.

Why our own forward pass: CTranslate2 only returns the encoder's last layer, and for emotion
the middle layers carry more paralinguistic information (pitch, energy, voice quality) than
the last, which is tuned for words. The weights are those of the ``voice`` / ``asr`` extras'
Whisper-base (``store.whisper_files``); nothing is downloaded. The graphs are the package's
``graphs/whisper_front.onnx`` (the two convolutions and the positions) and
``graphs/whisper_layer.onnx`` (one transformer layer, a session per layer with that layer's
weights), built by ``python -m affectkit.train.export_onnx`` from ``whisper_torch``, which is
also the ``backend="torch"`` path. The log-mel front end is Whisper's own (25 ms periodic Hann
window, 10 ms hop, 80 Slaney mel bands, log10, clamped to 8 below the maximum, scaled
(x + 4) / 4), in numpy.
"""
from __future__ import annotations

import functools
import struct
import threading
from pathlib import Path

import numpy as np

from affectkit.core.errors import ModelError
from affectkit.core.once import once

SAMPLE_RATE = 16000
N_FFT, HOP, N_MELS = 400, 160, 80
MAX_FRAMES = 3000  # 30 s: the encoder's positional table covers 1,500 output frames
WIDTH, HEADS = 512, 8  # Whisper-base; the layer graph's attention reshapes are built for these
LAYER_NORM_EPS = 1e-5
GRAPHS = Path(__file__).resolve().parent / "graphs"
# the CTranslate2 variables (under "encoder/") of the front end and of each layer ("layer_{i}/...")
FRONT = ("conv1/weight", "conv1/bias", "conv2/weight", "conv2/bias", "position_encodings/encodings")
LAYER = tuple(f"{block}/{part}" for block in ("self_attention", "ffn")
              for part in ("layer_norm/gamma", "layer_norm/beta", "linear_0/weight", "linear_0/bias",
                           "linear_1/weight", "linear_1/bias"))
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2_variables(path: str | Path, prefix: str = "encoder/") -> dict[str, np.ndarray]:
    """The named arrays of a CTranslate2 ``model.bin`` whose names start with ``prefix``."""
    out: dict[str, np.ndarray] = {}
    with open(path, "rb") as fh:
        def unpack(fmt: str):
            return struct.unpack(fmt, fh.read(struct.calcsize(fmt)))

        def string() -> str:
            (n,) = unpack("H")
            return fh.read(n)[:-1].decode("utf-8")

        (version,) = unpack("I")
        if version < 5:
            raise ModelError(f"{path}: CTranslate2 binary version {version} is not supported")
        string()
        unpack("I")
        (count,) = unpack("I")
        for _ in range(count):
            name = string()
            (rank,) = unpack("B")
            dims = unpack("I" * rank) if rank else ()
            (dtype,) = unpack("B")
            (nbytes,) = unpack("I")
            if not name.startswith(prefix):
                fh.seek(nbytes, 1)
                continue
            if dtype not in _DTYPES:
                raise ModelError(f"{path}: variable {name} has an unsupported dtype id {dtype}")
            out[name] = np.frombuffer(fh.read(nbytes), dtype=_DTYPES[dtype]).reshape(dims)
    if not out:
        raise ModelError(f"{path}: no variables under {prefix!r}; is this a Whisper model?")
    return out


@functools.lru_cache(maxsize=4)
def mel_filters(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Slaney-style mel filterbank (area-normalised), shape (n_mels, n_fft // 2 + 1), as Whisper uses."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0

    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fft_freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights.astype(np.float32)


def log_mel(audio: np.ndarray) -> np.ndarray:
    """Whisper's log-mel spectrogram of 16 kHz mono audio, float32 (80, frames): centred frames
    (reflect padding), the last frame dropped, as ``torch.stft`` and Whisper compute it."""
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 1 or len(x) <= N_FFT // 2:
        raise ValueError(f"log_mel takes mono audio of more than {N_FFT // 2} samples, got shape {x.shape}")
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic, as torch.hann_window
    power = np.abs(np.fft.rfft(frames[:-1] * window, axis=-1)) ** 2
    logm = np.log10(np.maximum(mel_filters().astype(np.float64) @ power.T, 1e-10))
    logm = np.maximum(logm, logm.max() - 8.0)
    return ((logm + 4.0) / 4.0).astype(np.float32)


def count_layers(weights: dict[str, np.ndarray]) -> int:
    """How many ``layer_{i}/`` blocks the variables hold (``layer_norm/`` is the final norm)."""
    return len({k.split("/")[0] for k in weights if k.split("/")[0].removeprefix("layer_").isdigit()})


def check_frames(mel: np.ndarray) -> None:
    if mel.ndim != 3 or mel.shape[1] != N_MELS or not 2 <= mel.shape[-1] <= MAX_FRAMES:
        raise ValueError(f"the encoder takes (batch, {N_MELS}, 2 to {MAX_FRAMES} frames) log-mel, got {mel.shape}")


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    x64 = x.astype(np.float64)
    mean = x64.mean(-1, keepdims=True)
    out = (x64 - mean) / np.sqrt(x64.var(-1, keepdims=True) + LAYER_NORM_EPS)
    return (out * gamma + beta).astype(np.float32)


class WhisperEncoder:
    """Front end + pre-LayerNorm transformer layers on ONNX Runtime; ``encoder(mel, n_layers)``
    gives every layer's hidden states. Each session is built on first use and kept, so a caller
    that needs the first four layers never loads the last two."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        w = {k.removeprefix("encoder/"): v for k, v in weights.items()}
        heads = int(w.pop("num_heads", HEADS))
        self.n_layers = count_layers(w)
        missing = [n for n in FRONT + ("layer_norm/gamma", "layer_norm/beta") if n not in w]
        missing += [f"layer_{i}/{n}" for i in range(self.n_layers) for n in LAYER if f"layer_{i}/{n}" not in w]
        if missing or not self.n_layers:
            raise ModelError(f"the Whisper encoder weights lack {missing[:3] or 'layers'}")
        if heads != HEADS or w["conv1/bias"].shape != (WIDTH,):
            raise ModelError(f"the encoder graphs are Whisper-base's ({WIDTH} wide, {HEADS} heads); "
                             f"these weights are {w['conv1/bias'].shape[0]} wide with {heads} heads")
        self._w = w
        self._final = (np.asarray(w["layer_norm/gamma"], np.float32), np.asarray(w["layer_norm/beta"], np.float32))
        self._sessions: dict[int, object] = {}
        self._lock = threading.Lock()

    def _session(self, i: int):
        """Layer ``i``'s session, or the front end's for ``i = -1``."""
        from affectkit.perceive.ort import session

        with self._lock:
            if i not in self._sessions:
                if i < 0:
                    graph, weights = "whisper_front.onnx", {n: self._w[n] for n in FRONT}
                else:
                    graph, weights = "whisper_layer.onnx", {n: self._w[f"layer_{i}/{n}"] for n in LAYER}
                self._sessions[i] = session(GRAPHS / graph, {f"w.{n}": v for n, v in weights.items()})
            return self._sessions[i]

    def __call__(self, mel: np.ndarray, n_layers: int | None = None) -> list[np.ndarray]:
        """``mel`` (batch, 80, frames: 2 to 3000, even) -> hidden states after each of the first
        ``n_layers`` layers (all by default), float32 (batch, frames / 2, 512); the last layer's
        has the final LayerNorm applied, as the decoder sees it."""
        mel = np.ascontiguousarray(mel, dtype=np.float32)
        check_frames(mel)
        x = self._session(-1).run(None, {"mel": mel})[0]
        states = []
        for i in range(self.n_layers if n_layers is None else min(n_layers, self.n_layers)):
            x = self._session(i).run(None, {"hidden": x})[0]
            states.append(x)
        if len(states) == self.n_layers:
            states[-1] = layer_norm(x, *self._final)
        return states


def encoder_weights() -> dict[str, np.ndarray]:
    """The encoder's CTranslate2 variables from the Whisper-base model the extras ship."""
    from affectkit.store.whisper_files import whisper_model_dir

    return read_ct2_variables(whisper_model_dir() / "model.bin")


def load_encoder(backend: str | None = None):
    """The Whisper-base encoder, built once per process and backend ("onnx" by default, or
    "torch": ``whisper_torch``, which needs the ``train`` extra; see ``perceive.ort.backend``)."""
    from affectkit.perceive.ort import backend as pick

    return _load(pick(backend))


@once
def _load(backend: str):
    if backend == "torch":
        from affectkit.perceive.whisper_torch import TorchWhisperEncoder

        weights = encoder_weights()
        return TorchWhisperEncoder({k.removeprefix("encoder/"): v for k, v in weights.items()},
                                   int(weights.get("encoder/num_heads", HEADS))).eval().requires_grad_(False)
    return WhisperEncoder(encoder_weights())


def log_mel_for(backend: str | None = None):
    """The log-mel function of ``backend``: numpy (onnx), or torch.stft (torch, for comparisons)."""
    from affectkit.perceive.ort import backend as pick

    if pick(backend) == "torch":
        from affectkit.perceive.whisper_torch import log_mel_torch

        return log_mel_torch
    return log_mel
