"""The HTTP API in-process (FastAPI's TestClient, no server): auth, uploads and their limits,
options, idempotency, listing, cancel/delete, results once completed (a real job run by the
worker code in this process), and /v1/predict."""
import json
from pathlib import Path

import pytest

from affectkit.service.app import create_app
from affectkit.service.config import ServiceConfig

pytest.importorskip("multipart")
from fastapi.testclient import TestClient  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _client(tmp_path, **kw):
    cfg = ServiceConfig(data_dir=str(tmp_path / "data"), token=kw.pop("token", TOKEN), **kw)
    return TestClient(create_app(cfg))


@pytest.fixture
def client(tmp_path):
    with _client(tmp_path) as c:
        yield c


def _submit(client, name="talk.srt", body=b"1\n00:00:00,000 --> 00:00:02,000\nWe won the match!\n", **kw):
    files = {"file": (name, body)}
    if "transcript" in kw:
        files["transcript"] = kw.pop("transcript")
    return client.post("/v1/jobs", files=files, headers={**AUTH, **kw.pop("headers", {})}, **kw)


def test_healthz_needs_no_token_and_v1_does(client):
    assert client.get("/healthz").json()["status"] == "ok"
    for method, path in (("get", "/v1/jobs"), ("get", "/v1/jobs/x"), ("post", "/v1/predict/text")):
        r = getattr(client, method)(path)
        assert r.status_code == 401 and r.json() == {"error": "missing or wrong token: send Authorization: Bearer <token>"}
        assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/v1/jobs", headers=AUTH).status_code == 200


def test_page_and_openapi(client):
    page = client.get("/")
    assert page.status_code == 200 and "sessionStorage" in page.text and 'id="files"' in page.text
    spec = client.get("/openapi.json").json()
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/result", "/v1/jobs/{job_id}/report",
            "/v1/jobs/{job_id}/cancel", "/v1/predict/text", "/v1/predict/screen", "/healthz"} <= set(spec["paths"])


def test_submit_stores_by_content_and_lists(client, tmp_path):
    r = _submit(client)
    assert r.status_code == 202
    job = r.json()
    assert job["status"] == "queued" and job["filename"] == "talk.srt" and job["progress"] == 0
    r2 = _submit(client, name="again.srt")  # the same bytes: one stored file
    assert r2.status_code == 202 and r2.json()["id"] != job["id"]
    uploads = [p for p in (tmp_path / "data" / "uploads").rglob("*") if p.is_file()]
    assert len(uploads) == 1 and uploads[0].name.endswith(".srt")
    got = client.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()
    assert got == job
    listed = client.get("/v1/jobs?status=queued&limit=1", headers=AUTH).json()
    assert [j["id"] for j in listed["jobs"]] == [r2.json()["id"]] and listed["next_cursor"]
    rest = client.get(f"/v1/jobs?status=queued&limit=1&cursor={listed['next_cursor']}", headers=AUTH).json()
    assert [j["id"] for j in rest["jobs"]] == [job["id"]] and rest["next_cursor"] is None
    assert client.get("/v1/jobs?status=completed", headers=AUTH).json()["jobs"] == []


def test_idempotency_key_returns_the_same_job(client):
    a = _submit(client, headers={"Idempotency-Key": "upload-42"})
    b = _submit(client, name="other.srt", body=b"different", headers={"Idempotency-Key": "upload-42"})
    assert a.status_code == 202 and b.status_code == 200 and b.headers["idempotent-replayed"] == "true"
    assert a.json()["id"] == b.json()["id"] and b.json()["filename"] == "talk.srt"


@pytest.mark.parametrize("options, message", [
    ("{not json", "options: not valid JSON"),
    ("[1]", "options: expected a JSON object"),
    ('{"fps": 0}', "options: fps must be a number in (0, 60]"),
    ('{"fps": true}', "options: fps must be a number"),
    ('{"colour": 1}', "options: unknown colour"),
    ('{"explain": "yes"}', "options: explain must be true or false"),
    ('{"callback_url": "file:///etc/passwd"}', "options: callback_url must be an http:// or https:// URL"),
    ('{"llm": "http://127.0.0.1:1/v1"}', "options: llm needs llm_model"),
])
def test_bad_options_are_one_line_422(client, options, message):
    r = _submit(client, data={"options": options})
    assert r.status_code == 422 and r.json()["error"].startswith(message), r.json()


def test_missing_file_is_422(client):
    r = client.post("/v1/jobs", headers=AUTH, data={"options": "{}"})
    assert r.status_code == 422 and r.json()["error"] == "file: Field required"


