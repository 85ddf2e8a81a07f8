"""Speech-to-text on real espeak-ng speech: words, word timings, no speech, no extra installed."""
import subprocess
import sys

import numpy as np
import pytest

from affectkit.core.data import Segment, Word
from affectkit.core.errors import DependencyError, InputError
from affectkit.io.audio import load_audio, probe_audio


@pytest.fixture(scope="module")
def heard(whisper, two_utterances):
    """Two espeak sentences 1 s apart, decoded, transcribed with the language detected."""
    from affectkit.segment import transcribe

    x, sr = load_audio(two_utterances)
    return transcribe(x, sr=sr)


def test_words_and_ordered_in_range_timings(heard, media, two_utterances):
    total = probe_audio(two_utterances).duration
    first = probe_audio(media.root / "utt1.wav").duration  # sentence 2 starts 1 s after this
    assert heard.language == "en" and heard.duration == pytest.approx(total, abs=0.01)
    segs = heard.segments
    assert segs and all(isinstance(s, Segment) and s.speaker is None for s in segs)
    assert [s.index for s in segs] == list(range(len(segs)))
    text = " ".join(s.text for s in segs).lower()
    for word in ("expect", "today", "pleasant", "friend"):
        assert word in text
    words = [w for s in segs for w in s.words]
    assert all(isinstance(w, Word) and 0.0 <= w.probability <= 1.0 for w in words)
    for s in segs:
        assert 0.0 <= s.start < s.end <= total
        assert " ".join(w.text for w in s.words) == s.text          # the words make up the text
        assert s.words[0].start == s.start and s.words[-1].end == s.end
    for a, b in zip(segs, segs[1:]):
        assert a.end <= b.start
    starts = [w.start for w in words]
    assert starts == sorted(starts) and all(w.start <= w.end for w in words)
    by_word = {w.text.strip(".,").lower(): w for w in words}
    assert by_word["today"].end <= first + 0.3                       # in sentence 1
    assert by_word["pleasant"].start >= first + 1.0 - 0.3            # in sentence 2, after the pause
    assert segs[0].to_dict()["words"][0] == {"word": words[0].text, "start": words[0].start,
                                             "end": words[0].end, "probability": words[0].probability}


def test_a_file_and_a_given_language(whisper, utterance):
    from affectkit.segment import transcribe

    heard = transcribe(utterance, language="EN")
    assert heard.language == "en" and heard.language_probability == 1.0
    assert "expect" in " ".join(s.text.lower() for s in heard.segments)


def test_no_speech_gives_an_empty_list(whisper, noise_wav):
    from affectkit.segment import transcribe

    heard = transcribe(noise_wav)
    assert heard.segments == [] and heard.duration == pytest.approx(3.0)


def test_bad_inputs(whisper):
    from affectkit.segment import transcribe

    x = np.zeros(16000, dtype=np.float32)
    with pytest.raises(InputError, match="unknown speech-to-text language 'xx'"):
        transcribe(x, language="xx")
    with pytest.raises(InputError, match="16000 Hz"):
        transcribe(x, sr=22050)
    with pytest.raises(InputError, match="mono"):
        transcribe(np.zeros((2, 16000), dtype=np.float32))


def test_without_the_extra_a_dependency_error_names_it(no_asr_extra):
    from affectkit.segment import asr

    with pytest.raises(DependencyError, match=r"affectkit\[asr\]"):
        asr.transcribe(np.zeros(16000, dtype=np.float32))
    with pytest.raises(DependencyError, match=r"affectkit\[asr\]"):
        asr.check_language("en")


def test_affectkit_imports_and_works_without_faster_whisper():
    code = ("import sys; sys.modules['faster_whisper'] = None\n"
            "import affectkit, affectkit.segment, affectkit.analysis.pipeline, affectkit.cli\n"
            "assert affectkit.segment.vad_segments and affectkit.analyze_audio\n"
            "affectkit.cli.build_parser().parse_args(['analyze', 'x.wav', '--no-asr'])\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
