"""Without the egemaps extra (openSMILE, which brings pyarrow through audformat), the voice commands
still run: the emotion head does not read openSMILE features, the voice-quality cues (jitter,
shimmer, HNR) are null, and stderr says which extra measures them. Checked in a fresh process where
openSMILE cannot be imported, as on ``pip install 'affectkit[voice]'``."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import importlib.abc, json, sys

class Absent(importlib.abc.MetaPathFinder):  # as if not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ('opensmile', 'audinterface', 'audformat', 'pyarrow'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
from affectkit.cli import main
try:
    rc = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    rc = exc.code
print(json.dumps({"rc": rc, "modules": sorted({m.split('.')[0] for m in sys.modules})}), file=sys.stderr)
"""


def _run(argv: list[str], tmp_path) -> tuple[int, set[str], str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), AFFECTKIT_CACHE=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, env=env,
                         timeout=300, cwd=ROOT)
    last = json.loads(out.stderr.strip().splitlines()[-1])
    return last["rc"], set(last["modules"]), out.stdout, out.stderr


def test_predict_voice_without_opensmile(tmp_path):
    rc, mods, stdout, stderr = _run(["predict", "voice", "--no-cache", "examples/talk.flac"], tmp_path)
    assert rc == 0, stderr[-2000:]
    assert not mods & {"opensmile", "audformat", "pyarrow"}
    assert "affectkit[egemaps]" in stderr
    rec = json.loads(stdout.splitlines()[0])
    assert rec["emotion"] is not None and rec["cues"]["pitch_hz"] > 0
    assert rec["cues"]["jitter"] is None and rec["cues"]["shimmer_db"] is None and rec["cues"]["hnr_db"] is None


def test_analyze_audio_without_opensmile(tmp_path):
    rc, mods, stdout, stderr = _run(["analyze", "--no-asr", "--format", "json", "-o", "-", "examples/talk.flac"],
                                    tmp_path)
    assert rc == 0, stderr[-2000:]
    assert "affectkit[egemaps]" in stderr and "opensmile" not in mods
    doc = json.loads(stdout)
    voiced = [s["voice_emotion"] for s in doc["segments"] if s["voice_emotion"]]
    assert voiced and all(v["cues"]["jitter"] is None and v["cues"]["jitter_rel"] is None
                          and v["cues"]["loudness_db"] is not None for v in voiced)
