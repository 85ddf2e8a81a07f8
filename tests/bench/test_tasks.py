"""The task registry: every bundled YAML parses, and malformed ones fail with a clear message."""
import pytest

from affectkit.bench.tasks import TASKS, get_task, load_task_file, parse_task
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
