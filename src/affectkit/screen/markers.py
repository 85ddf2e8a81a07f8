"""Text markers of depression and stress that the literature links to language, per text or per
speaker: what each measures, its value, and the study behind it.

These are *described*, not scored: none of them is a diagnosis, and each is a population-level
association (group means differ; individuals overlap widely). Where no data here validates a
marker, ``MARKERS[name]["validated_here"]`` says so; ``bench/screen_benchmark.py`` measures the
effect size of the text markers on Dreaddit (stressed vs not), the only labelled set here they can
be checked against.
"""
from __future__ import annotations

import re
from typing import Sequence

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
FIRST_SINGULAR = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll", "im", "ive"})
FIRST_PLURAL = frozenset({"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'd", "we'll"})
# Al-Mosaiwi & Johnstone (2018), Table 1: the 19-word absolutist dictionary
ABSOLUTIST = frozenset({"absolutely", "all", "always", "complete", "completely", "constant", "constantly",
                        "definitely", "entire", "ever", "every", "everyone", "everything", "full", "must",
                        "never", "nothing", "totally", "whole"})
NEGATIVE_EMOTIONS = ("anger", "disgust", "fear", "sadness")

# name -> what it measures, the direction the studies found, the citation, and what validates it here
MARKERS: dict[str, dict] = {
    "first_person_singular": {
        "modality": "text", "unit": "share of words",
        "meaning": "I / me / my as a share of all words: self-focused attention",
        "direction": "higher in depression and distress",
        "citation": "Rude, Gortner & Pennebaker (2004), Cognition and Emotion 18(8); meta-analysis: "
                    "Edwards & Holtzman (2017), J. Research in Personality 68 (r = 0.13)",
        "validated_here": "effect size on Dreaddit stressed vs not (bench/results/screen.json#markers)"},
    "absolutist_words": {
        "modality": "text", "unit": "share of words",
        "meaning": "absolutist words (always, never, nothing, completely...) as a share of all words",
        "direction": "higher in anxiety, depression and suicidal-ideation forums",
        "citation": "Al-Mosaiwi & Johnstone (2018), Clinical Psychological Science 6(4)",
        "validated_here": "effect size on Dreaddit stressed vs not (bench/results/screen.json#markers)"},
    "negative_emotion_words": {
        "modality": "text", "unit": "share of words",
        "meaning": "words of the NRC Emotion Lexicon's 'negative' category as a share of all words",
        "direction": "higher in depression",
        "citation": "Rude et al. (2004); lexicon: Mohammad & Turney (2013), Computational Intelligence 29(3)",
        "validated_here": "effect size on Dreaddit stressed vs not (bench/results/screen.json#markers)"},
    "negative_emotion_share": {
        "modality": "text", "unit": "share of utterances",
        "meaning": "utterances our text model reads as anger, disgust, fear or sadness",
        "direction": "higher in depression (negative affect)",
        "citation": "Watson, Clark & Carey (1988), J. Abnormal Psychology 97(3): negative affect in depression",
        "validated_here": "no: no session-level data labelled for depression is here"},
    "speaking_rate": {
        "modality": "voice", "unit": "syllables per second",
        "meaning": "how fast the speaker talks (syllable nuclei per second of speech)",
        "direction": "lower in depression (psychomotor retardation)",
        "citation": "Cannizzaro et al. (2004), Brain and Cognition 56(1); review: Cummins et al. (2015), "
                    "Speech Communication 71",
        "validated_here": "no: no speech labelled for depression or stress is here"},
    "pause_ratio": {
        "modality": "voice", "unit": "share of time",
        "meaning": "share of the speaker's turns spent in pauses",
        "direction": "higher in depression",
        "citation": "Mundt et al. (2012), Biological Psychiatry 72(7); Cummins et al. (2015)",
        "validated_here": "no: no speech labelled for depression or stress is here"},
    "pitch_variability": {
        "modality": "voice", "unit": "semitones",
        "meaning": "pitch range within utterances (median over the session): low = monotonous",
        "direction": "lower (more monotonous) in depression",
        "citation": "Cummins et al. (2015); Mundt et al. (2007), J. Neurolinguistics 20(1)",
        "validated_here": "no: no speech labelled for depression or stress is here"},
    "loudness_variability": {
        "modality": "voice", "unit": "dB (std over utterances)",
        "meaning": "how much the loudness changes from utterance to utterance",
        "direction": "lower in depression",
        "citation": "Cummins et al. (2015)",
        "validated_here": "no: no speech labelled for depression or stress is here"},
    "jitter": {
        "modality": "voice", "unit": "relative period perturbation",
        "meaning": "cycle-to-cycle pitch irregularity",
        "direction": "higher in depression and under stress",
        "citation": "Ozdas et al. (2004), IEEE Trans. Biomed. Eng. 51(9); Cummins et al. (2015)",
        "validated_here": "no: no speech labelled for depression or stress is here"},
    "shimmer": {
        "modality": "voice", "unit": "dB",
        "meaning": "cycle-to-cycle loudness irregularity",
        "direction": "higher in depression",
        "citation": "Ozdas et al. (2004); Cummins et al. (2015)",
        "validated_here": "no: no speech labelled for depression or stress is here"},
    "hnr": {
        "modality": "voice", "unit": "dB",
        "meaning": "harmonics-to-noise ratio: low = breathy or hoarse voice",
        "direction": "lower in depression",
        "citation": "Low et al. (2011), IEEE Trans. Biomed. Eng. 58(3); Cummins et al. (2015)",
        "validated_here": "no: no speech labelled for depression or stress is here"},
    "face_expressivity": {
        "modality": "face", "unit": "share of utterances",
        "meaning": "utterances whose face reading is not neutral: how often the face shows an expression",
        "direction": "lower in depression (flattened affect)",
        "citation": "Girard et al. (2014), Image and Vision Computing 32(10); Renneberg et al. (2005)",
        "validated_here": "no: no video labelled for depression is here"},
    "smiles": {
        "modality": "face", "unit": "share of utterances",
        "meaning": "utterances where the face reads as joy (a smile)",
        "direction": "fewer smiles in depression",
        "citation": "Girard et al. (2014); Scherer et al. (2014), Image and Vision Computing 32(10)",
        "validated_here": "no: no video labelled for depression is here"},
    "expression_variability": {
        "modality": "face", "unit": "mean change",
        "meaning": "how much the facial expression changes within utterances (the face reading's "
                   "expression_change, averaged)",
        "direction": "lower in depression",
        "citation": "Girard et al. (2014)",
        "validated_here": "no: no video labelled for depression is here"},
}


