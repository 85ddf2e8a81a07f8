"""The stress network: LoRA adapters on the bundled MiniLM and a two-class head, fine-tuned on
Dreaddit (``bench/train_stress.py``), stored in the text model's form (``TextModel``:
config.json + weights.safetensors) so one export covers both."""
from __future__ import annotations

from pathlib import Path

TASK = "stress"
LABELS = ("not_stressed", "stressed")
STRESS_NET_DIR = Path(__file__).resolve().parent.parent / "weights" / "screen" / "stress_net"
