"""The stress network: LoRA adapters on the bundled MiniLM and a two-class head, fine-tuned on
Dreaddit (``bench/train_stress.py``), stored in the text model's form (``TextModel``:
config.json + weights.safetensors) so one export covers both."""
from __future__ import annotations

from pathlib import Path

TASK = "stress"
LABELS = ("not_stressed", "stressed")
STRESS_NET_DIR = Path(__file__).resolve().parent.parent / "weights" / "screen" / "stress_net"


def load_net(folder: str | Path):
    """The network in ``folder`` (a ``TextModel``). On ONNX Runtime (the default backend) its
    adapter set runs on the one shared MiniLM (``perceive.minilm.load_minilm``) that also computes
    screening's sentence embeddings: only the two adapted layers get weights of their own, no
    second copy of the encoder. ModelError for a missing or broken folder, or a network without a
    ``stress`` head."""
    from affectkit.core.errors import ModelError
    from affectkit.recognize.text_model import TextModel

    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise ModelError(f"stress network not found in {folder}; retrain with: python bench/train_stress.py")
    model = TextModel.load(folder)
    if model.tasks().get(TASK) != LABELS:
        raise ModelError(f"the network in {folder} has no {TASK!r} head with labels {LABELS}")
    return model
