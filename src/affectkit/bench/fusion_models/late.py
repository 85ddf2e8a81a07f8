"""Late fusion: one encoder and one prediction head per modality; the heads' answers are averaged
over the modalities present for each sample (probabilities for classification and per label for
multi-label, a linear opinion pool; values for regression). The simplest fusion, and naturally robust to missing modalities."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from affectkit.bench.fusion_models import FUSION_MODELS
from affectkit.bench.fusion_models.base import FusionEstimator, FusionNet
from affectkit.bench.fusion_models.encoders import ModalitySpec, make_encoder, mlp_head


class LateNet(FusionNet):
    def __init__(self, specs: list[ModalitySpec], hidden: int, dropout: float, seq_encoder: str,
                 n_out: int, task: str) -> None:
        super().__init__()
        self.task = task
        self.encoders = nn.ModuleList(make_encoder(s, hidden, dropout, seq_encoder) for s in specs)
        self.heads = nn.ModuleList(mlp_head(hidden, hidden, n_out, dropout) for _ in specs)

    def forward(self, xs: list[Tensor], masks: list[Tensor | None], present: Tensor) -> tuple[Tensor, None]:
        outs = torch.stack([head(enc(x, m)) for enc, head, x, m in zip(self.encoders, self.heads, xs, masks)], 1)
        w = present.to(outs.dtype).unsqueeze(-1)  # [B, M, 1]
        k = w.sum(1).clamp(min=1.0)
        if self.task == "classification":  # log of the mean probability over the present heads
            logp = torch.log_softmax(outs, dim=-1).masked_fill(w == 0, -math.inf)
            return torch.logsumexp(logp, dim=1) - torch.log(k), None
        if self.task == "multilabel":  # each label's mean probability, back to a logit
            p = ((torch.sigmoid(outs) * w).sum(1) / k).clamp(1e-6, 1 - 1e-6)
            return torch.log(p) - torch.log1p(-p), None
        return (outs * w).sum(1) / k, None


@FUSION_MODELS.register("late")
class LateFusion(FusionEstimator):
    """Late fusion: per-modality encoders and heads, answers averaged over the present modalities.
    Parameters: those of :class:`FusionEstimator`."""

    name = "late"

    def _build_net(self, specs: list[ModalitySpec], n_out: int) -> FusionNet:
        return LateNet(specs, self.hidden, self.dropout, self.seq_encoder, n_out, self.task_)
