"""Language detection that shares its encoder pass with the decoding (segment.whisper_once):
the same words as with the language given, one encoder pass fewer, in any thread."""
import threading

import pytest

from affectkit.io.audio import load_audio
from conftest import bench_script


# a WhisperModel's CTranslate2 model with its encode calls counted (the bench script's, so that the
# figures in bench/results/short_clip_levers.json count the same way)
CountingEncoder = bench_script("short_clip_levers").CountingEncoder


@pytest.fixture(scope="module")
def models(whisper):
    """faster-whisper's own WhisperModel and ours, each on a counting CTranslate2 model."""
    from affectkit.segment.whisper_once import one_encode_whisper
    from affectkit.store.whisper_files import load_whisper

    out = {"stock": load_whisper(), "once": load_whisper(cls=one_encode_whisper())}
    for m in out.values():
        m.model = CountingEncoder(m.model)
    return out


def heard(model, x, language=None):
    from affectkit.segment import transcribe

    before = model.model.encodes
    tr = transcribe(x, model=model, language=language)
    return tr, model.model.encodes - before


def words(tr):
    return [(s.text, s.start, s.end, s.words) for s in tr.segments]


# about 40 s of speech, none of it repeated (repeated text trips Whisper's compression-ratio check,
# whose fallback samples at a temperature above 0: no two runs would agree)
LONG = ("The harbour was quiet when the first boats came back before sunrise. My grandmother used to "
        "say that the sea keeps its own calendar, and nobody in the village ever argued with her. "
        "This year the storms arrived early, so the nets were mended twice before the summer ended. "
        "Yesterday a student from the city asked me how the old lighthouse still works without power. "
        "I told her that the keeper climbs the stairs every evening and lights the lamp by hand. "
        "She wrote everything down in a small green notebook and promised to send us her report. "
        "Tomorrow we will repaint the chapel door and carry the benches out into the square.")


@pytest.fixture(scope="module")
def long_speech(media):
    return media.speech("long_speech.wav", LONG)


@pytest.mark.parametrize("clip", ["two_utterances", "long_speech"], ids=["under-30s", "over-30s"])
def test_same_words_as_the_language_given_and_one_encode_fewer(models, clip, request):
    x, _ = load_audio(request.getfixturevalue(clip))
    given, n_given = heard(models["stock"], x, "en")
    stock, n_stock = heard(models["stock"], x)
    once, n_once = heard(models["once"], x)
    assert once.language == stock.language == "en"
    assert once.language_probability == pytest.approx(stock.language_probability, abs=0.02)
    assert words(once) == words(given)           # to the word times and probabilities
    assert " ".join(s.text for s in stock.segments) == " ".join(s.text for s in given.segments)
    assert n_stock == n_given + 1                # faster-whisper encodes the first window twice
    assert n_once == n_given                     # ours once
    if clip == "long_speech":
        assert len(x) > 31 * 16000 and n_given >= 2  # more than one window was decoded


def test_the_language_given_is_untouched(models, utterance):
    x, _ = load_audio(utterance)
    a, n_a = heard(models["once"], x, "en")
    b, n_b = heard(models["stock"], x, "en")
    assert words(a) == words(b) and n_a == n_b and a.language_probability == 1.0


def test_threads_sharing_one_model_each_get_their_own_encoder_output(models, utterance, two_utterances):
    """A service reads several recordings at once with the one loaded model: a thread's held
    encoder output is never handed to another thread's different recording."""
    inputs = [load_audio(p)[0] for p in (utterance, two_utterances)] * 3
    alone = [words(heard(models["stock"], x, "en")[0]) for x in inputs[:2]]
    got: dict[int, list] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(inputs))

    def work(i: int) -> None:
        try:
            barrier.wait()
            got[i] = words(heard(models["once"], inputs[i])[0])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [got[i] for i in range(len(inputs))] == alone * 3


def test_a_stale_held_output_is_never_used_for_another_input(models, utterance, two_utterances):
    """Detection without the decoding that follows (faster-whisper's own ``detect_language``
    called by a user) leaves an output held; the next, different recording is encoded afresh."""
    once = models["once"]
    x1, _ = load_audio(utterance)
    x2, _ = load_audio(two_utterances)
    once.detect_language(features=once.feature_extractor(x1))
    got, _ = heard(once, x2, "en")
    assert words(got) == words(heard(models["stock"], x2, "en")[0])
