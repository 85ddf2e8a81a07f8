"""Whisper's first 30 s window encoded once, not twice, when the language is detected.

faster-whisper (1.1-1.2) detects the language by encoding the first window, then encodes that
window again to decode it: for a short recording that second pass is a quarter of speech-to-text
(on 2 cores a 13 s clip took 2.54 s with it and 1.94 s without: ``bench/short_clip_levers.py``). ``OneEncodeWhisper`` keeps the detection's
encoder output, in the thread that asked, and hands it back when the decoder asks to encode the
same input; any other input is encoded as before, so a faster-whisper whose internals differ only
loses the saving.

For the two inputs to be the same, detection reads exactly the frames decoding reads. Under 30 s
faster-whisper's detection also reads the feature frame past the audio's end, which decoding
drops (as OpenAI's Whisper does everywhere); here detection drops it too. The words are then those
of ``transcribe(language=<detected>)`` to the token; the detected language and its probability can
differ from faster-whisper's own in the last digits.
"""
from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np


@functools.lru_cache(maxsize=1)
def one_encode_whisper() -> type:
    """The ``faster_whisper.WhisperModel`` subclass (built on first use: faster-whisper is the
    ``asr`` extra). ImportError when faster-whisper is not installed."""
    from faster_whisper import WhisperModel

    class OneEncodeWhisper(WhisperModel):
        """A WhisperModel whose language detection shares its encoder pass with the decoding."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held = threading.local()  # one model serves every thread of a service

        def detect_language(self, audio: Any = None, features: Any = None, *args: Any, **kwargs: Any) -> Any:
            if audio is None and features is not None and 1 < features.shape[-1] <= self.feature_extractor.nb_max_frames:
                features = features[..., :-1]  # the frames the first decoding window reads
            self._held.recording, self._held.pair = True, None
            try:
                return super().detect_language(audio, features, *args, **kwargs)
            finally:
                self._held.recording = False

        def encode(self, features: np.ndarray) -> Any:
            held = self._held
            if getattr(held, "recording", False):
                out = super().encode(features)
                if held.pair is None:  # the first window only: the one decoding starts with
                    held.pair = (np.array(features, copy=True), out)
                return out
            pair, held.pair = getattr(held, "pair", None), None
            if pair is not None and pair[0].shape == features.shape and np.array_equal(pair[0], features):
                return pair[1]
            return super().encode(features)

    return OneEncodeWhisper
