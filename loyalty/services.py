"""Loyalty operations: enrollment, the points ledger, bills, coupons, transfers, expiry.

Every points movement goes through `_post_points` (via `points_credit` / `points_debit`):
it locks the enrollment row, appends one `LedgerEntry` and moves the enrollment's figures
with `F()` expressions in the same transaction, so the figures always equal the ledger's
sums (`loyalty.selectors.enrollment_figures_from_ledger` derives them; `reconcile_ledger`
compares). How a kind moves the figures is `figure_deltas`.
"""

from __future__ import annotations

import functools
import secrets
import string
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pghistory
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError, Warnings
from config.rows import columns, instances, table
from config.transactions import atomic_with_retry
from customers.audit import Actor, audit_context, created_by, modified_by
from customers.models import Customer, LoyaltyType, Store, Till
from customers.selectors import customer_lock, customers_lock, ensure_writable
from loyalty.models import (
    Coupon,
    CouponSeries,
    Enrollment,
    LedgerEntry,
    LedgerKind,
    PointsTransfer,
    Program,
    Tier,
    TransactionType,
)
from loyalty.models import Transaction as Bill

ZERO = Decimal("0")
CENT = Decimal("0.01")
# The ledger's and the enrollment figures' column: DecimalField(max_digits=14,
# decimal_places=2). An amount of points must fit it exactly (no rounding).
POINTS_MAX = Decimal("999999999999.99")
# The largest opening balance a till (or an agent registering a customer) may give in
# `loyaltyProgramEnrollments[].loyaltyPoints`: it is credited without a checker, so it is
# bounded like a migration of a real balance, not like a free credit. Anything larger goes
# through a goodwill request (maker-checker, with its configured cap).
MAX_OPENING_POINTS = 100_000

# Kinds that add to lifetime points (a MERGE credit does too, see figure_deltas).
EARN_KINDS = frozenset(
    {
        LedgerKind.REGISTRATION_BONUS,
        LedgerKind.BILL_EARN,
        LedgerKind.GOODWILL,
        LedgerKind.RETRO,
        LedgerKind.TRANSFER_IN,
    }
)
DEBIT_KINDS = frozenset(
    {LedgerKind.RETURN, LedgerKind.REDEMPTION, LedgerKind.TRANSFER_OUT, LedgerKind.EXPIRY}
)
SIGNED_KINDS = frozenset({LedgerKind.ADJUSTMENT, LedgerKind.MERGE})


def figure_deltas(kind: str, points: Decimal, purchase_amount: Decimal) -> dict[str, Decimal]:
    """How one ledger entry moves the enrollment figures.

    loyaltyPoints = lifetimePoints - redeemed - expired - returned + adjusted, where
    transfers out and merge debits count as (negative) adjustments.
    """
    deltas = {"loyalty_points": points}
    if kind in EARN_KINDS or (kind == LedgerKind.MERGE and points > 0):
        deltas["lifetime_points"] = points
    elif kind == LedgerKind.REDEMPTION:
        deltas["redeemed"] = -points
    elif kind == LedgerKind.EXPIRY:
        deltas["expired"] = -points
    elif kind == LedgerKind.RETURN:
        deltas["returned"] = -points
    else:  # ADJUSTMENT, TRANSFER_OUT, MERGE debit
        deltas["adjusted"] = points
    if purchase_amount:
        deltas["cumulative_purchases"] = purchase_amount
    return deltas


def _actor_fields(actor: Actor | None, till_field: str, user_field: str) -> dict:
    if actor is None:
        return {}
    if isinstance(actor, Till):
        return {till_field: actor}
    return {user_field: actor}


def _audit(actor: Actor | None, **metadata: Any) -> AbstractContextManager[Any]:
    """The audit context of the actor; scheduled jobs (expiry) run as "system"."""
    if actor is None:
        return pghistory.context(actor="system", **metadata)
    return audit_context(actor, **metadata)


def _end_of_day(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=23, minute=59, second=59, microsecond=0)


# --- Enrollment -----------------------------------------------------------------------


