"""The job store on SQLite and on a real PostgreSQL server: creation and idempotency keys,
exclusive claims under concurrency, leases (lost, renewed, expired), conditional ends, paging."""
import threading
import time

import pytest

from affectkit.service.store import MAX_ATTEMPTS, JobStore, database_url


@pytest.fixture
def store(database, tmp_path):
    s = JobStore(database_url(database, tmp_path))
    yield s
    s.close()


def _new(store, n=1, **kw):
    return [store.create(filename=f"f{i}.srt", upload=f"{i:064x}.srt", options={"explain": False}, **kw)[0]
            for i in range(n)]


def test_create_get_and_idempotency_key(store):
    (job,) = _new(store)
    assert job.status == "queued" and job.attempts == 0 and job.options == {"explain": False}
    assert store.get(job.id) == job and store.get("nope") is None
    a, created_a = store.create(filename="a.srt", upload="x", options={}, idempotency_key="k-1")
    b, created_b = store.create(filename="other.srt", upload="y", options={}, idempotency_key="k-1")
    assert created_a and not created_b and a.id == b.id and b.filename == "a.srt"
    pub = a.public()
    assert set(pub) >= {"id", "status", "created_at", "started_at", "finished_at", "error", "progress"}
    assert pub["started_at"] is None and pub["created_at"].endswith("Z")


def test_same_key_at_the_same_moment_gives_one_job(database, tmp_path):
    url = database_url(database, tmp_path)
    JobStore(url).close()
    ids, errors = [], []

    def submit():
        s = JobStore(url)
        try:
            ids.append(s.create(filename="a", upload="u", options={}, idempotency_key="same")[0].id)
        except Exception as exc:  # pragma: no cover - the failure the test looks for
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == [] and len(ids) == 6 and len(set(ids)) == 1


def test_concurrent_workers_never_take_the_same_job(database, tmp_path):
    url = database_url(database, tmp_path)
    setup = JobStore(url)
    jobs = _new(setup, 30)
    taken: dict[str, list[str]] = {}
    lock = threading.Lock()

    def worker(n):
        s = JobStore(url)  # its own engine and connections, as a worker process has
        try:
            while True:
                job = s.claim(f"w{n}", lease=60)
                if job is None:
                    return
                with lock:
                    taken.setdefault(job.id, []).append(f"w{n}")
                assert s.finish(job.id, f"w{n}")
        finally:
            s.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(taken) == sorted(j.id for j in jobs)
    assert all(len(v) == 1 for v in taken.values()), {k: v for k, v in taken.items() if len(v) > 1}
    assert setup.count("completed") == 30 and setup.count("queued") == 0
    setup.close()


def test_claim_takes_the_oldest_and_leases_are_owned(store):
    a, b = _new(store, 2)
    job = store.claim("w1", lease=60)
    assert job.id == a.id and job.status == "running" and job.attempts == 1 and job.started_at is not None
    assert store.heartbeat(a.id, "w1", 60, progress=0.5) and store.get(a.id).progress == 0.5
    assert not store.heartbeat(a.id, "w2", 60)  # not w2's
    assert not store.finish(a.id, "w2")
    assert store.finish(a.id, "w1", error="a.srt: empty file")
    done = store.get(a.id)
    assert done.status == "failed" and done.error == "a.srt: empty file" and done.finished_at >= done.started_at
    assert not store.finish(a.id, "w1")  # once


def test_cancel_and_delete_while_running_take_the_job_from_its_worker(store):
    a, b = _new(store, 2)
    store.claim("w1", 60)
    assert store.cancel(a.id).status == "canceled"
    assert not store.heartbeat(a.id, "w1", 60) and not store.finish(a.id, "w1")
    assert store.get(a.id).status == "canceled"
    store.claim("w1", 60)
    assert store.delete(b.id).id == b.id and store.get(b.id) is None
    assert not store.heartbeat(b.id, "w1", 60) and not store.finish(b.id, "w1")
    assert store.delete(b.id) is None and store.cancel("missing") is None


def test_an_ended_job_cannot_be_canceled(store):
    (a,) = _new(store)
    store.claim("w", 60)
    store.finish(a.id, "w")
    assert store.cancel(a.id).status == "completed"


def test_expired_lease_requeues_then_fails_after_max_attempts(store):
    (a,) = _new(store)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        job = store.claim(f"w{attempt}", lease=0.05)
        assert job.id == a.id and job.attempts == attempt
        time.sleep(0.1)
        dead = store.requeue_expired()
        if attempt < MAX_ATTEMPTS:
            assert dead == [] and store.get(a.id).status == "queued"
            assert not store.finish(a.id, f"w{attempt}")  # the dead worker's lease is gone
    assert dead == [a.id]
    job = store.get(a.id)
    assert job.status == "failed" and "stopped 3 times" in job.error


def test_a_live_lease_is_not_requeued_and_release_gives_the_try_back(store):
    (a,) = _new(store)
    store.claim("w", lease=60)
    assert store.requeue_expired() == [] and store.get(a.id).status == "running"
    assert store.release(a.id, "w")
    job = store.get(a.id)
    assert job.status == "queued" and job.attempts == 0


def test_list_filters_and_pages_newest_first(store):
    jobs = _new(store, 7)
    store.claim("w", 60)  # jobs[0] runs
    page, cursor = store.list(limit=3)
    assert [j.id for j in page] == [j.id for j in jobs[::-1][:3]] and cursor is not None
    seen = [j.id for j in page]
    while cursor is not None:
        page, cursor = store.list(limit=3, cursor=cursor)
        seen += [j.id for j in page]
    assert seen == [j.id for j in jobs[::-1]]
    running, nxt = store.list(status="running")
    assert [j.id for j in running] == [jobs[0].id] and nxt is None
    assert store.count("queued") == 6


def test_uploads_referenced(store):
    a, = _new(store)
    assert store.referenced(a.upload) and not store.referenced("f" * 64)


def test_bad_database_urls_are_one_line_errors(tmp_path):
    from affectkit.core.errors import InputError

    with pytest.raises(InputError, match="expected a postgresql"):
        database_url("mysql://x", tmp_path)
    with pytest.raises(InputError, match="cannot open the job store"):
        JobStore(database_url(None, tmp_path / "no" / "such" / "dir"))
    assert database_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
