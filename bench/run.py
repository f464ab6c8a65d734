"""Benchmark the API and the staff console as production runs them, against the floor.

    .venv/bin/python bench/run.py --customers 100000                # make bench
    .venv/bin/python bench/run.py --customers 1000000 --duration 20 # make bench-full

For each data size (the baseline, 10k customers by default, and --customers), it fills
`loyalty_bench_<size>` if needed (bench/generate.py), starts gunicorn the way production
does (DEBUG off, `config.wsgi`, several sync workers, Redis cache and rate limiter when
Redis answers, else the database) on 127.0.0.1, and drives every scenario with wrk
(bench/wrk.lua replays requests made from bench/scenarios.py; installed from Debian's
packages when missing) for --duration seconds at each concurrency (1, 8, 32 clients). Per scenario and
concurrency: throughput, p50/p95/p99 latency, and their ratio to the floor (`GET
/v2/_floor/<id>`, one primary-key query behind the same authentication, measured again
for half the time just before each scenario at the same concurrency, so that the ratio does
not carry the machine's drift). Queries per request: each scenario once through Django's test client under
`CaptureQueriesContext`, in this process, against the same database. Memory: the RSS of
every gunicorn worker sampled (psutil) through the whole run; the maximum is reported.

Results go to bench/results/<size>.json; then bench/results.md and bench/results.svg (the
plot of latency against data size) are written from every size measured so far.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
DATA = BENCH / "data"  # scratch (git-ignored): wrk's log, access logs
sys.path.insert(0, str(BENCH))

from generate import database_name  # noqa: E402

CONCURRENCY = (1, 8, 32)
SCENARIO_ORDER = [
    "floor",
    "lookup",
    "details",
    "search_name",
    "search_mobile",
    "register",
    "register_other_source",
    "update",
    "bill",
    "goodwill",
    "admin_search",
    "admin_view",
]


def redis_answers(url: str = "redis://127.0.0.1:6379/0") -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def server_environment(size: int, *, use_redis: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_NAME": database_name(size),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "TILL_THROTTLE_RATE": "100000000/min",
        "STAFF_THROTTLE_RATE": "100000000/min",
        "BENCH_FLOOR": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    if use_redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    else:
        env.pop("REDIS_URL", None)
    return env


# --- Measurement of one data size (a child process: Django is set up on its database) ---


class MemorySampler(threading.Thread):
    """The largest RSS of any gunicorn worker, overall and per scenario label."""

    def __init__(self, master_pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.master = psutil.Process(master_pid)
        self.label = "startup"
        self.max_by_label: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.wait(0.25):
            try:
                sizes = [child.memory_info().rss for child in self.master.children()]
            except psutil.Error:
                continue
            if sizes:
                mb = max(sizes) / 2**20
                self.max_by_label[self.label] = max(self.max_by_label.get(self.label, 0), mb)


def setup_bench_principals() -> dict:
    """The checker's bearer key (fresh each run) and the org's request configuration."""
    from django.contrib.auth import get_user_model

    from customers.models import ApiKey
    from loyalty.models import RequestTypeConfig

    RequestTypeConfig.objects.get_or_create(type="GOODWILL", base_type="POINTS")
    from django.test import Client

    checker = get_user_model().objects.get(username="bench.checker")
    _, raw_key = ApiKey.issue(user=checker, name="bench checker")
    admin = get_user_model().objects.get(username="bench.admin")
    sessions = []
    for _ in range(max(CONCURRENCY) * 2):
        client = Client()
        client.force_login(admin)
        sessions.append(client.cookies["sessionid"].value)
    return {"checker_key": raw_key, "sessions": sessions}


# Single-account sources a bench customer can be registered in (INSTORE holds them all).
SECOND_SOURCES = ("ECOMMERCE", "JD", "TMALL", "TAOBAO", "MARTJACK", "WEBSITE")


def other_source_pool(count: int, size: int) -> list[tuple[int, str]]:
    """(customer, source) pairs without a profile yet, newest generated customers first
    (ids up to `size`: those registered by the bench have other mobiles), mixed."""
    from django.db import connection

    pairs: list[list[tuple[int, str]]] = []
    with connection.cursor() as cursor:
        for source in SECOND_SOURCES:
            cursor.execute(
                """
                SELECT c.id FROM customers_customer c
                WHERE c.id <= %s AND NOT EXISTS (
                    SELECT 1 FROM customers_sourceprofile p
                    WHERE p.customer_id = c.id AND p.source = %s)
                ORDER BY c.id DESC LIMIT %s
                """,
                [size, source, count // len(SECOND_SOURCES) + 1],
            )
            pairs.append([(row[0], source) for row in cursor.fetchall()])
    mixed = [pair for group in zip(*pairs, strict=False) for pair in group]
    return mixed[:count]


def machine_speed() -> float:
    """Milliseconds for a fixed pure-Python loop on one core (best of 3): the same code
    measured on another day or machine is comparable in its ratios to the floor, not in
    its milliseconds, and this says by how much the machine differed."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def prewarm_database() -> None:
    """Read the database's files once, so that the runs find them in the OS cache (a
    database just generated or not read since a restart would otherwise be measured from
    disk: the floor at 139/s instead of 270/s, first run after generating 1M)."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data_directory = Path(cursor.fetchone()[0])
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        folder = data_directory / "base" / str(cursor.fetchone()[0])
    read = 0
    for file in folder.iterdir():
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                read += len(chunk)
    print(
        f"  read {read / 2**30:.1f} GB of the database into the OS cache "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )


def vacuum_database() -> None:
    """VACUUM what earlier runs wrote (thousands of registrations, bills and renamed
    profiles), as autovacuum would between runs: index-only scans of pages left
    not-all-visible fetch their heap rows, which doubled the name search's index reads."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"  vacuumed in {time.monotonic() - started:.0f} s", flush=True)


