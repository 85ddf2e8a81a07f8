"""The facial-expression network (pure PyTorch): a compact VGG-style CNN on 48x48 grayscale crops.

Stages of 3x3 convolutions (BatchNorm, ReLU), each but the last followed by 2x2 max-pooling; then
global average pooling, dropout and a linear layer onto the canonical emotion labels. The net is
fully convolutional, so it is trained on random 44x44 crops and applied to the centre 44x44 crop
(plus its mirror image) of a 48x48 face.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class FaceCNN(nn.Module):
    def __init__(self, widths: Sequence[int] = (32, 64, 128, 256), depths: Sequence[int] = (1, 2, 2, 2),
                 n_classes: int = 7, dropout: float = 0.3) -> None:
        super().__init__()
        if len(widths) != len(depths) or not widths:
            raise ValueError("widths and depths must have the same, non-zero length")
        layers: list[nn.Module] = []
        c_in = 1
        for i, (w, d) in enumerate(zip(widths, depths)):
            for _ in range(d):
                layers += [nn.Conv2d(c_in, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
                c_in = w
            if i < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(c_in, n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float [N, 1, H, W], already normalised (see :func:`normalise`); returns logits [N, C]."""
        return self.fc(self.drop(self.pool(self.features(x)).flatten(1)))


def fold_batchnorm(model: FaceCNN) -> FaceCNN:
    """For inference: fold each BatchNorm into the convolution before it (same outputs in eval
    mode, about a fifth less work on CPU). Modifies and returns ``model``, which must be in eval mode."""
    layers = list(model.features)
    out: list[nn.Module] = []
    i = 0
    while i < len(layers):
        m = layers[i]
        if isinstance(m, nn.Conv2d) and i + 1 < len(layers) and isinstance(layers[i + 1], nn.BatchNorm2d):
            bn = layers[i + 1]
            scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
            conv = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, bias=True)
            with torch.no_grad():
                conv.weight.copy_(m.weight.detach() * scale[:, None, None, None])
                bias = m.bias.detach() if m.bias is not None else torch.zeros_like(bn.running_mean)
                conv.bias.copy_((bias - bn.running_mean) * scale + bn.bias.detach())
            out.append(conv)
            i += 2
        else:
            out.append(m)
            i += 1
    model.features = nn.Sequential(*out)
    return model


def normalise(x: torch.Tensor) -> torch.Tensor:
    """uint8 or 0..255 float crops [N, 1, H, W] -> per-image standardised float32 (zero mean, unit
    std): removes global brightness and contrast, which differ across cameras and lighting."""
    x = x.float()
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    std = x.std(dim=(1, 2, 3), keepdim=True).clamp_min(8.0)
    return (x - mean) / std


def count_macs(model: FaceCNN, size: int = 44) -> int:
    """Multiply-accumulates of one forward pass on a size x size crop (convolutions and the linear layer)."""
    macs = 0
    hooks = []

    def conv_hook(m, inp, out):
        nonlocal macs
        macs += out.numel() // out.shape[0] * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups

    def fc_hook(m, inp, out):
        nonlocal macs
        macs += m.in_features * m.out_features

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(fc_hook))
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, size, size))
    model.train(was)
    for h in hooks:
        h.remove()
    return macs


def eval_views(x: torch.Tensor, crop: int, tta: str = "flip") -> list[torch.Tensor]:
    """uint8 [N, 1, 48, 48] -> the normalised views the model averages: "none" (the centre crop),
    "flip" (+ its mirror), "tencrop" (4 corners + centre, each + mirror)."""
    size = x.shape[-1]
    o = (size - crop) // 2
    xf = x.float()
    if tta == "tencrop":
        offs = [(0, 0), (0, size - crop), (size - crop, 0), (size - crop, size - crop), (o, o)]
    else:
        offs = [(o, o)]
    views = [normalise(xf[:, :, i:i + crop, j:j + crop]) for i, j in offs]
    if tta in ("flip", "tencrop"):
        views += [v.flip(-1) for v in views]
    elif tta != "none":
        raise ValueError(f"unknown test-time augmentation {tta!r} (none, flip, tencrop)")
    return views
