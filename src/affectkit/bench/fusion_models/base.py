"""The scikit-learn-style estimator every fusion model shares: input checks, missing modalities,
standardisation, the training loop, prediction and save/load.

A model subclass only builds its torch network (``_build_net``); everything a user touches lives
here, so every registered model behaves the same way:

- **Input** (the contract in the package docstring): ``X`` maps modality -> ``[N, D]`` or
  ``[N, T, D]`` float arrays. A sample's modality is *missing* when its rows are all NaN; for a
  sequence, a time step is padding when it is all zero (or all NaN), and a sequence without a
  single valid step is missing too. Other NaNs (a few NaN features in a present sample) become
  the feature's training mean. At predict time a fitted modality may be absent from the dict
  (missing for every sample); a modality the model never saw is an error.
- **Standardisation**: per feature, mean and standard deviation over the present samples (valid
  time steps) of the data given to ``fit``; missing modalities and padding become zeros after it,
  and the networks see a presence mask besides.
- **Training**: AdamW, mini-batches, gradient clipping, early stopping on the validation loss of
  an internal split (``validation_fraction``, stratified for classification where possible; 0
  trains ``max_epochs`` epochs), the best epoch's weights kept. Regression targets are
  standardised for training and the loss is L1 (default, as MulT/MISA on MOSI) or MSE.
  Multi-label targets (``task="multilabel"``, ``y`` a 0/1 matrix [N, L]) train one network with
  one sigmoid output per label and binary cross-entropy, so the labels share the fusion layers
  (GoEmotions: one fit instead of 28).
- **Modality dropout**: during training each present modality of a sample is hidden with
  probability ``modality_dropout``, never all of them, so the networks learn to answer from any
  subset.
- **All-missing samples**: a sample with no modality at all gets the training prior, i.e. the
  log class frequencies (classification), each label's log-odds (multi-label) or the mean target
  (regression); such samples are left
  out of training, as they carry no signal.
- **Determinism**: ``random_state`` seeds torch and the split; on CPU two fits with the same seed
  give the same weights.
- **Save/load**: ``save(dir)`` writes ``config.json`` (model name, parameters, fitted metadata) and
  ``model.safetensors`` (weights, standardisation, prior); ``FusionEstimator.load(dir)`` rebuilds
  the model by its registry name. No pickle.
"""
from __future__ import annotations

import copy
import json
import time
import warnings
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import Tensor, nn

from affectkit.core.errors import InputError, ModelError
from affectkit.bench.fusion_models.encoders import SEQ_ENCODERS, ModalitySpec

TASKS = ("auto", "classification", "regression", "multilabel")
LOSSES = ("l1", "mse")
FORMAT = "affectkit.fusion_model"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
_STD_FLOOR = 1e-6


class FusionNet(nn.Module):
    """The torch network of a fusion model.

    ``forward(xs, masks, present)`` takes, per modality in the model's order, the standardised
    features ``xs[m]`` ([B, D] or [B, T, D], zeros where missing), the valid-step mask
    ``masks[m]`` ([B, T] bool, None for vectors) and the presence mask ``present`` [B, M] (bool);
    it returns the output [B, n_out] (logits or a standardised regression value) and an auxiliary
    loss to add during training (a scalar tensor) or None.
    """

    def forward(self, xs: list[Tensor], masks: list[Tensor | None],
                present: Tensor) -> tuple[Tensor, Tensor | None]:  # pragma: no cover - abstract
        raise NotImplementedError


class _Prepared:
    """Standardised tensors of one X: features, valid-step masks and the presence matrix."""

    def __init__(self, xs: list[Tensor], masks: list[Tensor | None], present: Tensor) -> None:
        self.xs, self.masks, self.present = xs, masks, present

    def __len__(self) -> int:
        return int(self.present.shape[0])

    def batch(self, idx: Tensor, device: torch.device) -> tuple[list[Tensor], list[Tensor | None], Tensor]:
        """Rows ``idx`` on ``device``; sequences cut after the batch's last valid step."""
        xs, masks = [], []
        for x, m in zip(self.xs, self.masks):
            xb = x[idx]
            if m is not None:
                mb = m[idx]
                valid = mb.any(0).nonzero()
                t = int(valid[-1]) + 1 if len(valid) else 1
                xb, mb = xb[:, :t], mb[:, :t]
                masks.append(mb.to(device))
            else:
                masks.append(None)
            xs.append(xb.to(device))
        return xs, masks, self.present[idx].to(device)