def test_upload_limit_413(tmp_path):
    with _client(tmp_path, max_upload_mb=0.01) as c:
        r = _submit(c, body=b"x" * 20_000)  # within the request slack, over the file limit
        assert r.status_code == 413 and "over the limit of 0.01 MB" in r.json()["error"]
        big = _submit(c, body=b"x" * 1_200_000)  # the request itself: refused before it is read
        assert big.status_code == 413 and "the limit is" in big.json()["error"]
        assert not [p for p in (tmp_path / "data" / "uploads").rglob("*") if p.is_file()]
        assert not list((tmp_path / "data" / "tmp").iterdir())
        assert c.get("/v1/jobs", headers=AUTH).json()["jobs"] == []


def test_queue_full_429_with_retry_after(tmp_path):
    with _client(tmp_path, max_queue=2) as c:
        assert [_submit(c).status_code for _ in range(2)] == [202, 202]
        r = _submit(c)
        assert r.status_code == 429 and r.headers["retry-after"] == "30" and "queue is full" in r.json()["error"]


def test_unknown_jobs_404_and_bad_queries_422(client):
    for path in ("/v1/jobs/nope", "/v1/jobs/nope/result", "/v1/jobs/nope/report"):
        r = client.get(path, headers=AUTH)
        assert r.status_code == 404 and r.json() == {"error": "no job nope"}
    assert client.post("/v1/jobs/nope/cancel", headers=AUTH).status_code == 404
    assert client.delete("/v1/jobs/nope", headers=AUTH).status_code == 404
    for q in ("status=done", "limit=0", "limit=1000", "cursor=abc"):
        r = client.get(f"/v1/jobs?{q}", headers=AUTH)
        assert r.status_code == 422 and "error" in r.json()


def test_result_409_until_completed_then_cancel_and_delete(client, tmp_path):
    job = _submit(client).json()
    r = client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH)
    assert r.status_code == 409 and "is queued" in r.json()["error"]
    c = client.post(f"/v1/jobs/{job['id']}/cancel", headers=AUTH)
    assert c.status_code == 200 and c.json()["status"] == "canceled" and c.json()["finished_at"]
    assert client.post(f"/v1/jobs/{job['id']}/cancel", headers=AUTH).json()["status"] == "canceled"
    assert client.get(f"/v1/jobs/{job['id']}/report", headers=AUTH).status_code == 409
    d = client.delete(f"/v1/jobs/{job['id']}", headers=AUTH)
    assert d.status_code == 200 and d.json() == {"id": job["id"], "deleted": True}
    assert client.get(f"/v1/jobs/{job['id']}", headers=AUTH).status_code == 404
    assert not [p for p in (tmp_path / "data" / "uploads").rglob("*") if p.is_file()]


def _run_next(app):
    """What a worker process does with the next job, here in the test process."""
    from affectkit.service.runner import Models
    from affectkit.service.worker import run_claimed

    store, data = app.state.store, app.state.data
    job = store.claim("test-worker", 30)
    return run_claimed(job, store, data, Models(), "test-worker", 30)


@pytest.mark.slow
def test_a_job_runs_to_its_record_report_and_csv(client, tmp_path, text_model):
    srt = (EXAMPLES / "interview.srt").read_bytes()
    job = client.post("/v1/jobs", headers=AUTH, files={"file": ("interview.srt", srt)},
                    data={"options": json.dumps({"explain": False})}).json()
    keep = _submit(client, name="keep.srt", body=srt).json()  # the same upload, another job
    assert _run_next(client.app) == "completed"
    got = client.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()
    assert got["status"] == "completed" and got["progress"] == 1.0 and got["error"] is None
    rec = client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH)
    assert rec.status_code == 200 and rec.headers["content-type"] == "application/json"
    doc = rec.json()
    from affectkit.schema import conform

    assert conform(doc) == doc and doc["input"] == "interview.srt" and len(doc["segments"]) == 10
    assert all(s["explanation"] is None for s in doc["segments"])  # explain: false was honoured
    import affectkit

    cli = affectkit.analyze(EXAMPLES / "interview.srt", model=text_model, explain=False).record
    assert [s["emotion"] for s in doc["segments"]] == [s["emotion"] for s in cli["segments"]]
    csv = client.get(f"/v1/jobs/{job['id']}/result?format=csv", headers=AUTH)
    assert csv.headers["content-type"].startswith("text/csv") and len(csv.text.strip().splitlines()) == 11
    page = client.get(f"/v1/jobs/{job['id']}/report", headers=AUTH)
    assert page.text.startswith("<!DOCTYPE html>") and "<svg" in page.text
    assert client.post(f"/v1/jobs/{job['id']}/cancel", headers=AUTH).status_code == 409
    client.delete(f"/v1/jobs/{job['id']}", headers=AUTH)
    assert not (tmp_path / "data" / "results" / job["id"]).exists()
    uploads = [p for p in (tmp_path / "data" / "uploads").rglob("*") if p.is_file()]
    assert len(uploads) == 1  # still used by the other job
    assert client.get(f"/v1/jobs/{keep['id']}", headers=AUTH).json()["status"] == "queued"


