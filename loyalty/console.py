"""The loyalty part of the staff console: the single view's "Loyalty" section, and the
customer search's points / tier columns and program / tier filters."""

from __future__ import annotations

from django.contrib import admin

from config.errors import DomainError
from customers.models import Customer
from customers.registry import ChangelistColumn, SingleViewSection
from loyalty import selectors
from loyalty.models import Enrollment, Program, Request, Tier

LEDGER_ROWS_SHOWN = 25
LIST_ROWS_SHOWN = 10


def load_section(*, customer: Customer, request=None) -> dict:
    """Enrollments, a page of the ledger (`?ledger_cursor=` pages on), recent bills,
    coupons and transfers: a fixed number of queries whatever the history's length."""
    cursor = request.GET.get("ledger_cursor") if request is not None else None
    try:
        entries, next_cursor = selectors.ledger_page(
            customer=customer, limit=LEDGER_ROWS_SHOWN, cursor=cursor or None
        )
    except DomainError:  # a hand-edited cursor shows the first page
        entries, next_cursor = selectors.ledger_page(customer=customer, limit=LEDGER_ROWS_SHOWN)
    _attach_requests(entries)
    enrollments = selectors.enrollments_of(customer_ids=[customer.pk])
    programs = {p.pk: p for p in Program.objects.filter(pk__in={e.program_id for e in enrollments})}
    tiers = list(
        Tier.objects.filter(program_id__in=list(programs)).order_by("program_id", "serial_number")
    )
    for enrollment in enrollments:
        enrollment.program = programs[enrollment.program_id]
        serial = enrollment.tier.serial_number if enrollment.tier else -1
        enrollment.next_tier = next(  # type: ignore[attr-defined]  # for the template
            (
                t
                for t in tiers
                if t.program_id == enrollment.program_id and t.serial_number > serial
            ),
            None,
        )
    return {
        "loyalty_enrollments": enrollments,
        "loyalty_ledger": entries,
        "loyalty_ledger_next_cursor": next_cursor,
        "loyalty_ledger_paged": bool(cursor),
        "loyalty_bills": list(selectors.bills_of(customer=customer)[:LIST_ROWS_SHOWN]),
        "loyalty_coupons": list(selectors.coupons_of(customer=customer)[:LIST_ROWS_SHOWN]),
        "loyalty_transfers": selectors.points_transfers_of(
            customer=customer, limit=LIST_ROWS_SHOWN, offset=0
        ),
        "loyalty_rows_shown": LIST_ROWS_SHOWN,
    }


def _attach_requests(entries: list) -> None:
    """`entry.console_request`: the request that caused the movement (goodwill, retro), so
    the ledger says who raised and who decided it, not only the till it was booked at. One
    query for the page, none when no entry came from a request."""
    request_ids = {entry.source_request_id for entry in entries if entry.source_request_id}
    requests = {
        made.pk: made
        for made in Request.objects.filter(pk__in=request_ids).select_related(
            "requested_by_till", "requested_by_user", "decided_by_user"
        )
    }
    for entry in entries:
        entry.console_request = requests.get(entry.source_request_id)


SECTION = SingleViewSection(
    key="loyalty",
    title="Loyalty",
    template="loyalty/single_view_section.html",
    load=load_section,
)


def _shown_enrollments(customers: list[Customer]) -> dict[int, Enrollment]:
    """Per customer, the enrollment in the default program, else the lowest program id."""
    rows = (
        Enrollment.objects.filter(customer_id__in=[c.pk for c in customers])
        .select_related("tier")
        .order_by("customer_id", "-program__is_default", "program_id")
    )
    shown: dict[int, Enrollment] = {}
    for row in rows:
        shown.setdefault(row.customer_id, row)
    return shown


def load_points_column(*, customers: list[Customer]) -> dict[int, str]:
    return {
        pk: str(selectors.number(enrollment.loyalty_points))
        for pk, enrollment in _shown_enrollments(customers).items()
    }


def load_tier_column(*, customers: list[Customer]) -> dict[int, str]:
    return {
        pk: enrollment.tier.name if enrollment.tier is not None else ""
        for pk, enrollment in _shown_enrollments(customers).items()
    }


POINTS_COLUMN = ChangelistColumn(key="points", title="Points", load=load_points_column)
TIER_COLUMN = ChangelistColumn(key="tier", title="Tier", load=load_tier_column)


class ProgramFilter(admin.SimpleListFilter):
    title = "loyalty program"
    parameter_name = "program"

    def lookups(self, request, model_admin):
        return [(str(p.pk), f"{p.pk} {p.name}") for p in Program.objects.order_by("pk")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(enrollments__program_id=self.value())
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        return [
            (str(t.pk), f"{t.program_id} · {t.serial_number} {t.name}")
            for t in Tier.objects.order_by("program_id", "serial_number")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(enrollments__tier_id=self.value())
        return queryset
