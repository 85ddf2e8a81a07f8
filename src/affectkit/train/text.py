"""Training loop for the text network (used by ``bench/train_text.py`` and the debug test).

The frozen bottom of the encoder runs once per example and is cached in memory (fp16);
each epoch then only runs the adapted top layers, which makes CPU training practical.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from affectkit.recognize.text_net import TextNet


@dataclass
class Source:
    """Examples from one dataset: (segment A, segment B) pairs and targets for one or more heads.

    ``targets[task]`` holds an int class index per example for softmax tasks (-1: no label
    for this head) or a multi-hot float row for multilabel tasks. All heads of a source are
    trained from the same forward pass. ``allowed[task]`` restricts that softmax to the
    classes the source can express (CARER has no neutral or disgust: it never says "not
    neutral"). ``repeat`` visits the source that many times per epoch.
    """

    name: str
    pairs: list[tuple[str, str]]
    targets: dict[str, np.ndarray]
    allowed: dict[str, Sequence[int]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    repeat: int = 1


@dataclass
class _Cached:
    hidden: list[torch.Tensor]
    types: list[torch.Tensor]


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Index batches of similar length (less padding), in random order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


@torch.no_grad()
def cache_bottom(net: TextNet, pairs: list[tuple[str, str]], batch_size: int = 64,
                 progress: Callable[[int], None] | None = None) -> _Cached:
    net.eval()
    hidden: list = [None] * len(pairs)
    types: list = [None] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        enc = net.tokenize([pairs[i] for i in idx])
        h = net.bottom(enc["input_ids"], enc["token_type_ids"], enc["attention_mask"])
        lens = enc["attention_mask"].sum(1).tolist()
        for j, i in enumerate(idx):
            hidden[i] = h[j, : lens[j]].to(torch.float16).clone()
            types[i] = enc["token_type_ids"][j, : lens[j]].clone()
        if progress:
            progress(len(idx))
    return _Cached(hidden, types)


def _pad(cached: _Cached, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    L = max(cached.hidden[i].shape[0] for i in idx)
    d = cached.hidden[idx[0]].shape[1]
    h = torch.zeros(len(idx), L, d)
    t = torch.zeros(len(idx), L, dtype=torch.long)
    m = torch.zeros(len(idx), L, dtype=torch.long)
    for j, i in enumerate(idx):
        n = cached.hidden[i].shape[0]
        h[j, :n] = cached.hidden[i].float()
        t[j, :n] = cached.types[i]
        m[j, :n] = 1
    return h, t, m


def _loss(logits: torch.Tensor, target: torch.Tensor, multilabel: bool,
          allowed: Sequence[int] | None, smoothing: float) -> torch.Tensor:
    if multilabel:
        return nn.functional.binary_cross_entropy_with_logits(logits, target.float())
    keep = target >= 0
    if not bool(keep.any()):
        return logits.sum() * 0.0
    logits, target = logits[keep], target[keep]
    if allowed is not None:
        mask = torch.full((logits.shape[1],), float("-inf"))
        mask[list(allowed)] = 0.0
        logits = logits + mask
        # smoothing only over the allowed classes
        logp = torch.log_softmax(logits, -1)
        nll = -logp.gather(1, target[:, None]).squeeze(1)
        smooth = -logp[:, list(allowed)].mean(-1)
        return ((1 - smoothing) * nll + smoothing * smooth).mean()
    return nn.functional.cross_entropy(logits, target, label_smoothing=smoothing)


def train(net: TextNet, sources: list[Source], *, epochs: int = 3, lr: float = 5e-4,
          batch_size: int = 32, seed: int = 0, smoothing: float = 0.05, weight_decay: float = 0.01,
          warmup: float = 0.06, clip_norm: float = 1.0, log: Callable[[str], None] = print,
          on_epoch: Callable[[int, TextNet], dict] | None = None) -> dict:
    """Train ``net`` in place on all sources (each batch from one source): AdamW, linear warm-up over
    the first ``warmup`` share of the steps then linear decay, gradients clipped to ``clip_norm``.
    ``on_epoch(epoch, net)``: called after each epoch (net in eval mode); what it returns joins that
    epoch's history row (e.g. a dev score, to see how the score moves with the epochs).
    Returns a log dict."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    multilabel = {t.name: t.multilabel for t in net.config.tasks}
    t0 = time.time()
    caches = []
    for src in sources:
        caches.append(cache_bottom(net, src.pairs))
        log(f"cached {src.name}: {len(src.pairs)} examples ({time.time() - t0:.0f}s)")
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    plan_sizes = [s.repeat * math.ceil(len(s.pairs) / batch_size) for s in sources]
    total = epochs * sum(plan_sizes)
    warm = max(1, int(warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm))))
    history = []
    step = 0
    for epoch in range(epochs):
        net.train()
        plan = []
        for k, (src, cache) in enumerate(zip(sources, caches)):
            lengths = [h.shape[0] for h in cache.hidden]
            for _ in range(src.repeat):
                plan += [(k, b) for b in _batches(lengths, batch_size, rng)]
        rng.shuffle(plan)
        running, count = 0.0, 0
        for k, idx in plan:
            src = sources[k]
            h, t, m = _pad(caches[k], idx)
            out = net.top(h, t, m)
            loss = sum(src.weights.get(task, 1.0) * _loss(out[task], torch.as_tensor(y[idx]), multilabel[task],
                                                           src.allowed.get(task), smoothing)
                       for task, y in src.targets.items())
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, clip_norm)
            opt.step()
            sched.step()
            step += 1
            running += loss.item()
            count += 1
            if step % 200 == 0:
                log(f"epoch {epoch + 1} step {step}/{total} loss {running / count:.4f} ({time.time() - t0:.0f}s)")
        row = {"epoch": epoch + 1, "loss": running / max(1, count), "seconds": time.time() - t0}
        if on_epoch is not None:
            net.eval()
            row.update(on_epoch(epoch + 1, net))
            log(f"epoch {epoch + 1}: {row}")
        history.append(row)
    net.eval()
    return {"history": history, "seconds": time.time() - t0, "steps": step}
