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


def test_stages_add_up_and_nested_time_counts_once():
    t = Timer()
    with t.stage("outer"):
        time.sleep(0.02)
        with t.stage("inner"):
            time.sleep(0.03)
    with t.stage("outer"):                     # a second entry adds to the first
        time.sleep(0.01)
    d = t.as_dict()
    assert list(d) == ["inner", "outer", "total"]
    assert d["inner"] >= 0.03 and 0.03 <= d["outer"] < 0.03 + 0.02   # outer excludes inner's 30 ms
    assert d["inner"] + d["outer"] <= d["total"] + 1e-3


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
    t = Timer()

    def slow():
        for i in range(3):
            time.sleep(0.01)
            yield i

    with t.stage("work"):
        for _ in t.timed("decode", slow()):
            time.sleep(0.02)
    assert t.seconds["decode"] >= 0.03 and t.seconds["work"] >= 0.06
    assert t.seconds["work"] < 0.06 + 0.03        # decoding is not counted twice
    with pytest.raises(ZeroDivisionError):
        with t.stage("boom"):
            1 / 0
    assert "boom" in t.seconds


def test_real_time_factors_and_stage_names():
    assert real_time_factors({"text": 1.0, "total": 4.0}, 8.0) == {"text": 0.125, "total": 0.5}
    assert real_time_factors({"text": 1.0}, None) == {} and real_time_factors({"text": 1.0}, 0) == {}
    assert STAGES[0] == "load" and "voice.features" in STAGES and "report" in STAGES
