import shutil

import pytest

from affectkit.engine.session import OBJECT_STORE_MB

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray for the session (2 CPUs, a small object store), always shut down."""
    ray = pytest.importorskip("ray")
    import logging

    ray.init(num_cpus=2, object_store_memory=OBJECT_STORE_MB << 20, include_dashboard=False, log_to_driver=False,
             logging_level=logging.WARNING)
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The bundled examples (a transcript, a recording, a video) and a corrupt file."""
    d = tmp_path_factory.mktemp("corpus")
    for name in ("interview.srt", "talk.flac", "talking_head.mp4"):
        shutil.copy(ROOT / "examples" / name, d / name)
    (d / "corrupt.wav").write_bytes(b"RIFF\x00\x00garbage, not a wave file")
    return d
