"""What a run of the pipeline is asked to do (``Options``) and the hooks it reports to."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from affectkit.core.timing import Timer


@dataclass
class Options:
    """The options of one analysis (every one has the CLI's default).

    ``transcript_format``: srt, vtt, json or txt (None: by content); ``asr``: speech-to-text for
    recordings without a transcript (None: when installed, True: required, False: never);
    ``language``: its language (None: detected); ``fps``: video frames sampled per second;
    ``window``: seconds per fixed window when a video has neither transcript nor speech;
    ``faces``: read the faces of a video (False: its soundtrack only); ``face_detector``: "haar",
    "mediapipe" or None/"auto" (``perceive.face_detect.resolve_detector``: MediaPipe where the
    landmarks extra is installed, else Haar); ``landmarks``: facial geometry too (the ``landmarks`` extra); ``explain``: name the cues behind each reading;
    ``timings``: seconds per stage in ``record["timings"]``; ``screen``: the screening block
    (``screen_speakers``: only these speakers; ``include_interviewer``: the interviewer too, with
    a warning; ``screen_model``: heads to use instead of the bundled ones). ``text_model``, ``voice_head``,
    ``face_model``: models to use instead of the bundled ones; ``cache``: a FeatureCache;
    ``limits``: an ``io.probe.Limits`` (None: from the environment); ``timer``: the Timer that
    gets the seconds per stage (a progress bar listens to it); ``note``: told one line at a
    time how the input is read ("warning: ..." for a damaged file)."""

    transcript_format: str | None = None
    asr: bool | None = None
    language: str | None = None
    fps: float = 5.0
    window: float = 2.0
    faces: bool = True
    face_detector: str | None = None
    landmarks: bool = False
    explain: bool = True
    timings: bool = False
    screen: bool = False
    screen_speakers: tuple[str, ...] | None = None
    include_interviewer: bool = False
    screen_model: Any = None
    text_model: Any = None
    voice_head: Any = None
    face_model: Any = None
    cache: Any = None
    limits: Any = None
    timer: Timer | None = None
    note: Callable[[str], None] | None = None

    @classmethod
    def of(cls, options: dict[str, Any]) -> "Options":
        """Options from keyword arguments (``model`` is taken as ``text_model``, ``fmt`` as
        ``transcript_format``); an unknown one is a TypeError naming it, as for a function."""
        options = dict(options)
        for old, new in (("model", "text_model"), ("fmt", "transcript_format")):
            if old in options:
                options[new] = options.pop(old)
        unknown = sorted(set(options) - set(cls.__dataclass_fields__))
        if unknown:
            raise TypeError(f"analyze() got unknown option(s) {unknown}; known: {sorted(cls.__dataclass_fields__)}")
        return cls(**options)
