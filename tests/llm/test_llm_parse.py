"""Reading replies: JSON found in chatter and fences, labels read leniently but honestly, and
refusals, truncation and malformed replies told apart."""
import pytest

from affectkit.llm.client import ChatReply
from affectkit.llm.errors import LLMRefusal, LLMReplyError, LLMTruncated
from affectkit.llm.parse import find_json, parse_json, parse_label
from affectkit.llm.vocab import LEXICON

LABELS = ["anger", "joy", "neutral", "sadness"]


def r(text, finish="stop", refusal=None):
    return ChatReply(text=text, finish_reason=finish, model="m", refusal=refusal)


@pytest.mark.parametrize("text,obj", [
    ('{"emotion": "joy"}', {"emotion": "joy"}),
    ('Sure! Here it is:\n```json\n{"emotion": "anger", "reasoning": "caps {and} braces"}\n```\nHope it helps.',
     {"emotion": "anger", "reasoning": "caps {and} braces"}),
    ('The answer is {"emotion": "sadness",} ok', {"emotion": "sadness"}),
    ('{not json} then {"emotion": "joy", "emotion_words": ["glad", "relieved"]}',
     {"emotion": "joy", "emotion_words": ["glad", "relieved"]}),
    ('<think>maybe {"emotion": "joy"}? no.</think>\n{"emotion": "anger"}', {"emotion": "anger"}),
    ('{"reasoning": "she says \\"I quit\\" }", "emotion": "anger"}', {"reasoning": 'she says "I quit" }', "emotion": "anger"}),
])
def test_json_is_found_in_chatter_fences_and_near_misses(text, obj):
    assert find_json(text) == obj
    assert parse_json(r(text)) == obj


def test_truncated_refused_and_malformed_replies_are_told_apart():
    with pytest.raises(LLMTruncated, match="token limit"):
        parse_json(r('{"emotion": "joy", "reasoning": "the speaker', finish="length"))
    with pytest.raises(LLMReplyError) as err:
        parse_json(r('{"emotion": "joy", "reasoning": "the speaker'))
    assert type(err.value) is LLMReplyError and err.value.kind == "malformed"
    with pytest.raises(LLMRefusal):
        parse_json(r("I'm sorry, but I can't help with analysing people's emotions."))
    with pytest.raises(LLMRefusal, match="policy"):
        parse_json(r("", refusal="against policy"))
    with pytest.raises(LLMReplyError, match="empty"):
        parse_json(r(""))
    with pytest.raises(LLMReplyError, match="lacks 'emotion'"):
        parse_json(r('{"label": "joy"}'), required=["emotion"])
    # a complete object is accepted even if the server says it stopped at the limit
    assert parse_json(r('{"emotion": "joy"}', finish="length")) == {"emotion": "joy"}


def test_labels_from_json_lines_and_single_mentions():
    got = parse_label(r('{"reasoning": "shouting", "emotion": "Anger"}'), LABELS)
    assert (got.label, got.how, got.reasoning) == ("anger", "json", "shouting")
    assert parse_label(r("Let me think.\nEmotion: **sadness**"), LABELS).how == "line"
    assert parse_label(r("<think>anger? sadness?</think>Emotion: joy"), LABELS).label == "joy"
    got = parse_label(r("This sounds like joy to me."), LABELS)
    assert (got.label, got.how) == ("joy", "mention")
    # two labels named, none chosen: no answer rather than a guess
    with pytest.raises(LLMReplyError):
        parse_label(r("It could be anger or sadness."), LABELS)
    # a JSON answer outside the label set is an error, not a silent mapping...
    with pytest.raises(LLMReplyError, match="not one of"):
        parse_label(r('{"emotion": "furious"}'), LABELS)
    # ...unless synonyms are given, and then the raw word is kept
    got = parse_label(r('{"emotion": "furious"}'), LABELS, synonyms=LEXICON)
    assert (got.label, got.raw) == ("anger", "furious")
    with pytest.raises(LLMRefusal):
        parse_label(r("I cannot determine the emotion of real people, sorry."), LABELS)
    with pytest.raises(LLMTruncated):
        parse_label(r('{"reasoning": "The speaker is', finish="length"), LABELS)
