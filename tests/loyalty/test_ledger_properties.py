"""The enrollment figures always equal the sums of the ledger."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.errors import DomainError
from loyalty import selectors, services
from loyalty.models import Enrollment, LedgerEntry, LedgerKind, PointsTransfer

amounts = st.decimals(min_value=1, max_value=500, places=2)
movements = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), amounts),
        st.tuples(st.just("return"), st.integers(min_value=0, max_value=20), amounts),
        st.tuples(st.just("redeem"), amounts),
        st.tuples(st.just("transfer"), st.booleans(), amounts),
        st.tuples(st.just("goodwill"), amounts),
        st.tuples(st.just("expire"), st.integers(min_value=-5, max_value=5)),
        st.tuples(st.just("adjust"), amounts),
    ),
    max_size=15,
)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=movements)
def test_figures_equal_ledger_sums_after_any_movements(steps, program, make_customer, store, till):
    # Each example works on two fresh customers: ledger rows cannot be deleted, so
    # examples stay apart without cleanup (the test transaction is rolled back at the end).
    enrollments = []
    for name in ("A", "B"):
        customer = make_customer(first_name=name)
        enrollment, _ = services.enrollment_enroll(customer=customer, program=program, actor=till)
        enrollment.program = program
        enrollments.append(enrollment)
    first, second = enrollments
    bills = []
    now = timezone.now()
    for step in steps:
        kind = step[0]
        try:
            if kind == "earn":
                result = services.bill_add(
                    store=store,
                    till=till,
                    number=f"P{first.pk}-{len(bills)}",
                    amount=step[1],
                    bill_type="REGULAR",
                    customer=first.customer,
                    actor=till,
                    billed_at=now,
                )
                bills.append(result.bill)
            elif kind == "return" and bills:
                bill = bills[step[1] % len(bills)]
                services.bill_return(original=bill, amount=step[2], actor=till)
            elif kind == "redeem":
                services.points_redeem(enrollment=first, points=step[1], actor=till)
            elif kind == "transfer":
                sender, receiver = (first, second) if step[1] else (second, first)
                services.points_transfer(
                    from_customer=sender.customer,
                    to_customer=receiver.customer,
                    program=program,
                    points=step[2],
                    actor=till,
                )
            elif kind == "goodwill":
                services.points_credit(
                    enrollment=first,
                    kind=LedgerKind.GOODWILL,
                    points=step[1],
                    actor=till,
                    expiry_date=now + timedelta(days=1),
                )
            elif kind == "adjust":
                services.points_credit(
                    enrollment=second, kind=LedgerKind.ADJUSTMENT, points=step[1], actor=till
                )
            elif kind == "expire":
                services.points_expire(now=now + timedelta(days=step[1]))
        except DomainError as refusal:
            # Refusals are part of the game (insufficient points, over-returns).
            assert refusal.code in {630, 633, 803, 804}
    for enrollment in enrollments:
        enrollment.refresh_from_db()
        assert enrollment.loyalty_points >= 0
        assert (
            enrollment.loyalty_points
            == enrollment.lifetime_points
            - enrollment.redeemed
            - enrollment.expired
            - enrollment.returned
            + enrollment.adjusted
        )
    assert selectors.ledger_differences(enrollment_ids=[e.pk for e in enrollments]) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_transfers_never_overdraw(program, make_customer, till):
    # given: 100 points, two transfers of 70 at the same moment on two connections
    sender_customer = make_customer(first_name="Sender")
    sender, _ = services.enrollment_enroll(customer=sender_customer, program=program, actor=till)
    sender.program = program
    services.points_credit(enrollment=sender, kind=LedgerKind.GOODWILL, points=100, actor=till)
    receivers = [make_customer(first_name=f"R{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def transfer(receiver):
        try:
            barrier.wait()
            services.points_transfer(
                from_customer=sender_customer,
                to_customer=receiver,
                program=program,
                points=70,
                actor=till,
            )
            outcomes.append("ok")
        except DomainError as refusal:
            outcomes.append(refusal.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=transfer, args=(r,)) for r in receivers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: one went through, the other was refused; the balance stayed consistent
    assert sorted(outcomes, key=str) == [804, "ok"]
    sender.refresh_from_db()
    assert sender.loyalty_points == 30
    assert PointsTransfer.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.TRANSFER_OUT).count() == 1
    assert selectors.ledger_differences() == []
    assert Enrollment.objects.filter(loyalty_points__lt=0).count() == 0
    assert sum(e.loyalty_points for e in Enrollment.objects.all()) == Decimal(100)
