"""The task registry: every bundled YAML parses, and malformed ones fail with a clear message
naming the file and the key (unknown keys, wrong types, missing keys)."""
from importlib import resources

import pytest
import yaml

from affectkit.bench.tasks import TASKS, TaskFile, get_task, load_task_file, parse_task, validate_task_file
from affectkit.core.errors import DataError, RegistryError

EXPECTED = {"meld-emotion", "meld-sentiment", "goemotions", "carer", "dreaddit", "depression-reddit", "emodb",
            "fer2013", "mosi", "mosei", "sims", "iemocap-4", "iemocap-6", "daic-woz", "daic-woz-phq8",
            "ravdess", "crema-d"}


def test_all_tasks_registered():
    assert EXPECTED <= set(TASKS.names())
    assert get_task("iemocap-4").protocol == "loso_session"
    assert get_task("emodb").protocol == "loso"
    assert get_task("mosi").metrics[:4] == ("acc2_has0", "f1_has0", "acc2_non0", "f1_non0")
    assert get_task("depression-reddit").weak
    assert get_task("daic-woz").loader_args["include_interviewer"] is False
    assert len(get_task("goemotions").label_space) == 28


def test_unknown_task():
    with pytest.raises(RegistryError, match="known:"):
        get_task("mosi2")


BASE = {"task": "t", "version": 1, "dataset": {"loader": "meld"}, "protocol": "official",
        "split": {"train": "train", "test": "test"}, "target": "classification", "label_space": ["a", "b"],
        "metrics": ["accuracy"], "features": {"text": "text.minilm"}}


@pytest.mark.parametrize("change,msg", [
    ({"protocol": "random"}, "protocol"),
    ({"metrics": ["mae"]}, "regression"),
    ({"metrics": ["f2"]}, "unknown metric"),
    ({"label_space": ["a"]}, "label_space"),
    ({"split": {"train": "train"}}, "split"),
    ({"version": "1"}, "integer"),
    ({"primary": "macro_f1"}, "primary"),
    ({"folds": 1}, "folds"),
    ({"metrics": []}, "metrics"),
])
def test_bad_task_fields(change, msg):
    with pytest.raises(DataError, match=msg):
        parse_task({**BASE, **change}, "t.yaml")


def test_user_task_file(tmp_path):
    import yaml

    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(BASE))
    assert get_task(str(p)).task == "t"
    q = tmp_path / "other.yaml"
    q.write_text(yaml.safe_dump(BASE))
    with pytest.raises(DataError, match="file name"):
        load_task_file(q)


def _write(tmp_path, data, name="t.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return p


@pytest.mark.parametrize("change,key,words", [
    ({"metrik": ["accuracy"]}, "metrik", "unknown key (allowed: task, version, description, dataset"),
    ({"version": "abc"}, "version", "expected an integer, got 'abc'"),
    ({"version": 1.5}, "version", "expected an integer, got 1.5"),
    ({"metrics": "abc"}, "metrics", "expected a list of strings, got 'abc'"),
    ({"label_space": ["a", 2]}, "label_space", "expected a list of strings, got ['a', 2]"),
    ({"weak": "sometimes"}, "weak", "expected true or false, got 'sometimes'"),
    ({"protocol": "random"}, "protocol", "expected one of official, loso, loso_session, kfold, got 'random'"),
    ({"features": ["text.minilm"]}, "features", "expected a mapping of names to strings"),
    # nested: the dataset section
    ({"dataset": {"loader": 3}}, "dataset.loader", "expected a string, got 3"),
    ({"dataset": {"loader": "meld", "args": ["emotion"]}}, "dataset.args", "expected a mapping, got ['emotion']"),
    ({"dataset": {"loader": "meld", "arg": {}}}, "dataset.arg", "unknown key (allowed: loader, args)"),
    ({"dataset": "meld"}, "dataset", "expected a mapping with keys loader, args, got 'meld'"),
    ({"dataset": {"args": {}}}, "dataset.loader", "required key missing"),
])
def test_a_malformed_task_file_names_the_file_and_the_key(tmp_path, change, key, words):
    p = _write(tmp_path, {**BASE, **change})
    with pytest.raises(DataError) as err:
        load_task_file(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}: ") and f"key {key!r}: {words}" in msg and "\n" not in msg


@pytest.mark.parametrize("key", ["task", "version", "dataset", "protocol", "target", "metrics", "features"])
def test_a_missing_required_key_is_named(tmp_path, key):
    data = {k: v for k, v in BASE.items() if k != key}
    with pytest.raises(DataError, match=f"t.yaml: key '{key}': required key missing"):
        load_task_file(_write(tmp_path, data))


def test_every_problem_is_on_one_line_and_yaml_words_get_a_hint(tmp_path):
    p = _write(tmp_path, "task: t\nversion: '1'\ndataset: {loader: meld}\nprotocol: official\n"
                         "split: {train: train, test: test}\ntarget: classification\nlabel_space: [no, yes]\n"
                         "metrics: [accuracy]\nfeatures: {text: text.minilm}\nseeds: [0]\n")
    with pytest.raises(DataError) as err:
        load_task_file(p)
    msg = str(err.value)
    assert "key 'version': expected an integer, got '1'" in msg
    assert "key 'label_space': expected a list of strings, got [False, True] (quote it" in msg
    assert "key 'seeds': unknown key" in msg and msg.count(str(p)) == 1 and "\n" not in msg


def test_a_task_file_that_is_not_a_mapping(tmp_path):
    with pytest.raises(DataError, match="t.yaml: a task YAML is a mapping"):
        load_task_file(_write(tmp_path, "- just\n- a list\n"))
    with pytest.raises(DataError, match="cannot read task YAML"):
        load_task_file(_write(tmp_path, "task: [unclosed\n"))
    with pytest.raises(DataError, match="no such task file"):
        get_task(str(tmp_path / "missing.yaml"))


def test_every_shipped_task_file_validates():
    folder = resources.files("affectkit.bench").joinpath("tasks")
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".yaml"))
    assert len(names) >= len(EXPECTED)
    for name in names:
        data = yaml.safe_load(folder.joinpath(name).read_text(encoding="utf-8"))
        assert isinstance(validate_task_file(data, name), TaskFile)
        spec = parse_task(data, name)
        registered = TASKS.get(spec.task)
        assert spec.task == name[:-5] and registered.to_dict() == spec.to_dict()
        assert registered.source == f"affectkit/bench/tasks/{name}"


def test_the_cli_says_what_is_wrong_in_one_line_and_exits_2(tmp_path, capsys):
    from affectkit.cli import main

    p = _write(tmp_path, {**BASE, "metrik": ["accuracy"], "version": "abc"})
    assert main(["bench", "--task", str(p), "--model", "majority", "--debug"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"affectkit: error: {p}: ")
    assert "key 'version': expected an integer, got 'abc'" in lines[0] and "key 'metrik': unknown key" in lines[0]