# The reads of a registration and of every ledger posting are hand-written (config.rows):
# with the ORM's query building they were about a quarter of a registration's CPU.
@functools.cache
def _sql(text: str) -> str:
    """`text` with `{enrollment}`, `{program}`, `{tier}`, `{series}` as quoted tables."""
    return text.format(
        enrollment=table(Enrollment),
        program=table(Program),
        tier=table(Tier),
        series=table(CouponSeries),
        enrollment_columns=columns(Enrollment, "e"),
        program_columns=columns(Program, "p"),
        tier_columns=columns(Tier, "t"),
        series_columns=columns(CouponSeries, "cs"),
    )


def program_default() -> Program | None:
    """The active default program, with its welcome coupon series."""
    found = instances(
        Program,
        _sql(
            "SELECT {program_columns}, {series_columns} FROM {program} p "
            "LEFT JOIN {series} cs ON cs.id = p.welcome_coupon_series_id "
            "WHERE p.is_default AND p.is_active ORDER BY p.id LIMIT 1"
        ),
        [],
        joined=["welcome_coupon_series"],
    )
    return found[0] if found else None


def _base_tier(program: Program) -> Tier | None:
    found = instances(
        Tier,
        _sql(
            "SELECT {tier_columns} FROM {tier} t WHERE t.program_id = %s "
            "ORDER BY t.serial_number LIMIT 1"
        ),
        [program.pk],
    )
    return found[0] if found else None


def _enrollment_of(customer_id: int, program_id: int) -> Enrollment | None:
    found = instances(
        Enrollment,
        _sql(
            "SELECT {enrollment_columns} FROM {enrollment} e "
            "WHERE e.customer_id = %s AND e.program_id = %s"
        ),
        [customer_id, program_id],
    )
    return found[0] if found else None


def _enrollment_lock(enrollment_id: int) -> Enrollment:
    """The enrollment row, locked to the end of the transaction, with its tier."""
    return instances(
        Enrollment,
        _sql(
            "SELECT {enrollment_columns}, {tier_columns} FROM {enrollment} e "
            "LEFT JOIN {tier} t ON t.id = e.tier_id WHERE e.id = %s FOR UPDATE OF e"
        ),
        [enrollment_id],
        joined=["tier"],
    )[0]


def enrollments_lock(*, enrollment_ids: list[int]) -> dict[int, Enrollment]:
    """I5: the one way a service locks several enrollments: in primary-key order (two
    transfers in opposite directions never deadlock), always after the customers' locks
    (`customers.selectors.customers_lock`), since a ledger entry's insert waits on its
    customer's row."""
    return {
        row.pk: row
        for row in Enrollment.objects.select_for_update()
        .filter(pk__in=enrollment_ids)
        .order_by("pk")
    }


def _tier_expiry(tier: Tier | None, now: datetime) -> datetime | None:
    if tier is None or not tier.validity_days:
        return None
    return _end_of_day(now + timedelta(days=tier.validity_days))


def enrollment_enroll(
    *,
    customer: Customer,
    program: Program,
    actor: Actor | None,
    tier: Tier | None = None,
    tier_expiry_date: datetime | None = None,
) -> tuple[Enrollment, bool]:
    """Enroll the customer in the program (idempotent); returns (enrollment, created)."""
    with transaction.atomic(), _audit(actor, operation="enrollment_enroll"):
        existing = _enrollment_of(customer.pk, program.pk)
        if existing is not None:
            return existing, False
        now = timezone.now()
        tier = tier or _base_tier(program)
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    customer=customer,
                    program=program,
                    tier=tier,
                    tier_expiry_date=tier_expiry_date or _tier_expiry(tier, now),
                    loyalty_id=customer.pk,
                    enrolled_at=now,
                )
        except IntegrityError:  # enrolled concurrently by another request
            return Enrollment.objects.get(customer=customer, program=program), False
        return enrollment, True


# --- The ledger -----------------------------------------------------------------------


