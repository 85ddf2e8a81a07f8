"""mediapipe imported without its drawing helpers (and matplotlib) until someone uses them; each
check in a fresh interpreter, since the import can happen once per process."""
import json
import subprocess
import sys

import pytest

pytest.importorskip("mediapipe")


def fresh(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_no_matplotlib_until_a_drawing_helper_is_used():
    got = fresh("""
import json, sys
import numpy as np
from affectkit.perceive.mediapipe_import import import_mediapipe
mp = import_mediapipe()
before = 'matplotlib' in sys.modules
with mp.solutions.face_detection.FaceDetection(model_selection=0) as fd:  # the detector works
    none = fd.process(np.zeros((64, 64, 3), np.uint8)).detections is None
du = mp.solutions.drawing_utils
spec = du.__spec__.name                    # the import system's attributes do not load it
still = 'matplotlib' in sys.modules
img = np.zeros((32, 32, 3), np.uint8)
du.draw_landmarks(img, None)               # the first real name loads it, and it works
from mediapipe.python.solutions import drawing_styles
style = type(drawing_styles.get_default_face_mesh_contours_style()).__name__
try:
    du.no_such_name
    missing = None
except AttributeError as exc:
    missing = str(exc)
print(json.dumps({"before": before, "still": still, "after": 'matplotlib' in sys.modules, "none": none,
                  "spec": spec, "style": style, "missing": missing, "same": sys.modules['mediapipe'] is mp}))
""")
    assert got["before"] is False and got["still"] is False and got["after"] is True
    assert got["none"] is True and got["same"] is True
    assert got["spec"] == "mediapipe.python.solutions.drawing_utils" and got["style"] == "dict"
    assert "no attribute 'no_such_name'" in got["missing"]


def test_threads_importing_at_once_get_one_module():
    got = fresh("""
import json, threading
from affectkit.perceive.mediapipe_import import import_mediapipe
mods, barrier = [], threading.Barrier(4)
def go():
    barrier.wait()
    mods.append(import_mediapipe())
ts = [threading.Thread(target=go) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
names = []
def draw():
    barrier.wait()
    names.append(mods[0].solutions.drawing_utils.draw_landmarks.__name__)
ts = [threading.Thread(target=draw) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps({"n": len(mods), "one": len({id(m) for m in mods}), "names": names}))
""")
    assert got == {"n": 4, "one": 1, "names": ["draw_landmarks"] * 4}


def test_when_mediapipe_is_imported_already_it_is_returned_as_it_is():
    got = fresh("""
import json, sys
import mediapipe
from affectkit.perceive.mediapipe_import import import_mediapipe
print(json.dumps({"same": import_mediapipe() is mediapipe}))
""")
    assert got == {"same": True}