@pytest.mark.slow
def test_corrupt_media_fails_with_the_clis_reason(client, tmp_path, text_model, capsys, monkeypatch):
    from affectkit.cli import main

    bad = b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 3000  # an mp4 header, then nothing usable
    job = _submit(client, name="clip.mp4", body=bad).json()
    empty = _submit(client, name="empty.wav", body=b"").json()
    assert _run_next(client.app) == "failed" and _run_next(client.app) == "failed"
    for j, name, data in ((job, "clip.mp4", bad), (empty, "empty.wav", b"")):
        got = client.get(f"/v1/jobs/{j['id']}", headers=AUTH).json()
        monkeypatch.chdir(tmp_path)
        (tmp_path / name).write_bytes(data)
        capsys.readouterr()
        assert main(["analyze", name, "--format", "json", "--no-progress"]) == 1
        said = [l for l in capsys.readouterr().err.splitlines() if l.startswith(f"affectkit: {name}")]
        assert got["status"] == "failed" and said and got["error"] == said[0][len("affectkit: "):], (got, said)
        assert client.get(f"/v1/jobs/{j['id']}/result", headers=AUTH).status_code == 409


@pytest.mark.slow
def test_predict_text_in_its_process_pool(client, text_model):
    from affectkit.recognize.text_affect import text_records

    texts = ["I can't believe it, we actually won!", "This is awful.", "ok"]
    r = client.post("/v1/predict/text", headers=AUTH, json={"texts": texts})
    assert r.status_code == 200
    assert r.json()["results"] == text_records(texts, model=text_model)
    for body, msg in (({"texts": []}, "texts: List should have at least 1 item"),
                      ({"texts": ["  "]}, "texts.0: empty text"), ({"texts": "hi"}, "texts: Input should be a valid list"),
                      ({"texts": ["x" * 5001]}, "texts.0: String should have at most 5000 characters"),
                      ({"texts": ["a"] * 65}, "texts: List should have at most 64 items")):
        bad = client.post("/v1/predict/text", headers=AUTH, json=body)
        assert bad.status_code == 422 and bad.json()["error"].startswith(msg), bad.json()
    assert client.post("/v1/predict/text", headers={**AUTH, "content-type": "application/json"},
                       content=b"{").status_code == 422


@pytest.mark.slow
def test_predict_screen_gives_the_cli_lines_and_the_disclaimer(client):
    from affectkit.screen import DISCLAIMER, screen_texts

    texts = ["I can't sleep and nothing helps, work is crushing me", "I want to kill myself tonight",
             "I would never kill myself"]
    r = client.post("/v1/predict/screen", headers=AUTH, json={"texts": texts})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["disclaimer"] == DISCLAIMER and body["results"] == screen_texts(texts)
    flags = [res["crisis"]["flag"] for res in body["results"]]
    assert flags == [False, True, False]
    assert client.post("/v1/predict/screen", headers=AUTH, json={"texts": [" "]}).status_code == 422


def test_no_token_means_no_auth_and_loopback_only(tmp_path):
    from affectkit.core.errors import InputError

    with _client(tmp_path, token=None) as c:
        assert c.get("/v1/jobs").status_code == 200
    ServiceConfig(data_dir="x", host="127.0.0.1").check_bind()
    ServiceConfig(data_dir="x", host="::1").check_bind()
    ServiceConfig(data_dir="x", host="0.0.0.0", token="t").check_bind()
    with pytest.raises(InputError, match="beyond loopback needs a token"):
        ServiceConfig(data_dir="x", host="0.0.0.0").check_bind()


def test_serve_usage_errors_are_exit_2(tmp_path, capsys, monkeypatch):
    from affectkit.cli import main

    monkeypatch.delenv("AFFECTKIT_API_TOKEN", raising=False)
    d = str(tmp_path / "d")
    for argv, msg in ((["--host", "0.0.0.0"], "listening beyond loopback needs a token"),
                      (["--workers", "0"], "--workers, --predict-workers and --max-queue must be at least 1"),
                      (["--database", "mysql://x/y"], "--database: expected a postgresql"),
                      (["--token-file", str(tmp_path / "none")], "--token-file"),
                      (["--port", "70000"], "--port must be in 1..65535")):
        assert main(["serve", "--data-dir", d, *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("affectkit: error: ") and msg in err and err.count("\n") == 1, err
