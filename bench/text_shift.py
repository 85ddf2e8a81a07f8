#!/usr/bin/env python
"""The shipped text model under simulated register shift, on the dev splits (issue 21, text).

    python bench/text_shift.py                 # -> bench/results/text_shift.json (a few minutes)
    python bench/text_shift.py --limit 200 --out /tmp/t.json   # a quick run
    python bench/text_shift.py --model /tmp/cand --out bench/results/text_shift_cand.json  # a candidate

The held-out corpora the text head is scored on are other registers than TV dialogue (MELD) and
Reddit / Twitter (GoEmotions, CARER), and none is in ../shared/data. What can be measured here is
how far the readings move when the same texts are written differently. Each condition rewrites
every text (seeded, so a rerun gives the same texts):

- ``clean``: as they are;
- ``no_punctuation``: every punctuation mark removed, apostrophes included ("dont"), as in chat
  and in transcripts made without punctuation;
- ``transcript_style``: punctuation removed but apostrophes kept, as a verbatim transcript
  (DAIC-WOZ's) writes it; the encoder is uncased, so lower-casing changes nothing;
- ``typos``: one letter swapped, dropped or doubled in a tenth of the words of 4+ letters;
- ``elongation``: the last vowel of a tenth of the words written three times ("sooo"), as
  social-media text does.

Scored under the benchmarks' protocols (``affectkit.bench.text_eval``), on **dev** splits only,
so a later recipe can be chosen on these figures and the test splits still read once: MELD dev
(1,109 utterances, emotion and sentiment weighted-F1, dialogue context), CARER val (accuracy),
GoEmotions dev (macro-F1 at the model's stored thresholds, which were tuned on this same dev
split: its clean figure is optimistic, the drops are what to read).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit.train.text_augment import strip_punctuation as no_punctuation  # noqa: E402  (training's own)

VOWELS = "aeiouy"


def typo(word: str, rng: random.Random) -> str:
    """One edit of a word's letters: two neighbours swapped, one dropped or one doubled."""
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    return word[:i + 1] + word[i] + word[i + 1:]


def elongate(word: str) -> str:
    """The word's last vowel written three times ("so" -> "sooo"); unchanged without a vowel."""
    for i in range(len(word) - 1, -1, -1):
        if word[i].lower() in VOWELS:
            return word[:i + 1] + word[i] * 2 + word[i + 1:]
    return word


def _per_word(texts: Sequence[str], seed: int, share: float, edit: Callable[[str, random.Random], str],
              min_letters: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for text in texts:
        words = text.split(" ")
        for j, w in enumerate(words):
            if len(w) >= min_letters and w.isalpha() and rng.random() < share:
                words[j] = edit(w, rng)
        out.append(" ".join(words))
    return out


def conditions(seed: int = 0) -> dict[str, Callable[[Sequence[str]], list[str]] | None]:
    return {
        "clean": None,
        "no_punctuation": lambda ts: [no_punctuation(t) for t in ts],
        "transcript_style": lambda ts: [no_punctuation(t, keep_apostrophes=True) for t in ts],
        "typos": lambda ts: _per_word(ts, seed, 0.1, typo, 4),
        "elongation": lambda ts: _per_word(ts, seed + 1, 0.1, lambda w, _r: elongate(w), 2),
    }


def changed_share(texts: Sequence[str], transform) -> float:
    if transform is None:
        return 0.0
    return round(sum(a != b for a, b in zip(texts, transform(texts))) / max(1, len(texts)), 4)


def _recipe(folder: Path | None) -> dict | None:
    """The recipe beside the model's weights (the params a candidate was trained with)."""
    from affectkit.train.recipes import load_recipe

    try:
        doc = load_recipe("text", folder / "recipe.json" if folder else None)
    except Exception as exc:  # noqa: BLE001 - an older folder without one: say so, carry on
        return {"error": str(exc)}
    return {"model_version": doc["model_version"], "punct_drop": doc["params"].get("punct_drop"),
            "source": doc["source"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="the first N texts of each dev split (a quick run)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "text_shift.json")
    ap.add_argument("--model", type=Path, help="a text model folder (default: the bundled model), e.g. a "
                                              "candidate from bench/train_text.py --dev-only")
    args = ap.parse_args(argv)
    from affectkit.bench.datasets import load_carer, load_goemotions, load_meld
    from affectkit.bench.text_eval import eval_carer, eval_goemotions, eval_meld
    from affectkit.core.labels import GOEMOTIONS_LABELS
    from affectkit.recognize.text_model import TextModel, bundled_text_model

    started = run_started()
    t0 = time.time()
    model = TextModel.load(args.model) if args.model else bundled_text_model()
    thresholds = model.meta.get("goemotions_thresholds") or [0.5] * len(GOEMOTIONS_LABELS)
    samples = {"meld": load_meld("dev").text.tolist(), "carer": load_carer("val").text.tolist(),
               "goemotions": load_goemotions("dev").text.tolist()}
    if args.limit:
        samples = {k: v[:args.limit] for k, v in samples.items()}
    rows: dict[str, dict] = {}
    for name, transform in conditions(args.seed).items():
        print(f"{name}", file=sys.stderr, flush=True)
        meld = eval_meld(model, "dev", args.limit, transform)
        carer = eval_carer(model, "val", args.limit, transform)
        goem = eval_goemotions(model, thresholds, "dev", args.limit, transform)
        rows[name] = {
            "meld_emotion_weighted_f1": meld["emotion"]["weighted_f1"],
            "meld_emotion_per_class_f1": meld["emotion"]["per_class_f1"],
            "meld_sentiment_weighted_f1": meld["sentiment"]["weighted_f1"],
            "carer_accuracy": carer["accuracy"], "goemotions_macro_f1": goem["macro_f1"],
            "texts_changed": {k: changed_share(v, transform) for k, v in samples.items()},
            "example": (transform(samples["meld"][:3]) if transform else samples["meld"][:3]),
        }
    headline = ("meld_emotion_weighted_f1", "meld_sentiment_weighted_f1", "carer_accuracy", "goemotions_macro_f1")
    clean = rows["clean"]
    drops = {name: {k: round(r[k] - clean[k], 4) for k in headline} for name, r in rows.items() if name != "clean"}
    doc = {"benchmark": "the shipped text model under simulated register shift (dev splits)",
           "model": model.name, "model_folder": str(args.model) if args.model else "bundled",
           "model_recipe": _recipe(args.model), "splits": {"meld": "dev", "carer": "val", "goemotions": "dev"},
           "n": {k: len(v) for k, v in samples.items()}, "seed": args.seed, "limit": args.limit,
           "conditions": rows, "change_from_clean": drops, "seconds": round(time.time() - t0, 1)}
    write_results(args.out, doc, argv=argv, seeds=[args.seed], script=__file__, started=started)
    for name, r in rows.items():
        print(f"{name:17s} " + "  ".join(f"{k} {r[k]:.4f}" for k in headline), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
