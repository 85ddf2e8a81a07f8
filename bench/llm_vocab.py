#!/usr/bin/env python
"""How well the open-vocabulary mapping (affectkit.llm.vocab) maps emotion words it
has never seen onto the canonical labels.

    python bench/llm_vocab.py        # -> bench/results/llm_vocab.json

Held-out words: NRC EmoLex words (the nrclex package) tagged with exactly one of anger,
disgust, fear, joy, sadness, surprise and absent from our lexicon; their NRC category is the
reference. Each is mapped by embedding similarity alone (the step that handles words outside
the lexicon): the label of the nearest lexicon word, if the cosine similarity reaches the
threshold. Reported: coverage (share mapped) and accuracy on the mapped words, at several
thresholds, plus leave-one-out on the lexicon itself (each word mapped by its nearest *other*
lexicon word). Deterministic: no sampling.
"""
from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.llm.vocab import LEXICON, MIN_SIMILARITY, _embed, lexicon_label  # noqa: E402
from affectkit.perceive.text import nrc_lexicon  # noqa: E402

SIX = ("anger", "disgust", "fear", "joy", "sadness", "surprise")
THRESHOLDS = (0.0, 0.4, 0.5, 0.6)


def at_thresholds(sim: np.ndarray, pred: np.ndarray, gold: list[str]) -> dict:
    out = {}
    gold_a = np.array(gold)
    for t in THRESHOLDS:
        kept = sim >= t
        out[f"{t:.1f}"] = {"coverage": round(float(kept.mean()), 4),
                           "accuracy_on_mapped": round(float((pred[kept] == gold_a[kept]).mean()), 4) if kept.any() else None,
                           "mapped": int(kept.sum())}
    return out


def main() -> int:
    started = run_started()
    start = time.perf_counter()
    vocab = list(LEXICON)
    labels = np.array([LEXICON[w] for w in vocab])
    lex = _embed(tuple(vocab))
    # held out: NRC words with exactly one of the six emotion categories, unknown to our lexicon
    held, gold = [], []
    for word, cats in sorted(nrc_lexicon().items()):
        emo = [c for c in cats if c in SIX]
        if len(emo) == 1 and " " not in word and lexicon_label(word) is None:
            held.append(word)
            gold.append(emo[0])
    sims = _embed(tuple(held)) @ lex.T
    j = sims.argmax(axis=1)
    nrc = at_thresholds(sims[np.arange(len(held)), j], labels[j], gold)
    majority = max(set(gold), key=gold.count)
    # leave-one-out on the lexicon (neutral included)
    loo = lex @ lex.T
    np.fill_diagonal(loo, -np.inf)
    k = loo.argmax(axis=1)
    lexicon_loo = at_thresholds(loo[np.arange(len(vocab)), k], labels[k], list(labels))
    res = {"threshold_in_use": MIN_SIMILARITY, "lexicon_words": len(vocab),
           "nrc_held_out": {"n": len(held), "by_threshold": nrc,
                            "majority_class": majority, "majority_accuracy": round(gold.count(majority) / len(gold), 4),
                            "class_counts": {c: gold.count(c) for c in SIX}},
           "lexicon_leave_one_out": {"n": len(vocab), "by_threshold": lexicon_loo},
           "encoder": "all-MiniLM-L6-v2 (bare words)", "seconds": round(time.perf_counter() - start, 2),
           "affectkit_version": __version__, "python": platform.python_version()}
    out = ROOT / "bench" / "results" / "llm_vocab.json"
    write_results(out, res, script=__file__, started=started, indent=2)
    t = f"{MIN_SIMILARITY:.1f}"
    print(f"NRC held-out ({len(held)} words): at {t}, coverage {nrc[t]['coverage']:.1%}, accuracy on mapped "
          f"{nrc[t]['accuracy_on_mapped']:.1%} (majority class {res['nrc_held_out']['majority_accuracy']:.1%}); "
          f"lexicon leave-one-out: coverage {lexicon_loo[t]['coverage']:.1%}, accuracy "
          f"{lexicon_loo[t]['accuracy_on_mapped']:.1%} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
