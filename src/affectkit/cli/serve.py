"""``affectkit serve``: the job service and web page (the ``service`` extra)."""
from __future__ import annotations

import argparse
import os

from affectkit.cli.common import UsageError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "serve", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="a job API and web page for a team (pip install 'affectkit[service]')",
        description="Serve the analysis over HTTP: submit recordings or transcripts as jobs, follow them, fetch the\n"
                    "record (JSON/CSV) and the HTML report; a web page at / for people, an API under /v1 for scripts\n"
                    "(OpenAPI at /openapi.json). Analysis runs in --workers processes; jobs live in an SQLite store\n"
                    "in --data-dir (or --database postgresql://... shared by several servers) and survive restarts:\n"
                    "a job whose worker died is run again.\n\n"
                    "Auth: everything under /v1 needs 'Authorization: Bearer TOKEN', the token from\n"
                    "$AFFECTKIT_API_TOKEN or --token-file; without one the server only listens on loopback.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--data-dir", metavar="DIR", default=None,
                   help="uploads, results and the SQLite job store (default $AFFECTKIT_DATA_DIR or ./affectkit-data)")
    p.add_argument("--database", metavar="URL", help="a PostgreSQL URL (postgresql://user:pass@host/db) instead of SQLite")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="analysis worker processes (default 1)")
    p.add_argument("--predict-workers", type=int, default=1, metavar="N",
                   help="processes for /v1/predict (default 1)")
    p.add_argument("--token-file", metavar="FILE", help="read the API token from FILE's first line")
    p.add_argument("--max-upload-mb", type=float, default=512.0, metavar="MB", help="largest upload (default 512)")
    p.add_argument("--max-queue", type=int, default=1000, metavar="N",
                   help="queued jobs before new ones get 429 (default 1000)")
    p.add_argument("--lease-seconds", type=float, default=30.0, metavar="S",
                   help="a job whose worker gave no sign of life this long is run again (default 30)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from affectkit.core.errors import DependencyError, InputError

    if args.workers < 1 or args.predict_workers < 1 or args.max_queue < 1:
        raise UsageError("--workers, --predict-workers and --max-queue must be at least 1")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be in 1..65535, got {args.port}")
    if not args.max_upload_mb > 0 or not args.lease_seconds >= 2:
        raise UsageError("--max-upload-mb must be positive and --lease-seconds at least 2")
    try:
        from affectkit.service.config import ServiceConfig, read_token
        from affectkit.service.serve import serve
        from affectkit.service.store import database_url

        cfg = ServiceConfig(
            data_dir=str(os.path.abspath(args.data_dir or os.environ.get("AFFECTKIT_DATA_DIR") or "affectkit-data")),
            database=args.database, token=read_token(args.token_file), host=args.host, port=args.port,
            workers=args.workers, predict_workers=args.predict_workers, max_upload_mb=args.max_upload_mb,
            max_queue=args.max_queue, lease_seconds=args.lease_seconds)
        database_url(cfg.database, cfg.data_dir)
        cfg.check_bind()
    except InputError as exc:
        raise UsageError(str(exc)) from None
    except ImportError as exc:
        if isinstance(exc, DependencyError):
            raise
        raise DependencyError(f"affectkit serve needs the service extra ({exc.name} is missing): "
                              "pip install 'affectkit[service]'") from None
    serve(cfg)
    return 0
