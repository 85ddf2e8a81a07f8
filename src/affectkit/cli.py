"""The ``affectkit`` command.

Exit status (scripts rely on it): 0 all items done; 1 some items failed (each has an
``error`` on its own line or record, the rest ran); 2 usage error (bad option, missing
input, output exists); 3 a bundled model, or a dependency it needs, could not be loaded.
"""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

EXIT_OK, EXIT_ITEM_FAILED, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3

EPILOG = """exit status: 0 all done, 1 some items failed (see their "error"), 2 usage error,
3 a bundled model, or a dependency it needs, could not be loaded.

examples:
  affectkit predict text notes.txt                 one text per line -> JSON lines
  echo "I can't believe it!" | affectkit predict text -
  affectkit predict text --jsonl dialogue.jsonl    {"text", "speaker", "dialogue_id"} per line
  affectkit predict voice a.wav b.mp3              emotion from the voice, one JSON line per file
  affectkit predict face photo.jpg                 faces found and their expressions, one JSON line per image
  affectkit predict face --crop crops/*.png        each image is one face crop
  affectkit analyze examples/interview.srt         per-utterance table
  affectkit analyze talk.vtt --format csv -o talk.csv
  affectkit analyze talk.wav                       voice + speech-to-text, per utterance
  affectkit analyze talk.mp4 --transcript talk.srt --format json -o talk.json
                                                   voice, words and face, per utterance
  affectkit analyze talk.wav --format html -o report.html   a report to open in a browser
"""


class _Usage(Exception):
    pass


@contextmanager
def _progress(total: int, enabled: bool | None, desc: str) -> Iterator:
    """A tqdm bar on stderr (never stdout); on by default for inputs of 100 items or more."""
    show = total >= 100 if enabled is None else enabled
    if not show:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="utt", file=sys.stderr, dynamic_ncols=True)
    try:
        yield bar.update
    finally:
        bar.close()


def _read_lines(source: str) -> list[bytes]:
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        p = Path(source)
        if not p.is_file():
            raise _Usage(f"no such file: {source}")
        data = p.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [l[:-1] if l.endswith(b"\r") else l for l in lines]


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


def _check_output(args: argparse.Namespace) -> None:
    """Refuse before any work if -o names an existing file and --force is not given."""
    if args.output and args.output != "-" and Path(args.output).exists() and not args.force:
        raise _Usage(f"{args.output} already exists; choose another name or pass --force to replace it")


def _load_model():
    from affectkit.recognize.text_model import bundled_text_model

    return bundled_text_model()


def _emit(text: str, output: str | None, force: bool, inputs: list[str]) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from affectkit.report.writers import write_text_file

    write_text_file(output, text, force=force, protect=[i for i in inputs if i != "-"])


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

    _check_output(args)
    head = bundled_voice_head()
    cache = None if args.no_cache else FeatureCache()
    with _progress(len(args.inputs), args.progress, "predict voice") as update:
        results = voice_records(args.inputs, head=head, cache=cache, progress=update)
    return _emit_records(results, args)


def cmd_predict_face(args: argparse.Namespace) -> int:
    from affectkit.recognize.face_affect import bundled_face_model, face_records
    from affectkit.perceive.face_detect import _cascade_path

    _check_output(args)
    model = bundled_face_model()
    if not args.crop:
        _cascade_path()  # a missing OpenCV is a dependency error (exit 3), not a per-file one
    with _progress(len(args.inputs), args.progress, "predict face") as update:
        results = face_records(args.inputs, crop=args.crop, model=model, progress=update)
    return _emit_records(results, args)


def _check_analyze_options(args: argparse.Namespace, media: list[str]) -> None:
    """Usage errors of ``analyze``'s audio options, before any work."""
    if args.transcript is not None:
        if len(media) != 1 or len(args.inputs) != 1:
            raise _Usage("--transcript goes with exactly one audio or video file (and no other input)")
        if not Path(args.transcript).is_file():
            raise _Usage(f"no such transcript file: {args.transcript}")
    if args.language is not None:
        if not media:
            raise _Usage("--language is for speech-to-text; no audio or video file was given")
        if args.no_asr or args.transcript is not None:
            raise _Usage("--language is for speech-to-text, which --no-asr / --transcript turn off")
        from affectkit.core.errors import DependencyError, InputError
        from affectkit.segment.asr import check_language

        try:
            args.language = check_language(args.language)
        except DependencyError:
            pass  # no speech-to-text here: the files fall back to voice-activity segmentation, and say so
        except InputError as exc:
            raise _Usage(str(exc)) from None