def _as_arrays(X: Any) -> dict[str, np.ndarray]:
    """Check the shape of X (a dict of 2-D or 3-D float arrays with one N) and return float32 copies."""
    if not isinstance(X, Mapping):
        raise InputError(f"X must be a dict modality -> array, got {type(X).__name__}")
    out: dict[str, np.ndarray] = {}
    n = None
    for name, value in X.items():
        if not isinstance(name, str) or not name:
            raise InputError(f"modality names must be non-empty strings, got {name!r}")
        try:
            arr = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise InputError(f"modality {name!r}: not a numeric array ({exc})") from None
        if arr.ndim not in (2, 3):
            raise InputError(f"modality {name!r}: expected [N, D] or [N, T, D], got shape {arr.shape}")
        if arr.shape[-1] == 0 or (arr.ndim == 3 and arr.shape[1] == 0):
            raise InputError(f"modality {name!r}: empty feature or time axis in shape {arr.shape}")
        if np.isinf(arr).any():
            raise InputError(f"modality {name!r}: contains infinite values")
        if n is None:
            n = arr.shape[0]
        elif arr.shape[0] != n:
            sizes = {k: np.shape(v)[0] for k, v in X.items()}
            raise InputError(f"modalities disagree on the number of samples: {sizes}")
        out[name] = arr
    if not out:
        raise InputError("X has no modality")
    if n == 0:
        raise InputError("X has no samples")
    return out


