"""A crash between writing a ledger entry and moving the enrollment figures leaves neither:
both are one transaction (issue: reliability, fault tests)."""

from decimal import Decimal

import pytest

from customers.models import Customer
from loyalty import services
from loyalty.models import Enrollment, LedgerEntry, LedgerKind
from loyalty.models import Transaction as Bill


class Crash(Exception):
    pass


@pytest.fixture
def crash_after_the_ledger_insert(monkeypatch):
    """`arm()` makes the next posting crash where `_post_points` has inserted the ledger row
    and not yet updated the enrollment (it computes the figure deltas in between); the
    list returned holds the ledger row count seen inside the transaction at the crash."""
    rows_at_crash: list[int] = []

    def crash(*args, **kwargs):
        rows_at_crash.append(LedgerEntry.objects.count())
        raise Crash("the worker died here")

    def arm() -> list[int]:
        monkeypatch.setattr(services, "figure_deltas", crash)
        return rows_at_crash

    return arm


def test_a_crash_after_the_ledger_insert_writes_neither(
    enrolled, till, crash_after_the_ledger_insert
):
    # given: an enrollment with 100 points and its one ledger entry
    enrollment = enrolled(points=100)
    before = Enrollment.objects.values(*Enrollment.FIGURES).get(pk=enrollment.pk)
    entries = LedgerEntry.objects.count()
    rows_at_crash = crash_after_the_ledger_insert()
    # when: a credit crashes between the ledger insert and the enrollment update
    with pytest.raises(Crash):
        services.points_credit(
            enrollment=enrollment,
            kind=LedgerKind.GOODWILL,
            points=50,
            actor=till,
            reason="crash test",
        )
    # then: the entry had been written when it crashed, and now there is none
    assert rows_at_crash == [entries + 1]
    assert LedgerEntry.objects.count() == entries
    assert not LedgerEntry.objects.filter(reason="crash test").exists()
    assert Enrollment.objects.values(*Enrollment.FIGURES).get(pk=enrollment.pk) == before


def test_a_bill_whose_earning_crashes_answers_500_and_writes_nothing(
    enrolled, till_client, crash_after_the_ledger_insert
):
    enrollment = enrolled(points=0)
    customer = Customer.objects.get(pk=enrollment.customer_id)
    entries = LedgerEntry.objects.count()
    rows_at_crash = crash_after_the_ledger_insert()
    response = till_client.post(
        "/v2/transactions",
        {"billNumber": "CRASH-1", "billAmount": 250, "type": "REGULAR", "userId": customer.pk},
        format="json",
    )
    # the envelope, not an HTML page; neither the bill nor its points
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == 500
    assert rows_at_crash == [entries + 1]
    assert not Bill.objects.filter(number="CRASH-1").exists()
    assert LedgerEntry.objects.count() == entries
    enrollment.refresh_from_db()
    assert enrollment.loyalty_points == Decimal(0)
    assert enrollment.cumulative_purchases == Decimal(0)