def count_queries(size: int, checker_key: str, pool: list[tuple[int, str]]) -> dict[str, dict]:
    """Each scenario once through the test client (after one warm-up call): queries made."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from generate import STORES, TILL_SECRET
    from rest_framework.test import APIClient
    from scenarios import SCENARIOS, Context, goodwill_approve

    settings.ALLOWED_HOSTS = ["*"]
    # The same customers at every size (the generator makes customer i alike in every
    # database), so that a count differs only if the data size changes it.
    ctx = Context(customers=min(size, 1000), other_source_pool=pool, rng=random.Random(7))
    clients = {"till": APIClient(), "checker": APIClient(), "session": APIClient()}
    clients["till"].credentials(
        HTTP_AUTHORIZATION="Basic "
        + __import__("base64").b64encode(f"bench.till{STORES:03d}:{TILL_SECRET}".encode()).decode()
    )
    clients["checker"].credentials(HTTP_AUTHORIZATION=f"Bearer {checker_key}")
    clients["session"].force_login(get_user_model().objects.get(username="bench.admin"))

    def send(call):
        client = clients[call.auth]
        method = getattr(client, call.method.lower())
        kwargs = {"format": "json"} if call.body is not None else {}
        with CaptureQueriesContext(connection) as captured:
            response = method(call.path, call.body, **kwargs) if call.body else method(call.path)
        return response, len(captured.captured_queries)

    counts: dict[str, dict] = {}
    for scenario in SCENARIO_ORDER:
        for _ in range(2):  # the first call warms per-process caches; the second counts
            call = SCENARIOS[scenario](ctx)
            response, queries = send(call)
            counts[call.name] = {"queries": queries, "status": response.status_code}
            if scenario == "goodwill" and response.status_code == 200:
                approve = goodwill_approve(response.json()["createdId"])
                response, queries = send(approve)
                counts[approve.name] = {"queries": queries, "status": response.status_code}
    return counts


def access_log(size: int) -> Path:
    return DATA / f"access-{size}.log"


def server_times(log: Path, offset: int) -> dict[str, list[float]]:
    """Server milliseconds per HTTP method of the access-log lines written after `offset`."""
    times: dict[str, list[float]] = {}
    with log.open() as lines:
        lines.seek(offset)
        for line in lines:
            parts = line.split()
            if len(parts) == 4 and parts[3].isdigit():
                times.setdefault(parts[0], []).append(int(parts[3]) / 1000)
    return times


def start_server(size: int, port: int, workers: int, env: dict) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        "--config",
        "python:config.gunicorn_conf",  # limits, envelope errors, timeout: as `make run`
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        # Production logs every request too; here the worker's own time per request
        # (microseconds, without the wait in the listen queue) is the "server time".
        "--access-logfile",
        str(access_log(size)),
        "--access-logformat",
        "%(m)s %(U)s %(s)s %(D)s",
    ]
    access_log(size).unlink(missing_ok=True)
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


# Requests written per second of a run: reads are replayed in a loop; unique writes are
# sent until used up (no write here comes near 1,000 per second on two cores; a run that
# used them up says so).
READS_PER_SECOND = 2500
WRITES_PER_SECOND = 1000
# Scenarios whose requests must each be sent once (a new mobile, bill or decision each).
ONCE = {"register", "register_other_source", "bill", "approve goodwill"}


def ensure_wrk() -> str:
    """wrk's path, installed from Debian's packages when missing (as .ci/run installs
    Chromium): a load tool in C leaves the two cores to the server, where Locust took a
    quarter of them."""
    found = shutil.which("wrk")
    if found:
        return found
    print("  installing wrk (apt-get install wrk) …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench/run.py needs wrk: apt-get install wrk (or brew install wrk)")
    return found


def write_requests(path: Path, calls: list, auth_headers: dict[str, tuple[str, str]]) -> None:
    """The file bench/wrk.lua replays: each auth's header, then one request a line."""
    lines = [f"#{auth}\t{header}\t{value}" for auth, (header, value) in auth_headers.items()]
    for call in calls:
        body = json.dumps(call.body, separators=(",", ":")) if call.body is not None else ""
        lines.append(f"{call.method}\t{call.path}\t{call.auth}\t{body}")
    path.write_text("\n".join(lines) + "\n")


