"""Late fusion of the emotion heads: one answer per utterance from whatever modalities read it.

Generic over a mapping modality -> that head's scores (``{"text": {...}, "voice": {...}}``;
adding ``"face": {...}`` is all a new modality needs). For one utterance:

1. Calibrate: each head's scores are temperature-scaled with its T (``calibration.json``,
   fit by bench/calibrate.py on the head's held-out data), over the head's own labels.
2. Map to the canonical 7 emotions. Mass on labels outside them (EmoDB's ``boredom``) is an
   abstention: the head's scores are renormalised over its canonical labels and its weight is
   multiplied by (1 - that mass), so a voice that mostly hears boredom says little about the
   7 emotions. A canonical label the head cannot express at all (the voice head has no
   ``surprise``) is also an abstention: for that label the head takes the weighted consensus
   of the heads that can express it, and rescales its own labels to the rest; it neither
   confirms nor denies a surprise the words show.
3. Weighted mean (a linear opinion pool, robust to one confidently wrong head) with each
   modality's prior weight, renormalised over the modalities present: a missing or unusable
   modality (None, empty scores) is simply left out.
4. Conflict: two heads disagree strongly when their top labels differ and the Jensen-Shannon
   divergence of their distributions (over the labels both know) reaches a threshold, or when
   one reads clearly positive and the other clearly negative (valence = P(positive) -
   P(negative); a modality's valence may come from its sentiment head instead).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from affectkit.core.errors import ModelError
from affectkit.core.once import once
from affectkit.core.labels import EMOTION
from affectkit.recognize.calibrate import temperature_scale

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "fusion"
CONFIG_FILE = "calibration.json"
POSITIVE = ("joy",)
NEGATIVE = ("anger", "disgust", "fear", "sadness")


@dataclass(frozen=True)
class FusionConfig:
    """Per-modality temperatures and prior weights, and the conflict thresholds. A modality
    without an entry gets T = 1 (uncalibrated) and weight 1."""

    temperatures: Mapping[str, float] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    jsd_bits: float = 0.35
    valence: float = 0.35
    name: str = "late-fusion@0"

    def temperature(self, modality: str) -> float:
        return float(self.temperatures.get(modality, 1.0))

    def weight(self, modality: str) -> float:
        return float(self.weights.get(modality, 1.0))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "FusionConfig":
        """Read ``calibration.json`` (the shipped one by default); ModelError when unusable."""
        path = Path(path) if path is not None else WEIGHTS_DIR / CONFIG_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"fusion settings not found: {path}; recreate with: python bench/calibrate.py") from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"fusion settings in {path} are unreadable: {exc}") from exc
        try:
            temps = {str(k): float(v) for k, v in raw["temperatures"].items()}
            weights = {str(k): float(v) for k, v in raw["weights"].items()}
            conflict = raw.get("conflict", {})
            config = cls(temps, weights, float(conflict.get("jsd_bits", cls.jsd_bits)),
                         float(conflict.get("valence", cls.valence)),
                         f"{raw.get('name', 'late-fusion')}@{raw.get('version', '0')}")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"fusion settings in {path} are incomplete: {exc}") from exc
        bad = [k for k, v in {**temps, **weights}.items() if not (math.isfinite(v) and v > 0)]
        if bad:
            raise ModelError(f"fusion settings in {path}: temperatures and weights must be positive ({bad})")
        return config


@once
def bundled_fusion() -> FusionConfig:
    """The shipped fusion settings (loaded once per process)."""
    return FusionConfig.load()


@dataclass(frozen=True)
class Fused:
    """One utterance's fused reading. ``scores``: the 7 canonical emotions, summing to 1;
    ``weights``: each used modality's share of the decision (summing to 1); ``readings``: each
    used modality's calibrated distribution over the canonical labels it knows; ``conflicts``:
    plain-words reasons, empty when the modalities agree."""

    label: str
    scores: dict[str, float]
    weights: dict[str, float]
    readings: dict[str, dict[str, float]]
    conflicts: list[str]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def conflict(self) -> bool:
        return bool(self.conflicts)


def canonical(scores: Mapping[str, float]) -> tuple[dict[str, float], float]:
    """(scores over the canonical labels present, renormalised; the mass outside them)."""
    inside = {l: float(scores[l]) for l in EMOTION.labels if l in scores}
    total = sum(float(v) for v in scores.values())
    kept = sum(inside.values())
    if kept <= 0 or total <= 0:
        return {}, 1.0
    return {l: v / kept for l, v in inside.items()}, max(0.0, 1.0 - kept / total)


def calibrated(scores: Mapping[str, float], temperature: float) -> dict[str, float]:
    """A head's scores, temperature-scaled over all of its labels (as T was fit)."""
    labels = list(scores)
    row = temperature_scale(np.asarray([[float(scores[l]) for l in labels]]), temperature)[0]
    return dict(zip(labels, row.tolist()))


