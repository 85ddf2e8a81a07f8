"""Our Whisper-base encoder (ONNX Runtime) and the ``voice.whisper`` features it gives the voice head."""
import struct

import numpy as np
import pytest

from affectkit.core.data import Segment
from affectkit.core.errors import ModelError
from affectkit.io.audio import load_audio
from affectkit.perceive import EXTRACTORS
from affectkit.perceive.voice_sets import EmotionInput
from affectkit.perceive.voice_whisper import WhisperLayers
from affectkit.perceive.whisper_encoder import log_mel, read_ct2_variables

SR = 16000


def _ct2_file(path, variables, version=6):
    """A CTranslate2 model.bin with the given float32 arrays (the format's own layout)."""
    def string(s):
        b = s.encode()
        return struct.pack("H", len(b) + 1) + b + b"\0"

    out = struct.pack("I", version) + string("WhisperSpec") + struct.pack("I", 3) + struct.pack("I", len(variables))
    for name, a in variables.items():
        a = np.ascontiguousarray(a, dtype=np.float32)
        out += string(name) + struct.pack("B", a.ndim) + struct.pack("I" * a.ndim, *a.shape)
        out += struct.pack("B", 0) + struct.pack("I", a.nbytes) + a.tobytes()
    path.write_bytes(out + struct.pack("I", 0))
    return path


def test_reads_ct2_variables_by_prefix(tmp_path):
    a, b = np.arange(6.0).reshape(2, 3), np.ones(4)
    f = _ct2_file(tmp_path / "model.bin", {"encoder/x": a, "decoder/y": b})
    got = read_ct2_variables(f)
    assert list(got) == ["encoder/x"] and np.array_equal(got["encoder/x"], a)


def test_garbage_and_foreign_models_are_model_errors(tmp_path):
    old = tmp_path / "old.bin"
    old.write_bytes(struct.pack("I", 2) + b"\0" * 64)
    with pytest.raises(ModelError, match="binary version 2"):
        read_ct2_variables(old)
    foreign = _ct2_file(tmp_path / "foreign.bin", {"decoder/y": np.ones(3)})
    with pytest.raises(ModelError, match="no variables under 'encoder/'"):
        read_ct2_variables(foreign)


def test_log_mel_matches_faster_whisper(utterance):
    fw = pytest.importorskip("faster_whisper.feature_extractor")
    x, _ = load_audio(utterance)
    ours = log_mel(x)
    theirs = fw.FeatureExtractor()(x)
    assert ours.shape[0] == 80 and abs(theirs.shape[1] - ours.shape[1]) <= 1
    n = min(ours.shape[1], theirs.shape[1])
    assert np.abs(ours[:, :n] - theirs[:, :n]).max() < 1e-3


@pytest.mark.slow
def test_encoder_matches_ctranslate2(whisper_encoder, utterance):
    ct2 = pytest.importorskip("ctranslate2")
    from affectkit.store.whisper_files import whisper_model_dir

    x, _ = load_audio(utterance)
    mel = log_mel(x)
    n = mel.shape[1] // 2 * 2
    mel = mel[None, :, :n].astype(np.float32)
    ours = whisper_encoder(mel)
    assert len(ours) == 6 and ours[-1].shape == (1, n // 2, 512) and ours[-1].dtype == np.float32
    reference = ct2.models.Whisper(str(whisper_model_dir()), device="cpu", compute_type="float32")
    theirs = np.array(reference.encode(ct2.StorageView.from_array(np.ascontiguousarray(mel)), to_cpu=True))
    assert np.abs(theirs - ours[-1]).max() < 1e-2
    first_two = whisper_encoder(mel, n_layers=2)  # stopping early changes nothing before
    assert len(first_two) == 2 and np.allclose(first_two[1], ours[1])


def test_encoder_refuses_bad_shapes(whisper_encoder):
    for bad in (np.zeros((1, 80, 3002), np.float32), np.zeros((1, 80, 1), np.float32), np.zeros((80, 100), np.float32),
                np.zeros((1, 64, 100), np.float32)):
        with pytest.raises(ValueError, match="2 to 3000 frames"):
            whisper_encoder(bad)
    with pytest.raises(ValueError, match="more than 200 samples"):
        log_mel(np.zeros(100, np.float32))


def test_whisper_layers_per_segment(whisper_encoder, two_utterances):
    ext = EXTRACTORS.get("voice.whisper")(layers=(0, 2))
    assert isinstance(ext, WhisperLayers) and ext.get_params() == {"sr": SR, "layers": [0, 2]}
    segs = [Segment("", 0.0, 1.5), Segment("", 1.5, 1.55), Segment("", 2.0, 4.0)]
    df = ext.extract(str(two_utterances), segs)
    assert df.shape == (3, 2 * 2 * 512)
    assert df.columns[0] == "l0:mean0" and df.columns[-1] == "l2:std511"
    assert np.isfinite(df.iloc[[0, 2]].to_numpy()).all()
    assert df.iloc[1].isna().all()                       # 50 ms: too short to pool, kept as NaN
    assert not np.allclose(df.iloc[0], df.iloc[2])        # different speech, different states


def test_segments_longer_than_30_s_are_encoded_in_windows(whisper_encoder, utterance):
    x, _ = load_audio(utterance)
    long = np.tile(x, int(np.ceil(33 * SR / len(x))))[: 33 * SR]
    row = WhisperLayers(layers=(1,)).extract_signal(long, SR)
    assert row.shape == (1, 1024) and np.isfinite(row.to_numpy()).all()


def test_emotion_input_names_whisper_layers(whisper_encoder, utterance):
    ext = EmotionInput(blocks=("whisper",), whisper_layers=(3,))
    assert ext.get_params()["whisper_layers"] == [3]
    df = ext.extract(str(utterance))
    assert list(df.columns) == ext.columns() and df.columns[0] == "whisper:l3:mean0" and df.shape == (1, 1024)
    assert "whisper_layers" not in EmotionInput(blocks=("logmel",)).get_params()  # old cache keys unchanged
