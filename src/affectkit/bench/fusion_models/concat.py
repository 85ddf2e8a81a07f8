"""Early concatenation (the "simplified fusion" baseline): per-modality encoders, their outputs
concatenated (zeros for a missing modality) with the presence flags, then an MLP."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from affectkit.bench.fusion_models import FUSION_MODELS
from affectkit.bench.fusion_models.base import FusionEstimator, FusionNet
from affectkit.bench.fusion_models.encoders import ModalitySpec, make_encoder, mlp_head


class ConcatNet(FusionNet):
    def __init__(self, specs: list[ModalitySpec], hidden: int, dropout: float, seq_encoder: str,
                 n_out: int) -> None:
        super().__init__()
        self.encoders = nn.ModuleList(make_encoder(s, hidden, dropout, seq_encoder) for s in specs)
        self.head = mlp_head(len(specs) * (hidden + 1), hidden, n_out, dropout)

    def forward(self, xs: list[Tensor], masks: list[Tensor | None], present: Tensor) -> tuple[Tensor, None]:
        p = present.to(xs[0].dtype)
        hs = [enc(x, m) * p[:, i:i + 1] for i, (enc, x, m) in enumerate(zip(self.encoders, xs, masks))]
        return self.head(torch.cat([*hs, p], dim=1)), None


@FUSION_MODELS.register("concat")
class ConcatFusion(FusionEstimator):
    """Early concatenation of per-modality encodings plus presence flags, then an MLP.
    Parameters: those of :class:`FusionEstimator`."""

    name = "concat"

    def _build_net(self, specs: list[ModalitySpec], n_out: int) -> FusionNet:
        return ConcatNet(specs, self.hidden, self.dropout, self.seq_encoder, n_out)