def _post_points(
    *,
    enrollment: Enrollment,
    kind: str,
    points: Decimal,
    actor: Actor | None,
    reason: str = "",
    purchase_amount: Decimal = ZERO,
    expiry_date: datetime | None = None,
    bill: Bill | None = None,
    transfer: PointsTransfer | None = None,
    source_request_id: int | None = None,
    insufficient_code: int = 804,
) -> LedgerEntry:
    """Append one ledger entry and move the enrollment figures, under the row lock.

    I4: the figures move with the ledger in one UPDATE (they always equal its sums), the
    balance never goes below zero (checked here under the lock; the CHECK constraint
    `enrollment_points_not_negative` backs it), and only a live customer's enrollment
    moves (the trigger `ledger_of_live_customer`; callers hold the customer's lock)."""
    with transaction.atomic(), _audit(actor, operation=f"points_{kind.lower()}"):
        locked = _enrollment_lock(enrollment.pk)
        if points < 0 and locked.loyalty_points + points < 0:
            raise DomainError(insufficient_code)
        entry = LedgerEntry.objects.create(
            enrollment=locked,
            customer_id=locked.customer_id,
            program_id=locked.program_id,
            kind=kind,
            points=points,
            purchase_amount=purchase_amount,
            expiry_date=expiry_date,
            reason=reason[:500],
            bill=bill,
            transfer=transfer,
            source_request_id=source_request_id,
            **_actor_fields(actor, "actor_till", "actor_user"),
        )
        deltas = figure_deltas(kind, points, purchase_amount)
        # The row stays locked to the commit: these are the figures the update writes.
        for name, delta in deltas.items():
            setattr(locked, name, getattr(locked, name) + delta)
        changes: dict = {name: F(name) + delta for name, delta in deltas.items()}
        tier_before = locked.tier_id
        tier_recalculate(enrollment=locked)
        if locked.tier_id != tier_before:  # an upgrade: the same UPDATE writes it
            changes.update(tier=locked.tier, tier_expiry_date=locked.tier_expiry_date)
        Enrollment.objects.filter(pk=locked.pk).update(**changes)
        for name in Enrollment.FIGURES + ("tier_id", "tier_expiry_date"):
            setattr(enrollment, name, getattr(locked, name))
        return entry


def points_amount(raw: Decimal | int | float | str) -> Decimal:
    """An amount of points as the ledger stores it; `ValueError` when it does not fit the
    column exactly: not a number (booleans included), not finite, more than two decimal
    places (12.345 is refused, not rounded to 12.34) or more than `POINTS_MAX` either way."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(f"invalid points {raw!r}")
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError:
        raise ValueError(f"invalid points {raw!r}") from None
    if not value.is_finite() or abs(value) > POINTS_MAX:
        raise ValueError(f"invalid points {raw!r}")
    if value != value.quantize(CENT):
        raise ValueError(f"points {raw!r} have more than two decimal places")
    return value.quantize(CENT)


def _quantize(points: Decimal | int | float | str) -> Decimal:
    try:
        return points_amount(points)
    except ValueError:
        raise DomainError(Code.POINTS_INVALID) from None


def points_credit(
    *,
    enrollment: Enrollment,
    kind: str,
    points: Decimal | int,
    actor: Actor | None,
    reason: str = "",
    purchase_amount: Decimal = ZERO,
    expiry_date: datetime | None = None,
    bill: Bill | None = None,
    transfer: PointsTransfer | None = None,
    source_request_id: int | None = None,
) -> LedgerEntry:
    """Credit points (a new expiry batch). `expiry_date` defaults to the program's validity."""
    points = _quantize(points)
    if kind in DEBIT_KINDS or points < 0 or (points == 0 and not purchase_amount):
        raise DomainError(Code.POINTS_INVALID)
    if expiry_date is None:
        validity = enrollment.program.points_validity_days
        if validity:
            expiry_date = _end_of_day(timezone.now() + timedelta(days=validity))
    return _post_points(
        enrollment=enrollment,
        kind=kind,
        points=points,
        actor=actor,
        reason=reason,
        purchase_amount=purchase_amount,
        expiry_date=expiry_date,
        bill=bill,
        transfer=transfer,
        source_request_id=source_request_id,
    )


def points_debit(
    *,
    enrollment: Enrollment,
    kind: str,
    points: Decimal | int,
    actor: Actor | None,
    reason: str = "",
    purchase_amount: Decimal = ZERO,
    bill: Bill | None = None,
    transfer: PointsTransfer | None = None,
    source_request_id: int | None = None,
    insufficient_code: int = 804,
) -> LedgerEntry:
    """Debit `points` (a positive amount); more than the balance answers `insufficient_code`."""
    points = _quantize(points)
    if kind in EARN_KINDS or points <= 0:
        raise DomainError(Code.POINTS_INVALID)
    return _post_points(
        enrollment=enrollment,
        kind=kind,
        points=-points,
        actor=actor,
        reason=reason,
        purchase_amount=purchase_amount,
        bill=bill,
        transfer=transfer,
        source_request_id=source_request_id,
        insufficient_code=insufficient_code,
    )


