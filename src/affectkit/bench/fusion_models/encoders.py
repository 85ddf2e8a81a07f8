"""Per-modality encoders and masking helpers shared by the fusion models.

A vector modality ([B, D]) goes through a small MLP; a sequence modality ([B, T, D], padded at the
end) goes through a GRU, a 1-D convolution or a plain mean, then masked mean pooling over its valid
time steps. Every encoder returns one [B, hidden] vector per sample; what it returns for a missing
modality is meaningless, and the fusion models ignore it through the presence mask.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

SEQ_ENCODERS = ("gru", "conv", "mean")


@dataclass(frozen=True)
class ModalitySpec:
    """What a fitted model knows about one modality: its name, feature size and whether it is a
    sequence."""

    name: str
    dim: int
    is_seq: bool


def masked_mean(x: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``x`` [B, T, H] over the steps where ``mask`` [B, T] is True; zeros where none is."""
    m = mask.unsqueeze(-1).to(x.dtype)
    return (x * m).sum(1) / m.sum(1).clamp(min=1.0)


def sinusoidal_positions(length: int, dim: int, device: torch.device | None = None) -> Tensor:
    """Fixed sine/cosine position embeddings [length, dim] (Vaswani et al. 2017), as in MulT."""
    pos = torch.arange(length, dtype=torch.float32, device=device).unsqueeze(1)
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=device) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim, device=device)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)[:, : dim // 2]
    return pe


def safe_key_mask(mask: Tensor) -> Tensor:
    """A key padding mask (True = ignore) from a validity mask (True = valid) that never hides every
    key of a sample: an empty sample keeps its first step, so attention stays finite. The caller
    zeroes whatever such a sample produces."""
    pad = ~mask
    empty = pad.all(dim=1)
    if bool(empty.any()):
        pad = pad.clone()
        pad[empty, 0] = False
    return pad


class VectorEncoder(nn.Module):
    """[B, D] -> [B, H]: two linear layers with ReLU and dropout."""

    def __init__(self, dim: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, hidden), nn.ReLU())

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return self.net(x)


class SequenceEncoder(nn.Module):
    """[B, T, D] + valid-step mask [B, T] -> [B, H]: GRU, 1-D conv or a linear layer per step,
    then masked mean pooling over the valid steps (padding sits at the end, so a GRU's outputs at
    valid steps never saw the padding)."""

    def __init__(self, dim: int, hidden: int, dropout: float, kind: str = "gru") -> None:
        super().__init__()
        self.kind = kind
        if kind == "gru":
            self.rnn = nn.GRU(dim, hidden, batch_first=True)
        elif kind == "conv":
            self.conv1 = nn.Conv1d(dim, hidden, 3, padding=1)
            self.conv2 = nn.Conv1d(hidden, hidden, 3, padding=1)
        elif kind == "mean":
            self.proj = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU())
        else:  # validated by the estimator; kept as a guard for direct use
            raise ValueError(f"unknown sequence encoder {kind!r}; known: {', '.join(SEQ_ENCODERS)}")
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU())

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if mask is None:
            mask = torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
        if self.kind == "gru":
            h, _ = self.rnn(x)
        elif self.kind == "conv":
            keep = mask.unsqueeze(1).to(x.dtype)  # [B, 1, T]: padding stays zero between layers
            h = torch.relu(self.conv1(x.transpose(1, 2) * keep)) * keep
            h = torch.relu(self.conv2(h)).transpose(1, 2)
        else:
            h = self.proj(x)
        return self.out(masked_mean(h, mask))


def make_encoder(spec: ModalitySpec, hidden: int, dropout: float, seq_encoder: str) -> nn.Module:
    """The encoder for one modality: an MLP for vectors, ``seq_encoder`` for sequences."""
    if spec.is_seq:
        return SequenceEncoder(spec.dim, hidden, dropout, seq_encoder)
    return VectorEncoder(spec.dim, hidden, dropout)


def mlp_head(dim_in: int, hidden: int, out: int, dropout: float) -> nn.Sequential:
    """The prediction head every model ends with: Linear-ReLU-Dropout-Linear."""
    return nn.Sequential(nn.Linear(dim_in, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, out))
