"""The inference commands never import torch, transformers or sentence-transformers (they run
on ONNX Runtime: text, face, and the voice head's Whisper encoder), and the text ones never
import pandas: checked in a fresh process."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "sentence_transformers")
PROBE = """
import io, json, sys
sys.stdin = io.TextIOWrapper(io.BytesIO(sys.argv[2].encode()))
from affectkit.cli import main
try:
    rc = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    rc = exc.code
print(json.dumps({"rc": rc, "modules": sorted({m.split('.')[0] for m in sys.modules})}), file=sys.stderr)
"""


def _modules(argv: list[str], stdin: str = "") -> tuple[int, set[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("AFFECTKIT_BACKEND", None)
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv), stdin], capture_output=True,
                         text=True, env=env, timeout=300, cwd=ROOT)
    last = json.loads(out.stderr.strip().splitlines()[-1])
    return last["rc"], set(last["modules"])


@pytest.mark.parametrize("argv,stdin,no_pandas", [
    (["predict", "text", "-"], "I cannot believe we won\n", True),
    # the screening heads are scikit-learn estimators, and scikit-learn imports pandas where present
    (["predict", "screen", "-"], "I can't sleep and everything feels pointless\n", False),
    (["analyze", "examples/interview.srt", "-o", "-"], "", True),
    (["screen", "examples/interview.srt"], "", False),
    (["predict", "face", "--crop", "tests/data/face/fer_happy.png"], "", False),
    # the voice head's Whisper encoder (--no-cache: its features are computed, not read back)
    (["predict", "voice", "--no-cache", "examples/talk.flac"], "", False),
    (["analyze", "--no-cache", "--format", "json", "-o", "-", "examples/talking_head.mp4"], "", False),
], ids=["predict-text", "predict-screen", "analyze-srt", "screen", "predict-face", "predict-voice", "analyze-video"])
def test_inference_commands_do_not_import_torch(argv, stdin, no_pandas):
    rc, mods = _modules(argv, stdin)
    assert rc == 0
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))
    if no_pandas:
        assert "pandas" not in mods


def test_service_predict_pool_does_not_import_torch():
    code = ("import sys; from affectkit.service import predict as p; p._init(); "
            "print(p.text_records_in_pool(['What a lovely gift!'])[0]['sentiment']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {%s}))" % ", ".join(map(repr, HEAVY)))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("AFFECTKIT_BACKEND", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.stdout.split() == ["positive", "[]"], out.stderr[-2000:]
