"""The job store: one table of jobs in SQLite (embedded, WAL) or PostgreSQL (several servers).

Why SQLAlchemy Core and not hand-written SQL per database: the same statements run on both
(SQLite's file locking and PostgreSQL's row locks are the dialect's business), and the URL
chooses. Every state change is one conditional UPDATE checked by its row count, so two workers
never take the same job (a claim only succeeds on a row still ``queued``), a worker that lost
its lease (canceled, deleted, or run again after its lease expired) cannot overwrite the job,
and a job whose worker died (kill -9) goes back to the queue when its lease runs out.

Times are seconds since the epoch (UTC) as floats: the same on both databases.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affectkit.core.errors import DependencyError, InputError

STATUSES = ("queued", "running", "completed", "failed", "canceled")
ENDED = ("completed", "failed", "canceled")
MAX_ATTEMPTS = 3  # a job whose worker died this many times fails instead of killing a fourth


def _sa():
    try:
        import sqlalchemy
    except ImportError:
        raise DependencyError("the job service needs the service extra: pip install 'affectkit[service]'") from None
    return sqlalchemy


@dataclass(frozen=True)
class Job:
    """One row of the store, as the API shows it (``public()``) and the worker runs it."""

    seq: int
    id: str
    status: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    error: str | None
    progress: float
    filename: str
    upload: str
    transcript_name: str | None
    transcript: str | None
    options: dict[str, Any]
    idempotency_key: str | None
    lease_owner: str | None
    lease_expires: float | None
    attempts: int

    def public(self) -> dict[str, Any]:
        """The job as ``GET /v1/jobs/{id}`` answers it."""
        return {"id": self.id, "status": self.status, "created_at": _iso(self.created_at),
                "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at), "error": self.error,
                "progress": round(self.progress, 3), "filename": self.filename, "attempts": self.attempts}


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(t, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def database_url(database: str | None, data_dir: str | Path) -> str:
    """The SQLAlchemy URL: ``data_dir/jobs.sqlite3`` by default; ``postgresql://`` means psycopg 3."""
    if not database:
        return f"sqlite:///{Path(data_dir).resolve() / 'jobs.sqlite3'}"
    for plain in ("postgresql://", "postgres://"):
        if database.startswith(plain):
            return "postgresql+psycopg://" + database[len(plain):]
    if database.startswith(("sqlite:", "postgresql+")):
        return database
    raise InputError(f"--database: expected a postgresql://... or sqlite:///... URL, got {database.split(':')[0]}:...")


