"""A MulT-style cross-modal transformer (Tsai et al., ACL 2019), small for the CPU.

Each modality's sequence is projected to ``d_model`` with fixed sinusoidal positions. For every
ordered pair (source -> target) a cross-modal transformer lets the target's steps attend to the
source's steps (queries from the target, keys/values from the source, the source's padding
masked), ``n_layers`` pre-norm blocks deep. Each target concatenates what it gathered from the
other modalities, runs one self-attention block over it (MulT's "memory" transformer), and is
pooled over its valid steps; the pooled targets, with the presence flags, feed an MLP. Sequences
stay unaligned (any lengths); a vector modality is a sequence of one step.

Missing modalities: a missing source adds nothing to its target (its attention output is zeroed,
the residual path carries the target on), a missing target is zeroed before the head.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from affectkit.core.errors import InputError
from affectkit.bench.fusion_models import FUSION_MODELS
from affectkit.bench.fusion_models.base import FusionEstimator, FusionNet
from affectkit.bench.fusion_models.encoders import (ModalitySpec, masked_mean, mlp_head,
                                                        safe_key_mask, sinusoidal_positions)


class CrossBlock(nn.Module):
    """One pre-norm transformer block whose queries come from the target and keys/values from
    the source (the same sequence for self-attention)."""

    def __init__(self, d: int, heads: int, dropout: float, attn_dropout: float) -> None:
        super().__init__()
        self.ln_q, self.ln_kv, self.ln_ff = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, dropout=attn_dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Dropout(dropout), nn.Linear(4 * d, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, q: Tensor, kv: Tensor, key_pad: Tensor, src_present: Tensor) -> Tensor:
        kv = self.ln_kv(kv)
        a, _ = self.attn(self.ln_q(q), kv, kv, key_padding_mask=key_pad, need_weights=False)
        q = q + self.drop(a) * src_present.view(-1, 1, 1)
        return q + self.drop(self.ff(self.ln_ff(q)))


class CrossTransformer(nn.Module):
    def __init__(self, d: int, heads: int, layers: int, dropout: float, attn_dropout: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(CrossBlock(d, heads, dropout, attn_dropout) for _ in range(layers))
        self.ln = nn.LayerNorm(d)

    def forward(self, q: Tensor, kv: Tensor, key_pad: Tensor, src_present: Tensor) -> Tensor:
        for blk in self.blocks:
            q = blk(q, kv, key_pad, src_present)  # the source stays the low-level one, as in MulT
        return self.ln(q)


class MulTNet(FusionNet):
    def __init__(self, specs: list[ModalitySpec], d: int, heads: int, layers: int, dropout: float,
                 attn_dropout: float, hidden: int, n_out: int) -> None:
        super().__init__()
        self.m = len(specs)
        self.d = d
        self.proj = nn.ModuleList(nn.Linear(s.dim, d) for s in specs)
        self.embed_drop = nn.Dropout(dropout)
        pairs = [(t, s) for t in range(self.m) for s in range(self.m) if s != t]
        self.pairs = pairs
        self.cross = nn.ModuleDict({f"{s}to{t}": CrossTransformer(d, heads, layers, dropout, attn_dropout)
                                    for t, s in pairs})
        width = d * max(self.m - 1, 1)
        self.memory = nn.ModuleList(CrossTransformer(width, heads, 1, dropout, attn_dropout) for _ in specs)
        self.head = mlp_head(self.m * (width + 1), hidden, n_out, dropout)

    def forward(self, xs: list[Tensor], masks: list[Tensor | None], present: Tensor) -> tuple[Tensor, None]:
        p = present.to(xs[0].dtype)
        seqs, valid = [], []
        for i, (proj, x, m) in enumerate(zip(self.proj, xs, masks)):
            if m is None:  # a vector is a one-step sequence
                x, m = x.unsqueeze(1), present[:, i:i + 1]
            h = proj(x) * math.sqrt(self.d) + sinusoidal_positions(x.shape[1], self.d, x.device)
            seqs.append(self.embed_drop(h))
            valid.append(m & present[:, i:i + 1])
        pads = [safe_key_mask(v) for v in valid]
        pooled = []
        for t in range(self.m):
            if self.m == 1:
                gathered = seqs[t]
            else:
                gathered = torch.cat([self.cross[f"{s}to{t}"](seqs[t], seqs[s], pads[s], p[:, s])
                                      for s in range(self.m) if s != t], dim=-1)
            mem = self.memory[t](gathered, gathered, pads[t], p[:, t])
            pooled.append(masked_mean(mem, valid[t]) * p[:, t:t + 1])
        return self.head(torch.cat([*pooled, p], dim=1)), None


@FUSION_MODELS.register("mult")
class MulT(FusionEstimator):
    """MulT-style cross-modal transformer. Own parameters: ``d_model`` (width of each modality's
    stream), ``n_heads`` (must divide d_model), ``n_layers`` (blocks per cross-modal transformer),
    ``attn_dropout`` (dropout on the attention weights; 0 by default: on the CPU it cost a third
    of the training time, the other dropouts stay).
    ``hidden`` sizes the final MLP; ``seq_encoder`` is unused (the transformer reads the
    sequences). Other parameters: those of :class:`FusionEstimator`."""

    name = "mult"

    def __init__(self, *, d_model: int = 32, n_heads: int = 4, n_layers: int = 2, attn_dropout: float = 0.0,
                 task: str = "auto",
                 hidden: int = 32, seq_encoder: str = "gru",
                 dropout: float = 0.1, modality_dropout: float = 0.15, loss: str = "l1",
                 lr: float = 1e-3, weight_decay: float = 1e-4, max_epochs: int = 50,
                 batch_size: int = 64, validation_fraction: float = 0.1, patience: int = 8,
                 random_state: int | None = 0, device: str = "cpu", verbose: bool = False) -> None:
        super().__init__(task=task, hidden=hidden, seq_encoder=seq_encoder, dropout=dropout,
                         modality_dropout=modality_dropout, loss=loss, lr=lr, weight_decay=weight_decay,
                         max_epochs=max_epochs, batch_size=batch_size,
                         validation_fraction=validation_fraction, patience=patience,
                         random_state=random_state, device=device, verbose=verbose)
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.attn_dropout = attn_dropout

    def _check_model_params(self) -> None:
        for k in ("d_model", "n_heads", "n_layers"):
            v = getattr(self, k)
            if not (isinstance(v, int) and v >= 1):
                raise InputError(f"MulT: {k} must be a positive int, got {v!r}")
        if isinstance(self.attn_dropout, bool) or not isinstance(self.attn_dropout, (int, float)) \
                or not 0 <= self.attn_dropout < 1:
            raise InputError(f"MulT: attn_dropout must be in [0, 1), got {self.attn_dropout!r}")
        if self.d_model % self.n_heads:
            raise InputError(f"MulT: n_heads ({self.n_heads}) must divide d_model ({self.d_model})")

    def _build_net(self, specs: list[ModalitySpec], n_out: int) -> FusionNet:
        return MulTNet(specs, self.d_model, self.n_heads, self.n_layers, self.dropout, self.attn_dropout,
                       self.hidden, n_out)
