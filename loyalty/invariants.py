"""The loyalty app's part of docs/invariants.md, for `manage.py check_invariants`."""

from __future__ import annotations

from customers.invariants import sql_check
from customers.registry import InvariantCheck
from loyalty.selectors import ledger_differences


def _ledger_sums(start: int, stop: int) -> list[tuple[int, str]]:
    return [
        (
            difference["enrollment"],
            "enrollment {enrollment}: {figure} is {cached}, ledger says {ledger}".format(
                **difference
            ),
        )
        for difference in ledger_differences(id_range=(start, stop))
    ]


CHECKS = [
    InvariantCheck("I4", "ledger_sums", "loyalty_enrollment", _ledger_sums),
    InvariantCheck(
        "I4",
        "balance_not_negative",
        "loyalty_enrollment",
        sql_check(
            """
            SELECT id, format('enrollment %%s of customer %%s has a balance of %%s',
                              id, customer_id, loyalty_points)
              FROM loyalty_enrollment
             WHERE id >= %(start)s AND id < %(stop)s AND loyalty_points < 0
            """
        ),
    ),
    InvariantCheck(
        "I4",
        "ledger_repeats_its_enrollment",
        "loyalty_enrollment",
        sql_check(
            """
            SELECT e.id, format('ledger entry %%s names customer %%s / program %%s, its '
                                'enrollment %%s is customer %%s / program %%s', l.id,
                                l.customer_id, l.program_id, e.id, e.customer_id, e.program_id)
              FROM loyalty_enrollment e JOIN loyalty_ledgerentry l ON l.enrollment_id = e.id
             WHERE e.id >= %(start)s AND e.id < %(stop)s
               AND (l.customer_id <> e.customer_id OR l.program_id <> e.program_id)
            """
        ),
    ),
    InvariantCheck(
        "I4",
        "victim_points_do_not_move",
        "customers_customer",
        sql_check(
            """
            SELECT c.id, format('merge victim %%s (merged %%s) has ledger entry %%s (%%s %%s) '
                                'of %%s', c.id, c.merged_at, l.id, l.kind, l.points, l.created_at)
              FROM customers_customer c
              JOIN loyalty_ledgerentry l ON l.customer_id = c.id
             WHERE c.id >= %(start)s AND c.id < %(stop)s AND c.merged_into_id IS NOT NULL
               AND l.kind <> 'MERGE' AND l.created_at > c.merged_at
            """
        ),
    ),
    InvariantCheck(
        "I2",
        "victim_holds_no_balance",
        "loyalty_enrollment",
        sql_check(
            """
            SELECT e.id, format('merge victim %%s keeps %%s points on enrollment %%s',
                                c.id, e.loyalty_points, e.id)
              FROM loyalty_enrollment e JOIN customers_customer c ON c.id = e.customer_id
             WHERE e.id >= %(start)s AND e.id < %(stop)s
               AND c.merged_into_id IS NOT NULL AND e.loyalty_points <> 0
            """
        ),
    ),
    InvariantCheck(
        "I2",
        "victim_has_no_open_request",
        "loyalty_request",
        sql_check(
            """
            SELECT r.id, format('pending request %%s names merge victim %%s', r.id, c.id)
              FROM loyalty_request r
              JOIN customers_customer c ON c.id IN (r.customer_id, r.other_customer_id)
             WHERE r.id >= %(start)s AND r.id < %(stop)s AND r.status = 'PENDING'
               AND c.merged_into_id IS NOT NULL
            """
        ),
    ),
]
