"""The ``affectkit`` command.

Exit status (scripts rely on it): 0 all items done; 1 some items failed (each has an
``error`` on its own line or record, the rest ran; for ``analyze``: an input file that is
missing, empty, corrupt, truncated, over a limit, without audio or video, or an unreadable
transcript); 2 usage error (bad option, output exists, output over an input); 3 a bundled
model, or a dependency it needs, could not be loaded; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys

from affectkit.cli.common import (EXIT_INTERRUPTED, EXIT_ITEM_FAILED, EXIT_MODEL, EXIT_OK,
                                  EXIT_USAGE, UsageError, _positive, _Usage)
from affectkit.cli.predict import cmd_predict_face, cmd_predict_screen, cmd_predict_text, cmd_predict_voice
from affectkit.cli.schema import cmd_schema

__all__ = ["EXIT_OK", "EXIT_ITEM_FAILED", "EXIT_USAGE", "EXIT_MODEL", "EXIT_INTERRUPTED", "UsageError", "build_parser",
           "main"]

EPILOG = """exit status (stable):
  0    all done
  1    some inputs failed, the others ran (each said on one stderr line, and in its "error(s)"):
       missing, empty, corrupt, truncated or over-limit files, no audio or video, unreadable transcripts
  2    usage error: bad option, output file exists (see --force), output would replace an input
  3    a bundled model, or a dependency it needs, could not be loaded
  130  interrupted

