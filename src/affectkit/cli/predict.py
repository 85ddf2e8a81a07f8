"""``affectkit predict text|voice|face``: one JSON line per input item, in order."""
from __future__ import annotations

import argparse
import json
import sys

from affectkit.cli.common import EXIT_ITEM_FAILED, EXIT_OK, _check_output, _emit, _progress, _read_lines


def _parse_item(raw: bytes, n: int, jsonl: bool) -> dict:
    """One input line -> {"text", "speaker", "dialogue_id"} or {"error"} (never raises)."""
    try:
        line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return {"error": f"line {n}: not valid UTF-8 at byte {exc.start}"}
    if not jsonl:
        if not line.strip():
            return {"text": line, "error": f"line {n}: empty text"}
        return {"text": line}
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"line {n}: invalid JSON ({exc.msg})"}
    if not isinstance(obj, dict):
        return {"error": f"line {n}: expected a JSON object with a \"text\" field"}
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        out = {"error": f"line {n}: missing or empty \"text\""}
        if isinstance(text, str):
            out["text"] = text
        return out
    item = {"text": text}
    for key in ("speaker", "dialogue_id"):
        if obj.get(key) is not None:
            if isinstance(obj[key], (dict, list)):
                return {"text": text, "error": f"line {n}: \"{key}\" must be a string or number"}
            item[key] = str(obj[key])
    return item


def _load_model():
    from affectkit.recognize.text_model import bundled_text_model

    return bundled_text_model()


def cmd_predict_text(args: argparse.Namespace) -> int:
    from affectkit.recognize.text_affect import text_records

    _check_output(args)
    items = [_parse_item(raw, n, args.jsonl) for n, raw in enumerate(_read_lines(args.input), 1)]
    ok = [i for i, it in enumerate(items) if "error" not in it]
    model = _load_model()
    results: list[dict] = [dict(it) for it in items]
    if ok:
        with _progress(len(ok), args.progress, "predict text") as update:
            recs = text_records([items[i]["text"] for i in ok],
                                speakers=[items[i].get("speaker") for i in ok],
                                dialogue_ids=[items[i].get("dialogue_id") for i in ok],
                                model=model, progress=update)
        for i, rec in zip(ok, recs):
            results[i] = rec
    out = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    _emit(out, args.output, args.force, [args.input])
    failed = len(items) - len(ok)
    if failed:
        print(f"affectkit: {failed} of {len(items)} inputs failed (see their \"error\")", file=sys.stderr)
    return EXIT_ITEM_FAILED if failed else EXIT_OK


def _emit_records(results: list[dict], args: argparse.Namespace) -> int:
    """One JSON line per file record, in order; the exit status says whether any failed."""
    out = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    _emit(out, args.output, args.force, list(args.inputs))
    failed = sum("error" in r for r in results)
    if failed:
        print(f"affectkit: {failed} of {len(results)} inputs failed (see their \"error\")", file=sys.stderr)
    return EXIT_ITEM_FAILED if failed else EXIT_OK


def cmd_predict_voice(args: argparse.Namespace) -> int:
    from affectkit.recognize.voice_affect import bundled_voice_head, voice_records
    from affectkit.store.cache import FeatureCache

    from affectkit.perceive.voice import QUALITY_NOTE, has_opensmile

    _check_output(args)
    head = bundled_voice_head()
    if not has_opensmile():
        print(f"affectkit: {QUALITY_NOTE}", file=sys.stderr)
    cache = None if args.no_cache else FeatureCache()
    with _progress(len(args.inputs), args.progress, "predict voice") as update:
        results = voice_records(args.inputs, head=head, cache=cache, progress=update)
    return _emit_records(results, args)


def cmd_predict_face(args: argparse.Namespace) -> int:
    from affectkit.recognize.face_affect import bundled_face_model, face_records
    from affectkit.perceive.face_detect import resolve_detector

    _check_output(args)
    model = bundled_face_model()
    detector = None
    if not args.crop:  # a missing OpenCV or mediapipe is a dependency error (exit 3), not a per-file one
        detector = resolve_detector(args.detector)
    with _progress(len(args.inputs), args.progress, "predict face") as update:
        results = face_records(args.inputs, crop=args.crop, model=model, progress=update,
                               landmarks=args.landmarks, detector=detector)
    return _emit_records(results, args)


def cmd_predict_screen(args: argparse.Namespace) -> int:
    """Stress, depression and crisis indicators per input text (same input rules as ``predict text``)."""
    from affectkit.screen import DISCLAIMER, screen_texts
    from affectkit.screen.heads import bundled_screen_model

    _check_output(args)
    items = [_parse_item(raw, n, args.jsonl) for n, raw in enumerate(_read_lines(args.input), 1)]
    ok = [i for i, it in enumerate(items) if "error" not in it]
    results: list[dict] = [dict(it) for it in items]
    if ok:
        model = bundled_screen_model()
        with _progress(len(ok), args.progress, "predict screen") as update:
            for s in range(0, len(ok), 256):  # chunks: a progress bar that moves, bounded memory
                idx = ok[s:s + 256]
                for i, rec in zip(idx, screen_texts([items[i]["text"] for i in idx], model=model)):
                    extra = {k: v for k, v in items[i].items() if k != "text"}
                    results[i] = {"text": rec["text"], **extra, **{k: v for k, v in rec.items() if k != "text"}}
                if update:
                    update(len(idx))
    out = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    _emit(out, args.output, args.force, [args.input])
    print(f"affectkit: {DISCLAIMER}", file=sys.stderr)
    flagged = sum(bool(r.get("crisis", {}).get("flag")) for r in results)
    if flagged:
        print(f"affectkit: crisis indicators in {flagged} of {len(results)} inputs (see their \"crisis\")",
              file=sys.stderr)
    failed = len(items) - len(ok)
    if failed:
        print(f"affectkit: {failed} of {len(items)} inputs failed (see their \"error\")", file=sys.stderr)
    return EXIT_ITEM_FAILED if failed else EXIT_OK
