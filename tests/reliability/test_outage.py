"""The fault suite: a live server under traffic while its database freezes, stops and comes
back (`make test-faults`, run by .ci/run; deselected from `make test`).

Its own embedded PostgreSQL server (`.pgdata-faults/`, never the one the other tests use)
and its own gunicorn, started the way `make run` starts it (config.gunicorn_conf, 4 sync
workers, DEBUG off). Three tills keep registering customers, each write with its own
`Idempotency-Key` and retried with the same key until it is acknowledged, as a till does; a
fourth client reads. Meanwhile:

1. the database is frozen (SIGSTOP of every PostgreSQL process) for FREEZE_SECONDS;
2. then stopped (fast shutdown) for STOP_SECONDS and started again;
3. with the app idle, a "smart" shutdown of the database must end on its own (idle
   connections are closed by the server), and gunicorn must stop cleanly on SIGTERM.

Asserted: every answer is 200 or a clean 503 in the envelope with Retry-After (the health
check: its own 503 body), never a 500, an HTML page, a dropped connection or a client
timeout; no answer during an outage takes longer than MAX_OUTAGE_ANSWER_SECONDS; the API
answers 200 again within MAX_RECOVERY_SECONDS of the database being back; every
acknowledged write is in the database exactly once. The figures are printed.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import pytest

from tests.gunicorn import free_port, start_gunicorn

pytestmark = pytest.mark.outage

ROOT = Path(__file__).resolve().parents[2]
PGDATA = ROOT / ".pgdata-faults"
DATABASE = "loyalty_faults"
WORKERS = 4
WRITERS = 3
FREEZE_SECONDS = 15
STOP_SECONDS = 5
# A frozen server: the client deadline (3 s statement + 1 s) on the open connection, then
# the connect timeout (3 s), plus the machine's slack.
MAX_OUTAGE_ANSWER_SECONDS = 11
MAX_RECOVERY_SECONDS = 15
CLIENT_TIMEOUT = 45  # longer than any bound above: a hung request shows as a timeout
AUTH = "Basic " + base64.b64encode(b"fault.till:fault-secret").decode()


def child_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DATABASE_NAME"}
    }
    env.update(
        EMBEDDED_PGDATA=str(PGDATA),
        DATABASE_NAME=DATABASE,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        TILL_THROTTLE_RATE="100000/min",
        LOG_LEVEL="ERROR",
        # Short, so that the smart shutdown below ends in seconds (75 s by default).
        DB_IDLE_SESSION_TIMEOUT_MS="3000",
    )
    return env


def manage(*args: str, timeout: float = 300) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(),
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


def postmaster() -> psutil.Process | None:
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return None
    try:
        return psutil.Process(int(pid_file.read_text().split()[0]))
    except (psutil.NoSuchProcess, ValueError):
        return None


def database_processes() -> list[psutil.Process]:
    main = postmaster()
    return [main, *main.children(recursive=True)] if main else []


def connect_checker() -> psycopg.Connection:
    lines = (PGDATA / "postmaster.pid").read_text().splitlines()
    return psycopg.connect(
        host=lines[4], port=lines[3], user="postgres", dbname=DATABASE, autocommit=True
    )


def start_database() -> float:
    """Start the suite's server the way the app does (settings start it); when it answers."""
    manage("check")
    return time.monotonic()


