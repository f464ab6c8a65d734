from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from config.errors import DomainError, Warnings
from loyalty import registration, selectors, services
from loyalty.models import Coupon, Enrollment, LedgerEntry, LedgerKind, PointsTransfer
from loyalty.models import Transaction as Bill


def assert_ledger_matches(*enrollments):
    assert selectors.ledger_differences(enrollment_ids=[e.pk for e in enrollments]) == []


def test_bill_earns_points_and_return_reverses_them(enrolled, store, till):
    # given
    enrollment = enrolled()
    # when
    result = services.bill_add(
        store=store,
        till=till,
        number="B1",
        amount=Decimal("250.75"),
        bill_type="REGULAR",
        customer=enrollment.customer,
        actor=till,
    )
    services.bill_return(original=result.bill, amount=Decimal("100"), actor=till)
    # then
    enrollment.refresh_from_db()
    assert result.ledger_entry.points == 250
    assert enrollment.returned == Decimal("99.70")
    assert enrollment.loyalty_points == Decimal("150.30")
    assert enrollment.cumulative_purchases == Decimal("150.75")
    assert_ledger_matches(enrollment)


def test_duplicate_bill_number_is_refused(enrolled, store, till):
    enrollment = enrolled()
    kwargs = {"store": store, "till": till, "number": "B1", "bill_type": "REGULAR", "actor": till}
    services.bill_add(amount=Decimal(10), customer=enrollment.customer, **kwargs)
    with pytest.raises(DomainError) as refused:
        services.bill_add(amount=Decimal(20), customer=enrollment.customer, **kwargs)
    assert refused.value.code == 604
    assert Bill.objects.count() == 1


def test_tier_upgrades_on_lifetime_points(enrolled, till):
    enrollment = enrolled(points=1200)
    enrollment.refresh_from_db()
    assert enrollment.tier.name == "Gold"
    assert enrollment.tier_expiry_date is not None


def test_a_posting_that_upgrades_the_tier_costs_no_more_queries(enrolled, till):
    from django.test.utils import CaptureQueriesContext

    # given: two Silver enrollments, one 10 points from Gold (1000 lifetime points)
    staying, upgrading = enrolled(points=10), enrolled(points=990)
    counts = []
    for enrollment in (staying, upgrading):
        with CaptureQueriesContext(connection) as captured:
            services.points_credit(
                enrollment=enrollment, kind=LedgerKind.GOODWILL, points=10, actor=till
            )
        counts.append(len(captured.captured_queries))
    # then: the upgrade is written by the posting's one UPDATE of the enrollment
    assert counts[0] == counts[1]
    staying.refresh_from_db()
    upgrading.refresh_from_db()
    assert (staying.tier.name, upgrading.tier.name) == ("Silver", "Gold")
    assert upgrading.lifetime_points == 1000 and upgrading.tier_expiry_date is not None


def test_ledger_update_and_delete_are_refused_by_the_database(enrolled):
    enrollment = enrolled(points=10)
    entry_id = LedgerEntry.objects.get(enrollment=enrollment).pk
    for sql in (
        "UPDATE loyalty_ledgerentry SET points = 1000 WHERE id = %s",
        "DELETE FROM loyalty_ledgerentry WHERE id = %s",
    ):
        with (
            pytest.raises(ProgrammingError, match="Cannot update or delete"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry_id])
    assert LedgerEntry.objects.get(pk=entry_id).points == 10


def test_insufficient_transfer_writes_nothing(enrolled, make_customer, program, till):
    sender = enrolled(points=50)
    receiver = make_customer(first_name="James")
    with pytest.raises(DomainError) as refused:
        services.points_transfer(
            from_customer=sender.customer,
            to_customer=receiver,
            program=program,
            points=60,
            actor=till,
        )
    assert refused.value.code == 804
    assert PointsTransfer.objects.count() == 0
    assert not Enrollment.objects.filter(customer=receiver).exists()
    assert LedgerEntry.objects.filter(enrollment=sender).count() == 1


def test_expiry_takes_oldest_batches_and_is_rerunnable(enrolled, till):
    from datetime import timedelta

    from django.utils import timezone

    enrollment = enrolled()
    now = timezone.now()
    services.points_credit(
        enrollment=enrollment,
        kind=LedgerKind.GOODWILL,
        points=100,
        actor=till,
        expiry_date=now - timedelta(days=1),
    )
    services.points_credit(
        enrollment=enrollment,
        kind=LedgerKind.GOODWILL,
        points=50,
        actor=till,
        expiry_date=now + timedelta(days=10),
    )
    services.points_redeem(enrollment=enrollment, points=30, actor=till)
    assert services.points_expire(now=now) == 1
    assert services.points_expire(now=now) == 0
    enrollment.refresh_from_db()
    assert enrollment.expired == 70
    assert enrollment.loyalty_points == 50
    assert_ledger_matches(enrollment)


