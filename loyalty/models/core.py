"""Programs, tiers, enrollments, the points ledger, bills, coupons, transfers.

Points are stored as decimals with two places (the seed shows fractional figures such as
`"returned": 1100.21`). An enrollment's figures are a cache of its ledger: every ledger row
is written by `loyalty.services.points_credit` / `points_debit`, which update the figures
with `F()` expressions in the same transaction, and `manage.py reconcile_ledger`
re-derives them from the ledger (see `loyalty.selectors.enrollment_figures_from_ledger`).
"""

from __future__ import annotations

from typing import TypedDict

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from customers.models import Attributed, Customer, Store, Till, live_customer_trigger

__all__ = [
    "POINTS",
    "CouponSeries",
    "Coupon",
    "Enrollment",
    "LedgerEntry",
    "LedgerKind",
    "PointsTransfer",
    "Program",
    "Tier",
    "Transaction",
    "TransactionType",
]


class _DecimalPlaces(TypedDict):
    max_digits: int
    decimal_places: int


# A TypedDict (not a plain dict) so `models.DecimalField(**POINTS, ...)` type-checks.
POINTS: _DecimalPlaces = {"max_digits": 14, "decimal_places": 2}


class CouponSeries(models.Model):
    """A kind of coupon (e.g. the welcome offer); coupons are issued from it."""

    name = models.CharField(max_length=200)
    description = models.CharField(max_length=200, blank=True)
    coupon_type = models.CharField(max_length=8, default="PE")
    discount_code = models.CharField(max_length=64, default="NO_VALUE")
    code_prefix = models.CharField(max_length=8, blank=True)
    code_length = models.PositiveSmallIntegerField(default=8)
    # A coupon is valid for `validity_days` from issue, or until `valid_till` when set.
    validity_days = models.PositiveIntegerField(default=365)
    valid_till = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "coupon series"

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A loyalty program (the API's `programId`); the id is chosen, not generated."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=200, blank=True)
    # The program used where the API names none (`embed=points`, bills, registration).
    is_default = models.BooleanField(default=False)
    points_per_currency_unit = models.DecimalField(max_digits=8, decimal_places=4, default=0)
    registration_bonus_points = models.DecimalField(**POINTS, default=0)
    welcome_coupon_series = models.ForeignKey(
        CouponSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Credits expire this many days after they are earned; null means never.
    points_validity_days = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class Tier(models.Model):
    """A tier (the seed's slab) of a program; `serial_number` is the API's `slabSNo`."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    serial_number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True)
    # Upgrade when either threshold is reached (a threshold of null is not used).
    upgrade_lifetime_points = models.DecimalField(**POINTS, null=True, blank=True)
    upgrade_purchases = models.DecimalField(**POINTS, null=True, blank=True)
    validity_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["program_id", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "serial_number"], name="tier_serial_unique_in_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.serial_number} {self.name}"


class Enrollment(models.Model):
    """A customer in a program, with figures kept in step with the ledger."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="enrollments"
    )
    tier_expiry_date = models.DateTimeField(null=True, blank=True)
    loyalty_id = models.BigIntegerField()
    loyalty_points = models.DecimalField(**POINTS, default=0)
    lifetime_points = models.DecimalField(**POINTS, default=0)
    redeemed = models.DecimalField(**POINTS, default=0)
    expired = models.DecimalField(**POINTS, default=0)
    returned = models.DecimalField(**POINTS, default=0)
    adjusted = models.DecimalField(**POINTS, default=0)
    cumulative_purchases = models.DecimalField(**POINTS, default=0)
    enrolled_at = models.DateTimeField(default=timezone.now)

    FIGURES = (
        "loyalty_points",
        "lifetime_points",
        "redeemed",
        "expired",
        "returned",
        "adjusted",
        "cumulative_purchases",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "program"], name="enrollment_customer_program_unique"
            ),
            # I4: no current balance is negative.
            models.CheckConstraint(
                condition=Q(loyalty_points__gte=0), name="enrollment_points_not_negative"
            ),
        ]
        # I4: only live customers' enrollments are created or move.
        triggers = [
            live_customer_trigger(
                "enrollment_of_live_customer", operation=pgtrigger.Insert | pgtrigger.Update
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.program_id}"


class TransactionType(models.TextChoices):
    REGULAR = "REGULAR"
    NOT_INTERESTED = "NOT_INTERESTED"
    RETURN = "RETURN"


class Transaction(Attributed):
    """A bill. REGULAR bills of a loyalty customer earn points; a RETURN reverses them.

    The number is unique per store among sales; a RETURN carries its original's number.
    """

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transactions")
    till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    number = models.CharField(max_length=64)
    billed_at = models.DateTimeField(default=timezone.now)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    type = models.CharField(max_length=16, choices=TransactionType.choices)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    line_count = models.PositiveIntegerField(default=0)
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "number"],
                condition=~Q(type="RETURN"),
                name="transaction_number_unique_in_store",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="transaction_amount_positive"),
            models.CheckConstraint(
                condition=Q(type="RETURN", original__isnull=False) | ~Q(type="RETURN"),
                name="return_has_original",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-billed_at"], name="transaction_by_customer"),
            models.Index(fields=["store", "type", "billed_at"], name="transaction_by_store_type"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.store_id}/{self.number}"


class Coupon(models.Model):
    code = models.CharField(max_length=32, unique=True)
    series = models.ForeignKey(CouponSeries, on_delete=models.PROTECT, related_name="coupons")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="coupons")
    issued_at = models.DateTimeField(default=timezone.now)
    valid_till = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_bill = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The request (goodwill coupon) that issued it, when one did; see LedgerEntry.
    source_request_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-issued_at"], name="coupon_by_customer")]

    def __str__(self) -> str:
        return self.code


