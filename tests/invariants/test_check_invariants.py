"""`manage.py check_invariants`: a database where each kind of violation was planted fails,
listing each; a clean one passes (the demo data: tests/loyalty/test_demo_full.py)."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from customers.models import CommChannel, Customer, Identifier, Source, SourceProfile
from loyalty.models import Enrollment, LedgerEntry, LedgerKind, Program, Request
from subscriptions.models import Subscription
from tests.invariants.conftest import enrolled

EVERY_CHECK = {
    "identifier_one_holder",
    "identifier_repeats_its_profile",
    "victim_holds_no_registry_rows",
    "victim_one_hop_from_a_live_survivor",
    "one_primary_value_per_channel_type",
    "channel_repeats_its_profile",
    "ledger_sums",
    "balance_not_negative",
    "ledger_repeats_its_enrollment",
    "victim_points_do_not_move",
    "victim_holds_no_balance",
    "victim_has_no_open_request",
    "victim_has_no_subscription",
}


def run(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_invariants", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def profile_of(customer, source=Source.INSTORE) -> SourceProfile:
    return SourceProfile.objects.create(customer=customer, source=source)


def identifier(profile, type_, value, customer=None) -> Identifier:
    return Identifier.objects.create(
        profile=profile,
        customer=customer or profile.customer,
        source=profile.source,
        type=type_,
        value=value,
    )


@pytest.mark.django_db
def test_a_clean_database_passes():
    code, output = run("--no-progress")
    assert (code, output.strip()[:22]) == (0, "Every invariant holds ")


def test_each_planted_violation_is_found_and_the_command_fails(planted, till):
    program = Program.objects.create(id=1, name="P")
    a, b = Customer.objects.create(), Customer.objects.create()
    a_store, b_web = profile_of(a), profile_of(b, Source.ECOMMERCE)
    # I1: one e-mail on two customers; an identifier naming another customer than its profile
    identifier(a_store, "email", "shared@example.com")
    identifier(b_web, "email", "shared@example.com")
    identifier(a_store, "externalId", "X-1", customer=b)
    # I2: a victim keeping a profile; a victim two hops away; a victim with points, a pending
    # request and a subscription; points moved on the victim after its merge
    survivor = Customer.objects.create()
    victim = Customer.objects.create(merged_into=survivor)
    profile_of(victim, Source.WEBSITE)
    Customer.objects.create(merged_into=victim)
    enrolled(victim, program, points=30)
    Customer.objects.filter(pk=victim.pk).update(merged_at="2020-01-01T00:00:00Z")
    Request.objects.create(
        type="GOODWILL", base_type="POINTS", customer=victim, requested_by_till=till
    )
    Subscription.objects.create(customer=victim, channel="EMAIL", priority="BULK", status="OPTIN")
    # I3: two primary mobiles; a channel naming another customer than its profile
    for number in ("919800000001", "919800000002"):
        CommChannel.objects.create(
            profile=a_store, customer=a, type="mobile", value=number, primary=True
        )
    CommChannel.objects.create(profile=a_store, customer=b, type="email", value="b@example.com")
    # I4: figures that are not the ledger's; a negative balance; an entry on another
    # customer's enrollment
    drifted = enrolled(a, program, points=10)
    Enrollment.objects.filter(pk=drifted.pk).update(loyalty_points=Decimal(12))
    negative = enrolled(b, program)
    Enrollment.objects.filter(pk=negative.pk).update(loyalty_points=Decimal(-5))
    LedgerEntry.objects.create(
        enrollment=negative,
        customer=a,
        program=program,
        kind=LedgerKind.ADJUSTMENT,
        points=Decimal(0),
    )

    code, output = run("--no-progress", "--batch-size", "2")

    assert code == 1
    found = {line.split(":")[0].split(" ", 1)[1] for line in output.splitlines() if ": " in line}
    assert EVERY_CHECK - found == set()
    assert "shared@example.com is held by customer" in output
    assert f"merge victim {victim.pk} keeps 30.00 points" in output
    assert "violation(s)" in output


def test_the_ledger_alone_as_reconcile_ledger_did(planted):
    program = Program.objects.create(id=1, name="P")
    drifted = enrolled(Customer.objects.create(), program, points=10)
    Enrollment.objects.filter(pk=drifted.pk).update(loyalty_points=Decimal(12))

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("reconcile_ledger", "--no-progress", stdout=out, stderr=io.StringIO())

    assert exit_.value.code == 1
    assert f"enrollment {drifted.pk}: loyalty_points is 12.00, ledger says 10.00" in out.getvalue()
