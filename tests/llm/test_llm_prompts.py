"""Versioned prompt templates: found by name, rendered into chat messages, shipped as package data."""
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from affectkit.core.errors import InputError
from affectkit.llm.prompts import available, load_template

ROOT = Path(__file__).resolve().parents[2]


def test_the_templates_there_are_and_latest_by_default():
    assert {"emotion_zero_shot", "emotion_k_shot", "emotion_cot", "cues_reasoning"} <= set(available())
    t = load_template("emotion_zero_shot")
    assert t.id == "emotion_zero_shot@1" == load_template("emotion_zero_shot@1").id
    with pytest.raises(InputError, match="available: .*emotion_cot@1"):
        load_template("nope")
    with pytest.raises(InputError, match="versions"):
        load_template("emotion_cot@99")


def test_k_shot_messages_and_missing_values():
    t = load_template("emotion_k_shot@1")
    msgs = t.messages([{"text": "I hate this", "label": "anger"}], text="Yay!", labels="anger, joy")
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert "anger, joy" in msgs[0]["content"] and '{"emotion": "<one of the labels>"}' in msgs[0]["content"]
    assert msgs[1]["content"] == 'Utterance: "I hate this"' and msgs[2]["content"] == '{"emotion": "anger"}'
    assert msgs[3]["content"] == 'Utterance: "Yay!"'
    # a $ in the user's text is text, not a placeholder
    assert load_template("emotion_zero_shot").messages(text="$labels cost $5", labels="a, b")[1]["content"] \
        == 'Utterance: "$labels cost $5"'
    with pytest.raises(InputError, match=r"\$labels"):
        t.messages(text="x")


def test_every_template_is_package_data():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = conf["tool"]["setuptools"]["package-data"]["affectkit"]
    folder = ROOT / "src" / "affectkit"
    files = [p.relative_to(folder).as_posix() for p in (folder / "llm" / "prompts").glob("*.json")]
    assert len(files) >= 4
    assert all(any(fnmatch(f, g) for g in globs) for f in files)
