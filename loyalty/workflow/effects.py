"""What an approved request applies, per base type (`EFFECTS`): each checks again what may
have changed since the request was made and calls the owning app's service (ledger credit,
coupon issue, identifier change, merge, erasure), never re-implementing it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import cast

from config.codes import Code
from config.errors import DomainError
from customers.audit import Actor
from customers.commands import ChangeIdentifiers
from customers.erasure import customer_erase
from customers.models import (
    Customer,
    IdentifierType,
    Source,
)
from customers.normalise import as_text
from customers.selectors import (
    ensure_writable,
)
from customers.services import (
    customer_change_identifiers,
    customer_identifier_reallocate,
    customer_merge,
)
from loyalty.models import (
    CouponSeries,
    LedgerKind,
    Request,
    RequestBaseType,
    RequestTypeConfig,
)
from loyalty.models import Transaction as Bill
from loyalty.services import (
    bill_retro_claim,
    coupon_issue,
    enrollment_enroll,
    points_credit,
)
from loyalty.workflow.rules import (
    IN_USE_CODE,
    goodwill_cap,
    goodwill_program,
    holds,
    identifier_rules,
    require_loyalty,
    retro_rules,
    source_ref,
)


def _apply_retro(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    """The claimed not-interested bill becomes REGULAR, tagged to the customer, and earns
    its points as a RETRO ledger entry linked to the request (`bill_retro_claim`), once the
    retro window is checked again under the bill's lock."""
    bill = Bill.objects.select_for_update().get(pk=cast(int, request.bill_id))  # a retro names one
    customer = Customer.objects.get(pk=request.customer_id)
    require_loyalty(customer)
    ensure_writable(customer)
    retro_rules(bill=bill, customer=customer, config=config)
    bill_retro_claim(bill=bill, customer=customer, actor=actor, source_request_id=request.pk)


def _apply_goodwill_points(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    customer = Customer.objects.get(pk=request.customer_id)
    require_loyalty(customer)
    ensure_writable(customer)
    # Checked again: the program may have been closed, or the cap lowered, since the make.
    program = goodwill_program(request.program_id)
    approved = cast(Decimal, request.approved_value)  # set by the approval before its effect
    goodwill_cap(approved, config)
    ledger_actor = config.default_till or actor
    enrollment, _ = enrollment_enroll(customer=customer, program=program, actor=actor)
    enrollment.program = program
    points_credit(
        enrollment=enrollment,
        kind=LedgerKind.GOODWILL,
        points=approved,
        actor=ledger_actor,
        reason=f"Goodwill request {request.pk}: {request.reason}".strip(": "),
        source_request_id=request.pk,
    )


def _apply_goodwill_coupon(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    series = CouponSeries.objects.filter(pk=request.payload["seriesId"]).first()
    if series is None:
        raise DomainError(Code.COUPON_SERIES_INVALID)
    request.coupon = coupon_issue(
        customer=Customer.objects.get(pk=request.customer_id),
        series=series,
        actor=actor,
        source_request_id=request.pk,
    )


def _apply_identifier_change(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    payload = request.payload
    ref = source_ref(as_text(payload.get("source")), as_text(payload.get("accountId")))
    customer = Customer.objects.get(pk=request.customer_id)
    old, new = payload["oldValue"], payload["newValue"]
    identifier_rules(customer=customer, base_type=request.base_type, ref=ref, old=old, new=new)
    type_ = payload["identifierType"]
    # The values were normalised when the request was made.
    change = ChangeIdentifiers(
        ref=ref, customer_id=customer.pk, add=[(type_, new)], remove=[(type_, old)]
    )
    result = customer_change_identifiers(command=change, actor=actor)
    # A value taken in another source between the check and the write would merge the
    # customers; refuse instead (the savepoint undoes the change).
    if result.merged_into is not None:
        raise DomainError(IN_USE_CODE[request.base_type])
    if not holds(customer.pk, type_, new, ref) or holds(customer.pk, type_, old, ref):
        raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS)


def _apply_merge(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    request.merge = customer_merge(
        victim_id=request.payload["victimId"],
        survivor_id=request.payload["survivorId"],
        actor=actor,
        reason=f"Merge request {request.pk}",
    )


def _apply_mobile_realloc(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    """The mobile leaves every profile of its former holder for the receiver's profile of
    the request's source, with its channels (`customer_identifier_reallocate`, I1 / I3)."""
    payload = request.payload
    customer_identifier_reallocate(
        type_=IdentifierType.MOBILE,
        value=payload["mobile"],
        from_customer_id=payload["fromCustomerId"],
        to_customer_id=payload["toCustomerId"],
        source=payload.get("source") or Source.INSTORE,
        account_id=payload.get("accountId") or "",
        actor=actor,
    )


def _apply_erasure(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    customer_erase(
        customer_id=request.customer_id,
        actor=actor,
        reason=f"Erasure request {request.pk}: {request.reason}".strip(": "),
    )


EFFECTS: dict[str, Callable[..., None]] = {
    RequestBaseType.POINTS: _apply_goodwill_points,
    RequestBaseType.COUPON: _apply_goodwill_coupon,
    RequestBaseType.RETRO: _apply_retro,
    RequestBaseType.MOBILE: _apply_identifier_change,
    RequestBaseType.EMAIL: _apply_identifier_change,
    RequestBaseType.EXTERNAL_ID: _apply_identifier_change,
    RequestBaseType.MERGE: _apply_merge,
    RequestBaseType.MOBILE_REALLOC: _apply_mobile_realloc,
    RequestBaseType.ERASE: _apply_erasure,
}