@dataclass
class Answer:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer (dropped connection, client timeout)
    content_type: str = ""
    retry_after: str | None = None
    body: bytes = b""
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Traffic:
    port: int
    answers: list[Answer] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # mobile -> createdId
    pending: list[tuple[str, str]] = field(default_factory=list)  # unacknowledged writes
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def call(self, kind: str, method: str, path: str, body: dict | None = None, **headers):
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": AUTH, "Content-Type": "application/json", **headers}
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
        try:
            connection.request(method, path, payload, headers)
            response = connection.getresponse()
            answer = Answer(
                kind,
                started,
                time.monotonic(),
                response.status,
                response.getheader("Content-Type", ""),
                response.getheader("Retry-After"),
                response.read(),
            )
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(kind, started, time.monotonic(), None, error=repr(error))
        finally:
            connection.close()
        with self.lock:
            self.answers.append(answer)
        return answer

    def register(self, mobile: str, key: str) -> bool:
        body = {
            "loyaltyInfo": {"loyaltyType": "loyalty"},
            "profiles": [
                {"firstName": "Fault", "identifiers": [{"type": "mobile", "value": mobile}]}
            ],
        }
        answer = self.call(
            "write", "POST", "/v2/customers?source=INSTORE", body, **{"Idempotency-Key": key}
        )
        if answer.status == 200:
            with self.lock:
                self.acknowledged["91" + mobile] = json.loads(answer.body)["createdId"]
            return True
        return False

    def writer(self) -> None:
        while not self.stop.is_set():
            number = next(self.numbers)
            mobile, key = f"97{number:08d}", f"fault-{number}"
            while not self.register(mobile, key):  # a till retries with the same key
                if self.stop.is_set():
                    with self.lock:
                        self.pending.append((mobile, key))
                    return
                time.sleep(0.2)

    def reader(self) -> None:
        paths = [
            "/healthz",
            "/v2/customers/lookup?source=INSTORE&identifierName=mobile"
            "&identifierValue=919800000001",
        ]
        for path in itertools.cycle(paths):
            if self.stop.is_set():
                return
            self.call("read", "GET", path)
            time.sleep(0.05)

    def first_write_after(self, moment: float) -> float | None:
        with self.lock:
            ends = [
                a.ended
                for a in self.answers
                if a.kind == "write" and a.status == 200 and a.started >= moment
            ]
        return min(ends) if ends else None