examples:
  affectkit predict text notes.txt                 one text per line -> JSON lines
  echo "I can't believe it!" | affectkit predict text -
  affectkit predict text --jsonl dialogue.jsonl    {"text", "speaker", "dialogue_id"} per line
  affectkit predict screen posts.txt               stress, depression, crisis indicators per line (not a diagnosis)
  affectkit screen interview.srt --speaker Sam     screening of one speaker of a session
  affectkit predict voice a.wav b.mp3              emotion from the voice, one JSON line per file
  affectkit predict face photo.jpg                 faces found and their expressions, one JSON line per image
  affectkit predict face --crop crops/*.png        each image is one face crop
  affectkit analyze examples/interview.srt         per-utterance table
  affectkit analyze talk.vtt --format csv -o talk.csv
  affectkit analyze talk.wav                       voice + speech-to-text, per utterance
  affectkit analyze talk.mp4 --transcript talk.srt --format json -o talk.json
                                                   voice, words and face, per utterance
  affectkit analyze talk.wav --format html -o report.html   a report to open in a browser
  affectkit analyze talk.srt --llm http://127.0.0.1:8080/v1 --llm-model NAME --format json
                                                   and an LLM's emotion + reasoning per utterance
  affectkit analyze recordings/ -o results/ --format json   batch: results/<name>.json per input,
                                                   results/failures.json lists the inputs that failed
  AFFECTKIT_API_TOKEN=... affectkit serve --host 0.0.0.0 --workers 2
                                                   a job API and web page for a team
"""


def cmd_analyze(args: argparse.Namespace) -> int:
    from affectkit.cli.analyze import run

    return run(args)


def _media_suffixes() -> frozenset[str]:
    from affectkit.io.probe import MEDIA_SUFFIXES

    return MEDIA_SUFFIXES


def build_parser() -> argparse.ArgumentParser:
    from affectkit.core.version import __version__

    parser = argparse.ArgumentParser(
        prog="affectkit", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Read emotion and sentiment from text, transcripts and voice, offline, with bundled models.")
    parser.add_argument("--version", action="version", version=f"affectkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (never over an input); "
                       "analyze: a FOLDER/ writes one output per input")
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

    pscreen = psub.add_parser(
        "screen", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="stress, depression and crisis indicators per line of text (not a diagnosis)",
        description="Screening indicators per input line: research and triage signals, never a diagnosis.\n\n"
                    "Output, one JSON line per input, in order:\n"
                    '  {"text", "stress": {"label", "probability"}, "depression": {"label", "probability"},\n'
                    '   "crisis": {"flag", "evidence": [quoted phrases], "categories", "details", "excluded"},\n'
                    '   "markers": {"first_person_singular", "absolutist_words", "negative_emotion_words"}}\n'
                    "stress: a head trained on Dreaddit (Reddit posts); depression: on a Reddit depression set\n"
                    "(a weak set: see the model card, src/affectkit/weights/screen/MODEL_CARD.md); label = probability\n"
                    "at or above the head's threshold (chosen on dev data). crisis: explicit suicidal ideation,\n"
                    "self-harm, plan or means in the writer's own words, built for recall; negated (\"I would never\n"
                    '...\"), quoted, other-person and idiomatic mentions are not flagged but listed in "excluded".\n'
                    "A disclaimer and what to do in a crisis go to stderr.\n"
                    'A bad line gives {"error": ...} on its own output line; the exit status is then 1.',
        epilog=EPILOG)
    pscreen.add_argument("input", nargs="?", default="-", metavar="FILE|-", help="input file, or - for stdin (default)")
    pscreen.add_argument("--jsonl", action="store_true",
                         help='each line is JSON with "text" (and optional "speaker", "dialogue_id", passed through)')
    common(pscreen)
    pscreen.set_defaults(func=cmd_predict_screen)

    pvoice = psub.add_parser(
        "voice", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="emotion from the voice, per audio or video file",
        description="Emotion from how it is said, per file (any audio, or the audio track of a video; "
                    "the whole file is one utterance).\n\nOutput, one JSON line per file, in order:\n"
                    '  {"path", "emotion", "emotion_scores": {label: prob}, "cues": {pitch_hz, pitch_range_st, '
                    "loudness_db,\n   syllable_rate, pause_ratio, voiced_ratio, jitter, shimmer_db, hnr_db}}\n"
                    "emotion_scores sum to 1 over the model's labels (the bundled v2: anger disgust fear joy "
                    "neutral sadness;\nEmoDB's boredom is trained as neutral); \"emotion\" is the most probable "
                    "canonical label.\n"
                    'A bad file gives {"path", "error"} on its own line; the others still run; exit status 1.\n\n'
                    "Normalisation: the bundled model sees one file at a time, so it standardises features with\n"
                    "statistics of its training speakers (the \"strict\" protocol), not of this speaker's own voice;\n"
                    "it was trained on German acted speech (EmoDB, 10 speakers, with altered copies: speed, pitch, rooms,\n"
                    "noise, codecs, levels, lengths): treat its scores as a cue, not a verdict.\n"
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
                    "every face found (MediaPipe's BlazeFace with the landmarks extra, else OpenCV's Haar cascade;\n"
                    "--detector picks one), largest first; an image without a face gives\n"
                    '"faces": []. With --crop each image is taken as an already-cropped face:\n'
                    '  {"path", "emotion", "emotion_scores"}\n'
                    "emotion_scores sum to 1 over anger disgust fear joy neutral sadness surprise (a CNN trained on\n"
                    "FER2013: 48x48 grayscale web faces; it reads an expression, not a felt emotion).\n"
                    'A bad file gives {"path", "error"} on its own line; the others still run; exit status 1.\n'
                    '--landmarks adds "geometry" per face (MediaPipe face mesh; the landmarks extra): mouth_open,\n'
                    "mouth_width, smile, brow_raise, eye_open as ratios to the outer-eye-corner distance, and yaw,\n"
                    "pitch, roll in degrees; null where the mesh finds no face.\n"
                    "For videos: affectkit analyze VIDEO.",
        epilog=EPILOG)
    pface.add_argument("inputs", nargs="+", metavar="FILE", help="image files")
    pface.add_argument("--crop", action="store_true", help="each image is already a cropped face: no detection")
    pface.add_argument("--landmarks", action="store_true",
                       help="also measure each face's geometry with MediaPipe's face mesh (the landmarks extra)")
    pface.add_argument("--detector", choices=("auto", "haar", "mediapipe"), default=None,
                       help="the face detector (default auto, or $AFFECTKIT_FACE_DETECTOR: MediaPipe's BlazeFace "
                            "where the landmarks extra is installed, else OpenCV's Haar cascade)")
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
                    "Per utterance, \"emotion\" fuses the modalities that read it (each head calibrated, then\n"
                    "each one's evidence, how far its reading is from its usual one, added up over those\n"
                    "present), with each one's share of the evidence (\"modality_weights\"), a\n"
                    "\"conflict\" flag when they disagree strongly, and an \"explanation\" in words, printed\n"
                    "under each row of the table.\n\n"
                    "Videos with pictures (pip install 'affectkit[face]'): frames sampled at --fps (default 5),\n"
                    "upright, frontal faces found and followed; per utterance \"face_emotion\" reads the main face\n"
                    "(a CNN trained on FER2013), or null with \"face: no face seen\" in its \"errors\". Without a\n"
                    "transcript or speech (e.g. no soundtrack), utterances are fixed --window windows (default 2 s).\n\n"
                    "What a file is comes from its content, not its name: a WAV named .mp4 is read as audio;\n"
                    "a text file named .mp4 is refused. Before decoding, files over --max-file-mb (2048),\n"
                    "recordings over --max-duration (14400 s) and transcripts over --max-transcript-mb (50) are\n"
                    "refused; $AFFECTKIT_MAX_FILE_MB, $AFFECTKIT_MAX_DURATION, $AFFECTKIT_MAX_TRANSCRIPT_MB set them too.\n"
                    "A bad input is one line on stderr; the others still run; the exit status is then 1.\n\n"
                    "Output: the table ends with a summary paragraph (also \"summary\".\"text\" in JSON, and at the\n"
                    "top of the HTML report). A progress bar on stderr follows the stages when stderr is a\n"
                    "terminal (--progress / --no-progress / --quiet change that).\n\n"
                    "Batch: with a folder as input (its files, not its subfolders) or -o FOLDER/, each input gets\n"
                    "its own output FOLDER/<input name>.<json|csv|parquet|html|txt>, written atomically, never over\n"
                    "an input, never over an existing output without --force; FOLDER/failures.json lists the\n"
                    "inputs that failed (also listed on stderr at the end); models load once.")
    analyze.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="transcripts, audio or video files, or folders of them")
    analyze.add_argument("--format", choices=("table", "json", "csv", "parquet", "html"), default="table",
                         help="output format (default: table on the terminal, then a summary); html: a "
                              "self-contained report with a timeline (use -o report.html); parquet: the CSV "
                              "columns (needs pyarrow: pip install 'affectkit[parquet]'; use -o)")
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
    analyze.add_argument("--face-landmarks", action="store_true",
                         help="video: also measure the main face's geometry per utterance (mouth opening, smile, "
                              "brows, eyes, head pose) with MediaPipe's face mesh: the 'landmarks' extra")
    analyze.add_argument("--face-detector", choices=("auto", "haar", "mediapipe"), default=None,
                         help="video: the face detector (default auto, or $AFFECTKIT_FACE_DETECTOR: MediaPipe's "
                              "BlazeFace where the 'landmarks' extra is installed, else OpenCV's Haar cascade)")
    analyze.add_argument("--window", type=_positive, default=2.0, metavar="SECONDS",
                         help="video without a transcript or speech: fixed windows of this length (default 2)")
    common(analyze)
    from affectkit.cli.analyze import add_options as add_analyze_options
    from affectkit.cli.llm import add_llm_options

    add_analyze_options(analyze)
    add_llm_options(analyze)
    analyze.set_defaults(func=cmd_analyze)
    schema = sub.add_parser(
        "schema", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="the analysis record's JSON Schema; or check records against it",
        description="Print the JSON Schema of the analysis record (what `analyze --format json` writes), or\n"
                    "with --check, check record files against it (a record or a list of records per file).",
        epilog="examples:\n  affectkit schema > record.schema.json\n"
               "  affectkit analyze talk.flac --format json -o talk.json && affectkit schema --check talk.json\n\n"
               "exit status: 0 every record follows the schema; 1 some do not (each problem on stderr);\n"
               "2 a file cannot be read as JSON")
    schema.add_argument("--check", nargs="+", metavar="FILE", help="record files (JSON) to check")
    schema.add_argument("-o", "--output", metavar="FILE", help="write the schema here instead of stdout")
    schema.add_argument("--force", action="store_true", help="replace FILE if it exists")
    schema.set_defaults(func=cmd_schema)
    from affectkit.cli.screen import add_parser as add_screen_parser

    add_screen_parser(sub, EPILOG)
    from affectkit.cli.serve import add_parser as add_serve_parser

    add_serve_parser(sub)
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
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
