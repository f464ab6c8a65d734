"""Read queries over requests: the queue (`GET /v2/requests`), one request, a customer's
goodwill and change-request history, and the single view's section.

Every list is a fixed number of queries whatever its length: the count, the page with its
requester / store / decider joined, and one query for the ledger entries of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from config.errors import DomainError
from config.pagination import Page
from loyalty.models import LedgerEntry, Request, RequestBaseType, RequestStatus, RequestType

# `changeType` of `GET /v2/customers/{id}/retroRequest`; ADDRESS and TIER changes are not
# made through requests here, so they answer an empty list.
CHANGE_TYPES = (
    "EMAIL",
    "MOBILE",
    "EXTERNAL_ID",
    "MERGE",
    "ADDRESS",
    "MOBILE_REALLOC",
    "COUPON",
    "POINTS",
    "TIER",
    "RETRO",
)


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
            by_request[entry.source_request_id].append(entry)
    for request in requests:
        request.ledger_entries = by_request[request.pk]
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
        raise DomainError(9013) from None
    request = _base().filter(pk=pk).first()
    if request is None:
        raise DomainError(9013)
    return _with_ledger([request])[0]


def customer_requests(
    *, customer_id: int, filters: RequestFilters, page: Page, base_types: list[str] | None = None
) -> tuple[list[Request], int]:
    """A customer's requests, newest first (the seed's history order)."""
    requests = _filtered(filters).filter(customer_id=customer_id)
    if base_types is not None:
        requests = requests.filter(base_type__in=base_types)
    total = requests.count()
    return _with_ledger(list(requests.order_by("-pk")[page.offset : page.stop])), total


def goodwill_base_types() -> list[str]:
    return [RequestBaseType.POINTS, RequestBaseType.COUPON]


def change_base_types(change_type: str | None) -> list[str] | None:
    """The base types a `changeType` filter selects; None for every type; 9008 if unknown."""
    if not change_type:
        return None
    change_type = change_type.strip().upper()
    if change_type not in CHANGE_TYPES:
        raise DomainError(9008)
    return [change_type] if change_type in RequestBaseType.values else []


def date_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """`YYYY-MM-DD` bounds (the end day included) in the server's time zone; 9030 if bad."""

    def parse(raw: str, name: str) -> date:
        # The day alone, or the day of an ISO timestamp ("2024-05-01T10:00:00"); anything
        # after the day that is not a time (an invisible mark, text) is no date.
        text = raw.strip()
        try:
            if len(text) > 10:
                return datetime.fromisoformat(text).date()
            return date.fromisoformat(text)
        except ValueError:
            raise DomainError(9030, x=name) from None

    zone = timezone.get_current_timezone()
    start_at = end_at = None
    if start:
        start_at = datetime.combine(parse(start, "startDate"), time.min, tzinfo=zone)
    if end:
        end_at = datetime.combine(parse(end, "endDate") + timedelta(days=1), time.min, tzinfo=zone)
    return start_at, end_at


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