def wait_for(predicate, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def unclean(answer: Answer) -> str | None:
    """Why an answer is not a 200 or a clean 503, or None."""
    if answer.status == 200:
        return None
    if answer.status is None:
        return f"no answer: {answer.error}"
    if answer.status != 503 or answer.content_type != "application/json":
        return f"{answer.status} {answer.content_type}: {answer.body[:200]!r}"
    body = json.loads(answer.body)
    if body == {"status": "unavailable", "database": False}:
        return None  # /healthz
    if body.get("errors", [{}])[0].get("code") != 503 or answer.retry_after is None:
        return f"503 without the envelope or Retry-After: {answer.body[:200]!r}"
    return None


@pytest.fixture(scope="module")
def server():
    """The suite's database (migrated, one till) and gunicorn in front of it."""
    start_database()
    lines = (PGDATA / "postmaster.pid").read_text().splitlines()
    with psycopg.connect(
        host=lines[4], port=lines[3], user="postgres", dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")  # a clean slate
    manage("migrate", "--noinput", "-v0")  # the settings create the database again
    manage("createcachetable")
    manage(
        "shell",
        "-c",
        "from customers.models import Store, Till\n"
        "store, _ = Store.objects.get_or_create(code='fault.store', name='Fault store')\n"
        "till = Till.objects.filter(code='fault.till').first() or Till(store=store, code='fault.till')\n"
        "till.set_secret('fault-secret'); till.save()\n",
    )
    port = free_port()
    gunicorn = start_gunicorn(port, workers=WORKERS, env=child_env())

    def healthy():
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    assert wait_for(healthy, 60, 0.3), "gunicorn did not start"
    yield {"port": port, "gunicorn": gunicorn}
    if gunicorn.poll() is None:
        gunicorn.kill()
    for process in database_processes():
        process.resume()  # never leave a frozen server behind
    main = postmaster()
    if main is not None:  # nor a running one: the suite's server is its own
        main.send_signal(signal.SIGINT)
        main.wait(30)


def test_a_sick_database_answers_fast_recovers_and_loses_no_acknowledged_write(server, capsys):
    traffic = Traffic(server["port"])
    # one customer for the reader's lookups
    assert traffic.register("9800000001", "fault-reader")
    threads = [threading.Thread(target=traffic.writer) for _ in range(WRITERS)]
    threads.append(threading.Thread(target=traffic.reader))
    for thread in threads:
        thread.start()
    figures: dict[str, float] = {}
    try:
        time.sleep(3)  # baseline
        # 1. frozen
        frozen_at = time.monotonic()
        processes = database_processes()
        for process in processes:
            process.suspend()
        time.sleep(FREEZE_SECONDS)
        for process in processes:
            process.resume()
        thawed_at = time.monotonic()
        back = wait_for(lambda: traffic.first_write_after(thawed_at), MAX_RECOVERY_SECONDS + 15)
        figures["freeze_recovery"] = (back or float("inf")) - thawed_at
        # 2. stopped, then started again
        stopped_at = time.monotonic()
        main = postmaster()
        main.send_signal(signal.SIGINT)  # fast shutdown: sessions are terminated
        main.wait(30)
        time.sleep(STOP_SECONDS)
        up_at = start_database()
        back = wait_for(lambda: traffic.first_write_after(up_at), MAX_RECOVERY_SECONDS + 15)
        figures["restart_recovery"] = (back or float("inf")) - up_at
        time.sleep(2)
    finally:
        traffic.stop.set()
        for thread in threads:
            thread.join(CLIENT_TIMEOUT + 5)
    # the writes a till was still retrying: retried with the same key until acknowledged
    for mobile, key in traffic.pending:
        assert wait_for(lambda m=mobile, k=key: traffic.register(m, k), 30, 0.5)

    # every answer was a 200 or a clean 503, in bounded time
    problems = [
        (round(a.started - frozen_at, 1), why) for a in traffic.answers if (why := unclean(a))
    ]
    assert not problems, problems[:10]
    during_freeze = [a for a in traffic.answers if frozen_at <= a.started < thawed_at]
    during_stop = [a for a in traffic.answers if stopped_at <= a.started < up_at]
    figures["freeze_longest"] = max(a.seconds for a in during_freeze)
    figures["stop_longest"] = max(a.seconds for a in during_stop)
    unavailable = sum(1 for a in traffic.answers if a.status == 503)
    assert figures["freeze_longest"] < MAX_OUTAGE_ANSWER_SECONDS
    assert figures["stop_longest"] < MAX_OUTAGE_ANSWER_SECONDS
    assert figures["freeze_recovery"] < MAX_RECOVERY_SECONDS
    assert figures["restart_recovery"] < MAX_RECOVERY_SECONDS
    assert any(a.status == 503 for a in during_freeze)  # the outage was seen
    assert any(a.status == 503 for a in during_stop)

    # every acknowledged write is there exactly once, with the id it was acknowledged with
    checker = connect_checker()
    rows = checker.execute(
        "SELECT value, array_agg(customer_id) FROM customers_identifier"
        " WHERE value LIKE '919%' GROUP BY value"
    ).fetchall()
    checker.close()
    stored = dict(rows)
    lost = [m for m in traffic.acknowledged if m not in stored]
    duplicated = [m for m, ids in stored.items() if len(ids) != 1]
    wrong = [m for m, ids in stored.items() if traffic.acknowledged.get(m) not in ids]
    assert (lost, duplicated, wrong) == ([], [], [])

    with capsys.disabled():
        print(
            f"\nfault suite: {len(traffic.answers)} requests, {unavailable} answered 503;"
            f" frozen {FREEZE_SECONDS} s: longest answer {figures['freeze_longest']:.2f} s,"
            f" recovery {figures['freeze_recovery']:.2f} s after the thaw;"
            f" stopped {STOP_SECONDS} s: longest answer {figures['stop_longest']:.2f} s,"
            f" recovery {figures['restart_recovery']:.2f} s after the restart;"
            f" writes acknowledged {len(traffic.acknowledged)}, lost {len(lost)},"
            f" duplicated {len(duplicated)}"
        )


def test_the_database_and_the_server_stop_cleanly_while_the_app_holds_connections(server, capsys):
    traffic = Traffic(server["port"])
    for _ in range(WORKERS * 3):  # every worker has its persistent connection
        traffic.call("read", "GET", "/healthz")
    assert all(a.status == 200 for a in traffic.answers)
    # a smart shutdown waits for every session: the idle ones are closed by the server
    started = time.monotonic()
    main = postmaster()
    main.send_signal(signal.SIGTERM)
    main.wait(30)
    smart = time.monotonic() - started
    start_database()
    assert traffic.call("read", "GET", "/healthz").status == 200  # reconnects by itself
    # gunicorn on SIGTERM: workers close their connections and exit
    started = time.monotonic()
    server["gunicorn"].send_signal(signal.SIGTERM)
    assert server["gunicorn"].wait(30) == 0
    stopped = time.monotonic() - started
    checker = connect_checker()
    sessions = checker.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        " AND pid <> pg_backend_pid()"
    ).fetchone()[0]
    checker.close()
    assert sessions == 0
    assert smart < 10
    with capsys.disabled():
        print(
            f"\nfault suite: smart shutdown of the database with the app idle {smart:.2f} s;"
            f" gunicorn stopped on SIGTERM in {stopped:.2f} s, no session left"
        )
