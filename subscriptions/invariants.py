"""The subscriptions app's part of docs/invariants.md, for `manage.py check_invariants`."""

from __future__ import annotations

from customers.invariants import sql_check
from customers.registry import InvariantCheck

CHECKS = [
    InvariantCheck(
        "I2",
        "victim_has_no_subscription",
        "customers_customer",
        sql_check(
            """
            SELECT c.id, format('merge victim %%s keeps %%s subscription(s)', c.id, count(*))
              FROM customers_customer c JOIN subscriptions_subscription s ON s.customer_id = c.id
             WHERE c.id >= %(start)s AND c.id < %(stop)s AND c.merged_into_id IS NOT NULL
             GROUP BY c.id
            """
        ),
    ),
]
