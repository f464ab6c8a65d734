"""Demo data of the loyalty app (idempotent).

Two loaders:
- `load_programs` (order 25, before the customers loader) creates programs 1016 (the
  default: three tiers Silver / Gold / Platinum, 100 points registration bonus and a
  welcome coupon), 1219 and 1223, so the demo customers registered at order 30 are
  enrolled in 1016 with the bonus and coupon by the registration step.
- `load_loyalty` (order 40) gives the demo customers history: regular bills (earning),
  a return, a redemption, goodwill credits, a transfer, enrollments in 1219 / 1223, and
  not-interested bills dated yesterday at `demo.store` (to be claimed by retro requests).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer, CustomerStatus, LoyaltyType, Store, Till
from loyalty.models import (
    CouponSeries,
    Enrollment,
    LedgerKind,
    PointsTransfer,
    Program,
    Tier,
    TransactionType,
)
from loyalty.models import Transaction as Bill

DEFAULT_PROGRAM_ID = 1016
NOT_INTERESTED_PREFIX = "DEMO-NI-"


def load_programs(*, stdout) -> None:
    series, _ = CouponSeries.objects.get_or_create(
        name="Welcome offer",
        defaults={
            "description": "Welcome offer: 20% off the next visit",
            "code_prefix": "WL",
            "validity_days": 90,
        },
    )
    goodwill_series, _ = CouponSeries.objects.get_or_create(
        name="Goodwill voucher",
        defaults={"description": "Sorry-for-the-trouble voucher", "code_prefix": "GW"},
    )
    default, _ = Program.objects.get_or_create(
        id=DEFAULT_PROGRAM_ID,
        defaults={
            "name": "DemoDefaultProgram",
            "is_default": True,
            "points_per_currency_unit": Decimal("0.1"),
            "registration_bonus_points": Decimal("100"),
            "welcome_coupon_series": series,
            "points_validity_days": 365,
        },
    )
    tiers = [
        (1, "Silver", "Entry tier", None),
        (2, "Gold", "Gold tier", Decimal("1000")),
        (3, "Platinum", "Platinum tier", Decimal("5000")),
    ]
    for serial, name, description, threshold in tiers:
        Tier.objects.get_or_create(
            program=default,
            serial_number=serial,
            defaults={
                "name": name,
                "description": description,
                "upgrade_lifetime_points": threshold,
                "validity_days": 365,
            },
        )
    for program_id, name, tier_names in (
        (1219, "Partner program", ["Silver", "Gold", "Platinum"]),
        (1223, "Coalition program", ["Tier1", "Tier2"]),
    ):
        program, _ = Program.objects.get_or_create(
            id=program_id,
            defaults={"name": name, "points_per_currency_unit": Decimal("0.05")},
        )
        for serial, tier_name in enumerate(tier_names, start=1):
            Tier.objects.get_or_create(
                program=program,
                serial_number=serial,
                defaults={
                    "name": tier_name,
                    "description": f"{tier_name} tier",
                    "upgrade_lifetime_points": None if serial == 1 else Decimal(2000 * serial),
                    "validity_days": 730,
                },
            )
    stdout.write(f"demo loyalty: programs {DEFAULT_PROGRAM_ID}, 1219, 1223 ready")


def load_loyalty(*, stdout) -> None:
    from loyalty import services

    load_programs(stdout=stdout)
    store = Store.objects.filter(code="demo.store").first()
    till = Till.objects.filter(code="demo.till").first()
    if store is None or till is None:
        stdout.write("demo loyalty: no demo.store / demo.till, history skipped")
        return
    default = Program.objects.get(pk=DEFAULT_PROGRAM_ID)
    partner = Program.objects.get(pk=1219)
    coalition = Program.objects.get(pk=1223)
    customers = list(
        Customer.objects.filter(
            loyalty_type=LoyaltyType.LOYALTY,
            status=CustomerStatus.ACTIVE,
            merged_into__isnull=True,
        ).order_by("pk")[:80]
    )
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    # Not-interested bills of yesterday, for retro claims.
    for index in range(12):
        number = f"{NOT_INTERESTED_PREFIX}{index + 1:03d}"
        if not Bill.objects.filter(store=store, number=number).exists():
            services.bill_add(
                store=store,
                till=till,
                number=number,
                amount=Decimal(300 + 125 * index),
                bill_type=TransactionType.NOT_INTERESTED,
                billed_at=yesterday.replace(hour=10 + index % 8, minute=5 * index % 60),
                line_count=1 + index % 4,
                actor=till,
            )
    history_written = 0
    for index, customer in enumerate(customers):
        first_number = f"DEMO-{customer.pk}-1"
        if Bill.objects.filter(store=store, number=first_number).exists():
            continue  # history written on an earlier run
        history_written += 1
        bills = []
        for visit in range(1 + index % 4):
            amount = Decimal(400 + (index * 137 + visit * 911) % 9000)
            # A few big spenders reach Gold and Platinum.
            if index % 10 == 0:
                amount *= 8
            result = services.bill_add(
                store=store,
                till=till,
                number=f"DEMO-{customer.pk}-{visit + 1}",
                amount=amount,
                bill_type=TransactionType.REGULAR,
                customer=customer,
                billed_at=now - timedelta(days=90 - visit * 20 - index % 15),
                line_count=1 + (index + visit) % 5,
                actor=till,
            )
            bills.append(result.bill)
        enrollment = Enrollment.objects.get(customer=customer, program=default)
        enrollment.program = default
        if index % 5 == 1 and bills:
            services.bill_return(original=bills[0], amount=bills[0].amount / 2, actor=till)
        if index % 4 == 2:
            enrollment.refresh_from_db()
            if enrollment.loyalty_points >= 50:
                services.points_redeem(
                    enrollment=enrollment, points=50, actor=till, reason="Demo redemption"
                )
        if index % 6 == 3:
            services.points_credit(
                enrollment=enrollment,
                kind=LedgerKind.GOODWILL,
                points=75,
                actor=till,
                reason="Demo goodwill: delayed delivery",
            )
        if index % 9 == 4:
            services.points_credit(
                enrollment=enrollment,
                kind=LedgerKind.ADJUSTMENT,
                points=20,
                actor=till,
                reason="Demo adjustment: points migrated from the old system",
            )
        if index % 3 == 0:
            for program, points in ((partner, 500 + index * 3), (coalition, 120 + index)):
                other, _ = services.enrollment_enroll(
                    customer=customer, program=program, actor=till
                )
                other.program = program
                services.points_credit(
                    enrollment=other,
                    kind=LedgerKind.GOODWILL,
                    points=points,
                    actor=till,
                    reason="Demo: points from partner purchases",
                )
    # Transfers between a few pairs, once.
    if not PointsTransfer.objects.exists() and len(customers) >= 6:
        for sender, receiver in ((customers[0], customers[1]), (customers[2], customers[5])):
            sender_enrollment = Enrollment.objects.get(customer=sender, program=default)
            if sender_enrollment.loyalty_points >= 15:
                services.points_transfer(
                    from_customer=sender,
                    to_customer=receiver,
                    program=default,
                    points=15,
                    notes="Demo transfer to family",
                    actor=till,
                )
    stdout.write(f"demo loyalty: history written for {history_written} customer(s)")