def test_registration_step_awards_bonus_coupon_and_opening_balance(program, make_customer, till):
    customer = make_customer()
    warnings, side_effects = Warnings(), []
    payload = {
        "loyaltyProgramEnrollments": [
            {
                "programId": 1016,
                "tierNumber": 234,
                "loyaltyPoints": 75,
                "tierExpiryDate": "2022-02-11T16:36:17+05:30",
                "pointsExpiryDate": "2022-02-11T16:36:17+05:30",
            }
        ]
    }
    registration.enrollments_apply(
        customer=customer,
        command=SimpleNamespace(parts={"loyalty": registration.enrollments_parse(payload)}),
        actor=till,
        warnings=warnings,
        side_effects=side_effects,
        created=True,
    )
    assert side_effects[0] == {"awardedPoints": 100, "type": "points"}
    coupon = Coupon.objects.get(customer=customer)
    assert side_effects[1]["couponCode"] == coupon.code
    assert side_effects[1]["type"] == "coupon"
    assert [w["code"] for w in warnings] == [9202, 9203]
    enrollment = Enrollment.objects.get(customer=customer)
    assert enrollment.loyalty_points == 175
    assert enrollment.tier.serial_number == 1
    assert_ledger_matches(enrollment)


def test_merge_moves_points_through_ledger_entries(enrolled, till):
    victim = enrolled(points=300)
    survivor = enrolled(points=20, first_name="James")
    services.enrollments_merge(
        victim=victim.customer, survivor=survivor.customer, actor=till, warnings=Warnings()
    )
    victim.refresh_from_db()
    survivor.refresh_from_db()
    assert victim.loyalty_points == 0
    assert survivor.loyalty_points == 320
    merge_in = LedgerEntry.objects.get(enrollment=survivor, kind=LedgerKind.MERGE)
    assert merge_in.points == 300
    assert_ledger_matches(victim, survivor)


def test_reconcile_ledger_reports_a_difference(enrolled, till):
    from django.core.management import call_command

    enrollment = enrolled(points=40)
    call_command("reconcile_ledger")  # agrees: no exit
    Enrollment.objects.filter(pk=enrollment.pk).update(lifetime_points=41)
    with pytest.raises(SystemExit) as exited:
        call_command("reconcile_ledger")
    assert exited.value.code == 1
    Enrollment.objects.filter(pk=enrollment.pk).update(lifetime_points=40)  # undo for teardown


def test_expire_points_command_is_rerunnable(enrolled, till):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    enrollment = enrolled()
    services.points_credit(
        enrollment=enrollment,
        kind=LedgerKind.GOODWILL,
        points=25,
        actor=till,
        expiry_date=timezone.now() - timedelta(hours=1),
    )
    call_command("expire_points")
    call_command("expire_points")
    enrollment.refresh_from_db()
    assert enrollment.expired == 25
    assert enrollment.loyalty_points == 0
    assert LedgerEntry.objects.filter(enrollment=enrollment, kind=LedgerKind.EXPIRY).count() == 1


def test_update_enrolls_a_converted_loyalty_customer_once(program, make_customer, till):
    customer = make_customer(loyalty_type="non_loyalty")
    warnings, side_effects = Warnings(), []
    # An update naming no program (as the console's edit sends it: no loyalty part).
    step_args = {
        "command": SimpleNamespace(parts={}),
        "actor": till,
        "warnings": warnings,
        "created": False,
    }
    registration.enrollments_apply(customer=customer, side_effects=side_effects, **step_args)
    assert not Enrollment.objects.filter(customer=customer).exists()
    customer.loyalty_type = "loyalty"
    customer.save(update_fields=["loyalty_type"])
    registration.enrollments_apply(customer=customer, side_effects=side_effects, **step_args)
    registration.enrollments_apply(customer=customer, side_effects=side_effects, **step_args)
    assert Enrollment.objects.get(customer=customer).loyalty_points == 100
    assert [effect["type"] for effect in side_effects] == ["points", "coupon"]


def test_retro_claim_makes_the_bill_regular_and_earns_once(enrolled, store, till):
    enrollment = enrolled()
    bill = services.bill_add(
        store=store,
        till=till,
        number="NI-1",
        amount=Decimal(80),
        bill_type="NOT_INTERESTED",
        actor=till,
    ).bill
    entry = services.bill_retro_claim(
        bill=bill, customer=enrollment.customer, actor=till, source_request_id=77
    )
    bill.refresh_from_db()
    assert (bill.type, bill.customer_id) == ("REGULAR", enrollment.customer_id)
    assert (entry.kind, entry.points, entry.source_request_id) == (LedgerKind.RETRO, 80, 77)
    with pytest.raises(DomainError) as refused:
        services.bill_retro_claim(bill=bill, customer=enrollment.customer, actor=till)
    assert refused.value.code == 1627


def test_return_after_merge_takes_points_back_from_the_survivor(enrolled, store, till):
    victim = enrolled()
    survivor = enrolled(first_name="James")
    bill = services.bill_add(
        store=store,
        till=till,
        number="M-1",
        amount=Decimal(100),
        bill_type="REGULAR",
        customer=victim.customer,
        actor=till,
    ).bill
    services.enrollments_merge(victim=victim.customer, survivor=survivor.customer, actor=till)
    services.bill_return(original=bill, amount=None, actor=till)
    survivor.refresh_from_db()
    assert survivor.loyalty_points == 0
    assert survivor.returned == 100
