"""The staff single view's "Requests" section: the customer's requests of every type."""

from __future__ import annotations

from config.masking import request_can_view_pii
from customers.models import Customer
from customers.registry import SingleViewSection
from loyalty.workflow.selectors import single_view_requests

ROWS_SHOWN = 50


def load_section(*, customer: Customer, request=None) -> dict:
    return {
        "customer_requests": single_view_requests(customer_id=customer.pk, limit=ROWS_SHOWN),
        "customer_requests_limit": ROWS_SHOWN,
        # reasons and comments are free text: masked without view_pii (config.masking)
        "can_view_pii": request is not None and request_can_view_pii(request),
    }


SECTION = SingleViewSection(
    key="requests",
    title="Requests",
    template="loyalty/requests_section.html",
    load=load_section,
)