@atomic_with_retry
def points_redeem(
    *,
    enrollment: Enrollment,
    points: Decimal | int,
    actor: Actor,
    reason: str = "",
    warnings: Warnings | None = None,
) -> LedgerEntry:
    """Redeem points (more than the balance: 803). I2: a merge victim's enrollment stands
    for its survivor's in the same program (warning 8069), where the points went."""
    customer = customer_lock(
        customer_id=enrollment.customer_id, follow_merges=True, warnings=warnings
    )
    ensure_writable(customer)
    if customer.pk != enrollment.customer_id:
        survivor_enrollment = _enrollment_of(customer.pk, enrollment.program_id)
        if survivor_enrollment is None:
            raise DomainError(Code.POINTS_MORE_THAN_AVAILABLE)
        enrollment = survivor_enrollment
    return points_debit(
        enrollment=enrollment,
        kind=LedgerKind.REDEMPTION,
        points=points,
        actor=actor,
        reason=reason,
        insufficient_code=Code.POINTS_MORE_THAN_AVAILABLE,
    )


def tier_recalculate(*, enrollment: Enrollment) -> Tier | None:
    """Upgrade to the highest tier whose threshold the enrollment's figures reached (never
    down): sets `tier` and `tier_expiry_date` on the instance, which the caller writes.

    Called under the enrollment lock by every ledger posting, before its one UPDATE.
    """
    current_serial = enrollment.tier.serial_number if enrollment.tier is not None else 0
    found = instances(
        Tier,
        _sql(
            "SELECT {tier_columns} FROM {tier} t WHERE t.program_id = %s "
            "AND t.serial_number > %s AND (t.upgrade_lifetime_points <= %s "
            "OR t.upgrade_purchases <= %s) ORDER BY t.serial_number DESC LIMIT 1"
        ),
        [
            enrollment.program_id,
            current_serial,
            enrollment.lifetime_points,
            enrollment.cumulative_purchases,
        ],
    )
    reached = found[0] if found else None
    if reached is None:
        return enrollment.tier
    enrollment.tier = reached
    enrollment.tier_expiry_date = _tier_expiry(reached, timezone.now())
    return reached


