#!/usr/bin/env python
"""Requests per second of the OpenAI-compatible client (``affectkit.llm.ChatClient``) against the
fake chat-completions server of the tests (``tests/fake_llm_server.py``, HTTP/1.1 on 127.0.0.1),
which answers at once: this measures the client's own overhead per request (connection set-up,
headers, JSON), not a model.

    python bench/llm_client_throughput.py                    # 200 requests, concurrency 1 and 4
    python bench/llm_client_throughput.py -n 500 --concurrency 1 4 8
    # -> bench/results/llm_client_throughput_<transport>.json   (transport: httpx or urllib)

Each row is the median of ``--repeats`` runs of ``-n`` distinct requests through ``chat_many``
(cache off), with the number of TCP connections the server saw (keep-alive reuses them).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
sys.path.insert(0, str(ROOT / "tests"))  # the fake server
from fake_llm_server import FakeLLM  # noqa: E402
from provenance import run_started, write_results  # noqa: E402

from affectkit.llm.client import ChatClient  # noqa: E402


def transport() -> str:
    """``httpx X.Y`` when the client runs over httpx, else ``urllib`` (the standard library)."""
    mod = sys.modules.get("httpx")
    return f"httpx {mod.__version__}" if mod is not None else "urllib"


def measure(n: int, concurrency: int, repeats: int) -> dict:
    times, conns = [], []
    for r in range(repeats):
        with FakeLLM() as server:
            client = ChatClient(server.url, "fake-model", cache=False, concurrency=concurrency, max_retries=0)
            convs = [[{"role": "user", "content": f"item {r} {i}"}] for i in range(n)]
            t0 = time.perf_counter()
            replies = client.chat_many(convs)
            times.append(time.perf_counter() - t0)
            bad = [x for x in replies if isinstance(x, Exception)]
            if bad:
                raise SystemExit(f"{len(bad)} requests failed, e.g. {bad[0]}")
            conns.append(server.connections())
            getattr(client, "close", lambda: None)()
    t = statistics.median(times)
    return {"requests": n, "concurrency": concurrency, "seconds": round(t, 3),
            "requests_per_s": round(n / t, 1), "connections": int(statistics.median(conns)),
            "runs_seconds": [round(x, 3) for x in times]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    started = run_started()
    rows = [measure(args.requests, c, args.repeats) for c in args.concurrency]
    name = transport()
    for row in rows:
        print(f"{name}: {row['requests']} requests, concurrency {row['concurrency']}: {row['seconds']} s, "
              f"{row['requests_per_s']} req/s, {row['connections']} connection(s)")
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out / f"llm_client_throughput_{name.split()[0]}.json"
    write_results(dest, {"transport": name, "server": "tests/fake_llm_server.py (HTTP/1.1, 127.0.0.1)",
                         "repeats": args.repeats, "results": rows}, argv=argv, script=__file__, started=started,
                  indent=2)
    print(f"-> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
