"""The service's fixtures: a throwaway PostgreSQL cluster (Debian's binaries, as an unprivileged
user: PostgreSQL refuses root), the job store on SQLite and PostgreSQL, and ``affectkit serve``
started as a subprocess and driven over HTTP as a client would."""
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("fastapi")  # the service extra
pytest.importorskip("sqlalchemy")
httpx = pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("AFFECTKIT_REQUIRE_DATA") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _missing(msg: str):
    if REQUIRED:
        pytest.fail(msg + " (CI installs postgresql from .ci/apt-packages.txt)")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for this test session: initdb into a temp dir on a free loopback port,
    run as the ``postgres`` user when we are root; its admin URL (psycopg). Stopped at the end."""
    pytest.importorskip("psycopg")
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        _missing("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
    bindir = Path(bins[-1]).parent
    root = tempfile.mkdtemp(prefix="affectkit-pg-", dir="/tmp")
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pw = pwd.getpwnam("nobody")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", pw.pw_name, "--"]
    data = os.path.join(root, "data")
    port = free_port()
    r = subprocess.run(as_user + [str(bindir / "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"initdb failed: {r.stderr[-1000:]}")
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    r = subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", data, "-o", opts, "-l", os.path.join(root, "log"),
                                  "-w", "-t", "60", "start"], capture_output=True, text=True)
    if r.returncode != 0:
        log = Path(root, "log").read_text(errors="replace") if Path(root, "log").exists() else ""
        pytest.fail(f"pg_ctl start failed: {r.stderr[-500:]} {log[-1000:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def new_database(admin_url: str) -> str:
    """A fresh, empty database on that server; its URL."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return f"{admin_url}/{name}"


@pytest.fixture
def pg_database(postgres):
    """A fresh database on the session's PostgreSQL server."""
    return new_database(postgres)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The store's URL (``--database``), on each of the two databases; None means SQLite in the data dir."""
    if request.param == "sqlite":
        return None
    return new_database(request.getfixturevalue("postgres"))


class Server:
    """``affectkit serve`` in a subprocess; ``client``: an httpx client with the token."""

    def __init__(self, data_dir: Path, token: str | None = "s3cret-token", workers: int = 1, database: str | None = None,
                 extra: tuple[str, ...] = (), lease: float = 3.0) -> None:
        self.data_dir, self.token, self.workers, self.database, self.extra, self.lease = \
            data_dir, token, workers, database, extra, lease
        self.proc = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 120.0) -> "Server":
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("AFFECTKIT_API_TOKEN", None)
        if self.token:
            env["AFFECTKIT_API_TOKEN"] = self.token
        cmd = [sys.executable, "-c", "import sys; from affectkit.cli import main; sys.exit(main())", "serve",
               "--port", str(self.port), "--data-dir", str(self.data_dir), "--workers", str(self.workers),
               "--lease-seconds", str(self.lease), *self.extra]
        if self.database:
            cmd += ["--database", self.database]
        self.proc = subprocess.Popen(cmd, env=env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"the server did not start: {self.log.read_text()[-2000:]}")

    @property
    def client(self) -> "httpx.Client":
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def children(self) -> list[int]:
        import psutil

        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill9(self) -> None:
        """kill -9 the server process alone (its workers must notice and stop by themselves)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture
def server_factory(tmp_path):
    """Start servers (``factory(**kw).start()``); every one is stopped at the end, and no worker
    process they started may outlive them."""
    made: list[Server] = []

    def make(**kw) -> Server:
        s = Server(kw.pop("data_dir", tmp_path / "data"), **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def wait_status(client, job_id: str, statuses, timeout: float = 240.0) -> dict:
    statuses = {statuses} if isinstance(statuses, str) else set(statuses)
    deadline = time.monotonic() + timeout
    job = None
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job.get("status") in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {statuses}: {job}")


@pytest.fixture
def wait():
    """``wait(client, job_id, statuses, timeout)``: poll the job until it has one of ``statuses``."""
    return wait_status
