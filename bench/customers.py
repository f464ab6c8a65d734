"""Customer registry benchmark: load N customers with COPY, then time lookup, search and
details through the HTTP stack next to the same queries run directly in SQL.

    .venv/bin/python bench/customers.py --customers 1000000          # load (once) and measure
    .venv/bin/python bench/customers.py --customers 1000000 --reuse  # measure the loaded data
    .venv/bin/python bench/customers.py --customers 2000 --samples 50

The data lives in its own database on the embedded server, `loyalty_bench_customers_<N>`
(passed to Django as DATABASE_NAME), never the dev or a test database. With DATABASE_URL
set, that database is used instead. Per customer: one INSTORE profile (a fifth also have a
MOBILE_APP profile), a mobile, an e-mail for 90%, an external id for 40%, a wechat id for
20% (about 2.5 identifiers). Rows are written with psycopg's `cursor.copy` under
`session_replication_role = replica`, so pghistory's triggers do not fire for the bulk load.

HTTP goes through Django's test client (the whole middleware, authentication, throttle
and view stack, without a socket); "SQL" runs the selector's query alone on the same
connection. Latencies are per request, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SYLLABLES = [
    "ka", "ra", "mi", "an", "vi", "su", "de", "lo", "pri", "ta", "ne", "jo", "sa", "har",
    "ben", "ki", "ma", "ro", "li", "ash", "om", "tu", "zen", "fa", "go", "yu", "el", "bo",
]  # fmt: skip
CHUNK = 50_000
BENCH_TILL = ("bench.till", "bench-secret")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300, help="requests per measurement")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the customers already loaded, load nothing (without it, the database "
        "is topped up to --customers; customers already there are always kept)",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def setup_django(customers: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("DATABASE_NAME", f"loyalty_bench_customers_{customers}")
    # Measure the stack, not the rate limit.
    os.environ.setdefault("TILL_THROTTLE_RATE", "100000000/min")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def mobile_of(customer_index: int) -> str:
    return f"9199{customer_index:08d}"


def progress(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(
        f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} ({rate:,.0f}/s)"
    )
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def load(customers: int, *, reuse: bool, seed: int) -> None:
    from django.db import connection

    from customers.models import Customer, SourceAccount, Store, Till

    store, _ = Store.objects.get_or_create(code="bench.store")
    till, created = Till.objects.get_or_create(code=BENCH_TILL[0], defaults={"store": store})
    # Set on every run: a database loaded before the credential scheme changed keeps a hash
    # the current scheme would refuse (and keyed hashing makes this cheap).
    till.set_secret(BENCH_TILL[1])
    till.save()
    account, _ = SourceAccount.objects.get_or_create(source="MOBILE_APP", account_id="400")

    existing = Customer.objects.count()
    if reuse and existing:
        sys.stderr.write(f"--reuse: measuring the {existing:,} customers already loaded\n")
        return
    if existing >= customers:
        sys.stderr.write(f"reusing {existing:,} loaded customers\n")
        return
    if existing:
        sys.stderr.write(f"{existing:,} customers already loaded; adding up to {customers:,}\n")
    rng = random.Random(seed + existing)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM customers_customer")
        first_customer = cursor.fetchone()[0] + 1
        cursor.execute("SELECT coalesce(max(id), 0) FROM customers_sourceprofile")
        next_profile = cursor.fetchone()[0] + 1
        cursor.execute("SELECT coalesce(max(id), 0) FROM customers_identifier")
        next_identifier = cursor.fetchone()[0] + 1

    raw = connection.connection  # psycopg 3 connection
    started = time.perf_counter()
    to_load = customers - existing
    done = 0
    while done < to_load:
        size = min(CHUNK, to_load - done)
        customer_rows, profile_rows, identifier_rows = [], [], []
        for offset in range(size):
            index = existing + done + offset
            customer_id = first_customer + done + offset
            customer_rows.append((customer_id, "loyalty" if rng.random() < 0.9 else "non_loyalty"))
            first, last = name(rng), name(rng)
            profiles = [(next_profile, "INSTORE", None)]
            next_profile += 1
            if rng.random() < 0.2:
                profiles.append((next_profile, "MOBILE_APP", account.pk))
                next_profile += 1
            for profile_id, source, account_pk in profiles:
                profile_rows.append((profile_id, customer_id, source, account_pk, first, last))
            instore = profiles[0][0]
            values = [("mobile", mobile_of(index))]
            if rng.random() < 0.9:
                values.append(("email", f"{first}.{last}.{index}@bench.example".lower()))
            if rng.random() < 0.4:
                values.append(("externalId", f"EXT{index:09d}"))
            if rng.random() < 0.1:
                values.append(("wechat", f"wx_{index:09d}"))
            for type_, value in values:
                identifier_rows.append(
                    (next_identifier, instore, customer_id, "INSTORE", None, type_, value)
                )
                next_identifier += 1
            if len(profiles) > 1:
                identifier_rows.append(
                    (next_identifier, profiles[1][0], customer_id, "MOBILE_APP", account.pk)
                    + ("mobile", mobile_of(index))
                )
                next_identifier += 1
        with raw.cursor() as cursor, raw.transaction():
            # Bulk load: no pghistory events and no FK checks (consistent by construction).
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(
                "COPY customers_customer (id, loyalty_type, status, extended_fields, created_at,"
                " modified_at, registered_at) FROM STDIN"
            ) as copy:
                for customer_id, loyalty_type in customer_rows:
                    copy.write_row((customer_id, loyalty_type, "ACTIVE", "{}", "now", "now", "now"))
            with cursor.copy(
                "COPY customers_sourceprofile (id, customer_id, source, account_id, first_name,"
                " last_name, custom_fields, created_at, modified_at, auto_update_time) FROM STDIN"
            ) as copy:
                for row in profile_rows:
                    copy.write_row((*row, "{}", "now", "now", "now"))
            with cursor.copy(
                "COPY customers_identifier (id, profile_id, customer_id, source, account_id, type,"
                " value, created_at) FROM STDIN"
            ) as copy:
                for row in identifier_rows:
                    copy.write_row((*row, "now"))
        done += size
        progress("loading customers", done, to_load, started)

    with connection.cursor() as cursor:
        for table in ("customers_customer", "customers_sourceprofile", "customers_identifier"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        sys.stderr.write("analyzing...\n")
        cursor.execute("ANALYZE customers_customer, customers_sourceprofile, customers_identifier")


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return cut[49], cut[94], cut[98]


def timed(function, arguments) -> list[float]:
    durations = []
    for argument in arguments:
        start = time.perf_counter()
        function(argument)
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def measure(customers: int, samples: int, seed: int) -> list[tuple[str, list[float], list[float]]]:
    import base64

    from django.db import connection
    from django.test import Client

    from customers.models import Customer, SourceProfile
    from customers.normalise import search_prefix
    from customers.selectors import (
        _SEARCH_SQL,
        SourceRef,
        _like_prefix,
        customer_get_details,
        customer_lookup,
    )

    rng = random.Random(seed)
    total = Customer.objects.count()
    client = Client(
        HTTP_HOST="127.0.0.1",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(":".join(BENCH_TILL).encode()).decode(),
    )
    indexes = [rng.randrange(total) for _ in range(samples)]
    mobiles = [mobile_of(i) for i in indexes]
    low, high = Customer.objects.order_by("pk").values_list("pk", flat=True)[:1][0], total
    customer_ids = [low + rng.randrange(high) for _ in range(samples)]
    names = list(
        SourceProfile.objects.filter(customer_id__in=customer_ids[: min(samples, 200)]).values_list(
            "first_name", flat=True
        )
    )
    name_prefixes = [rng.choice(names)[:5].lower() for _ in range(samples)]
    mobile_prefixes = [m[:10] for m in mobiles]

    def http(path: str):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code} {response.content[:300]!r}")

    def search_sql(q: str):
        with connection.cursor() as cursor:
            cursor.execute(
                _SEARCH_SQL,
                {"pattern": _like_prefix(search_prefix(q)), "limit": 10, "offset": 0},
            )
            cursor.fetchall()

    # Warm up the connection, the caches and the till's verified secret.
    http(f"/v2/customers/lookup?source=INSTORE&identifierName=mobile&identifierValue={mobiles[0]}")
    results = [
        (
            "lookup (mobile, INSTORE)",
            timed(
                lambda m: http(
                    f"/v2/customers/lookup?source=INSTORE&identifierName=mobile&identifierValue={m}"
                ),
                mobiles,
            ),
            timed(
                lambda m: customer_lookup(
                    source="INSTORE", account_id=None, identifier_name="mobile", identifier_value=m
                ),
                mobiles,
            ),
        ),
        (
            "search name prefix (5 chars)",
            timed(lambda q: http(f"/v2/customers/search?q={q}&limit=10"), name_prefixes),
            timed(search_sql, name_prefixes),
        ),
        (
            "search mobile prefix (10 digits)",
            timed(lambda q: http(f"/v2/customers/search?q={q}&limit=10"), mobile_prefixes),
            timed(search_sql, mobile_prefixes),
        ),
        (
            "details (source=ALL)",
            timed(lambda pk: http(f"/v2/customers/{pk}?source=ALL"), customer_ids),
            timed(
                lambda pk: customer_get_details(
                    customers=list(Customer.objects.filter(pk=pk)), source=SourceRef("ALL")
                ),
                customer_ids,
            ),
        ),
    ]
    return results


def main() -> None:
    args = parse_args()
    setup_django(args.customers)
    from django.db import connection

    load(args.customers, reuse=args.reuse, seed=args.seed)
    results = measure(args.customers, args.samples, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_identifier")
        identifiers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
    print(
        f"\n{customers:,} customers, {identifiers:,} identifiers "
        f"({identifiers / max(customers, 1):.2f} each), {args.samples} requests per row, ms\n"
    )
    header = f"{'operation':34} {'HTTP p50':>9} {'p95':>7} {'p99':>7} | {'SQL p50':>8} {'p95':>7} {'p99':>7}"
    print(header)
    print("-" * len(header))
    for label, http_ms, sql_ms in results:
        h50, h95, h99 = percentiles(http_ms)
        s50, s95, s99 = percentiles(sql_ms)
        print(f"{label:34} {h50:9.2f} {h95:7.2f} {h99:7.2f} | {s50:8.2f} {s95:7.2f} {s99:7.2f}")


if __name__ == "__main__":
    main()