def auth_headers(principals: dict) -> dict[str, tuple[str, str]]:
    from generate import TILL_SECRET

    # One till for every client: the Basic secret's slow hash is verified once per worker
    # process and till, which the runner's warm-up pays.
    basic = base64.b64encode(f"bench.till001:{TILL_SECRET}".encode()).decode()
    headers = {
        "till": ("Authorization", f"Basic {basic}"),
        "checker": ("Authorization", f"Bearer {principals['checker_key']}"),
    }
    for index, session in enumerate(principals["sessions"]):
        headers[f"session{index}"] = ("Cookie", f"sessionid={session}")
    return headers


def scenario_calls(scenario: str, count: int, ctx, sessions: int) -> list:
    """`count` requests of the scenario (fewer when its pool runs out); a staff session's
    requests take the logged-in sessions in turn."""
    from scenarios import SCENARIOS

    calls = []
    for index in range(count):
        if scenario == "register_other_source" and not ctx.other_source_pool:
            break
        call = SCENARIOS[scenario](ctx)
        if call.auth == "session":
            call.auth = f"session{index % sessions}"
        calls.append(call)
    return calls


def run_wrk(
    calls: list,
    *,
    once: bool,
    clients: int,
    duration: float,
    port: int,
    principals: dict,
    access: Path | None = None,
    method: str | None = None,
) -> dict:
    """One wrk run of these requests: throughput, latency percentiles, failures, and the
    server time of the `method` lines (all lines: None) that gunicorn's access log got."""
    offset = access.stat().st_size if access and access.exists() else 0
    with tempfile.TemporaryDirectory() as folder:
        requests_file, report_file = Path(folder) / "requests", Path(folder) / "report.json"
        write_requests(requests_file, calls, auth_headers(principals))
        command = [
            ensure_wrk(),
            "-t1",
            f"-c{clients}",
            f"-d{int(duration)}s",
            "--timeout",
            "30s",
            "-s",
            str(BENCH / "wrk.lua"),
            f"http://127.0.0.1:{port}",
        ]
        run_env = {
            **os.environ,
            "BENCH_REQUESTS": str(requests_file),
            "BENCH_MODE": "once" if once else "cycle",
            "BENCH_REPORT": str(report_file),
        }
        with (DATA / "wrk.log").open("a") as log:  # wrk's own summary
            subprocess.run(command, env=run_env, stdout=log, stderr=subprocess.STDOUT, check=False)
        if not report_file.exists():
            tail = (DATA / "wrk.log").read_text()[-1500:]
            raise SystemExit(f"wrk wrote no report ({len(calls)} requests); its log ends:\n{tail}")
        report = json.loads(report_file.read_text())
    seconds = report["duration_us"] / 1e6
    row = {
        "requests": report["requests"],
        "rps": report["requests"] / seconds if seconds else 0.0,
        "p50": report["p50"],
        "p95": report["p95"],
        "p99": report["p99"],
        "mean": report["mean"],
        "failures": report["failures"] + report["socket_errors"],
        "error": report["error"],
        "ran_out": bool(report["exhausted"]),
    }
    if access is not None and access.exists():
        by_method = server_times(access, offset)
        values = sorted(
            by_method.get(method, [])
            if method
            else [v for values in by_method.values() for v in values]
        )
        row["server_p50"] = percentile(values, 0.50)
        row["server_p95"] = percentile(values, 0.95)
    return row


