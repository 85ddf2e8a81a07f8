"""Low-rank Multimodal Fusion (Liu et al., ACL 2018): the TFN weight tensor decomposed into
``rank`` modality-specific factors, so fusion is a product over modalities of linear maps of
[1, z_m], summed over the rank: linear in the number of modalities instead of exponential. A
missing modality contributes [1, 0, ..., 0], i.e. only its factors' bias rows."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from affectkit.core.errors import InputError
from affectkit.bench.fusion_models import FUSION_MODELS
from affectkit.bench.fusion_models.base import FusionEstimator, FusionNet
from affectkit.bench.fusion_models.encoders import ModalitySpec, make_encoder, mlp_head


class LMFNet(FusionNet):
    def __init__(self, specs: list[ModalitySpec], hidden: int, dropout: float, seq_encoder: str,
                 n_out: int, rank: int) -> None:
        super().__init__()
        self.encoders = nn.ModuleList(make_encoder(s, hidden, dropout, seq_encoder) for s in specs)
        self.factors = nn.ParameterList(nn.Parameter(torch.empty(rank, hidden + 1, hidden)) for _ in specs)
        for f in self.factors:
            nn.init.xavier_normal_(f)
        self.rank_weights = nn.Parameter(torch.empty(1, rank))
        nn.init.xavier_normal_(self.rank_weights)
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.head = mlp_head(hidden, hidden, n_out, dropout)

    def forward(self, xs: list[Tensor], masks: list[Tensor | None], present: Tensor) -> tuple[Tensor, None]:
        p = present.to(xs[0].dtype)
        prod = None
        for i, (enc, w, x, m) in enumerate(zip(self.encoders, self.factors, xs, masks)):
            z = enc(x, m) * p[:, i:i + 1]
            z = torch.cat([torch.ones_like(z[:, :1]), z], dim=1)
            f = torch.einsum("bd,rdh->brh", z, w)  # [B, rank, hidden]
            prod = f if prod is None else prod * f
        fused = torch.einsum("r,brh->bh", self.rank_weights[0], prod) + self.bias
        return self.head(torch.relu(fused)), None


@FUSION_MODELS.register("lmf")
class LMF(FusionEstimator):
    """Low-rank Multimodal Fusion. Own parameter: ``rank`` of the factorisation (the paper's
    MOSI setting is 4). Other parameters: those of :class:`FusionEstimator`."""

    name = "lmf"

    def __init__(self, *, rank: int = 4, task: str = "auto", hidden: int = 32, seq_encoder: str = "gru",
                 dropout: float = 0.1, modality_dropout: float = 0.15, loss: str = "l1",
                 lr: float = 1e-3, weight_decay: float = 1e-4, max_epochs: int = 50,
                 batch_size: int = 64, validation_fraction: float = 0.1, patience: int = 8,
                 random_state: int | None = 0, device: str = "cpu", verbose: bool = False) -> None:
        super().__init__(task=task, hidden=hidden, seq_encoder=seq_encoder, dropout=dropout,
                         modality_dropout=modality_dropout, loss=loss, lr=lr, weight_decay=weight_decay,
                         max_epochs=max_epochs, batch_size=batch_size,
                         validation_fraction=validation_fraction, patience=patience,
                         random_state=random_state, device=device, verbose=verbose)
        self.rank = rank

    def _check_model_params(self) -> None:
        if not (isinstance(self.rank, int) and self.rank >= 1):
            raise InputError(f"LMF: rank must be a positive int, got {self.rank!r}")

    def _build_net(self, specs: list[ModalitySpec], n_out: int) -> FusionNet:
        return LMFNet(specs, self.hidden, self.dropout, self.seq_encoder, n_out, self.rank)
