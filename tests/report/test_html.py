"""The HTML report and the ``affectkit.analyze`` API; the report is rendered in headless Chromium."""
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import affectkit
from affectkit.cli import main
from affectkit.core.errors import InputError
from affectkit.report.html import to_html

ROOT = Path(__file__).resolve().parents[2]
INTERVIEW = ROOT / "examples" / "interview.srt"


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self.text = [], 0, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.scripts += tag == "script"

    def handle_data(self, data):
        self.text.append(data)


def _doc(segments, duration=10.0):
    return {"input": "x.wav", "duration": duration, "modalities": ["text", "voice"], "models": {"m": "1"},
            "segments": segments, "summary": {"segments": len(segments), "emotion_counts": {"joy": 1},
                                              "conflicts": 1}, "errors": []}


def _seg(start, end, label, text, voice=None, **extra):
    return {"start": start, "end": end, "speaker": "A", "text": text, "emotion": label,
            "emotion_scores": {label: 0.8, "neutral": 0.2}, "text_emotion": {"label": label, "scores": {label: 0.9}},
            "voice_emotion": voice, **extra}


def test_lanes_bars_and_escaping():
    doc = _doc([_seg(0.0, 2.0, "joy", "<script>alert(1)</script> & more", {"label": "anger", "scores": {"anger": 0.7}},
                     conflict=True, explanation='text: "great"'),
                _seg(3.0, 5.0, "sadness", "so sad")])           # no voice reading on the second
    page = to_html(doc)
    parsed = _Collect()
    parsed.feed(page)
    assert parsed.scripts == 0                                     # nothing to run, input escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert page.count('class="bar"') == 2 + 2 + 1                  # fused, text: 2 each; voice: 1
    assert "x.wav" in page and "conflict" in page and "modalities disagree" in page
    assert 'title="text: &quot;great&quot;"' in page              # the explanation on hover
    assert "00:00.0-00:02.0 voice: anger 0.70" in page             # the bar's tooltip


def test_untimed_utterances_use_their_order():
    doc = _doc([{"text": "a", "emotion": "joy", "emotion_scores": {"joy": 1.0}, "index": 0},
                {"text": "b", "emotion": "fear", "emotion_scores": {"fear": 1.0}, "index": 1}], duration=None)
    page = to_html(doc)
    assert page.count('class="bar"') == 2 and "utterance 1 fused: fear 1.00" in page


def test_analyze_api_views_and_safe_writes(tmp_path, text_model):
    result = affectkit.analyze(INTERVIEW, model=text_model)
    assert isinstance(result, affectkit.Analysis) and len(result) == 10
    df = result.to_frame()
    assert list(df.index.names) == ["start", "end"] and df.index[0] == (0.0, 3.2)
    assert json.loads(result.to_json())["summary"] == result.summary
    out = tmp_path / "r.html"
    page = result.to_html(out)
    assert out.read_text() == page and page.count('class="utt"') == 10
    with pytest.raises(InputError, match="already exists"):
        result.to_html(out)
    with pytest.raises(InputError, match="is a transcript itself"):
        affectkit.analyze(INTERVIEW, transcript=INTERVIEW)


def test_cli_html(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["analyze", str(INTERVIEW), "--format", "html", "-o", str(out), "--no-explain"]) == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "interview.srt" in page


@pytest.mark.slow
def test_renders_in_headless_chromium(tmp_path, text_model, chromium):
    exe = chromium
    page = tmp_path / "report.html"
    affectkit.analyze(INTERVIEW, model=text_model).to_html(page)
    shot = tmp_path / "shot.png"
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
              "--window-size=1000,1400"]
    r = subprocess.run(common + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    assert dom.count("<rect") >= 20 and "<polyline" in dom and dom.count('class="utt"') == 10
    console = [line for line in r.stderr.splitlines() if re.search(r"CONSOLE|Uncaught|SyntaxError", line)]
    assert console == []
    r = subprocess.run(common + [f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and shot.stat().st_size > 20_000     # a rendered page, not a blank one
