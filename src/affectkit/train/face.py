"""Training loop for the facial-expression CNN (FER2013 recipe; CPU first).

The whole split sits in memory as one uint8 tensor; augmentation runs in torch on each batch
(one affine warp per image: rotation, scale, shift, mirror; then gamma; then, each with its own
probability, the ways video differs from FER2013's photos: a smaller face (down- and up-sampled),
blur, JPEG compression, over-exposure, sensor noise; then a random erased patch), so the data
pipeline costs little next to the network.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from affectkit.recognize.face_cnn import FaceCNN, eval_views, normalise


@dataclass
class FaceRecipe:
    """Hyper-parameters of one training run. The defaults are a starting point, not the shipped
    model's: ``bench/train_face.py`` builds its recipe from ``weights/face/recipe.json``
    (``from_params``), which states every field."""

    widths: tuple[int, ...] = (32, 64, 96, 192)
    depths: tuple[int, ...] = (1, 1, 2, 2)
    dropout: float = 0.3
    crop: int = 44
    epochs: int = 40
    batch_size: int = 128
    max_lr: float = 0.05
    weight_decay: float = 5e-4
    momentum: float = 0.9  # SGD, Nesterov
    pct_start: float = 0.2  # one-cycle LR: share of the steps spent warming up
    div_factor: float = 20.0  # initial LR = max_lr / div_factor
    final_div_factor: float = 200.0  # final LR = initial LR / final_div_factor
    label_smoothing: float = 0.1
    rotate_deg: float = 12.0
    scale: tuple[float, float] = (0.9, 1.12)
    shift: float = 0.08  # fraction of the crop
    gamma: float = 0.3  # log-uniform gamma in [exp(-g), exp(g)]
    erase_p: float = 0.5
    erase_size: tuple[float, float] = (0.1, 0.35)  # side, fraction of the crop
    # degradations (version 4): each applied to a random share of the images of every batch
    lowres_p: float = 0.15
    lowres_side: tuple[int, int] = (14, 32)  # pixels across the face before upsampling
    blur_p: float = 0.2
    blur_sigma: tuple[float, float] = (0.3, 1.8)
    jpeg_p: float = 0.15
    jpeg_quality: tuple[int, int] = (10, 60)
    exposure_p: float = 0.1  # x gain in [1, 1.8] + offset in [0, 40], clipped: blown highlights
    noise_p: float = 0.2
    noise_sigma: tuple[float, float] = (2.0, 20.0)  # grey levels
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "FaceRecipe":
        """A recipe from a recipe file's ``params`` (lists become tuples; script-level fields such
        as ``threads`` or ``int8_per_class`` that are not training fields are left out)."""
        names = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in params.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def augment(x: torch.Tensor, r: FaceRecipe, gen: torch.Generator) -> torch.Tensor:
    """uint8 [N, 1, 48, 48] -> normalised float [N, 1, crop, crop], randomly warped."""
    n = x.shape[0]
    xf = x.float()
    ang = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(r.rotate_deg)
    s = torch.exp(torch.empty(n).uniform_(math.log(r.scale[0]), math.log(r.scale[1]), generator=gen))
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    tx, ty = ((torch.rand(2, n, generator=gen) * 2 - 1) * r.shift * 2)  # in [-1, 1] grid units
    k = r.crop / x.shape[-1]  # output covers a crop-sized window of the input
    cos, sin = torch.cos(ang) * k / s, torch.sin(ang) * k / s
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, [n, 1, r.crop, r.crop], align_corners=False)
    out = F.grid_sample(xf, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    g = torch.exp((torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * r.gamma)
    out = 255.0 * (out.clamp(0, 255) / 255.0) ** g
    out = degrade(out, r, gen)
    out = normalise(out)
    if r.erase_p > 0:
        side = (torch.empty(n).uniform_(*r.erase_size, generator=gen) * r.crop).long().clamp_min(1)
        cx = (torch.rand(n, generator=gen) * r.crop).long()
        cy = (torch.rand(n, generator=gen) * r.crop).long()
        ar = torch.arange(r.crop)
        mx = ((ar[None] >= (cx - side // 2)[:, None]) & (ar[None] < (cx + (side + 1) // 2)[:, None]))
        my = ((ar[None] >= (cy - side // 2)[:, None]) & (ar[None] < (cy + (side + 1) // 2)[:, None]))
        m = (my[:, :, None] & mx[:, None, :]) & (torch.rand(n, generator=gen) < r.erase_p)[:, None, None]
        out = out.masked_fill(m[:, None], 0.0)
    return out


def _pick(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    """Indices of a random share ``p`` of ``n`` images."""
    return torch.nonzero(torch.rand(n, generator=gen) < p).flatten() if p > 0 else torch.empty(0, dtype=torch.long)


def _uniform(k: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return torch.empty(k).uniform_(lo, hi, generator=gen)


def degrade(x: torch.Tensor, r: FaceRecipe, gen: torch.Generator) -> torch.Tensor:
    """Pixel-space float [N, 1, H, W] in 0..255 -> the same with video's degradations on random
    images: a smaller face, blur, JPEG, over-exposure, noise (in that order, as a camera and a
    codec would). Deterministic given ``gen``."""
    n, _, h, w = x.shape
    x = x.clone()
    i = _pick(n, r.lowres_p, gen)
    if len(i):  # one size per batch keeps it one interpolate call
        side = int(torch.randint(r.lowres_side[0], r.lowres_side[1] + 1, (1,), generator=gen))
        small = F.interpolate(x[i], size=(side, side), mode="area")
        x[i] = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    i = _pick(n, r.blur_p, gen)
    if len(i):
        sig = _uniform(len(i), *r.blur_sigma, gen)
        rad = 4
        t = torch.arange(-rad, rad + 1, dtype=torch.float32)
        k = torch.exp(-(t[None] ** 2) / (2 * sig[:, None] ** 2))
        k = (k / k.sum(1, keepdim=True))[:, None, None, :]  # [m, 1, 1, 9], one kernel per image
        xb = x[i].transpose(0, 1)  # [1, m, H, W]: images as channels for a grouped convolution
        xb = F.conv2d(F.pad(xb, (rad, rad, 0, 0), mode="reflect"), k, groups=len(i))
        xb = F.conv2d(F.pad(xb, (0, 0, rad, rad), mode="reflect"), k.transpose(-1, -2), groups=len(i))
        x[i] = xb.transpose(0, 1)
    i = _pick(n, r.jpeg_p, gen)
    if len(i):
        import cv2

        qual = torch.randint(r.jpeg_quality[0], r.jpeg_quality[1] + 1, (len(i),), generator=gen)
        imgs = x[i, 0].round().clamp(0, 255).to(torch.uint8).numpy()
        dec = [cv2.imdecode(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, int(q)])[1], cv2.IMREAD_GRAYSCALE)
               for im, q in zip(imgs, qual)]
        x[i, 0] = torch.from_numpy(np.stack(dec)).float()
    i = _pick(n, r.exposure_p, gen)
    if len(i):
        gain = _uniform(len(i), 1.0, 1.8, gen)[:, None, None, None]
        x[i] = (x[i] * gain + _uniform(len(i), 0.0, 40.0, gen)[:, None, None, None]).clamp(0, 255)
    i = _pick(n, r.noise_p, gen)
    if len(i):
        sig = _uniform(len(i), *r.noise_sigma, gen)[:, None, None, None]
        x[i] = (x[i] + torch.randn(x[i].shape, generator=gen) * sig).clamp(0, 255)
    return x


@torch.no_grad()
def predict_logits(net: FaceCNN, x: np.ndarray | torch.Tensor, crop: int, tta: str = "flip",
                   batch_size: int = 512) -> np.ndarray:
    was = net.training
    net.eval()
    xt = torch.as_tensor(x)
    if xt.ndim == 3:
        xt = xt[:, None]
    out = []
    for i in range(0, len(xt), batch_size):
        views = eval_views(xt[i:i + batch_size], crop, tta)
        out.append((sum(net(v.contiguous(memory_format=torch.channels_last)) for v in views) / len(views)).numpy())
    net.train(was)
    return np.concatenate(out)


def train_face_cnn(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                   recipe: FaceRecipe, on_epoch: Callable[[dict[str, Any], FaceCNN], None] | None = None,
                   deadline: float | None = None, log: Callable[[str], None] | None = None
                   ) -> tuple[FaceCNN, list[dict[str, Any]]]:
    """Train on (x_train, y_train) uint8 [N, 48, 48] / int labels; keep the epoch with the best
    validation accuracy (centre crop + mirror). ``deadline`` (time.time()) stops early, keeping
    the best epoch so far. Returns (best network, per-epoch history)."""
    torch.manual_seed(recipe.seed)
    gen = torch.Generator().manual_seed(recipe.seed)
    n_classes = int(max(y_train.max(), y_val.max()) + 1) if len(y_val) else int(y_train.max() + 1)
    n_classes = max(n_classes, 7)
    net = FaceCNN(recipe.widths, recipe.depths, n_classes=n_classes, dropout=recipe.dropout)
    net = net.to(memory_format=torch.channels_last)
    decay, no_decay = [], []
    for name, p in net.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": recipe.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}], lr=recipe.max_lr, momentum=recipe.momentum, nesterov=True)
    xt = torch.from_numpy(np.ascontiguousarray(x_train))[:, None]
    yt = torch.from_numpy(np.asarray(y_train, dtype=np.int64))
    steps_per_epoch = max(1, len(xt) // recipe.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=recipe.max_lr, epochs=recipe.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=recipe.pct_start,
                                                div_factor=recipe.div_factor,
                                                final_div_factor=recipe.final_div_factor)
    best_acc, best_state, history = -1.0, None, []
    for epoch in range(recipe.epochs):
        t0 = time.perf_counter()
        net.train()
        perm = torch.randperm(len(xt), generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for b in range(steps_per_epoch):
            idx = perm[b * recipe.batch_size:(b + 1) * recipe.batch_size]
            xb = augment(xt[idx], recipe, gen).contiguous(memory_format=torch.channels_last)
            yb = yt[idx]
            logits = net(xb)
            loss = F.cross_entropy(logits, yb, label_smoothing=recipe.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
        train_s = time.perf_counter() - t0
        val_acc = float("nan")
        if len(y_val):
            pred = predict_logits(net, x_val, recipe.crop, "flip").argmax(1)
            val_acc = float((pred == np.asarray(y_val)).mean())
        rec = {"epoch": epoch + 1, "loss": round(loss_sum / max(seen, 1), 4), "train_acc": round(correct / max(seen, 1), 4),
               "val_acc": round(val_acc, 4), "lr": round(sched.get_last_lr()[0], 5),
               "seconds": round(time.perf_counter() - t0, 1), "train_seconds": round(train_s, 1)}
        history.append(rec)
        if val_acc > best_acc or best_state is None:
            best_acc, best_state = val_acc, copy.deepcopy(net.state_dict())
            rec["best"] = True
        if log:
            log(" ".join(f"{k} {v}" for k, v in rec.items()))
        if on_epoch:
            on_epoch(rec, net if rec.get("best") else None)
        if deadline is not None and time.time() > deadline and epoch + 1 < recipe.epochs:
            if log:
                log(f"deadline reached after epoch {epoch + 1}: stopping, keeping the best epoch")
            history.append({"stopped_early_after_epoch": epoch + 1})
            break
    net.load_state_dict(best_state)
    net.eval()
    return net, history
