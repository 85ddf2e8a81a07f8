"""A batch run killed for real (SIGKILL to its process group, once an output exists and before it
finishes), then run again: finished outputs are skipped (not rewritten), the rest completed, and
the folder ends equal to a clean run's; a kill leaves no half-written output and no Ray process."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from affectkit.cli import main; sys.exit(main())"]
# --no-cache: every input costs its full analysis, so a kill lands mid-run and a rerun cannot
# pass by reading the killed run's features (the option does not change a record, nor the resume key)
OPTS = ["--format", "json", "--no-asr", "--no-explain", "--no-cache", "-q"]
MARK = "AFFECTKIT_KILL_TEST"  # in every process the run starts (Ray's included): how orphans are found


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """A transcript (done in a moment) and three recordings (seconds each): a kill finds some
    outputs written and others not."""
    d = tmp_path_factory.mktemp("kill_corpus")
    shutil.copy(ROOT / "examples" / "interview.srt", d / "a_interview.srt")
    shutil.copy(ROOT / "examples" / "talk.flac", d / "b_talk.flac")
    shutil.copy(ROOT / "examples" / "talking_head.mp4", d / "c_talking_head.mp4")
    shutil.copy(ROOT / "examples" / "talk.flac", d / "d_talk.flac")
    return d


NAMES = ["a_interview.srt.json", "b_talk.flac.json", "c_talking_head.mp4.json", "d_talk.flac.json"]


@pytest.fixture(scope="module")
def clean(small_corpus, tmp_path_factory):
    """The outputs of one uninterrupted local run (the engines write the same bytes: test_ray_analyze)."""
    out = tmp_path_factory.mktemp("clean") / "out"
    r = subprocess.run(CLI + ["analyze", str(small_corpus), "-o", str(out), *OPTS], env=_env(), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return {n: (out / n).read_bytes() for n in NAMES}


def _env(mark: str = "") -> dict:
    src = str(ROOT / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), MARK: mark}


def _marked(mark: str) -> dict[int, str]:
    """The live processes carrying ``mark`` in their environment: pid -> command line."""
    found = {}
    needle = f"{MARK}={mark}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if needle not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def _kill_midway(argv: list[str], out: Path, mark: str) -> set[str]:
    """Start the run in its own process group; SIGKILL the group once an output exists (and none is
    left to check); the outputs that existed at the kill. Fails if the run ended first."""
    proc = subprocess.Popen(CLI + argv, env=_env(mark), start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            written = {n for n in NAMES if (out / n).exists()}
            if written:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        rc = proc.wait(timeout=60)
        assert rc == -signal.SIGKILL, f"the run ended ({rc}) before it could be killed: {proc.stderr.read()[-1000:]}"
        # the group is gone at once; Ray's workers (sessions of their own) follow their raylet
        deadline = time.monotonic() + 60
        while _marked(mark) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = _marked(mark)
        assert not left, f"processes left behind by the killed run: {left}"
    finally:
        for pid in _marked(mark):  # only ever this run's own processes
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.stderr.close()
    return {n for n in NAMES if (out / n).exists()}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_killed_then_resumed(argv: list[str], out: Path, clean: dict, table: bool) -> None:
    mark = uuid.uuid4().hex
    at_kill = _kill_midway(argv, out, mark)
    assert at_kill and at_kill != set(NAMES), at_kill
    # no half-written output: what exists is whole (byte-equal to the clean run's)
    for n in at_kill:
        assert (out / n).read_bytes() == clean[n], n
    assert not (out / "failures.json").exists()  # written only at the end
    before = {n: (os.stat(out / n).st_mtime_ns, os.stat(out / n).st_ino, _sha(out / n)) for n in at_kill}
    done = sorted((out / ".affectkit" / "done").glob("*.json"))
    r = subprocess.run(CLI + [a for a in argv if a != "-q"], env=_env(uuid.uuid4().hex), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    if done:
        assert f"{len(done)} of 4 inputs done by an earlier run" in r.stderr
    # finished outputs were skipped, not rewritten: the same inode, mtime and content
    for n in {p.name[:-5] for p in done}:
        assert (os.stat(out / n).st_mtime_ns, os.stat(out / n).st_ino, _sha(out / n)) == before[n], n
    # the rest completed, and the folder is what a clean run writes
    assert {n: (out / n).read_bytes() for n in NAMES} == clean
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [*NAMES, "failures.json"] + (["utterances"] if table else []))
    if table:
        assert sorted(p.name for p in (out / "utterances").iterdir()) == sorted(f"{n[:-5]}.parquet" for n in NAMES)
    # the killed run's temporary files (an atomic write caught mid-way) do not stay
    assert not [p.name for p in out.rglob(".*.tmp")]


@pytest.mark.slow
def test_local_resume_after_sigkill(small_corpus, clean, tmp_path):
    out = tmp_path / "out"
    _check_killed_then_resumed(["analyze", str(small_corpus), "-o", str(out), *OPTS, "--resume"], out, clean, False)


@pytest.mark.slow
def test_ray_resume_after_sigkill(small_corpus, clean, tmp_path):
    pytest.importorskip("ray")
    pytest.importorskip("pyarrow")
    out = tmp_path / "out"
    _check_killed_then_resumed(["analyze", str(small_corpus), "-o", str(out), *OPTS, "--engine", "ray",
                                "--num-cpus", "2"], out, clean, True)
