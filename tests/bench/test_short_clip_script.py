"""bench/short_clip.py's own arithmetic: the transcript it writes and the summary of its runs."""
import pytest

from conftest import bench_script

sc = bench_script("short_clip")


def test_the_srt_it_writes_is_read_back_by_affectkit(tmp_path):
    from affectkit.io.transcripts import parse_srt

    segs = [{"start": 0.0, "end": 2.345, "text": "Thanks for having me."},
            {"start": 3601.5, "end": 3603.25, "text": "It feels strangely empty here."}]
    path = sc.write_srt(segs, tmp_path / "t.srt")
    assert sc.srt_time(3601.5) == "01:00:01,500"
    back = parse_srt(path.read_text(encoding="utf-8"))
    assert [s.text for s in back] == ["Thanks for having me.", "It feels strangely empty here."]
    assert [t for s in back for t in (s.start, s.end)] == pytest.approx([0.0, 2.345, 3601.5, 3603.25], abs=1e-6)


def test_summary_takes_medians_and_says_whether_the_target_holds():
    runs = [{"wall_s": w, "peak_rss_mib": m, "timings": t} for w, m, t in
            [(5.5, 800.0, {"segment": 3.0, "total": 5.0}), (4.1, 700.0, {"segment": 2.0, "total": 3.9}),
             (4.9, 900.0, {"segment": 2.5, "total": 4.4, "face.detect": 1.0})]]
    s = sc.summarise(runs)
    assert s["runs"] == 3 and s["wall_s_median"] == 4.9 and (s["wall_s_min"], s["wall_s_max"]) == (4.1, 5.5)
    assert s["peak_rss_mib_median"] == 800.0 and s["under_target"] is True
    assert s["stage_seconds_median"]["segment"] == 2.5
    assert s["stage_seconds_median"]["face.detect"] == 0.0  # a stage missing from a run counts as 0 there
    assert sc.summarise(runs[:1])["under_target"] is False


def test_rounds_must_be_positive():
    with pytest.raises(SystemExit):
        sc.main(["--rounds", "0"])


def test_levers_script_counts_encoder_passes_and_checks_its_rounds():
    levers = bench_script("short_clip_levers")

    class Inner:
        name = "ct2"

        def encode(self, x, to_cpu=False):
            return x * 2

    counted = levers.CountingEncoder(Inner())
    assert counted.encode(3) == 6 and counted.encode(4, to_cpu=True) == 8
    assert counted.encodes == 2 and counted.name == "ct2"  # everything else is forwarded
    assert levers.med([3.0, 1.0, 2.0]) == 2.0
    with pytest.raises(SystemExit):
        levers.main(["--rounds", "0"])
