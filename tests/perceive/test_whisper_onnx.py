"""The Whisper-base encoder on ONNX Runtime against the PyTorch path, on real speech (EmoDB files
and examples/talk.flac): the numpy log-mel against torch.stft, every layer's hidden states, the
voice head's pooled input features and its labels."""
from pathlib import Path

import numpy as np
import pytest

from affectkit.io.audio import load_audio
from affectkit.perceive.whisper_encoder import load_encoder, log_mel, mel_filters

ROOT = Path(__file__).resolve().parents[2]
EMODB = ("03a01Fa.wav", "03a01Nc.wav", "03a01Wa.wav", "08b03Lc.wav", "10b03Tb.wav", "14a05Aa.wav", "16a01Ec.wav")


@pytest.fixture(scope="module")
def torch_encoder(whisper_encoder):
    pytest.importorskip("torch")
    return load_encoder("torch")


@pytest.fixture(scope="module")
def speech(shared_data):
    folder = shared_data / "speech" / "emodb" / "wav"
    files = [folder / n for n in EMODB]
    if not all(f.is_file() for f in files):
        pytest.skip(f"EmoDB files missing under {folder}")
    return files + [ROOT / "examples" / "talk.flac"]


def test_log_mel_matches_torch_stft(speech):
    torch = pytest.importorskip("torch")
    from affectkit.perceive.whisper_torch import log_mel_torch

    for f in speech:
        x, _ = load_audio(f)
        ours = log_mel(x)
        assert ours.dtype == np.float32 and ours.shape == (80, len(x) // 160)
        # torch.stft in float64: the same computation, to float32 rounding of the result
        spec = torch.stft(torch.as_tensor(x, dtype=torch.float64), 400, 160, return_complex=True, center=True,
                          window=torch.hann_window(400, dtype=torch.float64), pad_mode="reflect")
        ref = torch.clamp(torch.as_tensor(mel_filters(), dtype=torch.float64) @ spec[:, :-1].abs() ** 2, min=1e-10).log10()
        ref = ((torch.maximum(ref, ref.max() - 8.0) + 4.0) / 4.0).numpy()
        assert np.abs(ours - ref).max() < 1e-6, f
        # the torch path's own float32 stft: off by its rounding in the quietest bins only
        diff = np.abs(ours - log_mel_torch(x))
        assert diff.max() < 1e-4 and np.quantile(diff, 0.99) < 1e-5, f


def test_every_layer_matches_torch(whisper_encoder, torch_encoder, speech):
    x, _ = load_audio(speech[-1])  # 11.5 s: 1,150 frames
    mel = log_mel(x)[None, :, :1150]
    ours, ref = whisper_encoder(mel), torch_encoder(mel)
    assert len(ours) == len(ref) == 6
    for a, b in zip(ours, ref):
        assert a.shape == b.shape == (1, 575, 512)
        assert np.abs(a - b).max() <= 1e-4 * np.abs(b).max()


def test_a_batch_is_its_items(whisper_encoder, speech):
    """Items of one length in a batch give what each gives alone (no padding is involved)."""
    a, _ = load_audio(speech[0])
    b, _ = load_audio(speech[1])
    n = min(len(a), len(b)) // 320 * 320
    mels = np.stack([log_mel(a[:n])[:, :n // 160], log_mel(b[:n])[:, :n // 160]])
    both = whisper_encoder(mels, n_layers=4)[3]
    for i in range(2):
        np.testing.assert_allclose(both[i], whisper_encoder(mels[i:i + 1], n_layers=4)[3][0], atol=1e-5)


def test_voice_head_features_and_labels_match_torch(whisper_encoder, torch_encoder, speech, monkeypatch):
    from affectkit.recognize.voice_affect import bundled_voice_head, input_extractor

    head = bundled_voice_head()
    extractor = input_extractor(head)
    feats = {}
    for backend in ("onnx", "torch"):
        monkeypatch.setenv("AFFECTKIT_BACKEND", backend)
        feats[backend] = np.concatenate([extractor.extract(str(f)).to_numpy(np.float32) for f in speech])
    a, b = feats["onnx"], feats["torch"]
    assert a.shape == (len(speech), 4 * 1024) and np.isfinite(a).all()
    scale = np.abs(b).max(0)  # per feature: relative to its largest value over the files
    assert (np.abs(a - b) <= 1e-3 * scale + 1e-6).all()
    pa, pb = head.predict_proba(a), head.predict_proba(b)
    assert np.abs(pa - pb).max() < 1e-3
    assert (pa.argmax(1) == pb.argmax(1)).all()


def test_foreign_weights_are_model_errors():
    from affectkit.core.errors import ModelError
    from affectkit.perceive.whisper_encoder import FRONT, LAYER, WhisperEncoder

    w = {f"encoder/{n}": np.zeros(1, np.float16) for n in FRONT + ("layer_norm/gamma", "layer_norm/beta")}
    w.update({f"encoder/layer_0/{n}": np.zeros(1, np.float16) for n in LAYER})
    w["encoder/conv1/bias"] = np.zeros(512, np.float16)
    WhisperEncoder(w)  # complete: builds (sessions come on first use)
    with pytest.raises(ModelError, match="lack"):
        WhisperEncoder({k: v for k, v in w.items() if k != "encoder/layer_0/ffn/linear_1/bias"})
    with pytest.raises(ModelError, match="8 heads"):
        WhisperEncoder({**w, "encoder/num_heads": np.array(16, np.int16)})
    with pytest.raises(ModelError, match="384 wide"):
        WhisperEncoder({**w, "encoder/conv1/bias": np.zeros(384, np.float16)})


@pytest.mark.slow
def test_export_is_reproducible(whisper_encoder):
    """The shipped Whisper graphs are what the export script builds today, byte for byte."""
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from affectkit.train.export_onnx import main

    assert main(["--check", "--only", "whisper"]) == 0
