"""The crisis detector: flags in the writer's own words with quoted evidence, and what it leaves
out (negated, quoted, about or aimed at someone else, idioms), each with its reason; it beats a
plain keyword list on both labelled sets."""
import json
from pathlib import Path

import pytest

from affectkit.screen.crisis import detect_crisis, detect_many, keyword_flag
from affectkit.screen.crisis_similarity import bundled_matcher

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, phrase, category", [
    ("I want to kill myself.", "kill myself", "ideation"),
    ("Honestly I don't want to be alive anymore.", "don't want to be alive", "ideation"),
    ("i wanna die lol", "wanna die", "ideation"),
    ("I cut myself again last night.", "cut myself", "self_harm"),
    ("I've been stockpiling my sleeping pills.", "stockpiling my sleeping pills", "means"),
    ("I have a plan and I wrote the note.", "I have a plan", "plan"),
    ("I'm not sure I want to live anymore.", "not sure I want to live", "ideation"),
    ("Life isn't worth living anymore.", "Life isn't worth living", "ideation"),
])
def test_flags_own_words_with_the_phrase_quoted(text, phrase, category):
    res = detect_crisis(text)
    assert res.flag
    ev = res.evidence[0]
    assert ev["phrase"] == phrase and ev["category"] == category
    assert text[ev["start_char"]:ev["end_char"]] == phrase  # offsets point at the phrase


@pytest.mark.parametrize("text, reason", [
    ("I would never kill myself, I have kids.", "negated"),
    ("I'm not suicidal, just tired.", "negated"),
    ("I don't want to die, I want the pain to stop.", "negated"),
    ("The song goes \"I want to die in your arms tonight\".", "quoted"),
    ("He screamed 'kill yourself' at me.", None),  # no first-person pattern matches at all
    ("My brother tried to kill himself last year.", None),
    ("My best friend committed suicide in March.", "about someone else"),
    ("This traffic is killing me.", None),
    ("I could kill for a coffee.", None),
    ("Some guy online told me to kill myself.", "someone else's words"),
    ("The nurse asked if I'd ever thought about hurting myself.", "a question"),
])
def test_does_not_flag_other_peoples_words_denials_and_idioms(text, reason):
    res = detect_crisis(text)
    assert not res.flag, res.evidence
    if reason:
        assert any(e["reason"].startswith(reason) for e in res.excluded), res.excluded


def test_a_quote_of_ones_own_words_counts_and_past_is_marked():
    res = detect_crisis('I told my therapist "I want to die" and she nodded.')
    assert res.flag and res.evidence[0]["phrase"] == "want to die"
    past = detect_crisis("I tried to kill myself last year.")
    assert past.flag and past.evidence[0]["tense"] == "past"


def test_a_denial_and_a_disclosure_in_one_post():
    res = detect_crisis("I'm not suicidal. But some nights I want to die.")
    assert res.flag and [e["phrase"] for e in res.evidence] == ["want to die"]
    assert res.excluded[0]["phrase"].lower().startswith("i'm not suicidal")


def test_empty_text_and_wrong_type():
    assert detect_crisis("").flag is False and detect_crisis("   ").evidence == []
    with pytest.raises(TypeError):
        detect_crisis(None)


@pytest.mark.parametrize("file", ["crisis_posts.jsonl", "crisis_posts_test.jsonl"])
def test_beats_the_keyword_list_on_the_labelled_sets(file):
    rows = [json.loads(l) for l in (ROOT / "bench" / "data" / file).read_text().splitlines() if l]
    y = [r["crisis"] for r in rows]
    patterns = [detect_crisis(r["text"]).flag for r in rows]
    both = [r.flag for r in detect_many([r["text"] for r in rows], bundled_matcher())]
    kw = [keyword_flag(r["text"]) for r in rows]
    recall = lambda f: sum(a and b for a, b in zip(f, y)) / sum(y)  # noqa: E731
    wrong = lambda f: sum(a != b for a, b in zip(f, y))  # noqa: E731
    assert recall(patterns) >= recall(kw) + 0.2 and wrong(patterns) < wrong(kw)
    assert recall(both) >= 0.8 and recall(both) >= recall(patterns) and wrong(both) < wrong(kw) / 2
