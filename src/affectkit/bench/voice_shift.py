"""Domain-shift evaluation of speech-emotion recipes on EmoDB (issue 21).

Leave-one-speaker-out alone flatters a head trained on one studio's ten actors reading ten
sentences: the test speaker is new, but the words, microphone, room and level are not. This
module scores a *recipe* (head parameters, training augmentation, what boredom becomes) under:

- ``loso``: strict leave-one-speaker-out (10 folds), clean test files;
- ``speaker+sentence``: 10 folds, each testing a pair of speakers on one half of the ten
  sentences with a head trained on the other eight speakers and the *other* half of the
  sentences (new voices and new words at once); every file is tested once;
- conditions: the LOSO heads read altered copies of their test speaker's files (noise, rooms,
  codecs, speed, pitch, level, length; ``bench/voice_conditions.py``).

Figures are in the *canonical* label space the output uses: EmoDB's boredom counts as neutral in
the truth, and the prediction is the canonical label the head's output gives (``canonical``), so
"neutral recall" is what a user of the output sees. The head's own 7-class UAR is also given.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, recall_score

from affectkit.bench import metrics
from affectkit.recognize.voice_affect import canonical_scores

CANONICAL6 = ("anger", "disgust", "fear", "joy", "neutral", "sadness")  # EmoDB has no surprise


def canonical_truth(y: Sequence[str]) -> np.ndarray:
    """EmoDB labels in the canonical space: boredom counts as neutral."""
    return np.asarray(["neutral" if v == "boredom" else str(v) for v in y])


def training_labels(y: Sequence[str], boredom: str) -> np.ndarray:
    """Labels a head is fitted on: ``boredom`` "keep" (its own class) or "merge" (into neutral)."""
    if boredom not in ("keep", "merge"):
        raise ValueError(f"boredom must be 'keep' or 'merge', got {boredom!r}")
    return np.asarray(y).astype(str) if boredom == "keep" else canonical_truth(y)


def sentence_halves(sentences: Sequence[str]) -> dict[str, int]:
    """The ten sentence codes split into two fixed halves (sorted order, alternating)."""
    return {s: i % 2 for i, s in enumerate(sorted(set(sentences)))}


def folds(df: pd.DataFrame, scheme: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, train mask, test mask) per fold. ``loso``: one per speaker; ``speaker+sentence``:
    per pair of speakers (sorted, consecutive) and sentence half, training on the other
    speakers and the other half."""
    spk = df.speaker.astype(str).to_numpy()
    if scheme == "loso":
        return [(s, spk != s, spk == s) for s in sorted(set(spk))]
    if scheme == "speaker+sentence":
        half = df.sentence.map(sentence_halves(df.sentence)).to_numpy()
        names = sorted(set(spk))
        pairs = [names[i:i + 2] for i in range(0, len(names), 2)]
        return [(f"{'+'.join(p)}/h{h}", ~np.isin(spk, p) & (half != h), np.isin(spk, p) & (half == h))
                for p in pairs for h in (0, 1)]
    raise ValueError(f"unknown fold scheme {scheme!r}")


def summarise(y_true: Sequence[str], pred: Sequence[str], labels: Sequence[str] = CANONICAL6) -> dict[str, Any]:
    """UAR, accuracy, per-class recall and confusion (rows truth, columns prediction)."""
    y_true, pred = np.asarray(y_true).astype(str), np.asarray(pred).astype(str)
    rec = recall_score(y_true, pred, labels=list(labels), average=None, zero_division=0)
    present = [l for l in labels if l in set(y_true)]
    return {"uar": round(float(np.mean([r for l, r in zip(labels, rec) if l in present])), 4),
            "accuracy": round(metrics.accuracy(y_true, pred), 4),
            "per_class_recall": {l: round(float(r), 4) for l, r in zip(labels, rec)},
            "neutral_recall": round(float(rec[list(labels).index("neutral")]), 4) if "neutral" in labels else None,
            "predicted_share": {l: round(float(np.mean(pred == l)), 4) for l in labels},
            "confusion": confusion_matrix(y_true, pred, labels=list(labels)).tolist(), "n": int(len(y_true))}


class Recipe:
    """A head, its training augmentation (copies per file) and what boredom becomes.

    ``boredom``: "keep" trains a 7-class head; "merge" trains on boredom files labelled neutral.
    ``output``: how a 7-class head's boredom is shown ("hide": dropped, the canonical labels
    renormalised, today's behaviour; "neutral": its mass added to neutral)."""

    def __init__(self, name: str, head: Any, copies: int = 0, boredom: str = "keep", output: str = "hide") -> None:
        self.name, self.head, self.copies, self.boredom, self.output = name, head, copies, boredom, output

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "head": {k: v for k, v in self.head.get_params().items()},
                "augmented_copies": self.copies, "boredom": self.boredom, "output": self.output}

    def fit(self, X: pd.DataFrame, y: Sequence[str], X_aug: pd.DataFrame | None, mask: np.ndarray) -> Any:
        """Fit a clone on the clean rows in ``mask`` plus their first ``copies`` altered copies."""
        rows = [np.asarray(X)[mask]]
        labels = [training_labels(np.asarray(y)[mask], self.boredom)]
        if self.copies and X_aug is not None:
            A = X_aug.to_numpy()
            n_copies = A.shape[0] // len(X)
            A = A.reshape(len(X), n_copies, -1)[mask][:, : self.copies]
            ok = np.isfinite(A).all(axis=2)
            rows.append(A[ok])
            labels.append(np.repeat(labels[0][:, None], A.shape[1], axis=1)[ok])
        train = pd.DataFrame(np.concatenate(rows), columns=X.columns)
        return clone(self.head).fit(train, np.concatenate(labels))



