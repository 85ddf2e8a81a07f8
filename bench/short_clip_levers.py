#!/usr/bin/env python
"""What each of the three changes that took the 13 s clip under 5 s (bench/short_clip.py) is worth
on its own, measured on the same clip in this venv.

    python bench/short_clip_levers.py               # -> bench/results/short_clip_levers.json (about 2 min)
    python bench/short_clip_levers.py --rounds 3 --out /tmp/l.json

- ``speech_to_text``: the clip's audio transcribed with the language detected, by faster-whisper's
  own ``WhisperModel`` and by ``segment.whisper_once`` (the first window's encoder pass shared with
  the decoding), in alternating rounds, one process, both models loaded before; the encoder passes
  counted; whether the words, word times and probabilities equal those with ``language`` given.
- ``mediapipe_import``: ``import mediapipe`` against ``perceive.mediapipe_import.import_mediapipe()``,
  each in fresh processes (alternating), the import's own seconds, and whether matplotlib was loaded.
- ``face_search``: ``FaceSearch(detector="mediapipe")`` over the frames sampled at 5 fps from the
  clip and from the whole ``examples/talking_head.mp4``, with the tiled search every 5th frame
  (``tiled_every=5``, the search before: a tiled search on each 5th frame) and with the default
  (every 25th, light searches between). The earlier search also ran a tiled search on every frame
  after one without a face, which ``tiled_every=5`` does not, so its cost here is a floor. Reported:
  seconds (median), searches of each kind, frames with a face, and how the boxes compare.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402
from short_clip import SECONDS, make_clip  # noqa: E402

_IMPORT = {
    "plain": "import mediapipe",
    "deferred": "from affectkit.perceive.mediapipe_import import import_mediapipe; import_mediapipe()",
}
_TIMED_IMPORT = ("import json,sys,time;t=time.perf_counter();exec(sys.argv[1]);"
                 "print(json.dumps({'s':time.perf_counter()-t,'matplotlib':'matplotlib' in sys.modules}))")


class CountingEncoder:
    """A WhisperModel's CTranslate2 model, its encode calls counted."""

    def __init__(self, inner) -> None:
        self.inner, self.encodes = inner, 0

    def encode(self, *args, **kwargs):
        self.encodes += 1
        return self.inner.encode(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def words(tr) -> list:
    return [(s.text, s.start, s.end, s.words) for s in tr.segments]


def med(xs: list[float]) -> float:
    return round(statistics.median(xs), 3)


def speech_to_text(clip: Path, rounds: int) -> dict:
    from affectkit.io.audio import load_audio
    from affectkit.segment import transcribe
    from affectkit.segment.whisper_once import one_encode_whisper
    from affectkit.store.whisper_files import load_whisper

    x = load_audio(clip, 16000)[0]
    models = {"faster_whisper": load_whisper(), "whisper_once": load_whisper(cls=one_encode_whisper())}
    for m in models.values():
        m.model = CountingEncoder(m.model)
    given = transcribe(x, model=models["faster_whisper"], language="en")
    secs: dict[str, list[float]] = {k: [] for k in models}
    out: dict[str, dict] = {}
    for _ in range(rounds):
        for name, m in models.items():
            before = m.model.encodes
            t = time.perf_counter()
            tr = transcribe(x, model=m)
            secs[name].append(time.perf_counter() - t)
            out[name] = {"encoder_passes": m.model.encodes - before, "language": tr.language,
                         "language_probability": tr.language_probability,
                         "same_words_as_language_given": words(tr) == words(given)}
    for name in models:
        out[name].update(seconds_median=med(secs[name]), seconds_all=[round(s, 3) for s in secs[name]])
    out["utterances"] = len(given.segments)
    return out


def mediapipe_import(rounds: int) -> dict:
    runs: dict[str, list[dict]] = {k: [] for k in _IMPORT}
    for _ in range(rounds):
        for name, code in _IMPORT.items():
            res = subprocess.run([sys.executable, "-c", _TIMED_IMPORT, code], capture_output=True, text=True,
                                 check=True)
            runs[name].append(json.loads(res.stdout.strip().splitlines()[-1]))
    return {name: {"seconds_median": med([r["s"] for r in rs]), "seconds_all": [round(r["s"], 3) for r in rs],
                   "matplotlib_loaded": all(r["matplotlib"] for r in rs)} for name, rs in runs.items()}


def face_search(video: Path, rounds: int) -> dict:
    from affectkit.io.video import read_pictures
    from affectkit.perceive.face_detect import FaceSearch
    from affectkit.perceive.face_track import iou

    frames = [f.image for f in read_pictures(video, 5.0, gray=True, max_side=None)]
    kinds = {"tiled_every_5th": {"tiled_every": 5}, "default": {}}
    secs: dict[str, list[float]] = {k: [] for k in kinds}
    found: dict[str, list] = {}
    counts: dict[str, dict] = {}
    for _ in range(rounds):
        for name, kw in kinds.items():
            search = FaceSearch(detector="mediapipe", **kw)
            t = time.perf_counter()
            found[name] = [search(f) for f in frames]
            secs[name].append(time.perf_counter() - t)
            counts[name] = {"tiled_searches": search.full_searches, "light_searches": search.light_searches,
                            "frames_with_face": sum(1 for b in found[name] if b)}
    a, b = found["tiled_every_5th"], found["default"]
    ious = [iou(x[0], y[0]) for x, y in zip(a, b) if x and y]
    return {"frames": len(frames),
            **{name: dict(counts[name], seconds_median=med(secs[name])) for name in kinds},
            "frames_whose_face_count_differs": sum(1 for x, y in zip(a, b) if len(x) != len(y)),
            "largest_face_iou_min": round(min(ious), 3) if ious else None,
            "largest_face_iou_mean": round(sum(ious) / len(ious), 3) if ious else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="runs of each variant (default 5)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "short_clip_levers.json")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    started = run_started()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="affectkit-levers-") as tmp:
        clip = make_clip(Path(tmp) / "clip13.mp4")
        print("speech-to-text", file=sys.stderr, flush=True)
        stt = speech_to_text(clip, args.rounds)
        print("mediapipe import", file=sys.stderr, flush=True)
        imp = mediapipe_import(args.rounds)
        print("face search", file=sys.stderr, flush=True)
        faces = {"clip_13s": face_search(clip, args.rounds),
                 "talking_head_17s": face_search(ROOT / "examples" / "talking_head.mp4", args.rounds)}
    doc = {"benchmark": "the three changes behind bench/short_clip.json, each alone",
           "clip": f"examples/talking_head.mp4, first {SECONDS:g} s (as bench/short_clip.py makes it)",
           "rounds": args.rounds, "speech_to_text": stt, "mediapipe_import": imp, "face_search": faces,
           "seconds": round(time.time() - t0, 1)}
    write_results(args.out, doc, argv=argv, script=__file__, started=started)
    print(json.dumps({k: doc[k] for k in ("speech_to_text", "mediapipe_import", "face_search")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
