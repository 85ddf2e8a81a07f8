"""engine.plan: which inputs of a batch an earlier run finished (by content and options)."""
import json

import pytest

from affectkit.core.errors import InputError
from affectkit.engine.plan import STATE, plan_batch


def setup(tmp_path, n=2):
    src = tmp_path / "in"
    src.mkdir()
    files = []
    for i in range(n):
        f = src / f"f{i}.txt"
        f.write_text(f"hello {i}\n")
        files.append(str(f))
    out = tmp_path / "out"
    return files, [out / f"{f.rsplit('/', 1)[1]}.json" for f in files]


def finish(plan, item, text="{}"):
    item.target.parent.mkdir(parents=True, exist_ok=True)
    item.target.write_text(text)
    plan.mark_done(item)


def test_done_inputs_are_skipped_for_the_same_content_and_options(tmp_path):
    files, targets = setup(tmp_path)
    plan = plan_batch(files, targets, {"fps": 5}, force=False, resume=True)
    assert [it.index for it in plan.todo] == [0, 1] and (tmp_path / "out" / STATE / "run.json").is_file()
    finish(plan, plan.items[0])
    again = plan_batch(files, targets, {"fps": 5}, force=False, resume=True)
    assert [it.index for it in again.skipped] == [0] and [it.index for it in again.todo] == [1]
    # another option: the output exists but was made for other options -> refused, as without resuming
    with pytest.raises(InputError, match="already exists; pass --force"):
        plan_batch(files, targets, {"fps": 2}, force=False, resume=True)
    assert [it.index for it in plan_batch(files, targets, {"fps": 2}, force=True, resume=True).todo] == [0, 1]


def test_edited_input_or_output_is_not_skipped(tmp_path):
    files, targets = setup(tmp_path)
    plan = plan_batch(files, targets, {}, force=False, resume=True)
    finish(plan, plan.items[0])
    finish(plan, plan.items[1])
    targets[1].write_text("the user's own notes")  # an output changed since: never replaced silently
    with pytest.raises(InputError, match="f1.txt.json already exists"):
        plan_batch(files, targets, {}, force=False, resume=True)
    targets[1].unlink()
    open(files[0], "a").write("more\n")  # an edited input is redone... but its old output is not ours to drop
    with pytest.raises(InputError, match="f0.txt.json already exists"):
        plan_batch(files, targets, {}, force=False, resume=True)
    assert [it.index for it in plan_batch(files, targets, {}, force=True, resume=True).todo] == [0, 1]


def test_output_written_before_a_kill_is_redone(tmp_path):
    files, targets = setup(tmp_path)
    plan_batch(files, targets, {}, force=False, resume=True)
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    targets[0].write_text("{}")  # written, then killed before its marker
    again = plan_batch(files, targets, {}, force=False, resume=True)
    assert [it.index for it in again.todo] == [0, 1] and targets[0] in again.replace


def test_renamed_input_keeps_its_key_and_missing_input_has_none(tmp_path):
    files, targets = setup(tmp_path)
    a = plan_batch(files, targets, {}, force=False, resume=False).items[0]
    moved = tmp_path / "moved.txt"
    moved.write_text("hello 0\n")
    b = plan_batch([str(moved)], [tmp_path / "o2" / "x.json"], {}, force=False, resume=False).items[0]
    assert a.key == b.key and a.sha256 == b.sha256
    gone = plan_batch([str(tmp_path / "nope.txt")], [tmp_path / "o3" / "n.json"], {}, force=False, resume=True)
    assert gone.items[0].key is None and len(gone.todo) == 1
    assert json.loads((tmp_path / "o3" / STATE / "run.json").read_text())["outputs"] == {"n.json": None}


def test_forget_sweeps_what_a_killed_write_left_of_that_item_only(tmp_path):
    files, targets = setup(tmp_path)
    plan = plan_batch(files, targets, {}, force=False, resume=True)
    a, b = plan.items
    (tmp_path / "out" / "utterances").mkdir()
    (tmp_path / "out" / STATE / "done").mkdir()
    left = [a.target.parent / f".{a.target.name}.k3j_x.tmp", a.table_part.parent / f".{a.table_part.name}.q1.tmp",
            plan.marker(a).parent / f".{plan.marker(a).name}.z9.tmp"]
    kept = [b.target.parent / f".{b.target.name}.k3j_x.tmp", a.target.parent / "notes.tmp"]
    for p in left + kept:
        p.write_text("half")
    plan.forget(a)
    assert [p.exists() for p in left] == [False] * 3 and all(p.exists() for p in kept)

