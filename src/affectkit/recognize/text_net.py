"""The text network: the bundled MiniLM encoder, low-rank adapters (LoRA) in its top layers,
and one small head per task.

Why this shape: fine-tuning pays on affect text, but a fine-tuned encoder is 90 MB and
fine-tuning all six layers is slow on a laptop CPU. We freeze the bottom layers (their
outputs can be cached during training), adapt the top ``n_top`` layers with rank-``rank``
LoRA updates plus their LayerNorms, and ship only those deltas and the heads (~1 MB).

Input: the utterance as segment A and, when given, its dialogue context (earlier utterances,
most recent first, each marked ``A:`` when said by the same speaker, ``B:`` otherwise) as
segment B. The pooled vector is the mean over segment A's tokens only, so context informs
the reading of the utterance without drowning it.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from affectkit.perceive.encoder import load_tokenizer, load_transformer
from affectkit.perceive.minilm import LORA_MODULES as ADAPTED
from affectkit.recognize.text_config import (NetConfig, TaskSpec, contextual_pairs,  # noqa: F401  (their home before)
                                             format_pair)


class LoRALinear(nn.Module):
    """y = W x + b + (alpha / r) * B A x, with W, b frozen and B initialised to zero."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.scale = alpha / rank
        self.merged = False

    @torch.no_grad()
    def merge(self) -> None:
        """Fold the update into the frozen weight for inference (same outputs, no extra matmuls).
        The adapter stays stored, so the model can still be saved; training is refused after."""
        if not self.merged:
            self.base.weight += self.scale * (self.lora_b @ self.lora_a)
            self.merged = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.merged:
            if torch.is_grad_enabled() and self.training:
                raise RuntimeError("a merged LoRA layer cannot be trained")
            return self.base(x)
        return self.base(x) + (x @ self.lora_a.t() @ self.lora_b.t()) * self.scale


def _swap(module: nn.Module, dotted: str, rank: int, alpha: float) -> None:
    *path, last = dotted.split(".")
    parent = module
    for p in path:
        parent = getattr(parent, p)
    setattr(parent, last, LoRALinear(getattr(parent, last), rank, alpha))


class TextNet(nn.Module):
    """MiniLM with LoRA-adapted top layers and one linear head per task."""

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        bert = load_transformer()
        for p in bert.parameters():
            p.requires_grad_(False)
        self.embeddings = bert.embeddings
        self.layers = bert.encoder.layer
        n = len(self.layers)
        self.split = n - config.n_top
        for layer in self.layers[self.split:]:
            for name in ADAPTED:
                _swap(layer, name, config.rank, config.alpha)
            for mod in layer.modules():
                if isinstance(mod, nn.LayerNorm):
                    for p in mod.parameters():
                        p.requires_grad_(True)
        hidden = bert.config.hidden_size
        self.drop = nn.Dropout(config.dropout)
        self.heads = nn.ModuleDict({t.name: nn.Linear(hidden, len(t.labels)) for t in config.tasks})

    # -- the two halves, so training can cache the frozen bottom -------------------------
    @staticmethod
    def _mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def _run(self, hidden: torch.Tensor, attention_mask: torch.Tensor, layers) -> torch.Tensor:
        mask = self._mask(attention_mask, hidden.dtype)
        for layer in layers:
            out = layer(hidden, attention_mask=mask)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    def bottom(self, input_ids, token_type_ids, attention_mask) -> torch.Tensor:
        hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        return self._run(hidden, attention_mask, self.layers[: self.split])

    def top(self, hidden, token_type_ids, attention_mask) -> dict[str, torch.Tensor]:
        hidden = self._run(hidden, attention_mask, self.layers[self.split:])
        seg_a = (attention_mask * (token_type_ids == 0)).unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * seg_a).sum(1) / seg_a.sum(1).clamp(min=1.0)
        pooled = self.drop(pooled)
        return {name: head(pooled) for name, head in self.heads.items()}

    def forward(self, input_ids, token_type_ids, attention_mask) -> dict[str, torch.Tensor]:
        return self.top(self.bottom(input_ids, token_type_ids, attention_mask), token_type_ids, attention_mask)

    def merge_adapters(self) -> None:
        for mod in self.modules():
            if isinstance(mod, LoRALinear):
                mod.merge()

    # -- what gets shipped: only the trainable deltas ------------------------------------
    def trainable_state(self) -> dict[str, torch.Tensor]:
        names = {n for n, p in self.named_parameters() if p.requires_grad}
        return {n: t.detach().clone().contiguous() for n, t in self.state_dict().items() if n in names}

    def tokenize(self, pairs: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
        tok = load_tokenizer()
        a = [p[0] for p in pairs]
        b = [p[1] for p in pairs]
        # longest_first trims the context before the utterance: the utterance is only cut when it
        # alone is longer than the context left.
        enc = tok(a, b, truncation="longest_first", max_length=self.config.max_len,
                  padding=True, return_tensors="pt")
        enc.setdefault("token_type_ids", torch.zeros_like(enc["input_ids"]))
        return {k: enc[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
