"""Loaders for the formats users bring, each on a tiny file of the exact format, and the new
shared-data loaders on the real files."""
import pickle
import warnings

import numpy as np
import pytest

from affectkit.bench.datasets import acted, daic, iemocap, mmsa, synthetic
from affectkit.core.errors import DataError


def test_mmsa_aligned_and_unaligned(tmp_path):
    p = mmsa.write_synthetic_mmsa(tmp_path / "aligned_50.pkl", n=(6, 3, 4), t=5, dims=(7, 3, 2))
    d = mmsa.load_mmsa(p)
    assert set(d) == {"train", "valid", "test"}
    assert d["train"]["text"].shape == (6, 5, 7) and d["test"]["vision"].shape == (4, 5, 2)
    assert d["train"]["label"].dtype == np.float32 and (d["train"]["label"] == 0).any()
    u = mmsa.write_synthetic_mmsa(tmp_path / "unaligned_50.pkl", aligned=False, seed=3)
    raw = pickle.load(open(u, "rb"))
    du = mmsa.load_mmsa(u)
    lengths = np.asarray(raw["train"]["audio_lengths"])
    steps = np.any(du["train"]["audio"] != 0, axis=2).sum(1)
    assert (steps <= lengths).all()  # padding zeroed at the end


def test_mmsa_nan_features_become_zero(tmp_path):
    p = mmsa.write_synthetic_mmsa(tmp_path / "a.pkl")
    raw = pickle.load(open(p, "rb"))
    raw["train"]["audio"][0, 0, 0] = np.nan
    pickle.dump(raw, open(p, "wb"))
    assert np.isfinite(mmsa.load_mmsa(p)["train"]["audio"]).all()


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned",))


def test_mmsa_refuses_code_in_pickles(tmp_path):
    p = tmp_path / "evil.pkl"
    pickle.dump({"train": _Evil()}, open(p, "wb"))
    with pytest.raises(DataError, match="only numpy arrays"):
        mmsa.load_mmsa(p)


def test_mmsa_missing_file_says_where(tmp_path, monkeypatch):
    monkeypatch.delenv("AFFECTKIT_MOSI", raising=False)
    with pytest.raises(DataError, match="AFFECTKIT_MOSI"):
        mmsa.mmsa_path("mosi")
    with pytest.raises(DataError, match="not found"):
        mmsa.mmsa_path("mosi", tmp_path / "nope.pkl")
    bad = tmp_path / "bad.pkl"
    pickle.dump({"train": {}}, open(bad, "wb"))
    with pytest.raises(DataError, match="train, valid, test"):
        mmsa.load_mmsa(bad)


def test_iemocap_4_and_6_class_conventions(tmp_path):
    root = synthetic.write_iemocap(tmp_path / "IEMOCAP_full_release", turns_per_dialog=9)
    four = iemocap.load_iemocap(root, classes=4)
    six = iemocap.load_iemocap(root, classes=6)
    # codes cycle over neu hap exc ang sad fru xxx oth sur: 4-class keeps 5 codes (hap+exc merged), 6-class 6
    assert set(four.label) == {"anger", "happiness", "neutral", "sadness"}
    assert len(four) == 5 * 10 and len(six) == 6 * 10
    assert set(six.label) == set(iemocap.IEMOCAP_LABELS[6])
    assert sorted(four.session.unique()) == [1, 2, 3, 4, 5]
    row = four.iloc[0]
    assert row.turn == "Ses01F_impro01_F000" and row.speaker == "1F" and row.text.endswith("neu")
    assert set(four.speaker) == {f"{s}{g}" for s in range(1, 6) for g in "FM"}
    with pytest.raises(DataError):
        iemocap.load_iemocap(root, classes=5)


def test_iemocap_missing_folder_says_where(tmp_path, monkeypatch):
    monkeypatch.delenv("AFFECTKIT_IEMOCAP", raising=False)
    with pytest.raises(DataError, match="AFFECTKIT_IEMOCAP"):
        iemocap.iemocap_root()
    with pytest.raises(DataError, match="Session1"):
        iemocap.iemocap_root(tmp_path)


