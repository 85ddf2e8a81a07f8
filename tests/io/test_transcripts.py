import json

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from affectkit.core.errors import TranscriptError
from affectkit.io.transcripts import parse_timestamp, parse_transcript, read_transcript

SRT = """1
00:00:01,000 --> 00:00:02,500
Ann: Hello there!

2
00:00:02,500 --> 00:00:04,000
<i>How are</i>
you?
"""

VTT = """WEBVTT

NOTE a comment

intro
00:01.000 --> 00:02.000 align:start
<v Bob>I'm fine.</v>

00:00:02.000 --> 00:00:03.250
<v.loud Ann>Great!
"""


def write(tmp_path, name, content, binary=False):
    p = tmp_path / name
    p.write_bytes(content if binary else content.encode("utf-8"))
    return p


def test_srt(tmp_path):
    segs = read_transcript(write(tmp_path, "a.srt", SRT))
    assert [(s.start, s.end, s.speaker, s.text) for s in segs] == [
        (1.0, 2.5, "Ann", "Hello there!"), (2.5, 4.0, None, "How are you?")]
    assert [s.index for s in segs] == [0, 1]


def test_vtt(tmp_path):
    segs = read_transcript(write(tmp_path, "a.vtt", VTT))
    assert [(s.start, s.end, s.speaker, s.text) for s in segs] == [
        (1.0, 2.0, "Bob", "I'm fine."), (2.0, 3.25, "Ann", "Great!")]


def test_json_and_wrapped_json(tmp_path):
    items = [{"start": 0, "end": 1.5, "speaker": "S1", "text": "hi"}, {"start": 1.5, "end": 2, "text": "yo"}]
    segs = read_transcript(write(tmp_path, "a.json", json.dumps(items)))
    assert [(s.start, s.end, s.speaker, s.text) for s in segs] == [(0.0, 1.5, "S1", "hi"), (1.5, 2.0, None, "yo")]
    segs = read_transcript(write(tmp_path, "b.json", json.dumps({"segments": items})))
    assert len(segs) == 2


def test_txt_with_speakers_and_blank_lines(tmp_path):
    segs = read_transcript(write(tmp_path, "a.txt", "Ann: I'm here\n\n  just a line  \r\n"))
    assert [(s.speaker, s.text, s.start) for s in segs] == [("Ann", "I'm here", None), (None, "just a line", None)]


def test_utf8_bom_and_utf16(tmp_path):
    assert read_transcript(write(tmp_path, "a.txt", b"\xef\xbb\xbfhello\n", binary=True))[0].text == "hello"
    assert read_transcript(write(tmp_path, "b.txt", "héllo\n".encode("utf-16"), binary=True))[0].text == "héllo"


def test_sniffs_format_when_suffix_unknown(tmp_path):
    assert read_transcript(write(tmp_path, "a.sub", SRT))[0].speaker == "Ann"
    assert read_transcript(write(tmp_path, "b.dat", VTT))[0].speaker == "Bob"


@pytest.mark.parametrize("name,content,msg,line", [
    ("e.srt", "", "empty", None),
    ("e.txt", "  \n\n", "empty", None),
    ("b.srt", "1\n00:00:01,000 --> 00:00:0x,000\nhi\n", "bad timestamp", 2),
    ("m.srt", "1\n00:61:01,000 --> 00:62:00,000\nhi\n", "< 60", 2),
    ("r.srt", "1\n00:00:03,000 --> 00:00:01,000\nhi\n", "not after start", 2),
    ("z.srt", "1\n00:00:01,000 --> 00:00:01,000\nhi\n", "not after start", 2),
    ("o.srt", "1\n00:00:01,000 --> 00:00:05,000\nhi\n\n2\n00:00:04,000 --> 00:00:06,000\nyo\n", "overlaps", 6),
    ("n.srt", "1\nhello\n", "without a 'start --> end'", 1),
    ("x.srt", "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n", "cue has no text", 2),
    ("c.srt", "one\n00:00:01,000 --> 00:00:02,000\nhi\n", "cue number", 1),
    ("v.vtt", "00:01.000 --> 00:02.000\nhi\n", "must start with 'WEBVTT'", 1),
    ("j.json", "[{\"start\": 0, \"end\": 1, \"text\": \"a\"},", "invalid JSON", 1),
    ("k.json", "{\"a\": 1}", "must be a list", None),
    ("t.json", "[{\"start\": 0, \"end\": 1}]", "item 0 has no text", None),
    ("s.json", "[{\"start\": \"0\", \"end\": 1, \"text\": \"a\"}]", "start must be a number", None),
    ("h.json", "[{\"start\": 0, \"text\": \"a\"}]", "both start and end", None),
    ("r.json", "[{\"start\": 2, \"end\": 1, \"text\": \"a\"}]", "item 0: end", None),
])
def test_malformed_inputs_name_file_and_line(tmp_path, name, content, msg, line):
    p = write(tmp_path, name, content)
    with pytest.raises(TranscriptError, match=msg) as info:
        read_transcript(p)
    assert str(p) in str(info.value)
    assert info.value.line == line
    if line is not None:
        assert f"line {line}" in str(info.value)


