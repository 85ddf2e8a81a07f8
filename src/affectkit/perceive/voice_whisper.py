"""``voice.whisper``: Whisper-base encoder states per segment, mean and std pooled per layer.

Why: Whisper's lower and middle encoder layers encode how something is said (pitch, energy,
voice quality, rhythm) across many languages and recording conditions; pooled over a
segment they are a strong, general input for a linear emotion head. The encoder is our own
forward pass over the ``voice`` extra's Whisper-base weights (``whisper_encoder``: ONNX Runtime,
or PyTorch with ``$AFFECTKIT_BACKEND=torch``). Segments longer than 30 s (the encoder's span)
are encoded in 30 s windows, pooled together.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from affectkit.core.data import Segment
from affectkit.io.audio import SAMPLE_RATE
from affectkit.perceive.registry import EXTRACTORS
from affectkit.perceive.voice import _spans, _VoiceExtractor, feature_index, per_span
from affectkit.perceive.whisper_encoder import HOP, MAX_FRAMES, load_encoder, log_mel_for

MIN_SECONDS = 0.1  # shorter spans give a NaN row (too few frames to pool)
WIDTH = 512        # Whisper-base hidden size


@EXTRACTORS.register("voice.whisper")
class WhisperLayers(_VoiceExtractor):
    """Mean and standard deviation over time of the chosen encoder ``layers`` (0-based),
    columns ``l{layer}:mean{i}`` and ``l{layer}:std{i}``."""

    name = "voice.whisper"
    version = "1"

    def __init__(self, sr: int = SAMPLE_RATE, layers: Sequence[int] = (0, 1, 2, 3)) -> None:
        self.sr = sr
        self.layers = tuple(int(l) for l in layers)

    def get_params(self) -> dict[str, Any]:
        return {"sr": self.sr, "layers": list(self.layers)}

    def columns(self) -> list[str]:
        return [f"l{l}:{stat}{i}" for l in self.layers for stat in ("mean", "std") for i in range(WIDTH)]

    def stats(self, part: np.ndarray) -> np.ndarray:
        """Pooled states of one span of 16 kHz samples."""
        if self.sr != SAMPLE_RATE:
            raise ValueError(f"voice.whisper needs {SAMPLE_RATE} Hz audio, got {self.sr}")
        encoder, log_mel = load_encoder(), log_mel_for()
        window = MAX_FRAMES * HOP
        states: list[list[np.ndarray]] = [[] for _ in self.layers]
        for start in range(0, len(part), window):
            chunk = part[start:start + window]
            if start and len(chunk) < int(MIN_SECONDS * self.sr):
                break  # a sliver after the last full window adds nothing
            mel = log_mel(chunk)
            frames = mel.shape[1] - mel.shape[1] % 2
            hidden = encoder(mel[None, :, :frames], n_layers=max(self.layers) + 1)
            for k, l in enumerate(self.layers):
                states[k].append(hidden[l][0])
        out = []
        for per_layer in states:
            h = np.concatenate(per_layer, 0).astype(np.float64)
            out += [h.mean(0), h.std(0)]
        return np.concatenate(out).astype(np.float32)

    def extract_signal(self, x: np.ndarray, sr: int, segments: Sequence[Segment] | None = None,
                       file: str = "<signal>") -> pd.DataFrame:
        spans = _spans(segments, len(x) / sr, file)
        cols = self.columns()
        values = per_span(x, sr, spans, len(cols), self.stats, min_samples=int(MIN_SECONDS * sr))
        return pd.DataFrame(values, index=feature_index(file, spans), columns=cols)
