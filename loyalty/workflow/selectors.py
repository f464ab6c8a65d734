"""Read queries over requests: the queue (`GET /v2/requests`), one request, a customer's
goodwill and change-request history, and the single view's section.

Every list is a fixed number of queries whatever its length: the count, the page with its
requester / store / decider joined, and one query for the ledger entries of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When

from config.codes import Code
from config.errors import DomainError
from config.pagination import Page
from loyalty.models import LedgerEntry, Request, RequestBaseType, RequestStatus, RequestType


@dataclass(frozen=True)
class RequestFilters:
    request_type: str | None = None
    base_type: str | None = None
    status: str | None = None
    customer_id: int | None = None
    store_code: str | None = None
    requester: str | None = None  # a till code or a staff user name
    start: datetime | None = None
    end: datetime | None = None
    start_id: int | None = None
    end_id: int | None = None
    one_step: bool | None = None
    auto_approved: bool | None = None
    program_id: int | None = None
    request_id: int | None = None


def _base() -> QuerySet[Request]:
    return Request.objects.select_related(
        "requested_by_till__store",
        "requested_at_store",
        "requested_by_user",
        "decided_by_user",
    )


def _filtered(filters: RequestFilters) -> QuerySet[Request]:
    requests = _base()
    if filters.request_type:
        requests = requests.filter(type=filters.request_type)
    if filters.base_type:
        requests = requests.filter(base_type=filters.base_type)
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.customer_id is not None:
        requests = requests.filter(customer_id=filters.customer_id)
    if filters.store_code:
        requests = requests.filter(requested_at_store__code=filters.store_code)
    if filters.requester:
        requests = requests.filter(
            Q(requested_by_till__code=filters.requester)
            | Q(requested_by_user__username=filters.requester)
        )
    if filters.start is not None:
        requests = requests.filter(requested_at__gte=filters.start)
    if filters.end is not None:
        requests = requests.filter(requested_at__lt=filters.end)
    if filters.start_id is not None:
        requests = requests.filter(pk__gte=filters.start_id)
    if filters.end_id is not None:
        requests = requests.filter(pk__lte=filters.end_id)
    if filters.one_step is not None:
        requests = requests.filter(one_step=filters.one_step)
    if filters.auto_approved is not None:
        requests = requests.filter(auto_approved=filters.auto_approved)
    if filters.program_id is not None:
        requests = requests.filter(program_id=filters.program_id)
    if filters.request_id is not None:
        requests = requests.filter(pk=filters.request_id)
    return requests


def _with_ledger(requests: list[Request]) -> list[Request]:
    """Attach `ledger_entries` (what a goodwill / retro effect credited): one query."""
    by_request: dict[int, list[LedgerEntry]] = {request.pk: [] for request in requests}
    if by_request:
        for entry in LedgerEntry.objects.filter(source_request_id__in=list(by_request)).order_by(
            "pk"
        ):
            by_request[cast(int, entry.source_request_id)].append(entry)  # filtered on it
    for request in requests:
        request.ledger_entries = by_request[request.pk]  # type: ignore[attr-defined]  # for the API
    return requests


def requests_queue(*, filters: RequestFilters, page: Page) -> tuple[list[Request], int]:
    """The requests matching `filters`: PENDING first, oldest first (the checker's queue),
    then decided ones, most recently decided first."""
    requests = _filtered(filters)
    total = requests.count()
    ordered = requests.annotate(
        queue_rank=Case(
            When(status=RequestStatus.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        pending_since=Case(
            When(status=RequestStatus.PENDING, then=F("requested_at")),
            default=None,
            output_field=DateTimeField(),
        ),
    ).order_by(
        "queue_rank",
        F("pending_since").asc(nulls_last=True),
        F("decided_at").desc(nulls_last=True),
        "pk",
    )
    return _with_ledger(list(ordered[page.offset : page.stop])), total


def request_get(*, request_id: Any) -> Request:
    try:
        pk = int(str(request_id))
    except (TypeError, ValueError):
        raise DomainError(Code.REQUEST_NOT_FOUND) from None
    request = _base().filter(pk=pk).first()
    if request is None:
        raise DomainError(Code.REQUEST_NOT_FOUND)
    return _with_ledger([request])[0]


def customer_requests(
    *, customer_id: int, filters: RequestFilters, page: Page, base_types: list[str] | None = None
) -> tuple[list[Request], int]:
    """A customer's requests, newest first (the seed's history order), with those of the
    customers merged into it: their history is the person's (their pending ones moved)."""
    requests = _filtered(filters).filter(
        Q(customer_id=customer_id) | Q(customer__merged_into_id=customer_id)
    )
    if base_types is not None:
        requests = requests.filter(base_type__in=base_types)
    total = requests.count()
    return _with_ledger(list(requests.order_by("-pk")[page.offset : page.stop])), total


def goodwill_base_types() -> list[str]:
    return [RequestBaseType.POINTS, RequestBaseType.COUPON]


def single_view_requests(*, customer_id: int, limit: int = 50) -> list[Request]:
    """Requests of every type that name the customer (as the subject, or as the merge
    victim / mobile's former holder), newest first."""
    return list(
        _base()
        .filter(Q(customer_id=customer_id) | Q(other_customer_id=customer_id))
        .order_by("-pk")[:limit]
    )


def pending_count(*, request_type: str | None = None) -> int:
    requests = Request.objects.filter(status=RequestStatus.PENDING)
    if request_type in RequestType.values:
        requests = requests.filter(type=request_type)
    return requests.count()