def _presence(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(present [N], valid steps [N, T] or None) of one modality's raw array."""
    if arr.ndim == 2:
        return ~np.isnan(arr).all(axis=1), None
    steps = ~(np.isnan(arr).all(axis=2) | (np.nan_to_num(arr) == 0.0).all(axis=2))
    return steps.any(axis=1), steps


class FusionEstimator(BaseEstimator):
    """Base of every fusion model (see the module docstring for the behaviour they share).

    Parameters common to every model:

    task: "auto" (integer or string labels -> classification, floats -> regression, a 2-D 0/1
        matrix -> multilabel), "classification", "regression" or "multilabel".
    hidden: width of the per-modality encoders and of the fusion layers.
    seq_encoder: encoder of sequence modalities: "gru", "conv" (two 1-D convolutions) or "mean"
        (a linear layer per step); each followed by masked mean pooling. MulT ignores it.
    dropout: dropout inside the networks.
    modality_dropout: probability of hiding each present modality of a training sample (never all).
    loss: regression loss, "l1" or "mse".
    lr, weight_decay: AdamW's.
    max_epochs, batch_size: the training loop's.
    validation_fraction: share of the training data held out for early stopping (0: none).
    patience: epochs without a better validation loss before stopping.
    random_state: int seed of torch and of the split (None: a fresh seed each fit).
    device: "cpu" (default) or "cuda"/"cuda:N", used when available (else CPU, with a warning).
    verbose: print the loss of each epoch.
    """

    name: ClassVar[str] = ""

    def __init__(self, *, task: str = "auto", hidden: int = 32, seq_encoder: str = "gru",
                 dropout: float = 0.1, modality_dropout: float = 0.15, loss: str = "l1",
                 lr: float = 1e-3, weight_decay: float = 1e-4, max_epochs: int = 50,
                 batch_size: int = 64, validation_fraction: float = 0.1, patience: int = 8,
                 random_state: int | None = 0, device: str = "cpu", verbose: bool = False) -> None:
        self.task = task
        self.hidden = hidden
        self.seq_encoder = seq_encoder
        self.dropout = dropout
        self.modality_dropout = modality_dropout
        self.loss = loss
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ----------------------------------------------------------------- hooks for the subclasses
    def _build_net(self, specs: list[ModalitySpec], n_out: int) -> FusionNet:
        raise NotImplementedError

    def _check_model_params(self) -> None:
        """Subclasses check their own parameters here (raise InputError)."""

    # ------------------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise InputError(f"{type(self).__name__}: {what}")

        need(self.task in TASKS, f"task must be one of {TASKS}, got {self.task!r}")
        need(_is_int(self.hidden) and self.hidden >= 1, f"hidden must be a positive int, got {self.hidden!r}")
        need(self.seq_encoder in SEQ_ENCODERS, f"seq_encoder must be one of {SEQ_ENCODERS}, got {self.seq_encoder!r}")
        need(_is_num(self.dropout) and 0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout!r}")
        need(_is_num(self.modality_dropout) and 0 <= self.modality_dropout < 1,
             f"modality_dropout must be in [0, 1), got {self.modality_dropout!r}")
        need(self.loss in LOSSES, f"loss must be one of {LOSSES}, got {self.loss!r}")
        need(_is_num(self.lr) and self.lr > 0, f"lr must be positive, got {self.lr!r}")
        need(_is_num(self.weight_decay) and self.weight_decay >= 0, f"weight_decay must be >= 0, got {self.weight_decay!r}")
        need(_is_int(self.max_epochs) and self.max_epochs >= 1, f"max_epochs must be a positive int, got {self.max_epochs!r}")
        need(_is_int(self.batch_size) and self.batch_size >= 1, f"batch_size must be a positive int, got {self.batch_size!r}")
        need(_is_num(self.validation_fraction) and 0 <= self.validation_fraction < 1,
             f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}")
        need(_is_int(self.patience) and self.patience >= 1, f"patience must be a positive int, got {self.patience!r}")
        need(self.random_state is None or _is_int(self.random_state),
             f"random_state must be an int or None, got {self.random_state!r}")
        need(isinstance(self.device, str) and (self.device == "cpu" or self.device.startswith("cuda")),
             f"device must be 'cpu' or 'cuda[:N]', got {self.device!r}")
        self._check_model_params()

    def _device(self) -> torch.device:
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(f"{type(self).__name__}: device {self.device!r} asked but CUDA is not available; using the CPU",
                          RuntimeWarning, stacklevel=3)
            return torch.device("cpu")
        return torch.device(self.device)

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise ModelError(f"this {type(self).__name__} is not fitted yet; call fit(X, y) first")

    # ------------------------------------------------------------------------ data handling
    def _fit_scaler(self, arrays: dict[str, np.ndarray]) -> None:
        self.modalities_ = sorted(arrays)
        self.specs_ = [ModalitySpec(m, int(arrays[m].shape[-1]), arrays[m].ndim == 3) for m in self.modalities_]
        self.scaler_: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for m in self.modalities_:
            arr = arrays[m]
            present, steps = _presence(arr)
            rows = arr[steps] if steps is not None else arr[present]
            mean = np.zeros(arr.shape[-1], np.float32)
            std = np.ones(arr.shape[-1], np.float32)
            if len(rows):
                with warnings.catch_warnings():  # all-NaN columns: mean 0, std 1
                    warnings.simplefilter("ignore", RuntimeWarning)
                    mu, sd = np.nanmean(rows, axis=0), np.nanstd(rows, axis=0)
                ok = np.isfinite(mu)
                mean[ok] = mu[ok]
                good = np.isfinite(sd) & (sd > _STD_FLOOR)
                std[good] = sd[good]
            self.scaler_[m] = (mean, std)

    def _prepare(self, X: Any, fitting: bool = False) -> _Prepared:
        arrays = _as_arrays(X)
        if not fitting:
            unknown = sorted(set(arrays) - set(self.modalities_))
            if unknown:
                raise InputError(f"modalities {unknown} were not seen in fit; this model knows "
                                 f"{self.modalities_}")
        n = next(iter(arrays.values())).shape[0]
        xs, masks, present = [], [], []
        for spec in self.specs_:
            arr = arrays.get(spec.name)
            if arr is None:  # absent: missing for every sample
                shape = (n, 1, spec.dim) if spec.is_seq else (n, spec.dim)
                xs.append(torch.zeros(shape))
                masks.append(torch.zeros(n, 1, dtype=torch.bool) if spec.is_seq else None)
                present.append(np.zeros(n, bool))
                continue
            if (arr.ndim == 3) != spec.is_seq or arr.shape[-1] != spec.dim:
                want = f"[N, T, {spec.dim}]" if spec.is_seq else f"[N, {spec.dim}]"
                raise InputError(f"modality {spec.name!r}: fitted on {want}, got shape {arr.shape}")
            pres, steps = _presence(arr)
            mean, std = self.scaler_[spec.name]
            z = np.nan_to_num((arr - mean) / std, nan=0.0)
            if steps is not None:
                z[~steps] = 0.0
                masks.append(torch.from_numpy(steps))
            else:
                z[~pres] = 0.0
                masks.append(None)
            xs.append(torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32)))
            present.append(pres)
        return _Prepared(xs, masks, torch.from_numpy(np.stack(present, axis=1)))

    def _encode_y(self, y: Any, n: int) -> Tensor:
        y = np.asarray(y)
        task = self.task
        if task == "multilabel" or (task == "auto" and y.ndim == 2):
            self.task_ = "multilabel"
            return self._encode_multilabel(y, n)
        if y.ndim != 1 or y.shape[0] != n:
            raise InputError(f"y must be 1-D with one label per sample ({n}), got shape {y.shape}")
        if task == "auto":
            task = "classification" if (y.dtype.kind in "iubUSO") else "regression"
        self.task_ = task
        if task == "classification":
            if y.dtype.kind == "f" and not np.all(np.isfinite(y) & (y == np.round(y))):
                raise InputError("classification needs integer class ids; got non-integer floats "
                                 "(use task='regression' for continuous targets)")
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise InputError(f"classification needs at least 2 classes, got {self.classes_.tolist()}")
            return torch.from_numpy(np.searchsorted(self.classes_, y).astype(np.int64))
        try:
            yf = y.astype(np.float64)
        except (TypeError, ValueError):
            raise InputError(f"regression needs numeric targets, got dtype {y.dtype}") from None
        if not np.all(np.isfinite(yf)):
            raise InputError("regression targets contain NaN or infinite values")
        self.y_mean_ = float(yf.mean())
        sd = float(yf.std())
        self.y_std_ = sd if sd > _STD_FLOOR else 1.0
        return torch.from_numpy(((yf - self.y_mean_) / self.y_std_).astype(np.float32))

    def _encode_multilabel(self, y: np.ndarray, n: int) -> Tensor:
        if y.ndim != 2 or y.shape[0] != n or y.shape[1] < 1:
            raise InputError(f"multilabel y must be a 0/1 matrix [{n}, L], got shape {y.shape}")
        if y.dtype.kind not in "biuf" or not np.all(np.isin(y, (0, 1))):
            raise InputError("multilabel y must hold only 0 and 1")
        self.n_labels_ = int(y.shape[1])
        return torch.from_numpy(y.astype(np.float32))

    def _n_out(self) -> int:
        if self.task_ == "classification":
            return len(self.classes_)
        return self.n_labels_ if self.task_ == "multilabel" else 1

    # ------------------------------------------------------------------------------ training
    def _task_loss(self, out: Tensor, y: Tensor) -> Tensor:
        if self.task_ == "classification":
            return nn.functional.cross_entropy(out, y)
        if self.task_ == "multilabel":  # summed over labels: on the scale of a cross-entropy, so the
            # auxiliary losses (MISA's) keep the weight they have for classification
            return nn.functional.binary_cross_entropy_with_logits(out, y, reduction="sum") / max(len(y), 1)
        if self.loss == "l1":
            return nn.functional.l1_loss(out[:, 0], y)
        return nn.functional.mse_loss(out[:, 0], y)

    def _forward(self, xs: list[Tensor], masks: list[Tensor | None],
                 present: Tensor) -> tuple[Tensor, Tensor | None]:
        out, aux = self.net_(xs, masks, present)
        empty = ~present.any(1, keepdim=True)
        if bool(empty.any()):
            out = torch.where(empty, self._prior_t.to(out.device), out)
        return out, aux

    def _drop_modalities(self, xs: list[Tensor], masks: list[Tensor | None], present: Tensor,
                         gen: torch.Generator) -> tuple[list[Tensor], list[Tensor | None], Tensor]:
        """Hide each present modality of each sample with probability p, keeping at least one."""
        p = float(self.modality_dropout)
        if p <= 0 or present.shape[1] < 2:
            return xs, masks, present
        r = torch.rand(present.shape, generator=gen).to(present.device)
        keep = present & (r >= p)
        lost = present.any(1) & ~keep.any(1)
        if bool(lost.any()):  # give back one present modality, chosen at random
            pick = torch.where(present, r + 1.0, torch.zeros_like(r)).argmax(1)
            keep[lost, pick[lost]] = True
        xs = [x * (keep[:, i].view(-1, *([1] * (x.dim() - 1)))).to(x.dtype) for i, x in enumerate(xs)]
        masks = [None if m is None else m & keep[:, i:i + 1] for i, m in enumerate(masks)]
        return xs, masks, keep

    def _split(self, idx: np.ndarray, y: Tensor) -> tuple[np.ndarray, np.ndarray]:
        n_val = int(round(self.validation_fraction * len(idx)))
        if n_val < 1 or len(idx) - n_val < 2:
            return idx, idx[:0]
        from sklearn.model_selection import train_test_split

        stratify = None
        if self.task_ == "classification":
            yy = y[idx].numpy()
            counts = np.bincount(yy)
            counts = counts[counts > 0]
            if counts.min() >= 2 and n_val >= len(counts) and len(idx) - n_val >= len(counts):
                stratify = yy
        tr, va = train_test_split(idx, test_size=n_val, random_state=self.seed_, stratify=stratify)
        return np.sort(tr), np.sort(va)

    def fit(self, X: Mapping[str, Any], y: Any) -> "FusionEstimator":
        """Train on ``X`` (dict modality -> [N, D] / [N, T, D]) and ``y`` [N]; returns self.
        The global torch RNG is left as it was."""
        with torch.random.fork_rng(devices=[]):
            return self._fit(X, y)

    def _fit(self, X: Mapping[str, Any], y: Any) -> "FusionEstimator":
        self._check_params()
        arrays = _as_arrays(X)
        n = next(iter(arrays.values())).shape[0]
        yt = self._encode_y(y, n)
        self._fit_scaler(arrays)
        data = self._prepare(arrays, fitting=True)
        usable = np.flatnonzero(data.present.any(1).numpy())
        if len(usable) == 0:
            raise InputError("every training sample has every modality missing (all NaN)")
        self.seed_ = int(self.random_state) if self.random_state is not None else int(
            np.random.SeedSequence().entropy % (2**31))
        torch.manual_seed(self.seed_)
        gen = torch.Generator().manual_seed(self.seed_)
        device = self._device()
        self.device_ = str(device)

        if self.task_ == "classification":
            freq = np.bincount(yt.numpy(), minlength=len(self.classes_)).astype(np.float64) / n
            self.prior_ = np.log(np.clip(freq, 1e-6, None)).astype(np.float32)
        elif self.task_ == "multilabel":
            share = np.clip(yt.numpy().mean(0).astype(np.float64), 1e-6, 1 - 1e-6)
            self.prior_ = np.log(share / (1 - share)).astype(np.float32)
        else:
            self.prior_ = np.zeros(1, np.float32)  # the mean target, standardised
        self._prior_t = torch.from_numpy(self.prior_)
        self.net_ = self._build_net(self.specs_, self._n_out()).to(device)
        opt = torch.optim.AdamW(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)

        tr_idx, va_idx = self._split(usable, yt)
        best, best_state, bad = float("inf"), None, 0
        self.history_: list[dict[str, float]] = []
        self.epoch_seconds_: list[float] = []
        for epoch in range(int(self.max_epochs)):
            self.net_.train()
            t0 = time.perf_counter()
            order = torch.from_numpy(tr_idx)[torch.randperm(len(tr_idx), generator=gen)]
            total, seen = 0.0, 0
            for start in range(0, len(order), int(self.batch_size)):
                bidx = order[start:start + int(self.batch_size)]
                xs, masks, present = data.batch(bidx, device)
                xs, masks, present = self._drop_modalities(xs, masks, present, gen)
                out, aux = self._forward(xs, masks, present)
                loss = self._task_loss(out, yt[bidx].to(device))
                total += float(loss.detach()) * len(bidx)
                seen += len(bidx)
                if aux is not None:
                    loss = loss + aux
                opt.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.net_.parameters(), 5.0)
                opt.step()
            self.epoch_seconds_.append(time.perf_counter() - t0)
            record = {"epoch": epoch + 1, "train_loss": total / max(seen, 1)}
            if len(va_idx):
                val = self._eval_loss(data, yt, va_idx, device)
                record["val_loss"] = val
                if val < best - 1e-4:
                    best, bad = val, 0
                    best_state = copy.deepcopy(self.net_.state_dict())
                    self.best_epoch_ = epoch + 1
                else:
                    bad += 1
            self.history_.append(record)
            if self.verbose:
                print(f"{self.name} epoch {epoch + 1}: " + ", ".join(f"{k} {v:.4f}" for k, v in record.items() if k != "epoch"))
            if len(va_idx) and bad >= self.patience:
                break
        if best_state is not None:
            self.net_.load_state_dict(best_state)
        else:
            self.best_epoch_ = len(self.history_)
        self.n_epochs_ = len(self.history_)
        self.net_.eval()
        return self

    @torch.no_grad()
    def _eval_loss(self, data: _Prepared, yt: Tensor, idx: np.ndarray, device: torch.device) -> float:
        self.net_.eval()
        total = 0.0
        for start in range(0, len(idx), 512):
            bidx = torch.from_numpy(idx[start:start + 512])
            out, _ = self._forward(*data.batch(bidx, device))
            total += float(self._task_loss(out, yt[bidx].to(device))) * len(bidx)
        return total / len(idx)

    # ---------------------------------------------------------------------------- prediction
    @torch.no_grad()
    def _raw(self, X: Mapping[str, Any]) -> np.ndarray:
        self._check_fitted()
        data = self._prepare(X)
        device = next(self.net_.parameters()).device
        self.net_.eval()
        outs = []
        for start in range(0, len(data), 512):
            bidx = torch.arange(start, min(start + 512, len(data)))
            out, _ = self._forward(*data.batch(bidx, device))
            outs.append(out.float().cpu())
        return torch.cat(outs).numpy()

    def decision_function(self, X: Mapping[str, Any]) -> np.ndarray:
        """Raw outputs: class logits [N, C] (classification), label logits [N, L] (multilabel) or
        the target [N] (regression)."""
        raw = self._raw(X)
        if self.task_ in ("classification", "multilabel"):
            return raw
        return raw[:, 0] * self.y_std_ + self.y_mean_

    def predict_proba(self, X: Mapping[str, Any]) -> np.ndarray:
        """Class probabilities [N, C], columns in the order of ``classes_``; for a multi-label
        model each label's own probability [N, L] (rows need not sum to 1)."""
        self._check_fitted()
        if self.task_ == "multilabel":
            return torch.sigmoid(torch.from_numpy(self._raw(X))).numpy()
        if self.task_ != "classification":
            raise InputError(f"predict_proba needs a classifier; this {type(self).__name__} was fitted for regression")
        return torch.softmax(torch.from_numpy(self._raw(X)), dim=1).numpy()

    def predict(self, X: Mapping[str, Any]) -> np.ndarray:
        """Class labels (classification) or target values (regression), [N]; a 0/1 matrix [N, L]
        (multilabel: probability >= 0.5)."""
        self._check_fitted()
        raw = self._raw(X)
        if self.task_ == "multilabel":
            return (raw >= 0.0).astype(np.int64)
        if self.task_ == "classification":
            return self.classes_[raw.argmax(1)]
        return (raw[:, 0] * self.y_std_ + self.y_mean_).astype(np.float64)

    def score(self, X: Mapping[str, Any], y: Any) -> float:
        """Accuracy (classification; subset accuracy for multilabel) or R^2 (regression), as
        scikit-learn's mixins."""
        from sklearn.metrics import accuracy_score, r2_score

        self._check_fitted()
        pred = self.predict(X)
        return float(r2_score(y, pred) if self.task_ == "regression" else accuracy_score(y, pred))

    # ----------------------------------------------------------------------------- save/load
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to directory ``path`` (config.json + model.safetensors)."""
        from safetensors.torch import save_file

        self._check_fitted()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        config = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "model": self.name,
            "class": type(self).__name__, "params": self.get_params(deep=False),
            "task": self.task_, "modalities": [[s.name, s.dim, s.is_seq] for s in self.specs_],
            "classes": self.classes_.tolist() if self.task_ == "classification" else None,
            "n_labels": getattr(self, "n_labels_", None),
            "y_mean": getattr(self, "y_mean_", None), "y_std": getattr(self, "y_std_", None),
            "seed": self.seed_, "n_epochs": self.n_epochs_, "best_epoch": self.best_epoch_,
            "history": self.history_,
        }
        tensors = {f"net.{k}": v.detach().cpu().contiguous() for k, v in self.net_.state_dict().items()}
        for m, (mean, std) in self.scaler_.items():
            tensors[f"scaler.{m}.mean"] = torch.from_numpy(mean)
            tensors[f"scaler.{m}.std"] = torch.from_numpy(std)
        tensors["prior"] = torch.from_numpy(self.prior_)
        save_file(tensors, str(out / WEIGHTS_FILE))
        (out / CONFIG_FILE).write_text(json.dumps(config, indent=2, default=_json_default) + "\n",
                                       encoding="utf-8")
        return out

    @classmethod
    def load(cls, path: str | Path) -> "FusionEstimator":
        """Rebuild a model written by ``save`` (any registered model when called on the base)."""
        from safetensors.torch import load_file

        from affectkit.bench.fusion_models import FUSION_MODELS

        src = Path(path)
        try:
            config = json.loads((src / CONFIG_FILE).read_text(encoding="utf-8"))
            tensors = load_file(str(src / WEIGHTS_FILE))
        except FileNotFoundError as exc:
            raise ModelError(f"{src}: not a saved fusion model ({exc.filename} is missing)") from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"{src}: cannot read the saved fusion model ({exc})") from None
        if config.get("format") != FORMAT or config.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{src}: not a fusion model of format {FORMAT} v{FORMAT_VERSION}")
        model_cls = FUSION_MODELS.get(config["model"])
        if not issubclass(model_cls, cls):
            raise ModelError(f"{src}: holds a {model_cls.__name__}, not a {cls.__name__}")
        est = model_cls(**config["params"])
        est._check_params()
        est.task_ = config["task"]
        est.specs_ = [ModalitySpec(n, int(d), bool(s)) for n, d, s in config["modalities"]]
        est.modalities_ = [s.name for s in est.specs_]
        if est.task_ == "classification":
            est.classes_ = np.asarray(config["classes"])
        elif est.task_ == "multilabel":
            est.n_labels_ = int(config["n_labels"])
        else:
            est.y_mean_, est.y_std_ = float(config["y_mean"]), float(config["y_std"])
        est.scaler_ = {m: (tensors[f"scaler.{m}.mean"].numpy(), tensors[f"scaler.{m}.std"].numpy())
                       for m in est.modalities_}
        est.prior_ = tensors["prior"].numpy()
        est._prior_t = torch.from_numpy(est.prior_)
        est.seed_, est.n_epochs_, est.best_epoch_ = config["seed"], config["n_epochs"], config["best_epoch"]
        est.history_ = config.get("history", [])
        est.epoch_seconds_ = []
        device = est._device()
        est.device_ = str(device)
        with torch.random.fork_rng(devices=[]):  # initial weights are drawn, then overwritten
            net = est._build_net(est.specs_, est._n_out())
        state = {k[4:]: v for k, v in tensors.items() if k.startswith("net.")}
        try:
            net.load_state_dict(state)
        except RuntimeError as exc:
            raise ModelError(f"{src}: weights do not match the {model_cls.__name__} they claim ({exc})") from None
        est.net_ = net.to(device).eval()
        return est


def _json_default(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"cannot write {type(v).__name__} to JSON")


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
