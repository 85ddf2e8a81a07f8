"""Fuzzing the decoders with seeded mutations of the bundled examples (truncation, bit flips, a
zeroed run of bytes): every mutant either decodes, saying how much of it was read when that is
less than it announces, or raises the typed error of its kind naming the file. Never another
exception, never a silent partial read."""
import random
from pathlib import Path

import numpy as np
import pytest

from affectkit.core.errors import AudioError, VideoError
from affectkit.io.audio import decode_audio
from affectkit.io.media import Damage
from affectkit.io.probe import probe_input
from affectkit.io.video import iter_frames

FLAC = Path("examples/talk.flac").read_bytes()
MP4 = Path("examples/talking_head.mp4").read_bytes()


def _mutant(data: bytes, kind: str, seed: int) -> bytes:
    rng = random.Random(seed)
    b = bytearray(data)
    if kind == "truncate":
        return bytes(b[:rng.randrange(64, len(b))])
    if kind == "flip":
        for _ in range(rng.choice([1, 5, 20, 80])):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b)
    start, n = rng.randrange(len(b)), rng.randrange(16, 4096)  # "zero": a run of bytes lost (a bad sector)
    b[start:start + n] = bytes(len(b[start:start + n]))
    return bytes(b)


CASES = [(kind, seed) for kind in ("truncate", "flip", "zero") for seed in range(12)]


@pytest.mark.parametrize("kind,seed", CASES)
def test_audio_mutants_decode_with_a_damage_report_or_raise_audio_error(tmp_path, kind, seed):
    f = tmp_path / f"talk_{kind}_{seed}.flac"
    f.write_bytes(_mutant(FLAC, kind, seed))
    try:
        probe_input(f)
        d = decode_audio(f)
    except AudioError as exc:
        assert str(f) in str(exc) and exc.reason
        return
    assert d.samples.dtype == np.float32 and np.isfinite(d.samples).all()
    announced = 11.508  # FLAC announces its exact length
    if d.duration < announced - 0.01:  # less than the file announces: it must say so
        assert d.damage and "audio damaged" in d.damage, (kind, seed, d.duration)


@pytest.mark.parametrize("kind,seed", CASES)
def test_video_mutants_read_with_a_damage_report_or_raise_video_error(tmp_path, kind, seed):
    f = tmp_path / f"head_{kind}_{seed}.mp4"
    f.write_bytes(_mutant(MP4, kind, seed))
    damage = Damage("video")
    try:
        frames = list(iter_frames(f, 5.0, gray=True, max_side=160, damage=damage))
    except VideoError as exc:
        assert str(f) in str(exc) and exc.reason
        return
    assert frames and all(fr.image.dtype == np.uint8 for fr in frames)
    if len(frames) < 80 or damage.bad_packets:  # 87 frames in the whole clip at 5 fps
        assert damage.problem() and "video damaged" in damage.problem(), (kind, seed, len(frames))


@pytest.mark.parametrize("keep", [0.3, 0.7, 0.9])
def test_truncated_flac_says_how_much_was_read(tmp_path, keep):
    f = tmp_path / f"cut{keep}.flac"
    f.write_bytes(FLAC[:int(len(FLAC) * keep)])
    if keep < 0.5:
        with pytest.raises(AudioError, match=r"decoded only \d+\.\d\d s of the 11\.51 s the file announces"):
            decode_audio(f)
        return
    d = decode_audio(f)
    assert d.damage.startswith(f"audio damaged: decoded only {d.duration:.2f} s of the 11.51 s the file announces")


def test_bit_flipped_video_counts_its_skipped_packets(tmp_path):
    f = tmp_path / "flipped.mp4"
    f.write_bytes(_mutant(MP4, "flip", 11))  # most of its H.264 packets become undecodable
    damage = Damage("video")
    frames = list(iter_frames(f, 5.0, gray=True, max_side=160, damage=damage))
    assert damage.bad_packets > 0 and damage.packets >= 400
    assert f"{damage.bad_packets:,} of {damage.packets:,} video packets could not be decoded" in damage.problem()
    assert 1 < len(frames) <= 87
