"""Staff console latencies with many customers: search by mobile (last digits and whole),
name prefix and e-mail, and the single view of a customer with 5 profiles and 500 ledger
entries, measured through the whole Django stack (middleware, admin, templates).

    .venv/bin/python bench/console.py --customers 1000000

Runs in its own database (`test_<name>_console_bench`, kept between runs with --keep so a
second run skips the load), fills it with SQL (`generate_series`, history triggers off),
and prints the median and p95 server time of each page over --repeat requests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["TEST_DB_SUFFIX"] = "_console_bench"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment  # noqa: E402

FIRST_NAMES = ["ann", "bob", "carla", "dev", "erin", "farid", "gita", "hiro", "ines", "jon"]
LAST_NAMES = ["smith", "rao", "kumar", "li", "garcia", "ito", "novak", "okafor", "silva", "weber"]


def load(customers: int) -> None:
    first = "ARRAY[" + ",".join(f"'{n.title()}'" for n in FIRST_NAMES) + "]"
    last = "ARRAY[" + ",".join(f"'{n.title()}'" for n in LAST_NAMES) + "]"
    statements = [
        "SET session_replication_role = replica",  # no history triggers for the bulk load
        f"""INSERT INTO customers_customer (id, created_at, modified_at, loyalty_type, status,
                extended_fields, registered_at)
            SELECT i, now(), now(), 'loyalty', 'ACTIVE', '{{}}', now()
            FROM generate_series(1, {customers}) AS i""",
        f"""INSERT INTO customers_sourceprofile (id, customer_id, source, first_name, last_name,
                custom_fields, auto_update_time, created_at, modified_at)
            SELECT i, i, 'INSTORE',
                   ({first})[1 + (i % 10)] || (i / 10)::text,
                   ({last})[1 + ((i / 7) % 10)] || (i / 13)::text,
                   '{{}}', now(), now(), now()
            FROM generate_series(1, {customers}) AS i""",
        f"""INSERT INTO customers_identifier (profile_id, customer_id, source, type, value,
                created_at)
            SELECT i, i, 'INSTORE', 'mobile', (919000000000 + i * 7)::text, now()
            FROM generate_series(1, {customers}) AS i""",
        f"""INSERT INTO customers_identifier (profile_id, customer_id, source, type, value,
                created_at)
            SELECT i, i, 'INSTORE', 'email', 'user' || i || '@example.com', now()
            FROM generate_series(1, {customers}) AS i""",
        "SET session_replication_role = DEFAULT",
        "SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), "
        "(SELECT max(id) FROM customers_customer))",
        "SELECT setval(pg_get_serial_sequence('customers_sourceprofile', 'id'), "
        "(SELECT max(id) FROM customers_sourceprofile))",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    big_customer()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def big_customer() -> int:
    """A customer with 5 profiles (identifiers, channels) and 500 ledger entries."""
    from customers.models import CommChannel, Customer, Identifier, SourceProfile
    from loyalty.models import Enrollment, LedgerEntry, Program, Tier

    customer = Customer.objects.create()
    for number, source in enumerate(["INSTORE", "ECOMMERCE", "WEBSITE", "MARTJACK", "JD"]):
        profile = SourceProfile.objects.create(
            customer=customer, source=source, first_name="Zelda", last_name="Bench"
        )
        for kind, value in (
            ("mobile", f"91888000{number:04d}"),
            ("email", f"zelda{number}@bench.example"),
            ("externalId", f"ZB-{number}"),
        ):
            Identifier.objects.create(
                profile=profile, customer=customer, source=source, type=kind, value=value
            )
            CommChannel.objects.create(profile=profile, customer=customer, type=kind, value=value)
    program, _ = Program.objects.get_or_create(
        id=1016, defaults={"name": "Default program", "is_default": True}
    )
    tier, _ = Tier.objects.get_or_create(program=program, serial_number=1, name="Base")
    enrollment = Enrollment.objects.create(
        customer=customer, program=program, tier=tier, loyalty_id=customer.pk
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            enrollment=enrollment, customer=customer, program=program, kind="GOODWILL", points=1
        )
        for _ in range(500)
    )
    return customer.pk


def timed(client, url: str, repeat: int) -> tuple[float, float, int]:
    client.get(url)  # warm caches and the connection
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return (
        statistics.median(samples),
        p95,
        len(response.context["cl"].result_list)
        if (response.context and "cl" in response.context)
        else -1,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database for a rerun")
    args = parser.parse_args()

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    settings.DEBUG = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    setup_test_environment()  # responses carry their template context (the row counts)
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=True)
    try:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from customers.models import Customer

        count = Customer.objects.count()
        if count and count < args.customers:
            raise SystemExit(f"the kept bench database holds {count} customers: run without --keep")
        if not count:
            print(f"loading {args.customers} customers …", flush=True)
            started = time.perf_counter()
            load(args.customers)
            print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        big_id = Customer.objects.filter(profiles__first_name="Zelda").values_list("pk", flat=True)[
            :1
        ][0]
        user, _ = get_user_model().objects.get_or_create(
            username="bench", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)
        base = "/admin/customers/customer/"
        pages = {
            "unfiltered list (estimate)": base,
            "mobile, last 4 digits": f"{base}?q=4567",
            "mobile, whole number": f"{base}?q=919000700007",
            "name prefix 'ann sm'": f"{base}?q=ann+sm",
            "last name prefix 'weber'": f"{base}?q=weber",
            "e-mail": f"{base}?q=user123456@example.com",
            "single view (5 profiles, 500 ledger)": f"{base}{big_id}/view/",
        }
        print(f"\n{Customer.objects.count():,} customers; server time over {args.repeat} runs")
        print(f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'rows':>5}")
        for label, url in pages.items():
            median, p95, rows = timed(client, url, args.repeat)
            print(f"{label:40} {median:10.1f} {p95:8.1f} {rows:5}")
    finally:
        if not args.keep:
            from django.test.utils import teardown_databases

            teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
