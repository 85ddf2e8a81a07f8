"""core.atomic: a target is its old self or complete; a failure leaves no temporary file."""
import os

import pytest

from affectkit.core.atomic import atomic_path, write_atomic


def test_write_replaces_the_target_whole_and_readable(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    write_atomic(target, '{"new": true}\n')
    assert target.read_text() == '{"new": true}\n' and oct(target.stat().st_mode & 0o777) == "0o644"
    write_atomic(target, b"\x00\x01", fsync=True)
    assert target.read_bytes() == b"\x00\x01" and os.listdir(tmp_path) == ["out.json"]


def test_a_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "weights.bin"
    target.write_bytes(b"good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed mid-write")
    assert target.read_bytes() == b"good" and os.listdir(tmp_path) == ["weights.bin"]
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"good" and os.listdir(tmp_path) == ["weights.bin"]


def test_two_writers_of_one_target_do_not_share_a_temporary(tmp_path):
    target = tmp_path / "entry.npz"
    with atomic_path(target) as a, atomic_path(target) as b:
        assert a != b and a.parent == b.parent == tmp_path
        a.write_bytes(b"a")
        b.write_bytes(b"b")
    assert target.read_bytes() == b"a"  # the outer one finished last
    assert os.listdir(tmp_path) == ["entry.npz"]


def test_a_pipe_or_device_is_written_through_never_replaced(tmp_path):
    import os
    import stat
    import threading

    fifo = tmp_path / "out.fifo"   # stands in for -o /dev/null or /dev/stdout: not a file to rename over
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, '{"ok": true}\n')
    reader.join(timeout=10)
    assert got == ['{"ok": true}\n'] and stat.S_ISFIFO(fifo.stat().st_mode)   # still the pipe
    assert [p.name for p in tmp_path.iterdir()] == ["out.fifo"]                # no temporary left
