"""The demo path works on a machine without ffmpeg: the Makefile's `demo` commands run with a PATH
that holds every program of this machine except ffmpeg and ffprobe (symlinks), as on a fresh
Debian, Ubuntu or macOS machine."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = {"ffmpeg", "ffprobe", "ffplay"}


def _path_without_ffmpeg(folder: Path) -> str:
    """A folder of symlinks to every program on PATH but ffmpeg's, as the only PATH entry."""
    folder.mkdir()
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if not d or not os.path.isdir(d):
            continue
        for entry in os.scandir(d):
            link = folder / entry.name
            if entry.name in HIDDEN or link.exists() or link.is_symlink():
                continue
            if entry.is_file() and os.access(entry.path, os.X_OK):
                link.symlink_to(entry.path)
    return str(folder)


def _demo_commands() -> list[str]:
    """The recipe lines of the Makefile's `demo` target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("demo:"))
    out = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        out.append(line.strip())
    return out


@pytest.mark.slow
def test_make_demo_commands_run_without_ffmpeg_on_path(tmp_path):
    path = _path_without_ffmpeg(tmp_path / "bin")
    assert shutil.which("ffmpeg", path=path) is None and shutil.which("ffprobe", path=path) is None
    assert shutil.which("bash", path=path)
    commands = _demo_commands()
    assert len(commands) >= 4 and any("talk.flac" in c for c in commands) and any(".mp4" in c for c in commands)
    venv_bin = Path(sys.executable).parent
    report = tmp_path / "demo-report.html"
    env = {**os.environ, "PATH": path, "AFFECTKIT_MODELS": os.environ.get("AFFECTKIT_MODELS",
                                                                          str(tmp_path / "models"))}
    outputs = []
    for cmd in commands:
        cmd = cmd.replace("$(VENV)/bin/", f"{venv_bin}/").replace("-o demo-report.html", f"-o {report}")
        assert "$(" not in cmd, cmd
        res = subprocess.run(["bash", "-c", cmd], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, (cmd, res.stderr[-3000:])
        assert "ffmpeg" not in res.stderr.lower() and "ffprobe" not in res.stderr.lower(), res.stderr
        outputs.append((cmd, res.stdout, res.stderr))
    by = {c: (o, e) for c, o, e in outputs}
    talk = next(o for c, (o, e) in by.items() if c.endswith("analyze examples/talk.flac"))
    assert re.search(r"^2\s+00:08", talk, re.M), talk  # three utterances read from the voice and the words
    video_err = next(e for c, (o, e) in by.items() if c.endswith("analyze examples/talking_head.mp4"))
    assert "87 frames sampled at 5 fps" in video_err and "warning" not in video_err
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