class PointsTransfer(models.Model):
    from_customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="points_transfers_out"
    )
    to_customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="points_transfers_in"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(**POINTS)
    notes = models.CharField(max_length=500, blank=True)
    transferred_at = models.DateTimeField(default=timezone.now)
    actor_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="transfer_points_positive"),
            models.CheckConstraint(
                condition=~Q(from_customer=models.F("to_customer")), name="transfer_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["from_customer", "-transferred_at"], name="transfer_by_sender"),
            models.Index(fields=["to_customer", "-transferred_at"], name="transfer_by_receiver"),
        ]

    def __str__(self) -> str:
        return f"{self.points} from {self.from_customer_id} to {self.to_customer_id}"


class LedgerKind(models.TextChoices):
    REGISTRATION_BONUS = "REGISTRATION_BONUS"
    BILL_EARN = "BILL_EARN"
    RETURN = "RETURN"
    REDEMPTION = "REDEMPTION"
    GOODWILL = "GOODWILL"
    RETRO = "RETRO"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"
    ADJUSTMENT = "ADJUSTMENT"
    EXPIRY = "EXPIRY"
    MERGE = "MERGE"


class LedgerEntry(models.Model):
    """One points movement of an enrollment. Append-only: the database refuses UPDATE and
    DELETE (a pgtrigger), so a mistake is corrected by a new ADJUSTMENT entry.

    `points` is signed (credit > 0, debit < 0). `purchase_amount` is the bill amount a
    BILL_EARN / RETRO adds to (or a RETURN takes from) the cumulative purchases.
    `source_request_id` is the id of the request (goodwill / retro, `loyalty.workflow.models`)
    that caused the movement; a plain indexed integer so the two model modules stay apart.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    # Repeated from the enrollment so a customer's ledger is one index scan.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=LedgerKind.choices)
    points = models.DecimalField(**POINTS)
    purchase_amount = models.DecimalField(**POINTS, default=0)
    expiry_date = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bill = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    transfer = models.ForeignKey(
        PointsTransfer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    source_request_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["customer", "-id"], name="ledger_by_customer"),
            models.Index(fields=["enrollment", "-id"], name="ledger_by_enrollment"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="ledger_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            # I4: an entry moves a live customer's enrollment, and repeats its customer
            # and program (the ledger's per-customer reads rely on it).
            pgtrigger.Trigger(
                name="ledger_of_live_customer",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                declare=[("survivor", "bigint"), ("owner", "bigint"), ("program", "integer")],
                func="""
                    SELECT e.customer_id, e.program_id INTO owner, program
                      FROM loyalty_enrollment e WHERE e.id = NEW.enrollment_id;
                    IF owner IS DISTINCT FROM NEW.customer_id
                       OR program IS DISTINCT FROM NEW.program_id THEN
                        RAISE EXCEPTION USING ERRCODE = 'check_violation',
                            MESSAGE = format('I4: ledger entry for customer %s / program %s on '
                                             'enrollment %s of customer %s / program %s',
                                             NEW.customer_id, NEW.program_id,
                                             NEW.enrollment_id, owner, program);
                    END IF;
                    SELECT merged_into_id INTO survivor FROM customers_customer
                     WHERE id = NEW.customer_id FOR KEY SHARE;
                    IF survivor IS NOT NULL THEN
                        RAISE EXCEPTION USING ERRCODE = 'check_violation',
                            MESSAGE = format('I4: customer %s is merged into %s; its points '
                                             'do not move', NEW.customer_id, survivor);
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points} ({self.enrollment_id})"