def words(text: str) -> list[str]:
    """Lower-case word tokens (apostrophes kept: "i'm")."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def text_markers(texts: Sequence[str]) -> dict[str, float | None]:
    """The word-level text markers of a set of texts taken together (one speaker's words):
    first-person singular, absolutist and NRC-negative words as shares of all words; None
    when there are no words."""
    from affectkit.perceive.text import nrc_lexicon

    toks = [w for t in texts for w in words(t)]
    if not toks:
        return {"first_person_singular": None, "absolutist_words": None, "negative_emotion_words": None}
    lex = nrc_lexicon()
    n = len(toks)
    return {"first_person_singular": round(sum(w in FIRST_SINGULAR for w in toks) / n, 4),
            "absolutist_words": round(sum(w in ABSOLUTIST for w in toks) / n, 4),
            "negative_emotion_words": round(sum("negative" in lex.get(w, ()) for w in toks) / n, 4)}


def marker_features(texts: Sequence[str]):
    """(n, 4) array per text: the three word-level markers and log word count (features for the
    screening heads beside the sentence embedding)."""
    import numpy as np

    rows = []
    for t in texts:
        m = text_markers([t])
        n = len(words(t))
        rows.append([m["first_person_singular"] or 0.0, m["absolutist_words"] or 0.0,
                     m["negative_emotion_words"] or 0.0, float(np.log1p(n))])
    return np.asarray(rows, dtype=np.float32)