def _analyze_media(path: str, args: argparse.Namespace, head, fmt: str | None) -> dict:
    """One audio or video file -> its analysis record (says on stderr how it was segmented)."""
    from affectkit.analyze_media import analyze_utterances, analyze_video, find_utterances
    from affectkit.io.audio import load_audio
    from affectkit.core.errors import DependencyError
    from affectkit.io.video import has_video_stream
    from affectkit.store.cache import FeatureCache

    cache = None if args.no_cache else FeatureCache()
    try:
        video = has_video_stream(path)
    except DependencyError as exc:
        video = False
        print(f"affectkit: {path}: no face reading: {exc}", file=sys.stderr)
    if video:
        from affectkit.recognize.face_affect import bundled_face_model

        return analyze_video(path, args.transcript, asr=False if args.no_asr else None, language=args.language,
                            transcript_format=fmt, fps=args.fps, window=args.window, voice_head=head,
                            face_model=bundled_face_model(), cache=cache, explain=not args.no_explain,
                            note=lambda msg: print(f"affectkit: {path}: {msg}", file=sys.stderr))
    x, sr = load_audio(path)
    found = find_utterances(path, x, sr, transcript=args.transcript, transcript_format=fmt,
                            asr=False if args.no_asr else None, language=args.language, cache=cache)
    print(f"affectkit: {path}: {found.note}", file=sys.stderr)
    if found.method == "asr" and found.detail.get("language") != "en":
        print(f"affectkit: {path}: note: the text model reads English; the text readings of "
              f"{found.detail.get('language')} speech are unreliable", file=sys.stderr)
    with _progress(len(found.segments), args.progress, Path(path).name) as update:
        return analyze_utterances(path, x, sr, found, voice_head=head, progress=update, cache=cache,
                                  explain=not args.no_explain)


def cmd_analyze(args: argparse.Namespace) -> int:
    from affectkit.analyze import analyze_segments, failed_record
    from affectkit.analyze_media import is_media
    from affectkit.io.transcripts import read_transcript
    from affectkit.core.errors import InputError
    from affectkit.report.table import render_table
    from affectkit.report.writers import to_csv, to_json

    media = [p for p in args.inputs if is_media(p)]
    _check_analyze_options(args, media)
    _check_output(args)
    # transcripts always need the text model; audio loads it on the first utterance with text
    model = _load_model() if len(media) < len(args.inputs) else None
    head = None
    if media:
        from affectkit.recognize.voice_affect import bundled_voice_head

        head = bundled_voice_head()
    fmt = None if args.transcript_format == "auto" else args.transcript_format
    docs, failed = [], 0
    for path in args.inputs:
        try:
            if is_media(path):
                docs.append(_analyze_media(path, args, head, fmt))
                continue
            segments = read_transcript(path, fmt)
            with _progress(len(segments), args.progress, Path(path).name) as update:
                docs.append(analyze_segments(segments, path, model=model, progress=update,
                                             explain=not args.no_explain))
        except InputError as exc:
            failed += 1
            docs.append(failed_record(path, exc))
            print(f"affectkit: {exc}", file=sys.stderr)
    if args.format == "json":
        out = to_json(docs[0] if len(docs) == 1 else docs)
    elif args.format == "html":
        from affectkit.report.html import to_html

        out = to_html(docs, title="affectkit: " + ", ".join(Path(p).name for p in args.inputs))
    elif args.format == "csv":
        rows = []
        for d in docs:
            if d["errors"]:
                rows.append({"input": d["input"], "error": "; ".join(d["errors"])})
            rows += [dict(input=d["input"], index=i, **s) for i, s in enumerate(d["segments"])]
        for r in rows:
            if "voice_emotion" not in r:  # transcripts: the emotion column is the text reading already
                r.pop("text_emotion", None)
        out = to_csv(rows)
    else:
        parts = []
        for d in docs:
            if len(docs) > 1:
                parts.append(f"== {d['input']}\n")
            if d["errors"]:
                parts.append("".join(f"ERROR: {e}\n" for e in d["errors"]))
            else:
                parts.append(render_table(d["segments"]))
        out = "".join(parts)
    _emit(out, args.output, args.force, list(args.inputs) + ([args.transcript] if args.transcript else []))
    if failed:
        print(f"affectkit: {failed} of {len(docs)} inputs failed (see their \"errors\")", file=sys.stderr)
    return EXIT_ITEM_FAILED if failed else EXIT_OK


