"""core.once: one build per key, shared across threads; the model loaders use it, keyed on what
selects the model, without process-wide side effects."""
import os
import threading
import time

import pytest

from affectkit.core.errors import ModelError
from affectkit.core.once import once


def test_concurrent_first_calls_build_once_and_share_the_value():
    calls = []

    @once
    def build(key):
        calls.append(key)
        time.sleep(0.05)  # a slow load: every thread arrives while the first one builds
        return object()

    start = threading.Barrier(8)
    got = []

    def ask():
        start.wait()
        got.append(build("a"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["a"] and len(got) == 8 and all(v is got[0] for v in got)
    assert build("b") is not got[0] and calls == ["a", "b"]


def test_a_failed_build_is_tried_again():
    attempts = []

    @once
    def build():
        attempts.append(1)
        if len(attempts) == 1:
            raise ModelError("broken file")
        return "ok"

    with pytest.raises(ModelError):
        build()
    assert build() == "ok" and build() == "ok" and len(attempts) == 2
    build.cache_clear()
    assert build() == "ok" and len(attempts) == 3


def test_text_model_follows_the_environment_variable_after_a_first_load(monkeypatch, tmp_path, text_model):
    from affectkit.recognize.text_model import bundled_text_model

    assert bundled_text_model() is text_model or bundled_text_model().name == text_model.name
    monkeypatch.setenv("AFFECTKIT_TEXT_MODEL", str(tmp_path))  # an empty folder: not a model
    with pytest.raises(ModelError):
        bundled_text_model()
    monkeypatch.delenv("AFFECTKIT_TEXT_MODEL")
    assert bundled_text_model().name == text_model.name


@pytest.mark.slow
def test_loading_the_models_changes_no_process_wide_setting():
    # a fresh process without the Hugging Face variables: reading a text sets none of them, and
    # transformers' logging level is the user's before and after
    import subprocess
    import sys

    code = ("import os; from transformers.utils import logging as l; l.set_verbosity_info(); "
            "from affectkit.recognize.text_model import bundled_text_model; "
            "m = bundled_text_model(); m.predict_tasks(['what a day'], ('emotion',)); "
            "print(sorted(v for v in ('HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE') if v in os.environ), "
            "l.get_verbosity() == l.INFO)")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == "[] True"
