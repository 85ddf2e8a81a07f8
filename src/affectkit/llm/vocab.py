"""Open-vocabulary emotions: any words an LLM answers with, mapped onto the canonical labels.

An LLM asked freely says "furious", "heartbroken" or "grossed out", not our seven labels.
``map_emotion`` maps one word or phrase, keeping the original:

1. a canonical label itself (``anger disgust fear joy neutral sadness surprise``);
2. the lexicon below (``LEXICON``: about 170 common emotion words and phrases, chosen by hand
   after the Ekman groupings of GoEmotions and the NRC lexicon's categories; a few choices are
   debatable and written down here: *love*, *pride*, *relief*, *gratitude* -> joy as in CARER and
   GoEmotions' Ekman map; *contempt* -> disgust; *confusion* and *curiosity* -> surprise;
   *disappointment*, *guilt*, *shame*, *loneliness* -> sadness; *anxiety*, *nervousness* -> fear;
   *calm*, *bored*, *indifferent* -> neutral), after light normalisation (lower case, "feeling"/
   "very"/"a bit" dropped, -ly/-ness/-ed forms tried);
3. otherwise the label of the nearest lexicon word by cosine similarity of all-MiniLM-L6-v2
   embeddings (the bundled sentence encoder; bare words, no template), if that similarity
   reaches ``MIN_SIMILARITY`` (0.5: on a hand check "serenity" -> serene, "nostalgic" ->
   melancholy pass, "banana" 0.41 and "table" 0.34 do not); else no label ("unknown"). Word
   embeddings are a weak judge of emotion words (antonyms sit close), so the lexicon comes first
   and every mapping says how it was made.

``set_scores`` is set-based precision / recall / F1 of predicted label sets against reference
sets (e.g. GoEmotions' multi-label rows), per item and averaged.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from affectkit.core.labels import EMOTION

CANONICAL = EMOTION.labels

_GROUPS: dict[str, str] = {
    "anger": "angry anger furious fury mad irate enraged rage outraged outrage irritated irritation annoyed "
             "annoyance frustrated frustration resentful resentment hostile hostility livid indignant "
             "exasperated bitter aggravated cross infuriated fuming vexed agitated heated sore "
             "pissed_off fed_up up_in_arms jealous jealousy envious envy irked grumpy",
    "disgust": "disgust disgusted disgusting revolted revulsion repulsed repulsion grossed_out gross "
               "sickened nauseated contempt contemptuous disdain scorn loathing appalled abhorrence "
               "distaste aversion yuck queasy",
    "fear": "fear afraid scared frightened terrified terror anxious anxiety worried worry nervous "
            "nervousness panic panicked panicky dread alarmed uneasy apprehensive apprehension tense "
            "stressed stress insecure horrified horror petrified threatened vulnerable spooked jittery "
            "on_edge concerned concern overwhelmed",
    "joy": "joy joyful happy happiness glad delighted delight pleased cheerful thrilled excited "
           "excitement elated ecstatic content contented satisfied satisfaction amused amusement "
           "love loving affection proud pride grateful gratitude thankful relieved relief hopeful hope "
           "optimistic optimism enthusiastic admiration approval caring euphoric blissful jubilant "
           "merry overjoyed triumphant playful warm tender desire eager",
    "neutral": "neutral calm indifferent bored boredom composed unemotional flat matter_of_fact "
               "detached impassive relaxed okay fine none nothing serene placid even neutrality "
               "uninterested apathetic",
    "sadness": "sad sadness unhappy sorrow sorrowful grief grieving heartbroken depressed depression "
               "down miserable gloomy melancholy despair despairing hopeless disappointed "
               "disappointment lonely loneliness hurt upset devastated regret remorse guilty guilt "
               "ashamed shame embarrassed embarrassment dejected blue crushed discouraged mournful "
               "tearful resigned defeated helpless heavy_hearted let_down melancholic wistful nostalgic mortified "
               "humiliated",
    "surprise": "surprise surprised astonished astonishment amazed amazement shocked shock stunned "
                "startled incredulous disbelief bewildered confused confusion curious curiosity "
                "dumbfounded speechless flabbergasted taken_aback realization wonder awe aghast",
}
# word or phrase -> canonical label ("_" joins the words of a phrase in _GROUPS)
LEXICON: dict[str, str] = {w.replace("_", " "): label for label, words in _GROUPS.items() for w in words.split()}

MIN_SIMILARITY = 0.5
_FILLER = re.compile(r"^(?:i\s+am|i'm|i\s+feel|feeling|feels?|very|really|quite|so|a\s+bit|a\s+little|"
                     r"slightly|somewhat|extremely|deeply|mildly|kind\s+of|sort\s+of|a|an|the)\s+")


@dataclass(frozen=True)
class MappedEmotion:
    """A word as the LLM said it, its canonical label (None: no confident mapping), how it was
    mapped (``canonical``, ``lexicon``, ``embedding``, ``unknown``) and, for embeddings, the
    nearest lexicon word and its cosine similarity."""

    word: str
    label: str | None
    method: str
    similarity: float | None = None
    nearest: str | None = None

    def to_dict(self) -> dict:
        out = {"word": self.word, "label": self.label, "method": self.method}
        if self.similarity is not None:
            out.update(similarity=round(self.similarity, 3), nearest=self.nearest)
        return out


def normalize(word: str) -> str:
    """Lower case, punctuation and filler words ("feeling", "very", "a bit") removed."""
    w = re.sub(r"[^a-z' -]", " ", str(word).lower().replace("\u2019", "'"))
    w = re.sub(r"\s+", " ", w).strip(" -'")
    prev = None
    while prev != w:
        prev, w = w, _FILLER.sub("", w)
    return w


def _variants(w: str) -> list[str]:
    out = [w]
    for suffix, repl in (("ly", ""), ("ness", ""), ("iness", "y"), ("ily", "y"), ("ed", ""), ("ed", "e"),
                         ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            out.append(w[: -len(suffix)] + repl)
    return out


def lexicon_label(word: str) -> str | None:
    """The canonical label of ``word`` by the lexicon alone, or None."""
    w = normalize(word)
    for v in _variants(w):
        if v in CANONICAL:
            return v
        if v in LEXICON:
            return LEXICON[v]
    return None


@functools.lru_cache(maxsize=1)
def _lexicon_matrix() -> np.ndarray:
    return _embed(tuple(LEXICON))


def _embed(texts: tuple[str, ...]) -> np.ndarray:
    from affectkit.perceive.text import MiniLMEmbedding

    return MiniLMEmbedding().embed(list(texts))


def map_emotion(word: str, embeddings: bool = True, min_similarity: float = MIN_SIMILARITY) -> MappedEmotion:
    """One open-vocabulary emotion word -> its canonical label (see the module doc)."""
    return map_emotions([word], embeddings=embeddings, min_similarity=min_similarity)[0]


def map_emotions(words: Sequence[str], embeddings: bool = True,
                 min_similarity: float = MIN_SIMILARITY) -> list[MappedEmotion]:
    """``map_emotion`` for many words, embedding the unknown ones in one batch."""
    out: list[MappedEmotion | None] = []
    unknown: list[int] = []
    for i, word in enumerate(words):
        w = normalize(word)
        label = lexicon_label(w)
        if label is not None:
            out.append(MappedEmotion(str(word), label, "canonical" if w in CANONICAL else "lexicon"))
        elif not w:
            out.append(MappedEmotion(str(word), None, "unknown"))
        else:
            out.append(None)
            unknown.append(i)
    if unknown and embeddings:
        sims = _embed(tuple(normalize(words[i]) for i in unknown)) @ _lexicon_matrix().T
        vocab = list(LEXICON)
        for row, i in zip(sims, unknown):
            j = int(np.argmax(row))
            ok = float(row[j]) >= min_similarity
            out[i] = MappedEmotion(str(words[i]), LEXICON[vocab[j]] if ok else None, "embedding" if ok else "unknown",
                                   float(row[j]), vocab[j])
    return [m if m is not None else MappedEmotion(str(words[i]), None, "unknown") for i, m in enumerate(out)]


def label_set(words: Iterable[str], embeddings: bool = True) -> set[str]:
    """The canonical labels of some open-vocabulary words (unmapped words dropped)."""
    return {m.label for m in map_emotions(list(words), embeddings=embeddings) if m.label}


def set_prf(predicted: Iterable[str], reference: Iterable[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of one predicted set against one reference set. Conventions:
    both empty -> (1, 1, 1); an empty prediction has precision 0 (it claimed nothing right)
    and an empty reference recall 0, unless both are empty."""
    p, r = set(predicted), set(reference)
    if not p and not r:
        return 1.0, 1.0, 1.0
    hit = len(p & r)
    prec = hit / len(p) if p else 0.0
    rec = hit / len(r) if r else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def set_scores(predicted: Sequence[Iterable[str]], reference: Sequence[Iterable[str]]) -> dict[str, float]:
    """Set-based scores over items: ``sample_*`` are per-item precision / recall / F1 averaged
    over items (``set_prf``); ``micro_*`` pool the hits and set sizes of all items."""
    if len(predicted) != len(reference):
        raise ValueError(f"{len(predicted)} predicted sets but {len(reference)} reference sets")
    if not len(predicted):
        raise ValueError("no items to score")
    rows = np.array([set_prf(p, r) for p, r in zip(predicted, reference)])
    hits = sum(len(set(p) & set(r)) for p, r in zip(predicted, reference))
    n_pred = sum(len(set(p)) for p in predicted)
    n_ref = sum(len(set(r)) for r in reference)
    mp = hits / n_pred if n_pred else 0.0
    mr = hits / n_ref if n_ref else 0.0
    return {"sample_precision": float(rows[:, 0].mean()), "sample_recall": float(rows[:, 1].mean()),
            "sample_f1": float(rows[:, 2].mean()), "micro_precision": mp, "micro_recall": mr,
            "micro_f1": 2 * mp * mr / (mp + mr) if mp + mr else 0.0, "n": len(predicted)}
