"""Whisper-base's audio encoder in plain PyTorch, read from the CTranslate2 model file.

Why our own forward pass: CTranslate2 only returns the encoder's last layer, and for emotion
the middle layers carry more paralinguistic information (pitch, energy, voice quality) than
the last, which is tuned for words. The weights are those of the ``asr`` extra's
Whisper-base (``store.whisper_files``); nothing is downloaded. The log-mel front end is
Whisper's own (25 ms Hann window, 10 ms hop, 80 Slaney mel bands, log10, clamped to 8 below
the maximum, scaled (x + 4) / 4).
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import torch
from torch import nn

from affectkit.core.errors import ModelError
from affectkit.core.once import once

SAMPLE_RATE = 16000
N_FFT, HOP, N_MELS = 400, 160, 80
MAX_FRAMES = 3000  # 30 s: the encoder's positional table covers 1,500 output frames
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


def _mel_filters(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
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
    """Whisper's log-mel spectrogram of 16 kHz mono audio, shape (80, frames)."""
    x = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    window = torch.hann_window(N_FFT)
    spec = torch.stft(x, N_FFT, HOP, window=window, return_complex=True, center=True, pad_mode="reflect")
    power = spec[:, :-1].abs() ** 2
    mel = torch.as_tensor(_mel_filters()) @ power
    logm = torch.clamp(mel, min=1e-10).log10()
    logm = torch.maximum(logm, logm.max() - 8.0)
    return ((logm + 4.0) / 4.0).numpy()


class WhisperEncoder(nn.Module):
    """Conv front end + pre-LayerNorm transformer layers; returns every layer's hidden states."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        super().__init__()
        w = {k.removeprefix("encoder/"): torch.as_tensor(v.astype(np.float32)) for k, v in weights.items()}
        self.n_heads = int(weights["encoder/num_heads"]) if "encoder/num_heads" in weights else 8
        self.conv1 = nn.Conv1d(w["conv1/weight"].shape[1], w["conv1/weight"].shape[0], 3, padding=1)
        self.conv2 = nn.Conv1d(w["conv2/weight"].shape[1], w["conv2/weight"].shape[0], 3, stride=2, padding=1)
        for conv, name in ((self.conv1, "conv1"), (self.conv2, "conv2")):
            conv.weight.data, conv.bias.data = w[f"{name}/weight"], w[f"{name}/bias"]
        self.register_buffer("positions", w["position_encodings/encodings"])
        n_layers = len({k.split("/")[0] for k in w if k.split("/")[0].removeprefix("layer_").isdigit()})
        self.layers = [{k.split("/", 1)[1]: v for k, v in w.items() if k.startswith(f"layer_{i}/")}
                       for i in range(n_layers)]
        self.final_norm = (w["layer_norm/gamma"], w["layer_norm/beta"])

    @staticmethod
    def _norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        return nn.functional.layer_norm(x, (x.shape[-1],), gamma, beta, eps=1e-5)

    def _layer(self, x: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
        b, t, d = x.shape
        h = self._norm(x, p["self_attention/layer_norm/gamma"], p["self_attention/layer_norm/beta"])
        qkv = nn.functional.linear(h, p["self_attention/linear_0/weight"], p["self_attention/linear_0/bias"])
        q, k, v = qkv.view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        att = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, d)
        x = x + nn.functional.linear(att, p["self_attention/linear_1/weight"], p["self_attention/linear_1/bias"])
        h = self._norm(x, p["ffn/layer_norm/gamma"], p["ffn/layer_norm/beta"])
        h = nn.functional.gelu(nn.functional.linear(h, p["ffn/linear_0/weight"], p["ffn/linear_0/bias"]))
        return x + nn.functional.linear(h, p["ffn/linear_1/weight"], p["ffn/linear_1/bias"])

    @torch.no_grad()
    def forward(self, mel: torch.Tensor, n_layers: int | None = None) -> list[torch.Tensor]:
        """``mel`` (batch, 80, even frames ≤ 3000) -> hidden states after each of the first
        ``n_layers`` layers (all by default), (batch, frames / 2, 512); the last layer's has the
        final LayerNorm applied, as the decoder sees it."""
        if mel.shape[-1] > MAX_FRAMES or mel.shape[-1] < 2:
            raise ValueError(f"the encoder takes 2 to {MAX_FRAMES} mel frames, got {mel.shape[-1]}")
        x = nn.functional.gelu(self.conv1(mel))
        x = nn.functional.gelu(self.conv2(x)).transpose(1, 2)
        x = x + self.positions[: x.shape[1]]
        states = []
        for p in self.layers[:n_layers]:
            x = self._layer(x, p)
            states.append(x)
        if len(states) == len(self.layers):
            states[-1] = self._norm(x, *self.final_norm)
        return states


@once
def load_encoder() -> WhisperEncoder:
    """The Whisper-base encoder of the ``asr`` extra, built once per process."""
    from affectkit.store.whisper_files import whisper_model_dir

    return WhisperEncoder(read_ct2_variables(whisper_model_dir() / "model.bin")).eval()