class JobStore:
    """The jobs table behind ``url`` (created when absent). Safe to share between threads; each
    process makes its own (an engine does not survive a fork)."""

    def __init__(self, url: str) -> None:
        sa = _sa()
        self.url = url
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.engine = sa.create_engine(url, connect_args={"timeout": 30, "isolation_level": None})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            # pysqlite's deferred BEGIN lets two writers deadlock on the upgrade to a write lock;
            # BEGIN IMMEDIATE takes it up front, so busy_timeout simply waits (SQLAlchemy's recipe).
            sa.event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        else:
            try:
                self.engine = sa.create_engine(url, pool_pre_ping=True)
            except ModuleNotFoundError as exc:
                raise DependencyError(f"PostgreSQL needs psycopg ({exc.name} is missing): "
                                      "pip install 'affectkit[service]'") from None
        md = sa.MetaData()
        self.jobs = sa.Table(
            "affectkit_jobs", md,
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("id", sa.String(32), nullable=False, unique=True),
            sa.Column("status", sa.String(16), nullable=False, index=True),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("started_at", sa.Float),
            sa.Column("finished_at", sa.Float),
            sa.Column("error", sa.Text),
            sa.Column("progress", sa.Float, nullable=False, default=0.0),
            sa.Column("filename", sa.Text, nullable=False),
            sa.Column("upload", sa.String(128), nullable=False, index=True),
            sa.Column("transcript_name", sa.Text),
            sa.Column("transcript", sa.String(128), index=True),
            sa.Column("options", sa.Text, nullable=False),
            sa.Column("idempotency_key", sa.String(255), unique=True),
            sa.Column("lease_owner", sa.String(128)),
            sa.Column("lease_expires", sa.Float),
            sa.Column("attempts", sa.Integer, nullable=False, default=0),
        )
        try:
            md.create_all(self.engine)
        except sa.exc.IntegrityError:
            pass  # another process created it at the same moment (PostgreSQL's catalog race)
        except sa.exc.OperationalError as exc:
            raise InputError(f"cannot open the job store {self.safe_url}: {_first_line(exc)}") from None

    @property
    def safe_url(self) -> str:
        """The URL without its password (for messages)."""
        return _sa().engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # --- reading ---------------------------------------------------------------------------------

    def _job(self, row) -> Job:
        m = dict(row._mapping)
        m["options"] = json.loads(m["options"])
        return Job(**m)

    def get(self, job_id: str) -> Job | None:
        with self.engine.begin() as c:
            row = c.execute(self.jobs.select().where(self.jobs.c.id == job_id)).first()
        return self._job(row) if row is not None else None

    def list(self, status: str | None = None, limit: int = 50, cursor: int | None = None) -> tuple[list[Job], int | None]:
        """Newest first; ``cursor``: the ``seq`` the previous page ended at. Returns the jobs and
        the next page's cursor (None at the end)."""
        t = self.jobs
        q = t.select().order_by(t.c.seq.desc()).limit(limit + 1)
        if status:
            q = q.where(t.c.status == status)
        if cursor is not None:
            q = q.where(t.c.seq < cursor)
        with self.engine.begin() as c:
            rows = [self._job(r) for r in c.execute(q)]
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].seq if more and rows else None)

    def count(self, status: str) -> int:
        sa = _sa()
        with self.engine.begin() as c:
            return int(c.execute(sa.select(sa.func.count()).select_from(self.jobs)
                                 .where(self.jobs.c.status == status)).scalar_one())

    def referenced(self, digest: str) -> bool:
        """Whether any job still uses the stored upload ``digest`` (as its file or transcript)."""
        t = self.jobs
        with self.engine.begin() as c:
            return c.execute(t.select().where((t.c.upload == digest) | (t.c.transcript == digest)).limit(1)).first() \
                is not None

    # --- the API's changes -----------------------------------------------------------------------

    def create(self, *, filename: str, upload: str, options: dict[str, Any], transcript_name: str | None = None,
               transcript: str | None = None, idempotency_key: str | None = None) -> tuple[Job, bool]:
        """A new queued job, or the existing one for the same ``idempotency_key``: (job, created)."""
        sa = _sa()
        if idempotency_key is not None:
            old = self.by_key(idempotency_key)
            if old is not None:
                return old, False
        job_id = uuid.uuid4().hex
        row = {"id": job_id, "status": "queued", "created_at": time.time(), "progress": 0.0, "filename": filename,
               "upload": upload, "transcript_name": transcript_name, "transcript": transcript,
               "options": json.dumps(options, sort_keys=True), "idempotency_key": idempotency_key, "attempts": 0}
        try:
            with self.engine.begin() as c:
                c.execute(self.jobs.insert().values(**row))
        except sa.exc.IntegrityError:
            old = self.by_key(idempotency_key) if idempotency_key is not None else None
            if old is None:
                raise
            return old, False  # the same key at the same moment from another request
        return self.get(job_id), True

    def by_key(self, key: str) -> Job | None:
        """The job made with idempotency key ``key``, or None."""
        with self.engine.begin() as c:
            row = c.execute(self.jobs.select().where(self.jobs.c.idempotency_key == key)).first()
        return self._job(row) if row is not None else None

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job (a running one's worker sees it at its next heartbeat
        and drops its result); an ended job stays as it is. None when there is no such job."""
        t = self.jobs
        with self.engine.begin() as c:
            c.execute(t.update().where((t.c.id == job_id) & t.c.status.in_(("queued", "running")))
                      .values(status="canceled", finished_at=time.time(), lease_owner=None, lease_expires=None))
        return self.get(job_id)

    def delete(self, job_id: str) -> Job | None:
        """Remove the job's row (the caller removes its files); the row as it was, or None."""
        t = self.jobs
        with self.engine.begin() as c:
            row = c.execute(t.select().where(t.c.id == job_id)).first()
            if row is None:
                return None
            c.execute(t.delete().where(t.c.id == job_id))
        return self._job(row)

    # --- the workers' changes --------------------------------------------------------------------

    def claim(self, owner: str, lease: float) -> Job | None:
        """Take the oldest queued job for ``owner`` for ``lease`` seconds, or None. A candidate
        another worker took first fails the conditional update and the next one is tried."""
        t = self.jobs
        for _ in range(20):
            with self.engine.begin() as c:
                pick = t.select().with_only_columns(t.c.id).where(t.c.status == "queued").order_by(t.c.seq).limit(1)
                row = c.execute(pick.with_for_update(skip_locked=True)).first()
                if row is None:
                    return None
                now = time.time()
                done = c.execute(t.update().where((t.c.id == row.id) & (t.c.status == "queued")).values(
                    status="running", lease_owner=owner, lease_expires=now + lease, started_at=now, progress=0.0,
                    error=None, attempts=t.c.attempts + 1)).rowcount
            if done == 1:
                return self.get(row.id)
        return None

    def heartbeat(self, job_id: str, owner: str, lease: float, progress: float | None = None) -> bool:
        """Extend ``owner``'s lease (and record progress); False when the job is no longer its own
        (canceled, deleted, or taken over after the lease ran out)."""
        t = self.jobs
        values: dict[str, Any] = {"lease_expires": time.time() + lease}
        if progress is not None:
            values["progress"] = max(0.0, min(1.0, float(progress)))
        with self.engine.begin() as c:
            return c.execute(t.update().where(self._owned(job_id, owner)).values(**values)).rowcount == 1

    def finish(self, job_id: str, owner: str, error: str | None = None) -> bool:
        """Mark ``owner``'s job completed (or failed with ``error``); False when it was not its own."""
        t = self.jobs
        values = {"status": "failed" if error else "completed", "error": error, "finished_at": time.time(),
                  "lease_owner": None, "lease_expires": None}
        if not error:
            values["progress"] = 1.0
        with self.engine.begin() as c:
            return c.execute(t.update().where(self._owned(job_id, owner)).values(**values)).rowcount == 1

    def release(self, job_id: str, owner: str) -> bool:
        """Put ``owner``'s running job back in the queue (a worker stopped on purpose); the try
        does not count."""
        t = self.jobs
        with self.engine.begin() as c:
            return c.execute(t.update().where(self._owned(job_id, owner)).values(
                status="queued", lease_owner=None, lease_expires=None, progress=0.0,
                attempts=t.c.attempts - 1)).rowcount == 1

    def _owned(self, job_id: str, owner: str):
        t = self.jobs
        return (t.c.id == job_id) & (t.c.status == "running") & (t.c.lease_owner == owner)

    def requeue_expired(self) -> list[str]:
        """Running jobs whose lease ran out (their worker died) go back to the queue, or fail after
        MAX_ATTEMPTS tries; returns the ids of those that failed (for their callbacks)."""
        t = self.jobs
        now = time.time()
        expired = (t.c.status == "running") & (t.c.lease_expires < now)
        with self.engine.begin() as c:
            dead = [r.id for r in c.execute(t.select().with_only_columns(t.c.id)
                                            .where(expired & (t.c.attempts >= MAX_ATTEMPTS)))]
            if dead:
                c.execute(t.update().where(expired & t.c.id.in_(dead)).values(
                    status="failed", finished_at=now, lease_owner=None, lease_expires=None,
                    error=f"the worker running this job stopped {MAX_ATTEMPTS} times (killed or out of memory); "
                          "not tried again"))
            c.execute(t.update().where(expired & (t.c.attempts < MAX_ATTEMPTS)).values(
                status="queued", lease_owner=None, lease_expires=None, progress=0.0))
        return dead


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer; one file beside it
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it consistent
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _first_line(exc: Exception) -> str:
    msg = str(getattr(exc, "orig", None) or exc)
    return msg.strip().splitlines()[0] if msg.strip() else type(exc).__name__
