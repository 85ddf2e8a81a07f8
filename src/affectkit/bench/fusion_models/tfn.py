"""Tensor Fusion Network (Zadeh et al., EMNLP 2017): each modality's encoding, with a constant 1
appended, enters a multi-way outer product, so the fused tensor holds the unimodal, bimodal and
trimodal interactions; an MLP reads it. A missing modality contributes [1, 0, ..., 0], which keeps
exactly the interactions of the modalities present."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from affectkit.core.errors import InputError
from affectkit.bench.fusion_models import FUSION_MODELS
from affectkit.bench.fusion_models.base import FusionEstimator, FusionNet
from affectkit.bench.fusion_models.encoders import ModalitySpec, make_encoder

MAX_TENSOR = 2_000_000  # entries of the fused tensor per sample


class TFNNet(FusionNet):
    def __init__(self, specs: list[ModalitySpec], hidden: int, dropout: float, seq_encoder: str,
                 n_out: int, tfn_dim: int) -> None:
        super().__init__()
        self.encoders = nn.ModuleList(make_encoder(s, hidden, dropout, seq_encoder) for s in specs)
        self.reduce = nn.ModuleList(nn.Sequential(nn.Linear(hidden, tfn_dim), nn.ReLU()) for _ in specs)
        size = (tfn_dim + 1) ** len(specs)
        self.post = nn.Sequential(nn.Dropout(dropout), nn.Linear(size, hidden), nn.ReLU(),
                                  nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_out))

    def forward(self, xs: list[Tensor], masks: list[Tensor | None], present: Tensor) -> tuple[Tensor, None]:
        p = present.to(xs[0].dtype)
        fused = None
        for i, (enc, red, x, m) in enumerate(zip(self.encoders, self.reduce, xs, masks)):
            z = red(enc(x, m)) * p[:, i:i + 1]
            z = torch.cat([torch.ones_like(z[:, :1]), z], dim=1)
            fused = z if fused is None else (fused.unsqueeze(2) * z.unsqueeze(1)).flatten(1)
        return self.post(fused), None


@FUSION_MODELS.register("tfn")
class TFN(FusionEstimator):
    """Tensor Fusion Network. Own parameter: ``tfn_dim``, the size each modality is reduced to
    before the outer product (the fused tensor has (tfn_dim + 1) ** n_modalities entries).
    Other parameters: those of :class:`FusionEstimator`."""

    name = "tfn"

    def __init__(self, *, tfn_dim: int = 16, task: str = "auto", hidden: int = 32, seq_encoder: str = "gru",
                 dropout: float = 0.1, modality_dropout: float = 0.15, loss: str = "l1",
                 lr: float = 1e-3, weight_decay: float = 1e-4, max_epochs: int = 50,
                 batch_size: int = 64, validation_fraction: float = 0.1, patience: int = 8,
                 random_state: int | None = 0, device: str = "cpu", verbose: bool = False) -> None:
        super().__init__(task=task, hidden=hidden, seq_encoder=seq_encoder, dropout=dropout,
                         modality_dropout=modality_dropout, loss=loss, lr=lr, weight_decay=weight_decay,
                         max_epochs=max_epochs, batch_size=batch_size,
                         validation_fraction=validation_fraction, patience=patience,
                         random_state=random_state, device=device, verbose=verbose)
        self.tfn_dim = tfn_dim

    def _check_model_params(self) -> None:
        if not (isinstance(self.tfn_dim, int) and self.tfn_dim >= 1):
            raise InputError(f"TFN: tfn_dim must be a positive int, got {self.tfn_dim!r}")

    def _build_net(self, specs: list[ModalitySpec], n_out: int) -> FusionNet:
        size = (self.tfn_dim + 1) ** len(specs)
        if size > MAX_TENSOR:
            raise InputError(f"TFN: {len(specs)} modalities with tfn_dim={self.tfn_dim} make a fused tensor of "
                             f"{size:,} entries per sample (limit {MAX_TENSOR:,}); lower tfn_dim "
                             f"(<= {math.floor(MAX_TENSOR ** (1 / len(specs))) - 1}) or use 'lmf'")
        return TFNNet(specs, self.hidden, self.dropout, self.seq_encoder, n_out, self.tfn_dim)
