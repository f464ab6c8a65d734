"""What PostgreSQL itself refuses (docs/invariants.md): a write that bypasses the services
and would break I1-I4 fails with an integrity error and leaves nothing."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from customers.models import CommChannel, Customer, Identifier, Source, SourceProfile
from loyalty.models import Enrollment, LedgerEntry, LedgerKind, Request
from subscriptions.models import Subscription
from tests.invariants.conftest import enrolled


def customer_with(mobile: str | None = None, source: str = Source.INSTORE) -> Customer:
    customer = Customer.objects.create()
    profile = SourceProfile.objects.create(customer=customer, source=source)
    if mobile:
        Identifier.objects.create(
            profile=profile, customer=customer, source=source, type="mobile", value=mobile
        )
    return customer


def victim_of(survivor: Customer) -> Customer:
    """A customer holding nothing, marked merged (what a merge leaves)."""
    victim = Customer.objects.create()
    Customer.objects.filter(pk=victim.pk).update(merged_into=survivor)
    return Customer.objects.get(pk=victim.pk)


def refused(write) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write()
    return str(error.value)


def test_one_identifier_value_has_one_holder_across_sources(db):
    customer_with("919800000001")
    other = customer_with(source=Source.ECOMMERCE)
    profile = other.profiles.get()

    message = refused(
        lambda: Identifier.objects.create(
            profile=profile,
            customer=other,
            source=Source.ECOMMERCE,
            type="mobile",
            value="919800000001",
        )
    )

    assert "identifier_one_holder" in message
    assert Identifier.objects.filter(value="919800000001").count() == 1


def test_the_same_holder_may_have_the_value_in_several_sources(db):
    customer = customer_with("919800000001")
    profile = SourceProfile.objects.create(customer=customer, source=Source.ECOMMERCE)

    Identifier.objects.create(
        profile=profile,
        customer=customer,
        source=Source.ECOMMERCE,
        type="mobile",
        value="919800000001",
    )

    assert Identifier.objects.filter(value="919800000001").count() == 2


def test_a_victim_gets_no_profile_identifier_channel_enrollment_or_subscription(db, till):
    from loyalty.models import Program

    survivor = customer_with("919800000001")
    victim = victim_of(survivor)
    program = Program.objects.create(id=1, name="P")

    for write in (
        lambda: SourceProfile.objects.create(customer=victim, source=Source.WEBSITE),
        lambda: Identifier.objects.create(
            profile=survivor.profiles.get(),
            customer=victim,
            source=Source.INSTORE,
            type="email",
            value="v@example.com",
        ),
        lambda: CommChannel.objects.create(
            profile=survivor.profiles.get(), customer=victim, type="email", value="v@x.com"
        ),
        lambda: Enrollment.objects.create(customer=victim, program=program, loyalty_id=1),
        lambda: Subscription.objects.create(
            customer=victim, channel="EMAIL", priority="BULK", status="OPTIN"
        ),
        lambda: Request.objects.create(
            type="GOODWILL", base_type="POINTS", customer=victim, requested_by_till=till
        ),
    ):
        assert "I2" in refused(write)


def test_a_customer_holding_anything_cannot_be_marked_merged(db, till):
    from loyalty.models import Program

    survivor = customer_with("919800000001")
    program = Program.objects.create(id=1, name="P")
    with_profile = customer_with()
    with_points = Customer.objects.create()
    enrolled(with_points, program, points=5)
    with_request = Customer.objects.create()
    Request.objects.create(
        type="GOODWILL", base_type="POINTS", customer=with_request, requested_by_till=till
    )
    with_subscription = Customer.objects.create()
    Subscription.objects.create(
        customer=with_subscription, channel="EMAIL", priority="BULK", status="OPTIN"
    )

    for customer, what in (
        (with_profile, "profiles"),
        (with_points, "points"),
        (with_request, "pending requests"),
        (with_subscription, "subscriptions"),
    ):
        message = refused(
            lambda c=customer: Customer.objects.filter(pk=c.pk).update(merged_into=survivor)
        )
        assert what in message
        assert Customer.objects.get(pk=customer.pk).merged_into_id is None


def test_every_victim_is_one_hop_from_a_live_survivor(db):
    first, second, third = (Customer.objects.create() for _ in range(3))
    Customer.objects.filter(pk=first.pk).update(merged_into=second)

    # into a survivor that is itself merged
    assert "itself merged" in refused(
        lambda: Customer.objects.filter(pk=third.pk).update(merged_into=first)
    )
    # a customer whose victims still point at it
    assert "victims of its own" in refused(
        lambda: Customer.objects.filter(pk=second.pk).update(merged_into=third)
    )


def test_a_customer_has_one_primary_value_per_channel_type(db):
    customer = customer_with()
    profile = customer.profiles.get()
    CommChannel.objects.create(
        profile=profile, customer=customer, type="mobile", value="919800000001", primary=True
    )
    other_source = SourceProfile.objects.create(customer=customer, source=Source.ECOMMERCE)

    # the same number primary in another profile: fine; another number: refused
    CommChannel.objects.create(
        profile=other_source, customer=customer, type="mobile", value="919800000001", primary=True
    )
    message = refused(
        lambda: CommChannel.objects.create(
            profile=other_source,
            customer=customer,
            type="mobile",
            value="919800000002",
            primary=True,
        )
    )

    assert "comm_channel_one_primary_value" in message


def test_a_ledger_entry_names_its_enrollments_customer_and_program(db):
    from loyalty.models import Program

    program = Program.objects.create(id=1, name="P")
    owner, stranger = Customer.objects.create(), Customer.objects.create()
    enrollment = Enrollment.objects.create(customer=owner, program=program, loyalty_id=1)

    message = refused(
        lambda: LedgerEntry.objects.create(
            enrollment=enrollment,
            customer=stranger,
            program=program,
            kind=LedgerKind.GOODWILL,
            points=Decimal(1),
        )
    )

    assert "I4" in message
    assert not LedgerEntry.objects.exists()


def test_no_balance_goes_below_zero(db):
    from loyalty.models import Program

    program = Program.objects.create(id=1, name="P")
    enrollment = Enrollment.objects.create(
        customer=Customer.objects.create(), program=program, loyalty_id=1
    )

    message = refused(
        lambda: Enrollment.objects.filter(pk=enrollment.pk).update(loyalty_points=Decimal(-1))
    )

    assert "enrollment_points_not_negative" in message