def test_daic_participant_only_by_default(tmp_path):
    root = synthetic.write_daic(tmp_path / "daic", n=(4, 2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default must not warn
        df = daic.load_daic("train", root)
    assert list(df.participant) == [300, 301, 302, 303]
    assert "Ellie" not in df.text[0] and "how are you" not in df.text[0]
    assert df.label.tolist() == [int(s >= 10) for s in df.phq8]
    test = daic.load_daic("test", root)  # full_test_split.csv: PHQ_Score / PHQ_Binary columns
    assert len(test) == 2 and test.phq8.notna().all()


def test_daic_interviewer_is_explicit_and_warns(tmp_path):
    root = synthetic.write_daic(tmp_path / "daic", n=(4, 2, 2))
    with pytest.warns(daic.InterviewerLeakWarning, match="leak"):
        df = daic.load_daic("train", root, include_interviewer=True)
    assert df.text[1].startswith("Ellie: ") and "Participant: " in df.text[1]


def test_daic_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("AFFECTKIT_DAIC", raising=False)
    with pytest.raises(DataError, match="AFFECTKIT_DAIC"):
        daic.daic_root()
    root = synthetic.write_daic(tmp_path / "daic", n=(2, 2, 2))
    (root / "dev_split_Depression_AVEC2017.csv").unlink()
    with pytest.raises(DataError, match="dev_split_Depression_AVEC2017.csv"):
        daic.load_daic("dev", root)
    (root / "300_P" / "300_TRANSCRIPT.csv").write_text("start_time\tstop_time\tspeaker\tvalue\n1\t2\tBob\thi\n")
    with pytest.raises(DataError, match="Bob"):
        daic.load_daic("train", root)


def test_ravdess_names():
    info = acted.parse_ravdess("Actor_12/03-01-06-02-01-02-12.wav")
    assert info == {"modality": "audio", "channel": "speech", "emotion": "fearful", "intensity": "strong",
                    "statement": 1, "repetition": 2, "actor": 12, "gender": "female"}
    for bad in ("03-01-06-02-01-02.wav", "03-01-09-01-01-01-01.wav", "03-01-01-02-01-01-01.wav", "x.wav"):
        with pytest.raises(DataError):
            acted.parse_ravdess(bad)


def test_ravdess_and_cremad_folders(tmp_path):
    r = acted.load_ravdess(synthetic.write_ravdess(tmp_path / "rav", actors=(1, 2)))
    assert len(r) == 16 and set(r.emotion) == set(acted.RAVDESS_LABELS) and set(r.actor) == {1, 2}
    (tmp_path / "rav" / "Actor_01" / "03-02-03-01-01-01-01.wav").write_bytes(b"")  # song: not read
    assert len(acted.load_ravdess(tmp_path / "rav")) == 16
    c = acted.load_cremad(synthetic.write_cremad(tmp_path / "cre", actors=(1001, 1091)))
    assert len(c) == 12 and set(c.emotion) == set(acted.CREMAD_LABELS)
    assert acted.parse_cremad("1022_ITS_ANG_XX.wav")["sentence"] == "ITS"
    for bad in ("1022_ITS_XYZ_XX.wav", "999_ITS_ANG_XX.wav", "1022_ITS_ANG.wav"):
        with pytest.raises(DataError):
            acted.parse_cremad(bad)
    with pytest.raises(DataError, match="not a CREMA-D file name"):
        acted.load_cremad(tmp_path / "rav")  # a RAVDESS file is named as such
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no CREMA-D"):
        acted.load_cremad(tmp_path / "empty")


def test_shared_text_loaders_dreaddit_and_depression():
    from affectkit.bench.datasets.paths import data_root
    from affectkit.bench.datasets.text import load_depression_reddit, load_dreaddit

    try:
        data_root()
    except DataError:
        pytest.skip("shared data not present")
    tr, te = load_dreaddit("train"), load_dreaddit("test")
    assert (len(tr), len(te)) == (2838, 715) and set(tr.label) == {0, 1}
    parts = {s: load_depression_reddit(s) for s in ("train", "dev", "test")}
    total = sum(len(p) for p in parts.values())
    assert total == 7731 - 81  # exact duplicates dropped
    texts = [set(p.text) for p in parts.values()]
    assert not (texts[0] & texts[1]) and not (texts[0] & texts[2]) and not (texts[1] & texts[2])
    assert abs(len(parts["test"]) - 0.1 * total) < 3
    assert load_depression_reddit("test").text.tolist() == parts["test"].text.tolist()  # fixed split
    with pytest.raises(DataError):
        load_depression_reddit("val")
