"""CPU per request of the benchmark's scenarios, in process: no HTTP, no load tool, no queue.

    .venv/bin/python bench/cpu.py --customers 1000000 floor lookup details
    .venv/bin/python bench/cpu.py --customers 1000000 --profile details   # + cProfile

Calls Django's WSGI application directly (DEBUG off, Redis as the rate limiter's store when
it answers, as bench/run.py serves it) with the requests of bench/scenarios.py, and prints
per request the CPU time of this process and of its PostgreSQL backend (read from
/proc/<pid>/stat), and the wall time. The machine here is shared and its speed drifts, so
each scenario is measured in several rounds and the cheapest round is kept; compare
scenarios measured in the same run, not runs of different days.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenarios", nargs="+", help="floor lookup details search_name …")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="cProfile the last scenario")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    sys.path.append(str(BENCH))
    from generate import TILL_SECRET, database_name
    from run import redis_answers, server_environment

    sys.path.insert(0, str(ROOT))  # run.py puts bench/ first, where customers.py is a script
    os.environ.update(server_environment(args.customers, use_redis=redis_answers()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from scenarios import SCENARIOS, Context

    from config.wsgi import application

    admin = Client()
    admin.force_login(get_user_model().objects.get(username="bench.admin"))
    headers = {
        "till": ("HTTP_AUTHORIZATION", "Basic " + base64.b64encode(
            f"bench.till001:{TILL_SECRET}".encode()).decode()),
        "session": ("HTTP_COOKIE", f"sessionid={admin.cookies['sessionid'].value}"),
    }  # fmt: skip
    ctx = Context(customers=args.customers)

    def backend_cpu() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def send(call) -> None:
        path, _, query = call.path.partition("?")
        body = json.dumps(call.body).encode() if call.body is not None else b""
        header, value = headers[call.auth]
        environ = {
            "REQUEST_METHOD": call.method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            header: value,
        }
        status = []
        answer = b"".join(application(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"{call.name}: {status[0]} {answer[:300]!r}")

    print(f"{database_name(args.customers)}: CPU per request, ms (cheapest of {args.rounds})")
    for scenario in args.scenarios:
        for _ in range(20):  # per-process caches, prepared statements
            send(SCENARIOS[scenario](ctx))
        best = None
        for _ in range(args.rounds):
            calls = [SCENARIOS[scenario](ctx) for _ in range(args.requests)]
            backend, process, wall = backend_cpu(), time.process_time(), time.perf_counter()
            for call in calls:
                send(call)
            n = args.requests
            figures = (
                (time.process_time() - process) / n * 1000,
                (backend_cpu() - backend) / n * 1000,
                (time.perf_counter() - wall) / n * 1000,
            )
            if best is None or sum(figures[:2]) < sum(best[:2]):
                best = figures
        worker, database, wall = best
        print(
            f"  {scenario:15} worker {worker:5.2f} + PostgreSQL {database:5.2f} "
            f"= {worker + database:5.2f}   (wall {wall:5.2f})",
            flush=True,
        )
    if args.profile:
        calls = [SCENARIOS[args.scenarios[-1]](ctx) for _ in range(args.requests)]
        profile = cProfile.Profile()
        profile.enable()
        for call in calls:
            send(call)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
