"""``affectkit serve`` as a subprocess, driven over HTTP: a job killed with the server (kill -9)
is run again after a restart, results survive restarts, cancel while running, callbacks, and
two servers sharing one PostgreSQL store."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SRT = (EXAMPLES / "interview.srt").read_bytes()
SHORT = b"1\n00:00:00,000 --> 00:00:02,000\nWe won the match!\n"

pytestmark = pytest.mark.slow


def _submit(c, name="interview.srt", body=SRT, **options):
    r = c.post("/v1/jobs", files={"file": (name, body)}, data={"options": json.dumps(options)})
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _gone(pids, timeout=20.0):
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.2)
    return False


def test_kill9_mid_job_runs_it_again_and_results_survive(server_factory, wait, tmp_path):
    srv = server_factory().start()
    c = srv.client
    job = _submit(c)  # with explanations: seconds of work, so it is surely still running
    wait(c, job, "running")
    workers = srv.children()
    assert workers
    srv.kill9()
    assert _gone(workers), "a worker outlived its server"
    assert (tmp_path / "data" / "jobs.sqlite3").exists()
    srv2 = server_factory().start()  # the same data dir
    c2 = srv2.client
    done = wait(c2, job, ("completed", "failed"), timeout=400)
    assert done["status"] == "completed" and done["attempts"] == 2, done
    doc = c2.get(f"/v1/jobs/{job}/result").json()
    assert len(doc["segments"]) == 10 and doc["segments"][0]["explanation"]
    srv2.kill9()
    srv3 = server_factory().start()
    c3 = srv3.client
    assert c3.get(f"/v1/jobs/{job}").json()["status"] == "completed"
    assert c3.get(f"/v1/jobs/{job}/result").json() == doc
    assert c3.get(f"/v1/jobs/{job}/report").text.startswith("<!DOCTYPE html>")


class _Hook(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.got.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_cancel_while_running_then_next_job_and_its_callback(server_factory, wait, tmp_path):
    hook = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_address[1]}/done"
    try:
        srv = server_factory().start()
        c = srv.client
        long = _submit(c, callback_url=url)
        wait(c, long, "running")
        r = c.post(f"/v1/jobs/{long}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "canceled"
        short = _submit(c, name="short.srt", body=SHORT, explain=False, callback_url=url)
        done = wait(c, short, ("completed", "failed"), timeout=300)
        assert done["status"] == "completed", done
        assert c.get(f"/v1/jobs/{long}").json()["status"] == "canceled"  # the worker dropped it
        assert not (tmp_path / "data" / "results" / long).exists()
        assert c.get(f"/v1/jobs/{short}/result").json()["segments"][0]["emotion"] in ("joy", "surprise")
        deadline = time.monotonic() + 30
        while len(_Hook.got) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sorted((h["id"], h["status"]) for h in _Hook.got) == sorted([(long, "canceled"), (short, "completed")])
        # delete while running: the job and every file of it are gone, the worker carries on
        doomed = _submit(c, name="doomed.srt", body=SRT + b"\n")
        wait(c, doomed, "running")
        assert c.delete(f"/v1/jobs/{doomed}").json() == {"id": doomed, "deleted": True}
        after = _submit(c, name="after.srt", body=SHORT, explain=False)
        assert wait(c, after, ("completed", "failed"), timeout=300)["status"] == "completed"
        assert c.get(f"/v1/jobs/{doomed}").status_code == 404
        assert not (tmp_path / "data" / "results" / doomed).exists()
        assert not (tmp_path / "data" / "work" / doomed).exists()
    finally:
        hook.shutdown()


def test_two_servers_share_one_postgresql_store(server_factory, wait, pg_database, tmp_path):
    shared = tmp_path / "shared"  # the data dir on a file system both see, the store in PostgreSQL
    a = server_factory(data_dir=shared, database=pg_database).start()
    b = server_factory(data_dir=shared, database=pg_database).start()
    ids = [_submit(a.client if i % 2 else b.client, name=f"s{i}.srt", body=SHORT + b"\n" * i, explain=False)
           for i in range(4)]
    for job in ids:
        assert wait(a.client, job, ("completed", "failed"), timeout=300)["status"] == "completed"
        assert b.client.get(f"/v1/jobs/{job}/result").json()["input"].startswith("s")
    listed = {j["id"]: j for j in b.client.get("/v1/jobs").json()["jobs"]}
    assert set(listed) == set(ids) and all(j["attempts"] == 1 for j in listed.values())
