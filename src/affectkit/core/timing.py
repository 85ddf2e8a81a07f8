"""Per-stage wall-clock timings of one analysis, and the hook a progress bar hangs on.

``Timer.stage(name)`` is a context manager: it adds the seconds spent inside to ``name``
(several entries into one stage add up), tells a listener (the progress bar) which stage is
running, and hands back a callable that advances the stage's count (utterances, frames). Time
spent in a nested stage counts for the nested stage only, so the stages add up to the time
spent inside any stage at all, and ``total`` (wall time since the timer was made) is at least
their sum, except where work ran in a background thread under its own Timer and was ``merge``d
(a video's faces, read while the audio path runs: ``analysis.decode``): then the stages add up to
the work done, which may exceed the wall time. Why: the record carries these as ``record["timings"]`` and a benchmark divides them
by the recording's duration (``real_time_factors``) to get an RTF per stage.

The clock is ``time.perf_counter`` unless another is given (``Timer(clock=...)``: any callable
returning seconds, e.g. a fake clock in tests, so the arithmetic can be checked exactly).

Stage names used by ``affectkit analyze`` (stable; a stage that did not run is absent):
``load`` (loading a bundled model the first time; later loads are cached), ``probe``, ``decode.audio``, ``decode.video``, ``segment``, ``text``, ``voice.features``,
``voice.recognize``, ``face.detect``, ``face.recognize``, ``fusion``, ``explain``, ``report``.
"""
from __future__ import annotations

from contextlib import contextmanager
from time import perf_counter
from typing import Callable, Iterator, Protocol

STAGES = ("load", "probe", "decode.audio", "decode.video", "segment", "text", "voice.features", "voice.recognize",
          "face.detect", "face.recognize", "fusion", "explain", "report")


class StageListener(Protocol):
    """What a progress display implements to follow a Timer."""

    def begin(self, stage: str, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...


def _nothing(n: int = 1) -> None:
    return None


class Timer:
    """Seconds per named stage (``seconds``, in the order stages first ran)."""

    def __init__(self, listener: StageListener | None = None, clock: Callable[[], float] = perf_counter) -> None:
        """``listener``: told which stage runs and how far it got; ``clock``: seconds now (monotonic)."""
        self.seconds: dict[str, float] = {}
        self.listener = listener
        self.clock = clock
        self._stack: list[list] = []  # [name, start, seconds of nested stages]
        self._t0 = clock()

    @contextmanager
    def stage(self, name: str, total: int | None = None, *, announce: bool = True) -> Iterator[Callable[[int], None]]:
        """Time the block as ``name``; ``total``: how many units it will ``advance`` through;
        ``announce=False``: time it without telling the listener (stages entered per utterance)."""
        if self.listener is not None and announce:
            self.listener.begin(name, total)
        self._stack.append([name, self.clock(), 0.0])
        try:
            yield self.advance if announce else _nothing
        finally:
            name, start, nested = self._stack.pop()
            elapsed = self.clock() - start
            self.seconds[name] = self.seconds.get(name, 0.0) + max(0.0, elapsed - nested)
            if self._stack:
                self._stack[-1][2] += elapsed

    def add(self, name: str, seconds: float) -> None:
        """Count ``seconds`` as ``name``; when a stage is open, they were spent inside it, so
        they no longer count for that stage."""
        self.seconds[name] = self.seconds.get(name, 0.0) + float(seconds)
        if self._stack:
            self._stack[-1][2] += float(seconds)

    def merge(self, other: "Timer") -> None:
        """Add ``other``'s seconds per stage to this one's (work timed in another thread: a Timer's
        open stages belong to the thread that opened them)."""
        for name, seconds in other.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def advance(self, n: int = 1) -> None:
        if self.listener is not None:
            self.listener.advance(n)

    def timed(self, name: str, items):
        """Iterate ``items``, counting the time spent fetching each one as ``name`` (a decoder
        that yields frames: its decoding time, without the work done on each frame)."""
        it = iter(items)
        while True:
            start = self.clock()
            try:
                item = next(it)
            except StopIteration:
                self.add(name, self.clock() - start)
                return
            self.add(name, self.clock() - start)
            yield item

    @property
    def total(self) -> float:
        return self.clock() - self._t0

    def as_dict(self, digits: int = 4) -> dict[str, float]:
        """Stage -> seconds, then ``total`` (wall time since the timer was made)."""
        out = {k: round(v, digits) for k, v in self.seconds.items()}
        out["total"] = round(self.total, digits)
        return out


def real_time_factors(timings: dict[str, float], duration: float | None) -> dict[str, float]:
    """Stage -> seconds of work per second of recording (RTF; < 1 is faster than real time).
    Empty when the duration is unknown or zero (a transcript without times)."""
    if not duration or duration <= 0:
        return {}
    return {k: v / float(duration) for k, v in timings.items()}
