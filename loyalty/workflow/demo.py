"""Demo data of the request workflow (idempotent; loader order 60, after the customers and
the loyalty history): a configuration for every type, the role groups' permissions, and a
pending, an approved and a rejected request of every base type on demo customers.

Requests are made by the `agent` user (a few by `demo.till`) and decided by `supervisor`
through the services; each carries a `DEMO-REQ-…` reference so a rerun makes none twice.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from config.errors import DomainError
from customers.models import Customer, CustomerStatus, Identifier, IdentifierType, LoyaltyType, Till
from customers.parsers import change_identifiers_command
from customers.services import customer_change_identifiers
from loyalty.models import (
    CouponSeries,
    Request,
    RequestBaseType,
    RequestStatus,
    RequestType,
    RequestTypeConfig,
    TransactionType,
)
from loyalty.models import Transaction as Bill
from loyalty.workflow import services
from loyalty.workflow.commands import (
    Decision,
    Erasure,
    GoodwillCoupon,
    GoodwillPoints,
    MergeInto,
    MobileReallocation,
    RaiseRequest,
    RequestDetails,
    RetroClaim,
)
from loyalty.workflow.parsers import identifier_change

GOODWILL_REASONS = ["POINTS_ISSUE", "BILL_ISSUE", "SERVICE_RECOVERY"]
REFERENCE_PREFIX = "DEMO-REQ-"


def load_configuration() -> None:
    till = Till.objects.filter(code="demo.till").first()
    for request_type, base_types in (
        (RequestType.GOODWILL, [RequestBaseType.POINTS, RequestBaseType.COUPON]),
        (RequestType.TRANSACTION_UPDATE, [RequestBaseType.RETRO]),
        (
            RequestType.CHANGE_IDENTIFIER,
            [
                RequestBaseType.MOBILE,
                RequestBaseType.EMAIL,
                RequestBaseType.EXTERNAL_ID,
                RequestBaseType.MERGE,
                RequestBaseType.MOBILE_REALLOC,
            ],
        ),
        (RequestType.ERASURE, [RequestBaseType.ERASE]),
    ):
        for base_type in base_types:
            defaults: dict[str, Any] = {"notification_emails": "loyalty-ops@demo.local"}
            if request_type == RequestType.GOODWILL:
                defaults.update(
                    auto_approve=False,  # so the checkers' queue has work
                    allowed_reasons=GOODWILL_REASONS,
                    goodwill_points_cap=Decimal("5000"),
                    default_till=till,
                )
            if base_type == RequestBaseType.RETRO:
                defaults.update(
                    retro_enabled=True,
                    retro_max_bill_age_days=30,
                    retro_hours_before_registration=72,
                )
            RequestTypeConfig.objects.get_or_create(
                type=request_type, base_type=base_type, defaults=defaults
            )


def _free_value(type_: str, make) -> str:
    for n in range(1, 10_000):
        value = make(n)
        if not Identifier.objects.filter(type=type_, value=value).exists() and not (
            Request.objects.filter(payload__newValue=value).exists()
        ):
            return value
    raise RuntimeError("no free demo identifier value")


def _identifier(customer: Customer, type_: str) -> Identifier | None:
    return (
        Identifier.objects.filter(customer=customer, type=type_, account__isnull=True)
        .order_by("pk")
        .first()
    )


def load_requests(*, stdout) -> None:
    load_configuration()
    User = get_user_model()
    agent = User.objects.filter(username="agent").first()
    supervisor = User.objects.filter(username="supervisor").first()
    till = Till.objects.filter(code="demo.till").first()
    if agent is None or supervisor is None or till is None:
        stdout.write("demo requests: no agent / supervisor / demo.till, requests skipped")
        return
    customers = list(
        Customer.objects.filter(
            loyalty_type=LoyaltyType.LOYALTY,
            status=CustomerStatus.ACTIVE,
            merged_into__isnull=True,
        ).order_by("-pk")[:60]
    )
    if len(customers) < 30:
        stdout.write("demo requests: too few demo customers, requests skipped")
        return
    made = 0
    used: set[int] = set()

    def take(identifier_type: str | None = None) -> Customer | None:
        """The next unused demo customer (holding an `identifier_type` when given)."""
        holders = None
        if identifier_type is not None:
            holders = set(
                Identifier.objects.filter(
                    type=identifier_type,
                    account__isnull=True,
                    customer__in=[c.pk for c in customers],
                ).values_list("customer_id", flat=True)
            )
        for candidate in customers:
            if candidate.pk not in used and (holders is None or candidate.pk in holders):
                used.add(candidate.pk)
                return candidate
        return None

    def make(
        key: str,
        outcome: str,
        request_type,
        base_type,
        details: RequestDetails,
        *,
        customer,
        reason="",
        maker=agent,
    ) -> None:
        nonlocal made
        reference = f"{REFERENCE_PREFIX}{key}-{outcome}"
        if customer is None or Request.objects.filter(reference_id=reference).exists():
            return
        try:
            command = RaiseRequest(
                request_type=request_type,
                base_type=base_type,
                details=details,
                reason=reason,
                comments=f"Demo {base_type.lower()} request",
                reference_id=reference,
            )
            result = services.request_create(command=command, customer=customer, actor=maker)
            pk = result.request.pk
            if outcome == "approved":
                approval = Decision(
                    request_id=pk, status=RequestStatus.APPROVED, comments="Checked, fine"
                )
                services.request_approve(decision=approval, actor=supervisor)
            elif outcome == "rejected":
                rejection = Decision(
                    request_id=pk, status=RequestStatus.REJECTED, comments="Not enough evidence"
                )
                services.request_reject(decision=rejection, actor=supervisor)
            made += 1
        except DomainError as error:
            stdout.write(f"demo requests: {reference} skipped ({error})")

    outcomes = ("pending", "approved", "rejected")
    series = CouponSeries.objects.filter(name="Goodwill voucher").first()
    for index, outcome in enumerate(outcomes):
        customer = take()
        make(
            "POINTS",
            outcome,
            RequestType.GOODWILL,
            RequestBaseType.POINTS,
            GoodwillPoints(points=Decimal(250 + 250 * index)),
            customer=customer,
            reason=GOODWILL_REASONS[index],
        )
        if series is not None:
            make(
                "COUPON",
                outcome,
                RequestType.GOODWILL,
                RequestBaseType.COUPON,
                GoodwillCoupon(series_id=series.pk),
                customer=take(),
                reason="SERVICE_RECOVERY",
            )
    not_interested = list(
        Bill.objects.filter(
            type=TransactionType.NOT_INTERESTED,
            store=till.store,
            billed_at__gte=timezone.now() - timedelta(days=25),
        ).order_by("pk")[:3]
    )
    for outcome, bill in zip(outcomes, not_interested, strict=False):
        make(
            "RETRO",
            outcome,
            RequestType.TRANSACTION_UPDATE,
            RequestBaseType.RETRO,
            RetroClaim(bill_number=bill.number, store_code=bill.store.code),
            customer=take(),
            reason="Forgot the loyalty card",
            maker=till,
        )
    changes = (
        (RequestBaseType.MOBILE, IdentifierType.MOBILE, lambda n: f"9198765{n:05d}"),
        (RequestBaseType.EMAIL, IdentifierType.EMAIL, lambda n: f"new.address{n}@example.com"),
        (RequestBaseType.EXTERNAL_ID, IdentifierType.EXTERNAL_ID, lambda n: f"EXT-NEW-{n:05d}"),
    )
    for base_type, type_, value in changes:
        for outcome in outcomes:
            customer = take(type_)
            held = _identifier(customer, type_) if customer else None
            if customer is None or held is None:
                continue
            old_value = held.value
            reference = f"{REFERENCE_PREFIX}{base_type}-{outcome}"
            if type_ == IdentifierType.MOBILE and not (
                Request.objects.filter(reference_id=reference).exists()
            ):
                # The customers demo knows its customers by their first mobile: change a
                # second one, so a rerun of that loader still finds them.
                old_value = _free_value(type_, lambda n: f"9198766{n:05d}")
                change = change_identifiers_command(
                    customer_id=customer.pk,
                    source=held.source,
                    account_id="",
                    add=[{"type": type_, "value": old_value}],
                    remove=[],
                )
                customer_change_identifiers(command=change, actor=till)
            make(
                base_type,
                outcome,
                RequestType.CHANGE_IDENTIFIER,
                base_type,
                identifier_change(type_, old_value, _free_value(type_, value), source=held.source),
                customer=customer,
                reason="Customer asked at the desk",
            )
    for outcome in outcomes:
        survivor, victim = take(), take()
        make(
            "MERGE",
            outcome,
            RequestType.CHANGE_IDENTIFIER,
            RequestBaseType.MERGE,
            MergeInto(victim_id=victim.pk),  # type: ignore[union-attr]  # customers enough
            customer=survivor,
            reason="Same person registered twice",
        )
    for outcome in outcomes:
        receiver, holder = take(), take(IdentifierType.MOBILE)
        held = _identifier(holder, IdentifierType.MOBILE) if holder and receiver else None
        if holder is None or held is None:
            continue
        make(
            "MOBILE_REALLOC",
            outcome,
            RequestType.CHANGE_IDENTIFIER,
            RequestBaseType.MOBILE_REALLOC,
            MobileReallocation(mobile=held.value, from_customer_id=holder.pk, source=held.source),
            customer=receiver,
            reason="Number now belongs to another person",
        )
    # Erasure: pending and rejected only (an approved one would erase a demo customer that
    # the customers loader finds again by its mobile on a rerun).
    senior = User.objects.filter(username="senior").first() or agent
    for outcome in ("pending", "rejected"):
        make(
            "ERASE",
            outcome,
            RequestType.ERASURE,
            RequestBaseType.ERASE,
            Erasure(),
            customer=take(),
            reason="Customer asked to be forgotten (e-mail to the DPO)",
            maker=senior,
        )
    stdout.write(f"demo requests: {made} request(s) made")
