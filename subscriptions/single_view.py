"""The staff single view's "Subscriptions" section: current state and the change log."""

from __future__ import annotations

from customers.models import Customer
from customers.registry import SingleViewSection
from subscriptions.selectors import subscription_log, subscription_state

LOG_ROWS_SHOWN = 50


def load_section(*, customer: Customer, request=None) -> dict:
    return {
        "customer": customer,
        "subscription_states": subscription_state(customer_id=customer.pk),
        "subscription_log": subscription_log(customer_id=customer.pk, limit=LOG_ROWS_SHOWN),
        "subscription_log_limit": LOG_ROWS_SHOWN,
    }


SECTION = SingleViewSection(
    key="subscriptions",
    title="Subscriptions",
    template="subscriptions/single_view_section.html",
    load=load_section,
)
