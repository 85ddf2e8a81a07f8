"""The HTTP API (FastAPI): jobs, results, synchronous predictions, the web page. OpenAPI at
``/openapi.json``. Every error is JSON ``{"error": "one line"}`` with a fitting status; analysis
never runs here (jobs go to the worker processes, predictions to a process pool).

Why FastAPI + uvicorn: the maintained standard for typed Python HTTP APIs; the OpenAPI document
comes from the same type hints that check the requests, so the fuzz test reads what is served.
"""

import hmac
import json
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated, Any, Literal, Optional

from affectkit.core.errors import DependencyError, InputError
from affectkit.service.config import ServiceConfig, parse_options
from affectkit.service.files import DataDir, TooLarge, safe_name
from affectkit.service.predict import Predictor, screen_records, text_records_in_pool
from affectkit.service.store import JobStore, database_url

try:
    from fastapi import BackgroundTasks, Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
    from pydantic import BaseModel, Field, StringConstraints
    from starlette.exceptions import HTTPException as StarletteHTTPException
except ImportError as _exc:  # pragma: no cover - said by the CLI
    raise DependencyError(f"the job service needs the service extra ({_exc.name} is missing): "
                          "pip install 'affectkit[service]'") from None


class ApiError(Exception):
    """An answer other than success: status, one line, optional headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class ErrorOut(BaseModel):
    error: str


class JobOut(BaseModel):
    id: str
    status: Literal["queued", "running", "completed", "failed", "canceled"]
    created_at: str
    started_at: Optional[str] = None
    finished_at: Optional[str] = None
    error: Optional[str] = None
    progress: float
    filename: str
    attempts: int


class JobList(BaseModel):
    jobs: list[JobOut]
    next_cursor: Optional[str] = None


class Deleted(BaseModel):
    id: str
    deleted: bool


class PredictOut(BaseModel):
    results: list[dict[str, Any]]
    disclaimer: str | None = Field(None, description="with screening results: what they are not, and what to do in a crisis")


ERRORS = {code: {"model": ErrorOut} for code in (401, 404, 409, 411, 413, 422, 429, 503)}


class BodyLimit:
    """Refuses an upload over the limit before reading it: POST /v1/jobs must say its
    Content-Length (411 otherwise) and it must be within ``max_bytes`` (413); the server then
    reads no more than that many bytes."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == "/v1/jobs":
            length = dict(scope["headers"]).get(b"content-length")
            status, msg = None, None
            if length is None:
                status, msg = 411, "an upload must give its Content-Length"
            elif not length.isdigit():
                status, msg = 400, "Content-Length is not a number"
            elif int(length) > self.max_bytes:
                status, msg = 413, f"the upload is {int(length) / 2**20:.1f} MB; the limit is {self.max_bytes / 2**20:.0f} MB"
            if status is not None:
                await JSONResponse({"error": msg}, status_code=status, headers={"Connection": "close"})(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(cfg: ServiceConfig, predictor: Predictor | None = None) -> FastAPI:
    """The API for one service (its store and data dir); ``predictor``: the pool for /v1/predict."""
    from affectkit.core.version import __version__

    data = DataDir(cfg.data_dir)  # first: it makes the folder the SQLite store lives in
    store = JobStore(database_url(cfg.database, cfg.data_dir))
    predictor = predictor or Predictor(cfg.predict_workers)

    @asynccontextmanager
    async def lifespan(app):
        yield
        predictor.close()
        store.close()

    app = FastAPI(title="affectkit", version=__version__, lifespan=lifespan,
                  description="Emotion, sentiment and affect cues from recordings and text: a job API over the "
                              "affectkit pipeline (the analysis record: `affectkit schema`). Everything under /v1 "
                              "needs `Authorization: Bearer <token>` when the server has a token.")
    app.state.store, app.state.data, app.state.predictor, app.state.config = store, data, predictor, cfg
    app.add_middleware(BodyLimit, max_bytes=cfg.max_upload_bytes + 1024 * 1024)  # + the form's own fields

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errs = exc.errors()
        first = errs[0] if errs else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body",)) or "request"
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    bearer = HTTPBearer(auto_error=False)

    def auth(creds: Annotated[Optional[HTTPAuthorizationCredentials], Depends(bearer)]) -> None:
        if cfg.token is None:
            return
        if creds is None or not hmac.compare_digest(creds.credentials.encode(), cfg.token.encode()):
            raise ApiError(401, "missing or wrong token: send Authorization: Bearer <token>",
                           {"WWW-Authenticate": "Bearer"})

    def job_or_404(job_id: str):
        job = store.get(job_id)
        if job is None:
            raise ApiError(404, f"no job {job_id}")
        return job

    def callback(job_id: str) -> None:
        from affectkit.service.worker import send_callback

        job = store.get(job_id)
        if job is not None and job.options.get("callback_url"):
            send_callback(job.options["callback_url"], job.public())

    v1 = [Depends(auth)]

    @app.get("/healthz", summary="Liveness and the store's reachability (no auth)")
    def healthz() -> dict[str, Any]:
        try:
            queued = store.count("queued")
        except Exception as exc:
            raise ApiError(503, f"the job store is unreachable: {type(exc).__name__}") from None
        return {"status": "ok", "version": __version__, "queued": queued, "auth": cfg.token is not None}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(resources.files("affectkit.service").joinpath("page.html").read_text(encoding="utf-8"))

    @app.post("/v1/jobs", status_code=202, response_model=JobOut, dependencies=v1, responses=ERRORS,
              summary="Submit a recording or transcript for analysis")
    def create_job(file: Annotated[UploadFile, File(description="audio, video or transcript")],
                   transcript: Annotated[Optional[UploadFile], File(description="a transcript for the recording")] = None,
                   options: Annotated[Optional[str], Form(description="JSON object: fps, window, explain, asr, language, "
                                                                       "faces, landmarks, llm, llm_model, callback_url")] = None,
                   idempotency_key: Annotated[Optional[str], Header(max_length=255)] = None) -> Any:
        try:
            opts = parse_options(options)
        except InputError as exc:
            raise ApiError(422, str(exc)) from None
        if idempotency_key is not None:
            old = store.by_key(idempotency_key)
            if old is not None:
                return JSONResponse(old.public(), status_code=200, headers={"Idempotent-Replayed": "true"})
        if store.count("queued") >= cfg.max_queue:
            raise ApiError(429, f"the queue is full ({cfg.max_queue} jobs waiting); try again later",
                           {"Retry-After": "30"})
        name = safe_name(file.filename)
        try:
            key = data.store_upload(file.file, name, cfg.max_upload_bytes)
            tname = tkey = None
            if transcript is not None:
                tname = safe_name(transcript.filename, "transcript")
                if tname == name:
                    tname = "transcript-" + tname
                tkey = data.store_upload(transcript.file, tname, cfg.max_upload_bytes)
        except TooLarge:
            raise ApiError(413, f"the upload is over the limit of {cfg.max_upload_mb:g} MB") from None
        job, created = store.create(filename=name, upload=key, transcript_name=tname, transcript=tkey, options=opts,
                                    idempotency_key=idempotency_key)
        if not created:  # the same key at the same moment: this request's upload may be nobody's
            for k in {key, tkey} - {None}:
                if not store.referenced(k):
                    data.remove_upload(k)
        return JSONResponse(job.public(), status_code=202 if created else 200,
                            headers={} if created else {"Idempotent-Replayed": "true"})

    @app.get("/v1/jobs", response_model=JobList, dependencies=v1, responses=ERRORS, summary="List jobs, newest first")
    def list_jobs(status: Optional[Literal["queued", "running", "completed", "failed", "canceled"]] = None,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  cursor: Annotated[Optional[str], Query(pattern=r"^[0-9]{1,18}$")] = None) -> Any:
        jobs, nxt = store.list(status, limit, int(cursor) if cursor is not None else None)
        return {"jobs": [j.public() for j in jobs], "next_cursor": str(nxt) if nxt is not None else None}

    @app.get("/v1/jobs/{job_id}", response_model=JobOut, dependencies=v1, responses=ERRORS, summary="A job's status")
    def get_job(job_id: str) -> Any:
        return job_or_404(job_id).public()

    @app.post("/v1/jobs/{job_id}/cancel", response_model=JobOut, dependencies=v1, responses=ERRORS,
              summary="Cancel a queued or running job")
    def cancel_job(job_id: str, background: BackgroundTasks) -> Any:
        job = job_or_404(job_id)
        if job.status in ("completed", "failed"):
            raise ApiError(409, f"job {job_id} is {job.status}; nothing to cancel")
        if job.status != "canceled":
            job = store.cancel(job_id) or job
            if job.status == "canceled":
                background.add_task(callback, job_id)
            elif job.status in ("completed", "failed"):
                raise ApiError(409, f"job {job_id} is {job.status}; nothing to cancel")
        return job.public()

    @app.delete("/v1/jobs/{job_id}", response_model=Deleted, dependencies=v1, responses=ERRORS,
                summary="Delete a job, its upload and its results")
    def delete_job(job_id: str) -> Any:
        job = store.delete(job_id)
        if job is None:
            raise ApiError(404, f"no job {job_id}")
        data.remove_results(job_id)
        if job.status != "running":  # a running worker removes its own working folder
            data.remove_workdir(job_id)
        for key in {job.upload, job.transcript} - {None}:
            if not store.referenced(key):
                data.remove_upload(key)
        return {"id": job_id, "deleted": True}

    def ended_or_409(job_id: str):
        job = job_or_404(job_id)
        if job.status != "completed":
            why = f": {job.error}" if job.error else ""
            raise ApiError(409, f"job {job_id} is {job.status}{why}; the result is there once it is completed")
        return job

    @app.get("/v1/jobs/{job_id}/result", dependencies=v1, responses={**ERRORS, 200: {
        "content": {"application/json": {}, "text/csv": {}},
        "description": "the analysis record (JSON; see `affectkit schema`), or its utterance table (CSV)"}},
        summary="The analysis record")
    def get_result(job_id: str, format: Literal["json", "csv"] = "json") -> Response:
        ended_or_409(job_id)
        try:
            raw = data.record_path(job_id).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ApiError(404, f"job {job_id}'s result is gone (deleted)") from None
        if format == "csv":
            from affectkit.report.writers import document_rows, to_csv

            return Response(to_csv(document_rows([json.loads(raw)])), media_type="text/csv; charset=utf-8")
        return Response(raw, media_type="application/json")

    @app.get("/v1/jobs/{job_id}/report", response_class=HTMLResponse, dependencies=v1, responses=ERRORS,
             summary="The HTML report")
    def get_report(job_id: str) -> HTMLResponse:
        ended_or_409(job_id)
        try:
            return HTMLResponse(data.report_path(job_id).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ApiError(404, f"job {job_id}'s report is gone (deleted)") from None

    Text = Annotated[str, StringConstraints(min_length=1, max_length=cfg.max_text_chars)]

    class TextsIn(BaseModel):
        texts: list[Text] = Field(min_length=1, max_length=cfg.max_texts,
                                  description=f"1 to {cfg.max_texts} texts of up to {cfg.max_text_chars} characters")

    def texts_of(body: TextsIn) -> list[str]:
        for i, t in enumerate(body.texts):
            if not t.strip():
                raise ApiError(422, f"texts.{i}: empty text")
        return body.texts

    async def pooled(fn, texts: list[str]):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return await predictor.call(fn, texts)
        except BrokenProcessPool:
            raise ApiError(503, "the prediction process stopped; try again", {"Retry-After": "5"}) from None

    @app.post("/v1/predict/text", response_model=PredictOut, dependencies=v1, responses=ERRORS,
              summary="Emotion and sentiment per short text, synchronously")
    async def predict_text(body: TextsIn) -> Any:
        return {"results": await pooled(text_records_in_pool, texts_of(body))}

    @app.post("/v1/predict/screen", response_model=PredictOut, dependencies=v1, responses=ERRORS,
              summary="Stress / depression / crisis indicators per short text (research signals, not a diagnosis)")
    async def predict_screen(body: TextsIn) -> Any:
        from affectkit.screen import DISCLAIMER

        return {"results": await pooled(screen_records, texts_of(body)), "disclaimer": DISCLAIMER}

    return app


__all__ = ["ApiError", "create_app"]
