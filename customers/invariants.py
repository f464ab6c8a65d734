"""The invariants of docs/invariants.md, checked over a whole database.

The database enforces what it can (constraints, exclusion constraints, triggers) and the
services the rest under their locks; these checks verify both after the fact: on a
database restored from a backup, loaded in bulk (bench/generate.py), migrated, or after
every step of the stateful test. Each app registers the checks of what it holds in
`customers.registry.invariant_checks`; `invariant_findings` runs them in primary-key
ranges, so memory and each query stay bounded whatever the size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection

from customers.registry import InvariantCheck, invariant_checks

BATCH_SIZE = 100_000


@dataclass(frozen=True)
class Finding:
    invariant: str
    check: str
    row_id: int
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant} {self.check}: {self.detail}"


def sql_check(sql: str) -> Callable[[int, int], list[tuple[int, str]]]:
    """A check written as one query selecting (row id, detail) for `%(start)s <= id <
    %(stop)s` of its table."""

    def find(start: int, stop: int) -> list[tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, {"start": start, "stop": stop})
            return [(row_id, detail) for row_id, detail in cursor.fetchall()]

    return find


def _id_bounds(table: str) -> tuple[int, int] | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {connection.ops.quote_name(table)}")
        low, high = cursor.fetchone()
    return None if low is None else (low, high + 1)


def selected_checks(only: list[str] | None = None) -> list[InvariantCheck]:
    """The registered checks, or those whose invariant ("I4") or name is in `only`."""
    checks = [check for _, check in invariant_checks]
    if only:
        checks = [c for c in checks if c.invariant in only or c.name in only]
    return checks


def batches(
    checks: list[InvariantCheck], batch_size: int = BATCH_SIZE
) -> Iterator[tuple[InvariantCheck, int, int]]:
    """Every (check, start, stop) range to run, in order."""
    bounds: dict[str, tuple[int, int] | None] = {}
    for check in checks:
        if check.table not in bounds:
            bounds[check.table] = _id_bounds(check.table)
        span = bounds[check.table]
        if span is None:
            continue
        for start in range(span[0], span[1], batch_size):
            yield check, start, min(start + batch_size, span[1])


def invariant_findings(
    *,
    only: list[str] | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int, InvariantCheck], None] | None = None,
) -> list[Finding]:
    """Every violation of the registered invariants (or of those in `only`)."""
    ranges = list(batches(selected_checks(only), batch_size))
    findings: list[Finding] = []
    for done, (check, start, stop) in enumerate(ranges, start=1):
        findings += [
            Finding(check.invariant, check.name, row_id, detail)
            for row_id, detail in check.find(start, stop)
        ]
        if progress is not None:
            progress(done, len(ranges), check)
    return findings


# --- The registry's own checks ----------------------------------------------------------

CHECKS = [
    InvariantCheck(
        "I1",
        "identifier_one_holder",
        "customers_identifier",
        sql_check(
            """
            SELECT i.id, format('%%s %%s is held by customer %%s (%%s) and customer %%s (%%s)',
                                i.type, i.value, i.customer_id, i.source, j.customer_id, j.source)
              FROM customers_identifier i
              JOIN customers_identifier j
                ON j.type = i.type AND j.value = i.value AND j.id > i.id
               AND (j.customer_id <> i.customer_id
                    OR (j.source = i.source AND j.account_id IS NOT DISTINCT FROM i.account_id))
             WHERE i.id >= %(start)s AND i.id < %(stop)s
            """
        ),
    ),
    InvariantCheck(
        "I1",
        "identifier_repeats_its_profile",
        "customers_identifier",
        sql_check(
            """
            SELECT i.id, format('identifier %%s names customer %%s / %%s, its profile %%s is '
                                'customer %%s / %%s', i.id, i.customer_id, i.source, p.id,
                                p.customer_id, p.source)
              FROM customers_identifier i JOIN customers_sourceprofile p ON p.id = i.profile_id
             WHERE i.id >= %(start)s AND i.id < %(stop)s
               AND (p.customer_id <> i.customer_id OR p.source <> i.source
                    OR p.account_id IS DISTINCT FROM i.account_id)
            """
        ),
    ),
    InvariantCheck(
        "I2",
        "victim_holds_no_registry_rows",
        "customers_customer",
        sql_check(
            """
            SELECT c.id, format('merge victim %%s still holds %%s', c.id, concat_ws(', ',
                       CASE WHEN EXISTS (SELECT 1 FROM customers_sourceprofile p
                                          WHERE p.customer_id = c.id) THEN 'profiles' END,
                       CASE WHEN EXISTS (SELECT 1 FROM customers_identifier i
                                          WHERE i.customer_id = c.id) THEN 'identifiers' END,
                       CASE WHEN EXISTS (SELECT 1 FROM customers_commchannel ch
                                          WHERE ch.customer_id = c.id) THEN 'channels' END))
              FROM customers_customer c
             WHERE c.id >= %(start)s AND c.id < %(stop)s AND c.merged_into_id IS NOT NULL
               AND (EXISTS (SELECT 1 FROM customers_sourceprofile p WHERE p.customer_id = c.id)
                    OR EXISTS (SELECT 1 FROM customers_identifier i WHERE i.customer_id = c.id)
                    OR EXISTS (SELECT 1 FROM customers_commchannel ch
                                WHERE ch.customer_id = c.id))
            """
        ),
    ),
    InvariantCheck(
        "I2",
        "victim_one_hop_from_a_live_survivor",
        "customers_customer",
        sql_check(
            """
            SELECT c.id, format('merge victim %%s points at %%s, itself merged into %%s',
                                c.id, s.id, s.merged_into_id)
              FROM customers_customer c JOIN customers_customer s ON s.id = c.merged_into_id
             WHERE c.id >= %(start)s AND c.id < %(stop)s AND s.merged_into_id IS NOT NULL
            """
        ),
    ),
    InvariantCheck(
        "I3",
        "one_primary_value_per_channel_type",
        "customers_customer",
        sql_check(
            """
            SELECT customer_id, format('customer %%s has %%s primary %%s channels: %%s',
                                       customer_id, count(DISTINCT value), type,
                                       string_agg(DISTINCT value, ', '))
              FROM customers_commchannel
             WHERE customer_id >= %(start)s AND customer_id < %(stop)s AND "primary"
             GROUP BY customer_id, type HAVING count(DISTINCT value) > 1
            """
        ),
    ),
    InvariantCheck(
        "I3",
        "channel_repeats_its_profile",
        "customers_commchannel",
        sql_check(
            """
            SELECT ch.id, format('channel %%s names customer %%s, its profile %%s is customer %%s',
                                 ch.id, ch.customer_id, p.id, p.customer_id)
              FROM customers_commchannel ch JOIN customers_sourceprofile p ON p.id = ch.profile_id
             WHERE ch.id >= %(start)s AND ch.id < %(stop)s AND p.customer_id <> ch.customer_id
            """
        ),
    ),
]


def register(checks: list[InvariantCheck]) -> None:
    """Add checks to the registry, in the order of their invariants."""
    for check in checks:
        invariant_checks.register(check.name, check, order=int(check.invariant[1:]) * 10)
