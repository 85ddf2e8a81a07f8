"""Late fusion of the emotion heads: one answer per utterance from whatever modalities read it.

Generic over a mapping modality -> that head's scores (``{"text": {...}, "voice": {...}}``;
adding ``"face": {...}`` is all a new modality needs). For one utterance:

1. Calibrate: each head's scores are temperature-scaled with its T (``calibration.json``,
   fit by bench/calibrate.py on the head's held-out data), over the head's own labels.
2. Map to the canonical 7 emotions. Mass on labels outside them (EmoDB's ``boredom``) is an
   abstention; a canonical label the head cannot express at all (the voice head has no
   ``surprise``) is an abstention too: the head neither confirms nor denies a surprise the words show.
3. Pool. Two rules (``FusionConfig.rule``):

   ``evidence`` (the shipped one, fit by bench/fusion_composites.py). Each head's reading is
   turned into evidence: the log-ratio of its calibrated probability to its *usual* reading (its
   mean calibrated reading on its own dev data), log q(y) - log prior(y). A text head that says
   "neutral 0.6" where it says neutral 0.42 on average brings little evidence for neutral; a face
   that says sadness 0.5 where it usually says 0.15 brings a lot. Labels a head cannot express get
   evidence 0 (likelihood ratio 1). A head can be wrong (a voice out of its domain, a face
   that smiles for the camera), so its likelihood ratio r = q(y) / prior(y) is contaminated:
   with probability ``contamination`` (eps) its reading is taken to say nothing about the
   emotion, and the evidence is log(eps + (1 - eps) r). That is close to log r where the head
   speaks for a label, and never below log eps where it speaks against one: one confident head
   cannot veto another head's label, so in a two-head conflict the answer is one of the two
   labels, not a third that neither head speaks against. The fused log-scores are a neutral
   bias plus the sum of each head's evidence times its evidence weight, times (1 - its
   abstention mass) ** power; a softmax makes them probabilities. This is the log-linear pool of conditionally independent
   experts (Bayes' rule with each head's robust likelihood ratio), with the weights, the neutral
   bias, the abstention power and the contamination fitted by NLL on dev composites. ``weights`` (the modality shares)
   are each head's evidence weight times how far its reading is from its usual one
   (KL divergence in bits), renormalised: a head that reads what it always reads has a small share.
   One modality alone is exactly that modality's calibrated reading.

   ``linear`` (the rule before, kept as the baseline): weighted mean (a linear opinion pool) with
   each modality's prior weight times (1 - its abstention mass), renormalised over the modalities
   present; a head's missing label takes the weighted consensus of the heads that know it.

   Either way a missing or unusable modality (None, empty scores) is simply left out.
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
from typing import Mapping, Sequence

import numpy as np

from affectkit.core.errors import ModelError
from affectkit.core.once import once
from affectkit.core.labels import EMOTION
from affectkit.recognize.calibrate import temperature_scale

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "fusion"
CONFIG_FILE = "calibration.json"
POSITIVE = ("joy",)
NEGATIVE = ("anger", "disgust", "fear", "sadness")


RULES = ("evidence", "linear")
EVIDENCE_FLOOR = 1e-4  # probabilities are clipped here before the log: one head's 0 must not veto a label


@dataclass(frozen=True)
class FusionConfig:
    """Per-modality temperatures, the pooling rule and its parameters, and the conflict
    thresholds. ``weights``: the linear rule's prior weights; ``evidence_weights``, ``priors``
    (modality -> its usual calibrated reading over its own labels), ``neutral_bias``,
    ``abstain_power`` and ``contamination`` (the chance a head's reading says nothing, which
    floors its evidence against a label at log of it; 0: no floor): the evidence rule's. A modality without an entry gets T = 1
    (uncalibrated), weight 1, evidence weight 1 and a uniform prior."""

    temperatures: Mapping[str, float] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    jsd_bits: float = 0.35
    valence: float = 0.35
    name: str = "late-fusion@0"
    rule: str = "linear"
    evidence_weights: Mapping[str, float] = field(default_factory=dict)
    priors: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    neutral_bias: float = 0.0
    abstain_power: float = 1.0
    contamination: float = 0.0

    def temperature(self, modality: str) -> float:
        return float(self.temperatures.get(modality, 1.0))

    def weight(self, modality: str) -> float:
        return float(self.weights.get(modality, 1.0))

    def evidence_weight(self, modality: str) -> float:
        return float(self.evidence_weights.get(modality, 1.0))

    def prior(self, modality: str, labels: Sequence[str]) -> dict[str, float]:
        """The head's usual reading over ``labels`` (renormalised); uniform when unknown."""
        known = self.priors.get(modality, {})
        p = {l: float(known[l]) for l in labels if l in known and float(known[l]) > 0}
        if len(p) < len(labels):
            return {l: 1.0 / len(labels) for l in labels}
        z = sum(p.values())
        return {l: v / z for l, v in p.items()}

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
            pool = raw.get("pool") or {"rule": "linear"}
            ew = {str(k): float(v) for k, v in pool.get("evidence_weights", {}).items()}
            priors = {str(m): {str(l): float(v) for l, v in p.items()} for m, p in pool.get("priors", {}).items()}
            config = cls(temps, weights, float(conflict.get("jsd_bits", cls.jsd_bits)),
                         float(conflict.get("valence", cls.valence)),
                         f"{raw.get('name', 'late-fusion')}@{raw.get('version', '0')}",
                         str(pool["rule"]), ew, priors, float(pool.get("neutral_bias", 0.0)),
                         float(pool.get("abstain_power", 1.0)), float(pool.get("contamination", 0.0)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"fusion settings in {path} are incomplete: {exc}") from exc
        bad = [k for k, v in {**temps, **weights, **ew}.items() if not (math.isfinite(v) and v > 0)]
        if bad:
            raise ModelError(f"fusion settings in {path}: temperatures and weights must be positive ({bad})")
        if config.rule not in RULES:
            raise ModelError(f"fusion settings in {path}: unknown pooling rule {config.rule!r} (known: {', '.join(RULES)})")
        if not (math.isfinite(config.neutral_bias) and math.isfinite(config.abstain_power) and config.abstain_power >= 0):
            raise ModelError(f"fusion settings in {path}: neutral_bias and abstain_power must be finite "
                             "(abstain_power >= 0)")
        if not (math.isfinite(config.contamination) and 0.0 <= config.contamination < 1.0):
            raise ModelError(f"fusion settings in {path}: contamination must be in [0, 1)")
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
    plain-words reasons, empty when the modalities agree; ``information``: (evidence rule) how
    far each reading is from that head's usual one, in bits; ``abstained``: each head's calibrated
    mass on its labels outside the canonical ones (label -> mass; only heads that have such labels)."""

    label: str
    scores: dict[str, float]
    weights: dict[str, float]
    readings: dict[str, dict[str, float]]
    conflicts: list[str]
    skipped: dict[str, str] = field(default_factory=dict)
    information: dict[str, float] = field(default_factory=dict)  # evidence rule: KL from the usual reading, bits
    abstained: dict[str, dict[str, float]] = field(default_factory=dict)  # calibrated mass on labels outside the 7

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


def robust(log_ratio: np.ndarray, contamination: float) -> np.ndarray:
    """Contaminated log likelihood ratio, log(eps + (1 - eps) exp(log_ratio)): the head's reading
    is trusted with probability 1 - eps, otherwise it says nothing (ratio 1). Never below log eps;
    0 stays 0. eps = 0 returns ``log_ratio`` unchanged. Vectorised (the fit uses it too)."""
    if contamination <= 0.0:
        return log_ratio
    return np.logaddexp(math.log(contamination), math.log1p(-contamination) + log_ratio)


def evidence(reading: Mapping[str, float], prior: Mapping[str, float],
             contamination: float = 0.0) -> tuple[np.ndarray, float]:
    """One head's evidence over the 7 canonical emotions, log q(y) - log prior(y) (natural log;
    0 for a label the head cannot express: likelihood ratio 1), made robust with
    ``contamination`` (see :func:`robust`), and how much it says: the KL divergence of its
    reading from its usual one, in bits. ``reading`` and ``prior`` are over the same canonical
    labels, each summing to 1."""
    e = np.zeros(len(EMOTION.labels))
    kl = 0.0
    for i, l in enumerate(EMOTION.labels):
        if l in reading:
            q, p = max(float(reading[l]), EVIDENCE_FLOOR), max(float(prior[l]), EVIDENCE_FLOOR)
            e[i] = math.log(q) - math.log(p)
            kl += float(reading[l]) * (math.log(q) - math.log(p))
    return robust(e, contamination), max(0.0, kl / math.log(2))


def evidence_pool(evidence_rows: np.ndarray, strengths: np.ndarray, neutral_bias: float) -> np.ndarray:
    """The evidence rule's fused distribution(s): softmax over the labels of neutral_bias (on
    neutral) + sum over heads of strength x evidence. ``evidence_rows``: [..., heads, 7];
    ``strengths``: [..., heads] (0 for an absent head). Vectorised: bench/fusion_composites.py
    fits the parameters with this same function."""
    z = np.einsum("...m,...ml->...l", strengths, evidence_rows)
    z[..., EMOTION.labels.index("neutral")] += neutral_bias
    z -= z.max(axis=-1, keepdims=True)
    ez = np.exp(z)
    return ez / ez.sum(axis=-1, keepdims=True)


def _linear(readings: dict[str, dict[str, float]], raw_weight: dict[str, float]) -> tuple[dict, dict]:
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
    return {l: v / z for l, v in fused.items()}, weights


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
    outside: dict[str, float] = {}
    abstained: dict[str, dict[str, float]] = {}
    skipped: dict[str, str] = {}
    for modality, s in scores.items():
        if not s:
            continue
        if any(not math.isfinite(float(v)) or float(v) < 0 for v in s.values()):
            skipped[modality] = "scores are not finite non-negative numbers"
            continue
        cal = calibrated(s, config.temperature(modality))
        p, out = canonical(cal)
        if not p or out >= 1.0 - 1e-6:
            skipped[modality] = "no mass on the canonical emotions"
            continue
        readings[modality], outside[modality] = p, out
        extra = {l: v for l, v in cal.items() if l not in EMOTION.labels}
        if extra:
            abstained[modality] = extra
    if not readings:
        return None
    info: dict[str, float] = {}
    if config.rule == "evidence":
        rows, strength = [], {}
        for m, p in readings.items():
            e, info[m] = evidence(p, config.prior(m, list(p)), config.contamination)
            rows.append(e)
            strength[m] = config.evidence_weight(m) * (1.0 - outside[m]) ** config.abstain_power
        if len(readings) == 1:  # one modality is its own answer (its missing labels get nothing)
            (m, p), = readings.items()
            fused, weights = {l: p.get(l, 0.0) for l in EMOTION.labels}, {m: 1.0}
        else:
            row = evidence_pool(np.asarray(rows), np.asarray(list(strength.values())), config.neutral_bias)
            fused = dict(zip(EMOTION.labels, row.tolist()))
            said = {m: strength[m] * info[m] for m in readings}
            total = sum(said.values())
            if total <= 1e-9:  # every head reads exactly what it usually reads: shares by strength
                said, total = strength, sum(strength.values())
            weights = {m: v / total for m, v in said.items()}
    else:
        fused, weights = _linear(readings, {m: config.weight(m) * (1.0 - outside[m]) for m in readings})
    return Fused(_top(fused), fused, weights, readings, _conflicts(readings, valence or {}, config), skipped,
                 info, abstained)