def test_overlap_between_different_speakers_is_crosstalk_not_error(tmp_path):
    content = "1\n00:00:01,000 --> 00:00:05,000\nAnn: hi\n\n2\n00:00:04,000 --> 00:00:06,000\nBob: yo\n"
    assert len(read_transcript(write(tmp_path, "x.srt", content))) == 2
    content = content.replace("Bob", "Ann")
    with pytest.raises(TranscriptError, match="same speaker"):
        read_transcript(write(tmp_path, "y.srt", content))


def test_wrong_encoding_binary_missing(tmp_path):
    with pytest.raises(TranscriptError, match="line 2: not valid UTF-8"):
        read_transcript(write(tmp_path, "l.txt", "ok\ncaf\xe9\n".encode("latin-1"), binary=True))
    with pytest.raises(TranscriptError, match="binary"):
        read_transcript(write(tmp_path, "g.srt", b"\x89PNG\r\n\x1a\n\x00\x00", binary=True))
    with pytest.raises(TranscriptError, match="no such file"):
        read_transcript(tmp_path / "missing.srt")
    with pytest.raises(TranscriptError, match="directory"):
        read_transcript(tmp_path)


def test_huge_file_is_refused(tmp_path, monkeypatch):
    import affectkit.io.transcripts as t

    monkeypatch.setattr(t, "MAX_BYTES", 10)
    with pytest.raises(TranscriptError, match="refused"):
        read_transcript(write(tmp_path, "big.txt", "x" * 11))


def test_timestamps():
    assert parse_timestamp("01:02:03,456") == pytest.approx(3723.456)
    assert parse_timestamp("02:03.5") == pytest.approx(123.5)
    with pytest.raises(TranscriptError):
        parse_timestamp("1:2:3")


FORMATS = st.sampled_from(["srt", "vtt", "json", "txt", None])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from(["srt", "vtt", "json", "txt", "bin"]))
def test_garbage_bytes_never_crash(tmp_path, data, suffix):
    p = tmp_path / f"g.{suffix}"
    p.write_bytes(data)
    try:
        segs = read_transcript(p)
    except TranscriptError as exc:
        assert str(p) in str(exc)
    else:
        assert segs and all(s.text.strip() for s in segs)


CUE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(
    CUE_TEXT,
    st.lists(st.tuples(st.integers(-5, 100_000), st.integers(-5, 100_000), CUE_TEXT), max_size=5).map(
        lambda cues: "\n\n".join(
            f"{i}\n00:00:{a % 60:02d},{a % 1000:03d} --> 00:{b // 60 % 100:02d}:{b % 60:02d},000\n{t}"
            for i, (a, b, t) in enumerate(cues, 1))),
    st.lists(st.fixed_dictionaries({"start": st.one_of(st.none(), st.floats(allow_nan=True), st.text(max_size=3)),
                                    "end": st.one_of(st.none(), st.floats(allow_nan=True)),
                                    "text": st.one_of(CUE_TEXT, st.integers())}), max_size=4).map(json.dumps),
), fmt=FORMATS)
def test_structured_garbage_never_crashes(text, fmt):
    try:
        segs = parse_transcript(text, fmt, "mem.txt")
    except TranscriptError as exc:
        assert "mem.txt" in str(exc)
    else:
        for s in segs:
            assert s.text.strip()
            if s.start is not None:
                assert s.end > s.start >= 0
