"""The console home page's requests panel (`customers.registry.dashboard_panels`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from customers import registry
from loyalty.models import (
    Request,
    RequestStatus,
    RequestType,
)
from loyalty.workflow.console import (
    REQUEST_TYPES,
    may_read_requests,
)


def dashboard(*, request) -> dict | None:
    """Pending requests per type with the oldest's age, and today's decisions (two
    queries; the pending rows are found through the (status, requested_at) index)."""
    if not may_read_requests(request.user):
        return None
    now = timezone.now()
    pending: dict[str, Any] = {
        row["type"]: row
        for row in Request.objects.filter(status=RequestStatus.PENDING)
        .values("type")
        .annotate(count=Count("pk"), oldest=Min("requested_at"))
    }
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    decided = {
        row["status"]: row["count"]
        for row in Request.objects.filter(decided_at__gte=start_of_day)
        .values("status")
        .annotate(count=Count("pk"))
    }
    queue = reverse("admin:loyalty_request_changelist")
    return {
        "pending": [
            {
                "type": request_type,
                "label": RequestType(request_type).label,
                "count": pending.get(request_type, {}).get("count", 0),
                "oldest": timesince(pending[request_type]["oldest"], now).split(",")[0]
                if request_type in pending
                else "",
                "url": f"{queue}?status=PENDING&type__exact={request_type}",
            }
            for request_type in REQUEST_TYPES
        ],
        "decided_today": [
            {"status": status, "count": decided.get(status, 0)}
            for status in (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.FAILED)
        ],
        "queue_url": queue,
        "configuration_url": reverse("admin:loyalty_requesttypeconfig_changelist")
        if request.user.has_perm("loyalty.view_requesttypeconfig")
        else "",
    }


PANEL = registry.DashboardPanel(
    key="requests",
    title="Requests",
    template="admin/loyalty/request/dashboard_panel.html",
    load=dashboard,
)