def recipe_matrices(params: Mapping[str, Any], limit_per_speaker_class: int | None = None,
                    speakers: tuple[str, ...] | None = None, jobs: int = 1, cache_root: str | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, Recipe, list[str]]:
    """What a voice recipe (``recipe.json``'s params) trains on: the EmoDB table, its clean features
    (index reset), the features of its altered copies (None without augmentation), the ``Recipe``
    and the copies that failed. One place, so training, calibration and the fusion composites
    refit exactly the shipped recipe."""
    from affectkit.bench.voice_eval import emodb_matrix
    from affectkit.recognize.voice_head import VoiceEmotionHead
    from affectkit.train.augment import condition_features, train_chains
    from affectkit.train.voice import make_extractor

    extractor = make_extractor(**params["extractor"])
    df, X = emodb_matrix(limit_per_speaker_class, speakers=speakers, jobs=jobs, cache_root=cache_root,
                         extractor=extractor)
    X = X.reset_index(drop=True)
    aug = params.get("augment") or {"copies": 0, "seed": 0}
    copies = int(aug["copies"])
    X_aug, failed = None, []
    if copies:
        X_aug, failed = condition_features(df.path.tolist(), [[train_chains(f, k, aug["seed"]) for k in range(copies)]
                                                              for f in df.path], extractor, cache_root, jobs)
    recipe = Recipe("voice.emotion", VoiceEmotionHead(**params["head"]), copies,
                    params.get("boredom", "keep"), params.get("output", "hide"))
    return df, X, X_aug, recipe, failed


def out_of_fold(recipe: Recipe, df: pd.DataFrame, X: pd.DataFrame, X_aug: pd.DataFrame | None) -> dict[str, Any]:
    """Strict leave-one-speaker-out probabilities of ``recipe`` in its head's own label space
    (``labels``), with the labels it is trained on (``truth``: boredom merged where the recipe
    merges it) and each file's speaker."""
    y = df.emotion.astype(str).to_numpy()
    truth = training_labels(y, recipe.boredom)
    labels = sorted(set(truth))
    proba = np.zeros((len(y), len(labels)))
    for _, train, test in folds(df, "loso"):
        model = recipe.fit(X, y, X_aug, train)
        proba[np.ix_(test, [labels.index(str(c)) for c in model.classes_])] = model.predict_proba(X[test])
    pred = np.asarray(labels)[proba.argmax(axis=1)]
    return {"labels": labels, "proba": proba, "truth": truth, "speaker": df.speaker.to_numpy(dtype=str),
            "uar": round(metrics.uar(truth, pred), 4), "accuracy": round(metrics.accuracy(truth, pred), 4)}


def evaluate(recipe: Recipe, df: pd.DataFrame, X: pd.DataFrame, X_aug: pd.DataFrame | None,
             conditions: Mapping[str, pd.DataFrame] | None = None,
             schemes: Sequence[str] = ("loso", "speaker+sentence"),
             outputs: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per output mapping (``outputs``, default the recipe's): the recipe's canonical figures per
    fold scheme and, from the LOSO heads, per condition (over the rows a condition has: NaN rows
    of its matrix are files it was not applied to). The heads are fitted once for all mappings."""
    y = df.emotion.astype(str).to_numpy()
    truth = canonical_truth(y)
    outputs = list(outputs or [recipe.output])
    conditions = dict(conditions or {})
    res: dict[str, dict[str, Any]] = {o: {"recipe": {**recipe.describe(), "output": o}} for o in outputs}
    for scheme in schemes:
        pred = {o: np.empty(len(y), dtype=object) for o in outputs}
        own = np.empty(len(y), dtype=object)
        cond_pred = {(c, o): np.full(len(y), None, dtype=object) for c in conditions for o in outputs} \
            if scheme == "loso" else {}
        for _, train, test in folds(df, scheme):
            model = recipe.fit(X, y, X_aug, train)
            classes = [str(c) for c in model.classes_]
            probs = model.predict_proba(X[test])
            own[test] = model.predict(X[test])
            for o in outputs:
                pred[o][test] = [canonical_scores(classes, p, o)[0] for p in probs]
            for c in (conditions if cond_pred else ()):
                Xc = conditions[c]
                rows = test & np.isfinite(Xc.to_numpy()).all(axis=1)
                if rows.any():
                    pc = model.predict_proba(Xc[rows])
                    for o in outputs:
                        cond_pred[(c, o)][rows] = [canonical_scores(classes, p, o)[0] for p in pc]
        native = training_labels(y, recipe.boredom)
        for o in outputs:
            r = summarise(truth, pred[o])
            n = summarise(native, own.astype(str), sorted(set(native)))
            r["native_uar"], r["native_accuracy"] = n["uar"], n["accuracy"]
            r["native_per_class_recall"] = n["per_class_recall"]
            res[o][scheme] = r
            if cond_pred:
                res[o]["conditions"] = {}
                for c in conditions:
                    p = cond_pred[(c, o)]
                    have = np.asarray([v is not None for v in p])
                    res[o]["conditions"][c] = summarise(truth[have], p[have])
    return res


def dev_score(result: Mapping[str, Any], dev_conditions: Sequence[str]) -> float:
    """The number a recipe is chosen by: the mean canonical UAR over the speaker+sentence folds
    and the LOSO heads on each dev condition (never a test condition)."""
    parts = [result["speaker+sentence"]["uar"]] + [result["conditions"][c]["uar"] for c in dev_conditions]
    return round(float(np.mean(parts)), 4)
