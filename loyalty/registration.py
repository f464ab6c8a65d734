"""Loyalty's part of a customer registration or update: `loyaltyProgramEnrollments`.

Registered in `LoyaltyConfig.ready()`: `enrollments_parse` as a `customers.registry` body
part (the v2 body's `loyaltyProgramEnrollments`, typed) and `enrollments_apply` as a
registration and update step: the programs a new or updated customer joins, their opening
balances, and the welcome bonus and coupon of each new enrollment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from config.codes import Code
from config.errors import DomainError, Warnings
from customers.audit import Actor
from customers.commands import RegisterCustomer, UpdateCustomer
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
    series = program.welcome_coupon_series
    if series is not None and series.is_active:
        coupon = coupon_issue(customer=enrollment.customer, series=series, actor=actor)
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


@dataclass(frozen=True)
class EnrollmentInput:
    """One entry of `loyaltyProgramEnrollments`, typed; `*_sent` keep what the store sent
    for the warnings that name it."""

    program_id: int | None
    program_sent: Any = None
    tier_number: int | None = None
    tier_sent: Any = None
    tier_expiry_date: datetime | None = None
    opening_points: int | None = None
    points_expiry_date: datetime | None = None
    points_expiry_sent: Any = None


def enrollments_parse(body: dict) -> list[EnrollmentInput]:
    """The body's `loyaltyProgramEnrollments` (a `customers.registry.body_parts` parser).

    `loyaltyPoints` must be a whole number from 0 to `MAX_OPENING_POINTS`: one invalid
    value refuses the whole request with 9207 (HTTP 400, nothing written), because a
    balance skipped with a warning could not be sent again (it is credited on a new
    enrollment only)."""
    items = json_objects(body.get("loyaltyProgramEnrollments"), "loyaltyProgramEnrollments")
    parsed = []
    for item in items:
        try:
            opening = opening_points(item.get("loyaltyPoints"))
        except ValueError:
            raise DomainError(
                Code.OPENING_BALANCE_INVALID,
                x=item.get("loyaltyPoints"),
                y=item.get("programId"),
                z=MAX_OPENING_POINTS,
            ) from None
        parsed.append(
            EnrollmentInput(
                program_id=_int_or_none(item.get("programId")),
                program_sent=item.get("programId"),
                tier_number=_int_or_none(item.get("tierNumber")),
                tier_sent=item.get("tierNumber"),
                tier_expiry_date=_parse_datetime(item.get("tierExpiryDate")),
                opening_points=opening,
                points_expiry_date=_parse_datetime(item.get("pointsExpiryDate")),
                points_expiry_sent=item.get("pointsExpiryDate"),
            )
        )
    return parsed


def enrollments_apply(
    *,
    customer: Customer,
    command: RegisterCustomer | UpdateCustomer,
    actor: Actor,
    warnings: Warnings,
    side_effects: list,
    created: bool,
) -> None:
    """Registration / update step: the programs of `command.parts["loyalty"]`.

    - A loyalty customer registered without naming a program is enrolled in the default
      program (1016 in the demo). On update, the programs named are enrolled; naming none
      enrolls a loyalty customer who has no enrollment at all (e.g. just converted from
      non-loyalty) in the default program.
    - An unknown program is skipped with warning 9201; a new enrollment with an unknown
      `tierNumber` joins the base tier with warning 9202 (an existing enrollment is left
      as it is, without a warning); `tierExpiryDate` is kept when given.
    - A new enrollment gets the program's registration bonus and welcome coupon (reported
      in `side_effects`). An opening balance becomes one ADJUSTMENT ledger entry, only
      when the enrollment is new (so a repeated update does not credit twice), expiring at
      `pointsExpiryDate` if that lies in the future (warning 9203 otherwise, and the
      program's validity applies).
    """
    items: list[EnrollmentInput] = command.parts.get("loyalty") or []
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
        items, programs = [EnrollmentInput(program_id=program.pk)], {program.pk: program}
    else:
        programs = Program.objects.select_related("welcome_coupon_series").in_bulk(
            [item.program_id for item in items if item.program_id]
        )
    for item in items:
        program = programs.get(item.program_id) if item.program_id is not None else None
        if program is None or not program.is_active:
            warnings.add(Code.ENROLLMENT_PROGRAM_NOT_FOUND, x=item.program_sent)
            continue
        tier = None
        if item.tier_number is not None:
            tier = program.tiers.filter(serial_number=item.tier_number).first()
        enrollment, new = enrollment_enroll(
            customer=customer,
            program=program,
            actor=actor,
            tier=tier,
            tier_expiry_date=item.tier_expiry_date if tier else None,
        )
        if not new:
            continue
        if item.tier_number is not None and tier is None:
            warnings.add(Code.ENROLLMENT_TIER_NOT_FOUND, x=item.tier_sent, y=program.pk)
        enrollment.program = program
        enrollment_welcome(enrollment=enrollment, actor=actor, side_effects=side_effects)
        if item.opening_points:
            expiry = item.points_expiry_date
            if expiry is not None and expiry <= timezone.now():
                warnings.add(Code.ENROLLMENT_EXPIRY_IN_PAST, x=item.points_expiry_sent)
                expiry = None
            points_credit(
                enrollment=enrollment,
                kind=LedgerKind.ADJUSTMENT,
                points=item.opening_points,
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
