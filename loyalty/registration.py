"""Loyalty's part of a customer registration or update: `loyaltyProgramEnrollments`.

Registered in `LoyaltyConfig.ready()` as a `customers.registry` registration and update
step: the programs a new or updated customer joins, their opening balances, and the
welcome bonus and coupon of each new enrollment.
"""

from __future__ import annotations

from django.utils import timezone

from config.codes import Code
from config.errors import DomainError, Warnings
from customers.audit import Actor
from customers.models import Customer, LoyaltyType
from customers.normalise import json_objects
from loyalty.models import Enrollment, LedgerKind, Program
from loyalty.services import (
    MAX_OPENING_POINTS,
    _number,
    _parse_datetime,
    coupon_issue,
    coupon_side_effect,
    enrollment_enroll,
    points_credit,
    program_default,
)


def enrollment_welcome(*, enrollment: Enrollment, actor: Actor, side_effects: list) -> None:
    """The program's registration bonus and welcome coupon for a new enrollment."""
    program = enrollment.program
    if program.registration_bonus_points > 0:
        points_credit(
            enrollment=enrollment,
            kind=LedgerKind.REGISTRATION_BONUS,
            points=program.registration_bonus_points,
            actor=actor,
            reason=f"Registration bonus of program {program.pk}",
        )
        side_effects.append(
            {"awardedPoints": _number(program.registration_bonus_points), "type": "points"}
        )
    if program.welcome_coupon_series_id and program.welcome_coupon_series.is_active:
        coupon = coupon_issue(
            customer=enrollment.customer, series=program.welcome_coupon_series, actor=actor
        )
        side_effects.append(coupon_side_effect(coupon))


def opening_points(raw) -> int | None:
    """`loyaltyPoints` of an enrollment: None when absent, else a whole number of points
    from 0 to `MAX_OPENING_POINTS` (a JSON number, or its digits as a string); anything
    else (negative, fractional, not a number, larger) is `ValueError`."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(raw)
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if not text.isascii() or not text.isdigit():
            raise ValueError(raw)
        raw = int(text)
    if not 0 <= raw <= MAX_OPENING_POINTS:
        raise ValueError(raw)
    return raw


def _opening_balances(items: list[dict]) -> list[int | None]:
    """Every item's opening balance, checked before anything is enrolled: one invalid
    value refuses the whole request with 9207 (nothing is written)."""
    balances = []
    for item in items:
        try:
            balances.append(opening_points(item.get("loyaltyPoints")))
        except ValueError:
            raise DomainError(
                Code.OPENING_BALANCE_INVALID,
                x=item.get("loyaltyPoints"),
                y=item.get("programId"),
                z=MAX_OPENING_POINTS,
            ) from None
    return balances


def enrollments_from_payload(
    *,
    customer: Customer,
    payload: dict,
    actor: Actor,
    warnings: Warnings,
    side_effects: list,
    created: bool,
) -> None:
    """Registration / update step for `loyaltyProgramEnrollments`.

    - A loyalty customer registered without naming a program is enrolled in the default
      program (1016 in the demo). On update, the programs named are enrolled; naming none
      enrolls a loyalty customer who has no enrollment at all (e.g. just converted from
      non-loyalty) in the default program.
    - An unknown program is skipped with warning 9201; a new enrollment with an unknown
      `tierNumber` joins the base tier with warning 9202 (an existing enrollment is left
      as it is, without a warning); `tierExpiryDate` is kept when given.
    - A new enrollment gets the program's registration bonus and welcome coupon (reported
      in `side_effects`). `loyaltyPoints` in the body becomes an opening balance: one
      ADJUSTMENT ledger entry, only when the enrollment is new (so a repeated update does
      not credit twice), expiring at `pointsExpiryDate` if that lies in the future
      (warning 9203 otherwise, and the program's validity applies).
    - `loyaltyPoints` must be a whole number from 0 to `MAX_OPENING_POINTS`: any other
      value refuses the request with 9207 (HTTP 400, nothing written), because a balance
      skipped with a warning could not be sent again (it is credited on a new enrollment
      only).
    """
    items = (
        json_objects(payload.get("loyaltyProgramEnrollments"), "loyaltyProgramEnrollments")
        if isinstance(payload, dict)
        else []
    )
    balances = _opening_balances(items)
    if customer.loyalty_type != LoyaltyType.LOYALTY:
        if items:
            warnings.add(Code.ENROLLMENT_NOT_LOYALTY)
        return
    if not items:
        # A loyalty customer without any enrollment (new, or just converted from
        # non-loyalty by an update) joins the default program.
        if not created and Enrollment.objects.filter(customer=customer).exists():
            return
        program = program_default()
        if program is None:
            return
        items, balances, programs = [{"programId": program.pk}], [None], {program.pk: program}
    else:
        programs = Program.objects.select_related("welcome_coupon_series").in_bulk(
            [item.get("programId") for item in items if _int_or_none(item.get("programId"))]
        )
    for item, opening in zip(items, balances, strict=True):
        program_id = _int_or_none(item.get("programId"))
        program = programs.get(program_id) if program_id is not None else None
        if program is None or not program.is_active:
            warnings.add(Code.ENROLLMENT_PROGRAM_NOT_FOUND, x=item.get("programId"))
            continue
        tier = None
        tier_number = _int_or_none(item.get("tierNumber"))
        if tier_number is not None:
            tier = program.tiers.filter(serial_number=tier_number).first()
        enrollment, new = enrollment_enroll(
            customer=customer,
            program=program,
            actor=actor,
            tier=tier,
            tier_expiry_date=_parse_datetime(item.get("tierExpiryDate")) if tier else None,
        )
        if not new:
            continue
        if tier_number is not None and tier is None:
            warnings.add(Code.ENROLLMENT_TIER_NOT_FOUND, x=item.get("tierNumber"), y=program.pk)
        enrollment.program = program
        enrollment_welcome(enrollment=enrollment, actor=actor, side_effects=side_effects)
        if opening:
            expiry = _parse_datetime(item.get("pointsExpiryDate"))
            if expiry is not None and expiry <= timezone.now():
                warnings.add(Code.ENROLLMENT_EXPIRY_IN_PAST, x=item.get("pointsExpiryDate"))
                expiry = None
            points_credit(
                enrollment=enrollment,
                kind=LedgerKind.ADJUSTMENT,
                points=opening,
                actor=actor,
                reason="Opening balance given at enrollment",
                expiry_date=expiry,
            )


def _int_or_none(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None
