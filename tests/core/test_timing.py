"""The per-stage timer behind record["timings"] and the progress bar."""
import time

import pytest

from affectkit.core.timing import STAGES, Timer, real_time_factors


class Listener:
    def __init__(self):
        self.events = []

    def begin(self, stage, total):
        self.events.append(("begin", stage, total))

    def advance(self, n):
        self.events.append(("advance", n))


class FakeClock:
    """A clock that only moves when told: ``clock.tick(s)`` advances it by ``s`` seconds."""

    def __init__(self, start: float = 100.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


def test_stages_add_up_and_nested_time_counts_once():
    clock = FakeClock()
    t = Timer(clock=clock)
    clock.tick(0.5)                            # before any stage: counts for total only
    with t.stage("outer"):
        clock.tick(2.0)
        with t.stage("inner"):
            clock.tick(3.0)
        clock.tick(0.25)
    with t.stage("outer"):                     # a second entry adds to the first
        clock.tick(1.0)
    clock.tick(4.0)
    d = t.as_dict()
    assert list(d) == ["inner", "outer", "total"]
    assert d["inner"] == 3.0
    assert d["outer"] == 3.25                  # 2.0 + 0.25 + 1.0: excludes inner's 3 s
    assert d["total"] == 10.75                 # everything since the timer was made
    assert d["total"] - (d["inner"] + d["outer"]) == 4.5   # time outside any stage


def test_deep_nesting_and_add_inside_a_stage():
    clock = FakeClock()
    t = Timer(clock=clock)
    with t.stage("a"):
        clock.tick(1.0)
        with t.stage("b"):
            clock.tick(2.0)
            with t.stage("c"):
                clock.tick(4.0)
            t.add("load", 0.5)                 # reported as spent inside b: b loses it
            clock.tick(0.5)                    # ... the clock moved by it too
        clock.tick(8.0)
    assert t.seconds == {"c": 4.0, "load": 0.5, "b": 2.0, "a": 9.0}
    assert sum(t.seconds.values()) == t.total == 15.5
    t.add("report", 1.25)                      # outside any stage: nothing loses it
    assert t.seconds["report"] == 1.25 and t.seconds["a"] == 9.0


def test_listener_hears_announced_stages_and_counts_only():
    heard = Listener()
    t = Timer(heard)
    with t.stage("voice.features", 3) as tick:
        tick(2)
        with t.stage("explain", announce=False) as quiet:
            quiet(5)
        tick(1)
    assert heard.events == [("begin", "voice.features", 3), ("advance", 2), ("advance", 1)]
    assert set(t.seconds) == {"voice.features", "explain"}


def test_timed_iterator_counts_fetching_not_the_work_and_errors_still_count():
    clock = FakeClock()
    t = Timer(clock=clock)

    def decoder():
        for i in range(3):
            clock.tick(0.1 * (i + 1))          # fetching item i costs 0.1, 0.2, 0.3 s
            yield i
        clock.tick(0.05)                       # noticing the end costs time too

    with t.stage("work"):
        for i in t.timed("decode", decoder()):
            clock.tick(1.0)                    # the work done on each item
    assert t.seconds["decode"] == pytest.approx(0.65, abs=1e-12)
    assert t.seconds["work"] == pytest.approx(3.0, abs=1e-12)   # decoding is not counted twice
    with pytest.raises(ZeroDivisionError):
        with t.stage("boom"):
            clock.tick(0.75)
            1 / 0
    assert t.seconds["boom"] == 0.75           # a stage that raised still counts its time
    assert t._stack == []                      # ... and is closed


def test_real_clock_is_the_default():
    t = Timer()
    with t.stage("x"):
        pass
    assert t.clock is time.perf_counter and t.seconds["x"] >= 0.0 and t.total >= t.seconds["x"]


def test_real_time_factors_and_stage_names():
    assert real_time_factors({"text": 1.0, "total": 4.0}, 8.0) == {"text": 0.125, "total": 0.5}
    assert real_time_factors({"text": 1.0}, None) == {} and real_time_factors({"text": 1.0}, 0) == {}
    assert STAGES[0] == "load" and "voice.features" in STAGES and "report" in STAGES


def test_merge_adds_another_threads_seconds_without_touching_open_stages():
    clock = FakeClock()
    t, other = Timer(clock=clock), Timer(clock=clock)
    with other.stage("face.detect"):
        clock.tick(2.0)
    with other.stage("load"):
        clock.tick(0.5)
    with t.stage("segment"):
        clock.tick(1.0)
        t.merge(other)                         # work done elsewhere: the open stage keeps its time
        clock.tick(1.0)
    t.merge(Timer(clock=clock))                # an empty one adds nothing
    assert t.seconds == {"face.detect": 2.0, "load": 0.5, "segment": 2.0}
    assert other.seconds == {"face.detect": 2.0, "load": 0.5}   # the other is left as it was