def points_expire(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Expire due points of every enrollment; returns how many enrollments lost points.

    Batches are consumed oldest expiry first (FIFO): every debit uses the credits with the
    earliest expiry date, so what is left of the batches due by `now` is
    `due credits - all debits so far`. Re-running finds nothing left to expire, because
    the EXPIRY entry it wrote is one of those debits.
    """
    now = now or timezone.now()
    candidates = (
        Enrollment.objects.annotate(
            due=Sum(
                "ledger_entries__points",
                filter=Q(ledger_entries__points__gt=0, ledger_entries__expiry_date__lte=now),
            ),
            debits=Sum("ledger_entries__points", filter=Q(ledger_entries__points__lt=0)),
        )
        .filter(due__gt=0)
        .order_by("pk")
        .values_list("pk", "customer_id", "due", "debits")
    )
    expired_count = 0
    for enrollment_pk, customer_pk, due, debits in candidates:
        if due + (debits or ZERO) <= 0:
            continue
        if _expire_enrollment(
            enrollment_pk=enrollment_pk, customer_pk=customer_pk, now=now, actor=actor
        ):
            expired_count += 1
    return expired_count


@atomic_with_retry
def _expire_enrollment(
    *, enrollment_pk: int, customer_pk: int, now: datetime, actor: Actor | None
) -> bool:
    """One enrollment's expiry, in its own transaction: the customer's lock first (I5),
    then the enrollment's; a merge victim's enrollment does not move (I4, its balance is
    zero)."""
    customer = customer_lock(customer_id=customer_pk)
    if customer.merged_into_id is not None:
        return False
    enrollment = _enrollment_lock(enrollment_pk)
    # Recompute under the lock: a concurrent debit may have used the batch.
    sums = enrollment.ledger_entries.aggregate(
        due=Sum("points", filter=Q(points__gt=0, expiry_date__lte=now)),
        debits=Sum("points", filter=Q(points__lt=0)),
    )
    left = (sums["due"] or ZERO) + (sums["debits"] or ZERO)
    left = min(left, enrollment.loyalty_points)
    if left <= 0:
        return False
    _post_points(
        enrollment=enrollment,
        kind=LedgerKind.EXPIRY,
        points=-left,
        actor=actor,
        reason=f"Points due by {timezone.localtime(now):%Y-%m-%d} expired",
    )
    return True


# --- Bills ----------------------------------------------------------------------------


def _earned_points(program: Program, amount: Decimal) -> Decimal:
    return (amount * program.points_per_currency_unit).quantize(Decimal("1"), ROUND_DOWN)


@dataclass
class BillResult:
    bill: Bill
    ledger_entry: LedgerEntry | None = None
    warnings: Warnings = field(default_factory=Warnings)


@atomic_with_retry
def bill_add(
    *,
    store: Store,
    till: Till | None,
    number: str,
    amount: Decimal,
    bill_type: str,
    actor: Actor,
    customer: Customer | None = None,
    billed_at: datetime | None = None,
    line_count: int = 0,
    notes: str = "",
) -> BillResult:
    """Add a REGULAR bill (earning points in the default program for a loyalty customer)
    or a NOT_INTERESTED bill (no customer; may later be claimed by a retro request).

    I2: a merge victim's bill is booked to its survivor, with warning 8069 in the result."""
    if amount is None or amount < 0:
        raise DomainError(Code.TRANSACTION_AMOUNT_INVALID)
    number = (number or "").strip()
    if not number:
        raise DomainError(Code.TRANSACTION_NUMBER_INVALID)
    if bill_type not in (TransactionType.REGULAR, TransactionType.NOT_INTERESTED):
        raise DomainError(Code.TRANSACTION_TYPE_UNSUPPORTED)
    if bill_type == TransactionType.REGULAR and customer is None:
        raise DomainError(Code.TRANSACTION_CUSTOMER_MISSING)
    if bill_type == TransactionType.NOT_INTERESTED:
        customer = None
    warnings = Warnings()
    with _audit(actor, operation="bill_add"):
        if customer is not None:
            customer = customer_lock(customer_id=customer.pk, follow_merges=True, warnings=warnings)
            ensure_writable(customer)
        if Bill.objects.filter(store=store, number=number).exclude(type="RETURN").exists():
            raise DomainError(Code.TRANSACTION_NUMBER_EXISTS)
        try:
            with transaction.atomic():
                bill = Bill.objects.create(
                    store=store,
                    till=till,
                    number=number,
                    amount=amount,
                    type=bill_type,
                    customer=customer,
                    billed_at=billed_at or timezone.now(),
                    line_count=line_count,
                    notes=notes[:200],
                    **created_by(actor),
                )
        except IntegrityError:  # the same number added concurrently
            raise DomainError(Code.TRANSACTION_NUMBER_EXISTS) from None
        entry = None
        if customer is not None:
            entry = bill_earn(bill=bill, actor=actor, kind=LedgerKind.BILL_EARN)
        return BillResult(bill=bill, ledger_entry=entry, warnings=warnings)


def bill_earn(
    *, bill: Bill, actor: Actor, kind: str, source_request_id: int | None = None
) -> LedgerEntry | None:
    """Points for a customer's bill in the default program (BILL_EARN, or RETRO for a
    claimed not-interested bill). Non-loyalty customers earn nothing."""
    customer = bill.customer
    if customer is None or customer.loyalty_type != LoyaltyType.LOYALTY:
        return None
    program = program_default()
    if program is None:
        return None
    enrollment, _ = enrollment_enroll(customer=customer, program=program, actor=actor)
    enrollment.program = program
    return points_credit(
        enrollment=enrollment,
        kind=kind,
        points=_earned_points(program, bill.amount),
        purchase_amount=bill.amount,
        actor=actor,
        reason=f"Bill {bill.number}",
        bill=bill,
        source_request_id=source_request_id,
    )


@atomic_with_retry
def bill_retro_claim(
    *, bill: Bill, customer: Customer, actor: Actor, source_request_id: int | None = None
) -> LedgerEntry | None:
    """Tag a NOT_INTERESTED bill to a customer: it becomes REGULAR and earns RETRO points
    (for the retro request workflow, which checks its own window and configuration).
    Already claimed: 1627; not a not-interested bill: 1623. A merge victim's claim goes to
    its survivor (I2)."""
    with _audit(actor, operation="bill_retro_claim"):
        customer = customer_lock(customer_id=customer.pk, follow_merges=True)
        ensure_writable(customer)
        bill = Bill.objects.select_for_update().get(pk=bill.pk)
        if bill.type == TransactionType.REGULAR and bill.customer_id is not None:
            raise DomainError(Code.RETRO_ALREADY_MARKED)
        if bill.type != TransactionType.NOT_INTERESTED:
            raise DomainError(Code.RETRO_TRANSACTION_TYPE_INVALID)
        bill.type = TransactionType.REGULAR
        bill.customer = customer
        bill.modified_at = timezone.now()
        for name, value in modified_by(actor).items():
            setattr(bill, name, value)
        bill.save()
        return bill_earn(
            bill=bill, actor=actor, kind=LedgerKind.RETRO, source_request_id=source_request_id
        )


@atomic_with_retry
def bill_return(
    *,
    original: Bill,
    amount: Decimal | None,
    actor: Actor,
    till: Till | None = None,
    billed_at: datetime | None = None,
    notes: str = "",
) -> BillResult:
    """Return (part of) a REGULAR bill: a RETURN bill and a RETURN ledger debit of the
    proportional points, capped at the balance (points already spent stay spent). The
    bill's customer is locked first (I5); a merge moved the bill to the survivor."""
    with _audit(actor, operation="bill_return"):
        if original.customer_id is not None:
            customer_lock(customer_id=original.customer_id, follow_merges=True)
        original = Bill.objects.select_for_update().get(pk=original.pk)
        if original.type != TransactionType.REGULAR:
            raise DomainError(Code.RETURN_WITHOUT_TRANSACTION)
        returned_so_far = original.returns.aggregate(total=Sum("amount"))["total"] or ZERO
        remaining = original.amount - returned_so_far
        if remaining <= 0:
            raise DomainError(Code.TRANSACTION_ALREADY_RETURNED)
        amount = remaining if amount is None else amount
        if amount <= 0:
            raise DomainError(Code.TRANSACTION_AMOUNT_INVALID)
        if amount > remaining:
            raise DomainError(Code.RETURN_EXCEEDS_AMOUNT)
        return_bill = Bill.objects.create(
            store=original.store,
            till=till,
            number=original.number,
            amount=amount,
            type=TransactionType.RETURN,
            customer=original.customer,
            original=original,
            billed_at=billed_at or timezone.now(),
            notes=notes[:200],
            **created_by(actor),
        )
        entry = None
        earned = original.ledger_entries.filter(
            kind__in=[LedgerKind.BILL_EARN, LedgerKind.RETRO]
        ).select_related("enrollment")
        earn = earned.first()
        if earn is not None:
            # The bill's current customer (the survivor, after a merge moved the bill and
            # the points) gives the points back; else the enrollment that earned them.
            enrollment = (
                Enrollment.objects.select_for_update()
                # No customer (None) matches no enrollment: the one that earned them.
                .filter(customer_id=original.customer_id, program_id=earn.program_id)  # type: ignore[misc]
                .first()
            ) or Enrollment.objects.select_for_update().get(pk=earn.enrollment_id)
            points = (earn.points * amount / original.amount).quantize(CENT, ROUND_DOWN)
            points = min(points, enrollment.loyalty_points)
            if points > 0:
                entry = points_debit(
                    enrollment=enrollment,
                    kind=LedgerKind.RETURN,
                    points=points,
                    purchase_amount=-amount,
                    actor=actor,
                    reason=f"Return of bill {original.number}",
                    bill=return_bill,
                )
            else:  # nothing left to take back; purchases still go down
                entry = _post_points(
                    enrollment=enrollment,
                    kind=LedgerKind.RETURN,
                    points=ZERO,
                    purchase_amount=-amount,
                    actor=actor,
                    reason=f"Return of bill {original.number} (points already used)",
                    bill=return_bill,
                )
        return BillResult(bill=return_bill, ledger_entry=entry)


# --- Coupons --------------------------------------------------------------------------

_CODE_ALPHABET = string.ascii_uppercase + string.digits


def _new_coupon_code(series: CouponSeries) -> str:
    length = max(4, series.code_length - len(series.code_prefix))
    return series.code_prefix + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


@atomic_with_retry
def coupon_issue(
    *,
    customer: Customer,
    series: CouponSeries,
    actor: Actor,
    source_request_id: int | None = None,
) -> Coupon:
    if not series.is_active:
        raise DomainError(Code.COUPON_SERIES_EXPIRED)
    with _audit(actor, operation="coupon_issue"):
        customer = customer_lock(customer_id=customer.pk, follow_merges=True)
        ensure_writable(customer)
        now = timezone.now()
        valid_till = series.valid_till or _end_of_day(now + timedelta(days=series.validity_days))
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    return Coupon.objects.create(
                        code=_new_coupon_code(series),
                        series=series,
                        customer=customer,
                        issued_at=now,
                        valid_till=valid_till,
                        source_request_id=source_request_id,
                        **_actor_fields(actor, "issued_by_till", "issued_by_user"),
                    )
            except IntegrityError:  # code collision: draw another
                continue
        raise DomainError(Code.COUPON_ISSUE_FAILED)


@atomic_with_retry
def coupon_redeem(
    *, code: str, customer: Customer, actor: Actor, bill: Bill | None = None
) -> Coupon:
    with _audit(actor, operation="coupon_redeem"):
        customer = customer_lock(customer_id=customer.pk, follow_merges=True)
        ensure_writable(customer)
        coupon = Coupon.objects.select_for_update().filter(code=code.strip().upper()).first()
        if coupon is None:
            raise DomainError(Code.COUPON_CODE_INVALID)
        if coupon.customer_id != customer.pk:
            raise DomainError(Code.COUPON_NOT_THE_CUSTOMERS)
        if coupon.redeemed_at is not None:
            raise DomainError(Code.COUPON_ALREADY_REDEEMED)
        now = timezone.now()
        if coupon.valid_till < now:
            raise DomainError(Code.COUPON_EXPIRED)
        coupon.redeemed_at = now
        coupon.redeemed_bill = bill
        coupon.save(update_fields=["redeemed_at", "redeemed_bill"])
        return coupon


# --- Transfers ------------------------------------------------------------------------


@atomic_with_retry
def points_transfer(
    *,
    from_customer: Customer,
    to_customer: Customer,
    program: Program,
    points: Decimal | int,
    actor: Actor,
    notes: str = "",
    warnings: Warnings | None = None,
) -> PointsTransfer:
    """Move points between two customers' enrollments in one program.

    I2: a merge victim on either side stands for its survivor (warning 8069 into
    `warnings`), so points never land on, or leave from, an account no read shows; a
    transfer that then names one customer twice answers 9206. I5: both customers are
    locked (pk order), then both enrollments (pk order), and the balance is re-checked
    under the lock, so concurrent transfers cannot overdraw; a refusal writes nothing.
    The receiver is enrolled if needed."""
    points = _quantize(points)
    if points <= 0:
        raise DomainError(Code.POINTS_INVALID)
    if from_customer.pk == to_customer.pk:
        raise DomainError(Code.TRANSFER_TO_SELF)
    with _audit(actor, operation="points_transfer"):
        locked = customers_lock(
            customer_ids=[from_customer.pk, to_customer.pk], follow_merges=True, warnings=warnings
        )
        if from_customer.pk not in locked or to_customer.pk not in locked:
            raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
        from_customer, to_customer = locked[from_customer.pk], locked[to_customer.pk]
        if from_customer.pk == to_customer.pk:
            raise DomainError(Code.TRANSFER_TO_SELF)
        ensure_writable(from_customer)
        ensure_writable(to_customer)
        sender = _enrollment_of(from_customer.pk, program.pk)
        if sender is None:
            raise DomainError(Code.NOT_ENROLLED)
        if to_customer.loyalty_type != LoyaltyType.LOYALTY:
            raise DomainError(Code.NOT_ENROLLED)
        receiver, _ = enrollment_enroll(customer=to_customer, program=program, actor=actor)
        enrollments = enrollments_lock(enrollment_ids=[sender.pk, receiver.pk])
        sender, receiver = enrollments[sender.pk], enrollments[receiver.pk]
        sender.program = receiver.program = program
        if sender.loyalty_points < points:
            raise DomainError(Code.POINTS_INSUFFICIENT)
        transfer = PointsTransfer.objects.create(
            from_customer=from_customer,
            to_customer=to_customer,
            program=program,
            points=points,
            notes=notes[:500],
            **_actor_fields(actor, "actor_till", "actor_user"),
        )
        points_debit(
            enrollment=sender,
            kind=LedgerKind.TRANSFER_OUT,
            points=points,
            actor=actor,
            reason=f"Transfer to customer {to_customer.pk}",
            transfer=transfer,
        )
        points_credit(
            enrollment=receiver,
            kind=LedgerKind.TRANSFER_IN,
            points=points,
            actor=actor,
            reason=f"Transfer from customer {from_customer.pk}",
            transfer=transfer,
        )
        return transfer


# --- Merge ----------------------------------------------------------------------------


def enrollments_merge(
    *, victim: Customer, survivor: Customer, actor: Actor, warnings: Warnings | None = None
) -> None:
    """Merge step: move the victim's points to the survivor through MERGE entries (a debit
    on the victim's enrollment, a credit on the survivor's, which is created if missing),
    then move the victim's bills and coupons. Runs inside the merge transaction, both
    customers locked. I2 / I4: the victim's enrollments end at zero and never move again
    (the database refuses the merge otherwise: `loyalty_victim_holds_nothing`)."""
    with transaction.atomic(), _audit(actor, operation="enrollments_merge"):
        # I5: every enrollment of both customers, in primary-key order, before any moves.
        enrollments_lock(
            enrollment_ids=list(
                Enrollment.objects.filter(customer__in=[victim, survivor]).values_list(
                    "pk", flat=True
                )
            )
        )
        victim_enrollments = list(
            Enrollment.objects.filter(customer=victim).select_related("program").order_by("pk")
        )
        for enrollment in victim_enrollments:
            program = enrollment.program
            survivor_enrollment, _ = enrollment_enroll(
                customer=survivor, program=program, actor=actor
            )
            survivor_enrollment.program = program
            points = enrollment.loyalty_points
            purchases = enrollment.cumulative_purchases
            if points == 0 and purchases == 0:
                continue
            reason_out = f"Merged into customer {survivor.pk}"
            reason_in = f"Merged from customer {victim.pk}"
            _post_points(
                enrollment=enrollment,
                kind=LedgerKind.MERGE,
                points=-points,
                purchase_amount=-purchases,
                actor=actor,
                reason=reason_out,
            )
            _post_points(
                enrollment=survivor_enrollment,
                kind=LedgerKind.MERGE,
                points=points,
                purchase_amount=purchases,
                actor=actor,
                reason=reason_in,
                expiry_date=_merge_expiry(program),
            )
        Bill.objects.filter(customer=victim).update(customer=survivor)
        Coupon.objects.filter(customer=victim).update(customer=survivor)


def _merge_expiry(program: Program) -> datetime | None:
    if not program.points_validity_days:
        return None
    return _end_of_day(timezone.now() + timedelta(days=program.points_validity_days))


# --- Registration ---------------------------------------------------------------------


def _parse_datetime(raw: Any) -> datetime | None:
    from django.utils.dateparse import parse_date, parse_datetime

    if not raw or not isinstance(raw, str):
        return None
    try:
        parsed = parse_datetime(raw)
        if parsed is None:
            day = parse_date(raw)
            if day is None:
                return None
            parsed = datetime.combine(day, time(23, 59, 59))
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def coupon_side_effect(coupon: Coupon) -> dict:
    """A coupon in the shape of the registration sample's `sideEffects`."""
    valid_till = coupon.valid_till.astimezone(UTC)
    return {
        "id": coupon.pk,
        "couponType": coupon.series.coupon_type,
        "couponCode": coupon.code,
        "validTill": valid_till.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": coupon.series.description or coupon.series.name,
        "discountCode": coupon.series.discount_code,
        "trimmedCouponCode": coupon.code.strip(),
        "type": "coupon",
    }
