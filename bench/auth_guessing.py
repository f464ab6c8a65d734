"""A legitimate till's latency while other clients guess till secrets.

    .venv/bin/python bench/auth_guessing.py                      # 6 guessers, 15 s a phase
    .venv/bin/python bench/auth_guessing.py --guessers 6 --duration 20 --legacy-hash

Starts gunicorn the way production runs it (DEBUG off, sync workers, Redis for the rate
limiter when it answers, NUM_PROXIES=1 as behind a load balancer) on its own database
`loyalty_bench_auth` of the embedded server, with one legitimate till and 200 other tills.
Phase 1: the legitimate till alone reads a customer's details in a loop (one connection,
keep-alive). Phase 2: the same, while `--guessers` processes send wrong secrets, `--rate`
a second each (0: as fast as the answers come, which saturates two cores with any kind of
request, right or wrong), each request for a random other till from a random client address (a spread-out
guesser: the per-address limit never trips, each till code's limit does after
AUTH_FAILURES_PER_TILL). Prints the legitimate till's p50 / p95 in both phases and what the
guessers got (401 until a code's limit, 429 after).

`--legacy-hash` stores the other tills' secrets with Django's password hasher, as every
till secret was stored before the keyed hash (config/credentials.py): each wrong guess then
costs a slow hash until its till code reaches the failure limit.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import (  # noqa: E402
    DATA,
    redis_answers,
    server_environment,
    start_server,
    stop_server,
)

DATABASE = "loyalty_bench_auth"
LEGIT = ("bench.legit", "legit-secret")
VICTIMS = 200


def environment(use_redis: bool) -> dict[str, str]:
    """bench/run.py's server environment, on this benchmark's database, behind a proxy."""
    env = server_environment(0, use_redis=use_redis)
    env.pop("BENCH_FLOOR")
    return {**env, "DATABASE_NAME": DATABASE, "NUM_PROXIES": "1", "LOG_LEVEL": "ERROR"}


def prepare(env: dict, *, legacy_hash: bool) -> int:
    """Migrate the bench database, make the tills and one customer; the customer's id."""
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "createcachetable"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    script = f"""
from django.contrib.auth.hashers import make_password
from customers.models import Customer, SourceProfile, Store, Till
store, _ = Store.objects.get_or_create(code="bench.auth")
till, _ = Till.objects.get_or_create(code={LEGIT[0]!r}, defaults={{"store": store}})
till.set_secret({LEGIT[1]!r}); till.save()
for n in range({VICTIMS}):
    victim, _ = Till.objects.get_or_create(code=f"bench.victim.{{n}}", defaults={{"store": store}})
    victim.secret_hash = make_password("s" + str(n)) if {legacy_hash!r} else ""
    if not {legacy_hash!r}:
        victim.set_secret("s" + str(n))
    victim.save()
customer = Customer.objects.order_by("pk").first() or Customer.objects.create()
SourceProfile.objects.get_or_create(customer=customer, source="INSTORE", defaults={{"first_name": "Bench"}})
print(customer.pk)
"""
    out = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def basic(code: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{code}:{secret}".encode()).decode()


def legit_latencies(port: int, customer_id: int, duration: float) -> tuple[list[float], int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": basic(*LEGIT), "X-Forwarded-For": "10.200.0.1"}
    latencies, refused = [], 0
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        started = time.perf_counter()
        connection.request("GET", f"/v2/customers/{customer_id}?source=ALL", headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        refused += response.status != 200
    return latencies, refused


def guess(port: int, duration: float, rate: float, seed: int, results) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    counts: dict[int, int] = {}
    deadline = time.monotonic() + duration
    next_at = time.monotonic()
    while time.monotonic() < deadline:
        if rate:  # open loop: one guess every 1/rate s, whatever the answers' speed
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.monotonic()))
        code = f"bench.victim.{rng.randrange(VICTIMS)}"
        address = f"10.{rng.randrange(1, 200)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        headers = {"Authorization": basic(code, secrets.token_hex(8)), "X-Forwarded-For": address}
        connection.request("GET", "/v2/customers/1?source=ALL", headers=headers)
        response = connection.getresponse()
        response.read()
        counts[response.status] = counts.get(response.status, 0) + 1
    results.put(counts)


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):6.2f} ms  p95 {p95:6.2f} ms  ({len(ordered)} requests)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guessers", type=int, default=6)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument(
        "--rate", type=float, default=20, help="guesses a second per guesser (0: flat out)"
    )
    parser.add_argument("--legacy-hash", action="store_true")
    args = parser.parse_args()

    use_redis = redis_answers()
    env = environment(use_redis)
    customer_id = prepare(env, legacy_hash=args.legacy_hash)
    if use_redis:  # a fresh window for the failure counters of the previous run
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in client.scan_iter("*authfail:*"):
            client.delete(key)
    DATA.mkdir(parents=True, exist_ok=True)
    server = start_server(0, args.port, args.workers, env)
    try:
        legit_latencies(args.port, customer_id, 3)  # warm the workers up
        alone, refused_alone = legit_latencies(args.port, customer_id, args.duration)
        results = multiprocessing.Queue()
        guessers = [
            multiprocessing.Process(
                target=guess, args=(args.port, args.duration, args.rate, n, results)
            )
            for n in range(args.guessers)
        ]
        for process in guessers:
            process.start()
        time.sleep(0.5)
        attacked, refused_attacked = legit_latencies(args.port, customer_id, args.duration - 1)
        guessed: dict[int, int] = {}
        for _ in guessers:
            for status, count in results.get().items():
                guessed[status] = guessed.get(status, 0) + count
        for process in guessers:
            process.join()
    finally:
        stop_server(server)
    scheme = "Django password hasher (before)" if args.legacy_hash else "keyed HMAC-SHA256"
    print(f"till secrets: {scheme}; {args.workers} gunicorn workers; Redis: {use_redis}")
    rate = f"{args.rate:g}/s each" if args.rate else "flat out"
    print(f"legitimate till alone:           {summary(alone)}  refused {refused_alone}")
    print(
        f"with {args.guessers} guessers ({rate}): {summary(attacked)}  "
        f"refused {refused_attacked}"
    )
    total = sum(guessed.values())
    shares = ", ".join(f"{status}: {count}" for status, count in sorted(guessed.items()))
    print(f"guesses: {total} in {args.duration:.0f} s ({total / args.duration:.0f}/s): {shares}")


if __name__ == "__main__":
    main()
