"""Whisper-base's audio encoder in plain PyTorch: the reference that the ONNX graphs are exported
from (``train.export_onnx``) and the ``backend="torch"`` path kept for comparisons in ``bench/``.

Needs the ``train`` extra. The modules hold the CTranslate2 variables under their own names
(``conv1/weight``, ``self_attention/linear_0/weight``, ...), so an exported graph's parameters
are named ``w.<CTranslate2 name>`` and the ONNX Runtime path supplies them from ``model.bin``
without a name table. See ``whisper_encoder`` for the model and the log-mel front end.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from affectkit.perceive.whisper_encoder import (FRONT, HOP, LAYER, LAYER_NORM_EPS, N_FFT, check_frames,
                                                count_layers, mel_filters)


def _params(weights: dict[str, np.ndarray], names) -> nn.ParameterDict:
    return nn.ParameterDict({n: nn.Parameter(torch.as_tensor(np.asarray(weights[n], dtype=np.float32)),
                                             requires_grad=False) for n in names})


class Front(nn.Module):
    """log-mel (batch, 80, frames) -> two GELU convolutions (the second halves time) plus the
    sinusoidal positions: (batch, frames / 2, 512)."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.w = _params(weights, FRONT)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        w = self.w
        x = nn.functional.gelu(nn.functional.conv1d(mel, w["conv1/weight"], w["conv1/bias"], padding=1))
        x = nn.functional.gelu(nn.functional.conv1d(x, w["conv2/weight"], w["conv2/bias"], stride=2, padding=1))
        x = x.transpose(1, 2)
        return x + w["position_encodings/encodings"][: x.shape[1]]


class Layer(nn.Module):
    """One pre-LayerNorm transformer layer (self-attention, then a GELU feed-forward)."""

    def __init__(self, weights: dict[str, np.ndarray], n_heads: int) -> None:
        super().__init__()
        self.w = _params(weights, LAYER)
        self.n_heads = n_heads

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        gamma = self.w[f"{name}/gamma"]  # its shape, not x's: a static size for the export
        return nn.functional.layer_norm(x, tuple(gamma.shape), gamma, self.w[f"{name}/beta"], eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.w
        b, t, d = x.shape
        h = self._norm(x, "self_attention/layer_norm")
        qkv = nn.functional.linear(h, w["self_attention/linear_0/weight"], w["self_attention/linear_0/bias"])
        q, k, v = qkv.view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4).unbind(0)
        att = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, d)
        x = x + nn.functional.linear(att, w["self_attention/linear_1/weight"], w["self_attention/linear_1/bias"])
        h = self._norm(x, "ffn/layer_norm")
        h = nn.functional.gelu(nn.functional.linear(h, w["ffn/linear_0/weight"], w["ffn/linear_0/bias"]))
        return x + nn.functional.linear(h, w["ffn/linear_1/weight"], w["ffn/linear_1/bias"])


class TorchWhisperEncoder(nn.Module):
    """Front end + layers, called like ``whisper_encoder.WhisperEncoder`` (numpy in and out)."""

    def __init__(self, weights: dict[str, np.ndarray], n_heads: int) -> None:
        super().__init__()
        self.front = Front(weights)
        n_layers = count_layers(weights)
        self.layers = nn.ModuleList(
            Layer({k.split("/", 1)[1]: v for k, v in weights.items() if k.startswith(f"layer_{i}/")}, n_heads)
            for i in range(n_layers))
        self.final_norm = (torch.as_tensor(np.asarray(weights["layer_norm/gamma"], dtype=np.float32)),
                           torch.as_tensor(np.asarray(weights["layer_norm/beta"], dtype=np.float32)))

    @torch.no_grad()
    def __call__(self, mel: np.ndarray, n_layers: int | None = None) -> list[np.ndarray]:
        check_frames(mel)
        x = self.front(torch.as_tensor(np.asarray(mel, dtype=np.float32)))
        states = []
        for layer in list(self.layers)[:n_layers]:
            x = layer(x)
            states.append(x)
        if len(states) == len(self.layers):
            states[-1] = nn.functional.layer_norm(x, (x.shape[-1],), *self.final_norm, eps=LAYER_NORM_EPS)
        return [s.numpy() for s in states]


def log_mel_torch(audio: np.ndarray) -> np.ndarray:
    """``whisper_encoder.log_mel`` on torch.stft: the reference the numpy front end is checked against."""
    x = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    spec = torch.stft(x, N_FFT, HOP, window=torch.hann_window(N_FFT), return_complex=True, center=True,
                      pad_mode="reflect")
    power = spec[:, :-1].abs() ** 2
    logm = torch.clamp(torch.as_tensor(mel_filters()) @ power, min=1e-10).log10()
    logm = torch.maximum(logm, logm.max() - 8.0)
    return ((logm + 4.0) / 4.0).numpy()