def _media_suffixes() -> frozenset[str]:
    from affectkit.analyze_media import MEDIA_SUFFIXES

    return MEDIA_SUFFIXES


def _positive(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not (x > 0 and x < 1e6):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
    return x


def build_parser() -> argparse.ArgumentParser:
    from affectkit import __version__

    parser = argparse.ArgumentParser(
        prog="affectkit", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Read emotion and sentiment from text, transcripts and voice, offline, with bundled models.")
    parser.add_argument("--version", action="version", version=f"affectkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (never over an input)")
        p.add_argument("--force", action="store_true", help="replace FILE if it exists")
        g = p.add_mutually_exclusive_group()
        g.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="always show a progress bar on stderr (default: for 100+ items)")
        g.add_argument("--no-progress", dest="progress", action="store_false", help="never show one")

    predict = sub.add_parser("predict", help="one JSON line per input", formatter_class=argparse.RawDescriptionHelpFormatter,
                             description="Predict per input item and print one JSON line per item, in order.")
    psub = predict.add_subparsers(dest="modality", metavar="MODALITY")
    ptext = psub.add_parser(
        "text", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="emotion and sentiment per line of text",
        description="Emotion (anger disgust fear joy neutral sadness surprise) and sentiment "
                    "(negative neutral positive) per input line.\n\nOutput, one JSON line per input, in order:\n"
                    '  {"text", "emotion", "emotion_scores": {label: prob}, "sentiment", "sentiment_scores"}\n'
                    'A bad line gives {"error": ...} on its own output line; the exit status is then 1.',
        epilog=EPILOG)
    ptext.add_argument("input", nargs="?", default="-", metavar="FILE|-", help="input file, or - for stdin (default)")
    ptext.add_argument("--jsonl", action="store_true",
                       help='each line is JSON with "text" and optional "speaker" and "dialogue_id"; an '
                            "utterance's context is the earlier lines of the same dialogue_id")
    common(ptext)
    ptext.set_defaults(func=cmd_predict_text)

    pvoice = psub.add_parser(
        "voice", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="emotion from the voice, per audio or video file",
        description="Emotion from how it is said, per file (any audio, or the audio track of a video; "
                    "the whole file is one utterance).\n\nOutput, one JSON line per file, in order:\n"
                    '  {"path", "emotion", "emotion_scores": {label: prob}, "cues": {pitch_hz, pitch_range_st, '
                    "loudness_db,\n   syllable_rate, pause_ratio, voiced_ratio, jitter, shimmer_db, hnr_db}}\n"
                    "emotion_scores sum to 1 over anger disgust fear joy neutral sadness and boredom (an extra "
                    "label from\nthe training data, EmoDB); \"emotion\" is the most probable canonical label "
                    "(never boredom).\n"
                    'A bad file gives {"path", "error"} on its own line; the others still run; exit status 1.\n\n'
                    "Normalisation: the bundled model sees one file at a time, so it standardises features with\n"
                    "statistics of its training speakers (the \"strict\" protocol), not of this speaker's own voice;\n"
                    "it was trained on German acted speech (EmoDB, 10 speakers): treat its scores as a cue, not a verdict.\n"
                    "Features are cached in $AFFECTKIT_CACHE (default ~/.cache/affectkit) unless --no-cache.",
        epilog=EPILOG)
    pvoice.add_argument("inputs", nargs="+", metavar="FILE", help="audio or video files")
    pvoice.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")
    common(pvoice)
    pvoice.set_defaults(func=cmd_predict_voice)

    pface = psub.add_parser(
        "face", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="emotion from the faces in images",
        description="Facial expression per image file (png, jpg, bmp, webp, tiff; EXIF orientation applied).\n\n"
                    "Output, one JSON line per file, in order:\n"
                    '  {"path", "faces": [{"box": [x, y, w, h], "emotion", "emotion_scores": {label: prob}}]}\n'
                    "every frontal face found (OpenCV Haar cascade), largest first; an image without a face gives\n"
                    '"faces": []. With --crop each image is taken as an already-cropped face:\n'
                    '  {"path", "emotion", "emotion_scores"}\n'
                    "emotion_scores sum to 1 over anger disgust fear joy neutral sadness surprise (a CNN trained on\n"
                    "FER2013: 48x48 grayscale web faces; it reads an expression, not a felt emotion).\n"
                    'A bad file gives {"path", "error"} on its own line; the others still run; exit status 1.\n'
                    "For videos: affectkit analyze VIDEO.",
        epilog=EPILOG)
    pface.add_argument("inputs", nargs="+", metavar="FILE", help="image files")
    pface.add_argument("--crop", action="store_true", help="each image is already a cropped face: no detection")
    common(pface)
    pface.set_defaults(func=cmd_predict_face)

    analyze = sub.add_parser(
        "analyze", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        help="per-utterance emotion and sentiment for transcripts and audio/video files",
        description="Analyse transcripts or recordings utterance by utterance.\n\n"
                    "Transcripts (.srt .vtt .json .txt; other names are sniffed): emotion and sentiment per\n"
                    "utterance, each read with its dialogue context. Formats: SRT, WebVTT, JSON (list of\n"
                    "{start, end, speaker, text}), plain text (one utterance per line).\n\n"
                    "Audio and video (" + " ".join(sorted(s.lstrip(".") for s in _media_suffixes())) + "):\n"
                    "emotion from the voice, pitch and loudness against the speaker's median, and emotion\n"
                    "and sentiment from the words. Utterances come from --transcript's timestamps; else\n"
                    "speech-to-text with word timings (pip install 'affectkit[asr]'); else, or with --no-asr,\n"
                    "voice-activity segmentation (no text). stderr says which. Utterances under 0.5 s get no\n"
                    "voice reading (the reason is in the segment's \"errors\"). Speech-to-text and voice\n"
                    "features are cached in $AFFECTKIT_CACHE (default ~/.cache/affectkit) unless --no-cache:\n"
                    "a second run over the same recording is quick.\n\n"
                    "Per utterance, \"emotion\" fuses the modalities that read it (each head calibrated, then a\n"
                    "weighted mean over those present), with each one's share (\"modality_weights\"), a\n"
                    "\"conflict\" flag when they disagree strongly, and an \"explanation\" in words, printed\n"
                    "under each row of the table.\n\n"
                    "Videos with pictures (pip install 'affectkit[face]'): frames sampled at --fps (default 5),\n"
                    "upright, frontal faces found and followed; per utterance \"face_emotion\" reads the main face\n"
                    "(a CNN trained on FER2013), or null with \"face: no face seen\" in its \"errors\". Without a\n"
                    "transcript or speech (e.g. no soundtrack), utterances are fixed --window windows (default 2 s).")
    analyze.add_argument("inputs", nargs="+", metavar="FILE", help="transcripts, audio or video files")
    analyze.add_argument("--format", choices=("table", "json", "csv", "html"), default="table",
                         help="output format (default: table on the terminal); html: a self-contained "
                              "report with a timeline (use -o report.html)")
    analyze.add_argument("--transcript-format", choices=("auto", "srt", "vtt", "json", "txt"), default="auto",
                         help="transcript format (default: from the file suffix, else sniffed)")
    analyze.add_argument("--transcript", metavar="FILE",
                         help="utterance times, speakers and text for the one audio/video input")
    analyze.add_argument("--no-asr", action="store_true",
                         help="no speech-to-text: voice-activity segmentation, voice readings only")
    analyze.add_argument("--language", metavar="CODE",
                         help="language for speech-to-text (en, de, fr...; default: detected)")
    analyze.add_argument("--no-cache", action="store_true",
                         help="for recordings: do not read or write the speech-to-text and feature cache")
    analyze.add_argument("--no-explain", action="store_true",
                         help="no explanations (naming the words behind each reading costs one extra "
                              "text-model pass per word)")
    analyze.add_argument("--fps", type=_positive, default=5.0, metavar="N",
                         help="video: frames sampled per second for the face (default 5)")
    analyze.add_argument("--window", type=_positive, default=2.0, metavar="SECONDS",
                         help="video without a transcript or speech: fixed windows of this length (default 2)")
    common(analyze)
    analyze.set_defaults(func=cmd_analyze)
    from affectkit.bench.cli import add_commands as add_bench_commands

    add_bench_commands(sub)  # bench, train: the research harness
    parser.set_defaults(help_for={"predict": predict})  # a bare "affectkit predict" prints predict's help
    return parser


def main(argv: list[str] | None = None) -> int:
    from affectkit.core.errors import DependencyError, InputError, ModelError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser_for = getattr(args, "help_for", {}).get(args.command, parser)
        parser_for.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except _Usage as exc:
        print(f"affectkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ModelError as exc:
        print(f"affectkit: model error: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except DependencyError as exc:
        print(f"affectkit: missing dependency: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except InputError as exc:
        print(f"affectkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
