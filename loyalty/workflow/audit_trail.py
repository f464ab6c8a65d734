"""The customer's audit trail's request rows (`customers.registry.audit_trail_entries`)."""

from __future__ import annotations

from customers.models import (
    Customer,
)
from loyalty.models import (
    Request,
)


def _actor_label(*, till=None, user=None) -> str:
    if till is not None:
        return f"till:{till.code}"
    return f"user:{user.get_username()}" if user is not None else ""


def audit_entries(*, customer: Customer, limit: int) -> list[dict]:
    """Requests made for the customer and their decisions, for the audit trail (one query)."""
    from django.db.models import Q

    requests = (
        Request.objects.filter(Q(customer=customer) | Q(other_customer=customer))
        .select_related("requested_by_till", "requested_by_user", "decided_by_user")
        .order_by("-pk")[:limit]
    )
    rows = []
    for made in requests:
        what = f"Request {made.type}/{made.base_type}"
        rows.append(
            {
                "at": made.requested_at,
                "actor": _actor_label(till=made.requested_by_till, user=made.requested_by_user),
                "what": what,
                "object_id": made.pk,
                "label": "made",
                "changes": [{"field": "reason", "old": None, "new": made.reason or "–"}],
            }
        )
        if made.decided_at:
            rows.append(
                {
                    "at": made.decided_at,
                    "actor": _actor_label(user=made.decided_by_user) or "auto",
                    "what": what,
                    "object_id": made.pk,
                    "label": made.status.lower(),
                    "changes": [
                        {"field": "status", "old": "PENDING", "new": made.status},
                        *(
                            [{"field": "approved", "old": None, "new": made.approved_value}]
                            if made.approved_value is not None
                            else []
                        ),
                    ],
                }
            )
    return rows