def js_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence in bits (0..1) over the labels both distributions have,
    each renormalised over them."""
    common = [l for l in p if l in q]
    a = np.asarray([p[l] for l in common], dtype=np.float64)
    b = np.asarray([q[l] for l in common], dtype=np.float64)
    if not common or a.sum() <= 0 or b.sum() <= 0:
        return 0.0
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return max(0.0, min(1.0, (kl(a) + kl(b)) / 2))


def emotion_valence(p: Mapping[str, float]) -> float:
    """P(positive emotions) - P(negative emotions), in [-1, 1]."""
    return sum(p.get(l, 0.0) for l in POSITIVE) - sum(p.get(l, 0.0) for l in NEGATIVE)


def _top(p: Mapping[str, float]) -> str:
    return max(p, key=p.get)


def _conflicts(readings: dict[str, dict[str, float]], valence: Mapping[str, float],
               config: FusionConfig) -> list[str]:
    out = []
    names = list(readings)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ta, tb = _top(readings[a]), _top(readings[b])
            jsd = js_divergence(readings[a], readings[b])
            va, vb = valence.get(a, emotion_valence(readings[a])), valence.get(b, emotion_valence(readings[b]))
            if ta != tb and jsd >= config.jsd_bits:
                out.append(f"{a} says {ta}, {b} says {tb} (divergence {jsd:.2f})")
            elif min(va, vb) <= -config.valence and max(va, vb) >= config.valence:
                pos, neg = (a, b) if va > vb else (b, a)
                out.append(f"{pos} reads positive, {neg} negative")
    return out


def fuse(scores: Mapping[str, Mapping[str, float] | None], config: FusionConfig | None = None,
         valence: Mapping[str, float] | None = None) -> Fused | None:
    """Fuse one utterance's per-modality scores (modality -> label -> probability; None or
    empty for a modality that did not read it). ``valence``: modality -> valence in [-1, 1]
    to use for the conflict check instead of the one implied by its emotion scores (e.g. the
    text's sentiment). None when no modality could be used; a modality whose scores cannot be
    used (non-finite, or all on labels outside the canonical ones) is left out and named in
    ``skipped``, never an error: one bad head must not stop a run."""
    config = config or bundled_fusion()
    readings: dict[str, dict[str, float]] = {}
    raw_weight: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for modality, s in scores.items():
        if not s:
            continue
        if any(not math.isfinite(float(v)) or float(v) < 0 for v in s.values()):
            skipped[modality] = "scores are not finite non-negative numbers"
            continue
        p, outside = canonical(calibrated(s, config.temperature(modality)))
        if not p or outside >= 1.0 - 1e-6:
            skipped[modality] = "no mass on the canonical emotions"
            continue
        readings[modality] = p
        raw_weight[modality] = config.weight(modality) * (1.0 - outside)
    if not readings:
        return None
    total = sum(raw_weight.values())
    weights = {m: w / total for m, w in raw_weight.items()}
    known = {l: [m for m in readings if l in readings[m]] for l in EMOTION.labels}
    consensus = {l: (sum(weights[m] * readings[m][l] for m in ms) / sum(weights[m] for m in ms) if ms else 0.0)
                 for l, ms in known.items()}
    fused = dict.fromkeys(EMOTION.labels, 0.0)
    for m, p in readings.items():
        missing = [l for l in EMOTION.labels if l not in p]
        taken = sum(consensus[l] for l in missing)
        shrink = 1.0 / taken if taken > 1.0 else 1.0  # several heads' gaps: never more than all of it
        rest = max(0.0, 1.0 - taken)
        for l in EMOTION.labels:
            fused[l] += weights[m] * (consensus[l] * shrink if l in missing else p[l] * rest)
    z = sum(fused.values())
    fused = {l: v / z for l, v in fused.items()}
    return Fused(_top(fused), fused, weights, readings, _conflicts(readings, valence or {}, config), skipped)