def pending_bench_requests(since: float) -> list[int]:
    """Goodwill requests the raise run left pending, for the approve run to decide."""
    from datetime import UTC, datetime

    from loyalty.models import Request

    return list(
        Request.objects.filter(
            status="PENDING",
            reason="bench",
            requested_at__gte=datetime.fromtimestamp(since, UTC),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def run_scenario(
    scenario: str, clients: int, duration: float, port: int, ctx, principals: dict, access: Path
) -> dict[str, dict]:
    """Per request name, the figures of one scenario at one concurrency (goodwill: the
    raise run, then the approve run deciding the requests it raised)."""
    from scenarios import SCENARIOS, goodwill_approve

    count = int(duration * (WRITES_PER_SECOND if scenario in ONCE else READS_PER_SECOND))
    pool_before = list(ctx.other_source_pool)
    calls = scenario_calls(scenario, count, ctx, len(principals["sessions"]))
    name = SCENARIOS[scenario](ctx).name if scenario != "register_other_source" else None
    name = name or "register second source"
    if not calls:
        raise SystemExit(
            f"{scenario}: no request left to send (the customers without a profile in a "
            "second source are used up: refill the database with bench/generate.py --reset)"
        )
    method = calls[0].method
    started = time.time()
    out = {
        name: run_wrk(
            calls,
            once=scenario in ONCE,
            clients=clients,
            duration=duration,
            port=port,
            principals=principals,
            access=access,
            method=method,
        )
    }
    if scenario == "register_other_source":
        # The pairs wrk did not send (it sends them in order; those in flight at the end
        # count as sent) go back to the pool for the next run.
        sent = out[name]["requests"] + clients
        ctx.other_source_pool[:] = pool_before[: max(0, len(pool_before) - sent)]
    if scenario == "goodwill":
        approvals = [goodwill_approve(pk) for pk in pending_bench_requests(started)]
        if not approvals:
            # wrk cannot replay an empty file: say why the raise run left nothing to decide.
            raise SystemExit(
                f"goodwill at {clients} clients: the raise run left no pending request "
                f"(its first failure: {out[name]['error'] or 'none'})"
            )
        out["approve goodwill"] = run_wrk(
            approvals,
            once=True,
            clients=clients,
            duration=duration,
            port=port,
            principals=principals,
            access=access,
            method="PUT",
        )
    return out


def measure(size: int, args: argparse.Namespace) -> dict:
    """Everything for one data size; runs in a child process set up on its database."""
    os.environ.update(server_environment(size, use_redis=args.redis))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from generate import loaded_size

    if loaded_size() != size:
        raise SystemExit(f"{database_name(size)} is not a complete load of {size} customers")
    call_command("collectstatic", interactive=False, verbosity=0)
    prewarm_database()
    vacuum_database()
    speed = machine_speed()
    principals = setup_bench_principals()
    # Enough for every run at 400 registrations a second; what a run does not send goes back.
    pool = other_source_pool(args.duration * 400 * len(args.concurrency) + 2, size)
    queries = count_queries(size, principals["checker_key"], pool[:2])
    pool = pool[2:]

    env = server_environment(size, use_redis=args.redis)
    # A SIGTERM (Ctrl-C's cousin) still stops gunicorn through the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    server = start_server(size, args.port, args.workers, env)
    sampler = MemorySampler(server.pid)
    sampler.start()
    results: dict[str, dict] = {}
    from scenarios import Context

    ctx = Context(customers=size, other_source_pool=pool)

    def floor_run(clients: int, seconds: float) -> dict:
        return run_scenario("floor", clients, seconds, args.port, ctx, principals, None)

    try:
        sampler.label = "warm-up"
        # Each worker's first calls verify the till's secret (a slow hash) and load lazily
        # what the views need: 10 s, so that the first measured run is not the warm-up.
        floor_run(max(args.concurrency), 10)
        for scenario in args.scenarios:
            results[scenario] = {}
            for clients in args.concurrency:
                if scenario != "floor":
                    # The floor again, just before, at the same concurrency: the machine's
                    # speed drifts by a third within minutes here, so a ratio to a floor
                    # measured at the start of the run would measure the drift.
                    sampler.label = "floor"
                    adjacent = floor_run(clients, max(5, args.duration // 2))
                    results[scenario].setdefault("_floor", {})[str(clients)] = adjacent
                sampler.label = scenario
                outcome = run_scenario(
                    scenario, clients, args.duration, args.port, ctx, principals, access_log(size)
                )
                results[scenario][str(clients)] = outcome
                summary = ", ".join(
                    f"{name}: {row['rps']:.0f}/s p50 {row['p50']:.1f} p99 {row['p99']:.1f} ms"
                    + (
                        f" ({row['failures']} failed: {row['error'][:80]})"
                        if row["failures"]
                        else ""
                    )
                    + (" (requests used up before the end)" if row.get("ran_out") else "")
                    for name, row in sorted(outcome.items())
                )
                print(f"  {size:>9,} {scenario:22} {clients:>2} clients  {summary}", flush=True)
    finally:
        sampler.stop.set()
        stop_server(server)
    return {
        "customers": size,
        "workers": args.workers,
        "duration": args.duration,
        "concurrency": list(args.concurrency),
        "cache": "redis" if args.redis else "database",
        "cpus": os.cpu_count(),
        "load_tool": "wrk, one thread",
        "python_loop_ms": speed,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": args.command_line,
        "queries": queries,
        "memory_mb": {label: round(mb, 1) for label, mb in sampler.max_by_label.items()},
        "results": results,
    }


def merged(old: dict, new: dict) -> dict:
    """A partial run's scenarios replace the old ones; each keeps the floor of its run."""
    for scenario, outcome in old["results"].items():
        if scenario != "floor":
            outcome.setdefault("_floor", old["results"]["floor"])
    old["results"].update(new["results"])
    old["queries"].update(new["queries"])
    for label, mb in new["memory_mb"].items():
        old["memory_mb"][label] = max(mb, old["memory_mb"].get(label, 0))
    old["partial_runs"] = [*old.get("partial_runs", []), new["measured_at"]]
    return old


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000, help="the big size")
    parser.add_argument("--baseline", type=int, default=10_000, help="the small size (growth)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--scenarios", default=",".join(SCENARIO_ORDER))
    parser.add_argument("--no-redis", action="store_true", help="database cache and counters")
    parser.add_argument("--report-only", action="store_true", help="rewrite results.md only")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.concurrency = [int(v) for v in args.concurrency.split(",")]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    if "floor" not in args.scenarios:
        args.scenarios.insert(0, "floor")
    args.redis = not args.no_redis and redis_answers()
    RESULTS.mkdir(exist_ok=True)
    DATA.mkdir(exist_ok=True)

    if args.measure:
        args.command_line = os.environ.get("BENCH_COMMAND", "")
        outcome = measure(args.measure, args)
        target = RESULTS / f"{args.measure}.json"
        if target.exists() and set(args.scenarios) != set(SCENARIO_ORDER):
            outcome = merged(json.loads(target.read_text()), outcome)
        target.write_text(json.dumps(outcome, indent=1))
        return

    if not args.report_only:
        command_line = "python bench/run.py " + " ".join(sys.argv[1:])
        for size in sorted({args.baseline, args.customers}):
            subprocess.run(
                [sys.executable, str(BENCH / "generate.py"), "--customers", str(size)], check=True
            )
            print(f"measuring {size:,} customers …", flush=True)
            subprocess.run(
                [sys.executable, __file__, *sys.argv[1:], "--measure", str(size)],
                check=True,
                env={**os.environ, "BENCH_COMMAND": command_line},
            )
    from report import write_report

    write_report(RESULTS, BENCH / "results.md", BENCH / "results.svg", BENCH / "notes.md")
    print(f"wrote {BENCH / 'results.md'}")


if __name__ == "__main__":
    main()
