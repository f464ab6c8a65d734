"""Loyalty through the customers endpoints: registration side effects, embeds, merge."""

import json
from pathlib import Path

import pytest

from loyalty import selectors, services
from loyalty.models import Coupon, Enrollment, LedgerEntry, LedgerKind
from loyalty.models import Transaction as Bill

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
def org_config(db, store):
    """What the register sample needs: account 400 of MOBILE_APP, its custom and extended
    fields, and the till named by `associatedWith`."""
    from customers.demo import DEMO_ACCOUNTS, DEMO_CUSTOM_FIELDS, DEMO_EXTENDED_FIELDS
    from customers.models import (
        CustomFieldDefinition,
        ExtendedFieldDefinition,
        SourceAccount,
        Till,
    )

    for source, account_id, name in DEMO_ACCOUNTS:
        SourceAccount.objects.create(source=source, account_id=account_id, name=name)
    for name, data_type in DEMO_CUSTOM_FIELDS:
        CustomFieldDefinition.objects.create(name=name, data_type=data_type)
    for name, data_type, allowed in DEMO_EXTENDED_FIELDS:
        ExtendedFieldDefinition.objects.create(
            name=name, data_type=data_type, allowed_values=allowed
        )
    till = Till(store=store, code="bukl.till", name="bukl.till")
    till.set_secret("bukl-secret")
    till.save()


def register_sample(till_client):
    return till_client.post(
        "/v2/customers?source=MOBILE_APP&accountId=400",
        sample("register.request.json"),
        format="json",
    )


def test_register_sample_answers_points_and_coupon_side_effects(till_client, org_config, program):
    # when: the seed's registration sample, verbatim
    response = register_sample(till_client)
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = sample("register.response.json")
    assert set(body) == set(expected)
    points_effect, coupon_effect = body["sideEffects"]
    assert points_effect == expected["sideEffects"][0] == {"awardedPoints": 100, "type": "points"}
    assert list(coupon_effect) == list(expected["sideEffects"][1])
    coupon = Coupon.objects.get(customer_id=body["createdId"])
    assert coupon_effect["id"] == coupon.pk
    assert coupon_effect["couponCode"] == coupon_effect["trimmedCouponCode"] == coupon.code
    assert coupon_effect["couponType"] == "PE"
    assert coupon_effect["discountCode"] == "NO_VALUE"
    assert coupon_effect["description"] == "Test Offer 20"
    assert coupon_effect["validTill"].endswith("Z")
    # the sample's tierNumber 234 is not a tier of 1016: a warning, not a failure
    assert 9202 in [warning["code"] for warning in body["warnings"]]
    enrollment = Enrollment.objects.get(customer_id=body["createdId"])
    assert enrollment.program_id == 1016
    assert enrollment.loyalty_points == 175  # bonus 100 + opening balance 75
    assert selectors.ledger_differences(enrollment_ids=[enrollment.pk]) == []


def test_embed_mlp_and_points_show_the_registered_enrollment(
    till_client, org_config, program, django_assert_max_num_queries
):
    created_id = register_sample(till_client).json()["createdId"]
    response = till_client.get(f"/v2/customers/{created_id}", {"embed": "mlp"})
    assert response.status_code == 200, response.json()
    details = response.json()["loyaltyProgramDetails"]
    assert [(item["programId"], item["loyaltyPoints"]) for item in details] == [(1016, 175)]
    summary = till_client.get(f"/v2/customers/{created_id}", {"embed": "points"}).json()
    assert summary["pointsSummary"]["loyaltyPoints"] == 175.0


def test_embed_mlp_query_count_does_not_grow_with_programs(
    till_client, org_config, program, till, django_assert_max_num_queries
):
    from loyalty.models import Program, Tier

    created_id = register_sample(till_client).json()["createdId"]
    url = f"/v2/customers/{created_id}"
    with django_assert_max_num_queries(40) as small:
        till_client.get(url, {"embed": "mlp"})
    customer = Enrollment.objects.get(customer_id=created_id).customer
    for program_id in range(5000, 5008):
        other = Program.objects.create(id=program_id, name=str(program_id))
        Tier.objects.create(program=other, serial_number=1, name="Base")
        enrollment, _ = services.enrollment_enroll(customer=customer, program=other, actor=till)
        enrollment.program = other
        services.points_credit(
            enrollment=enrollment, kind=LedgerKind.GOODWILL, points=5, actor=till
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = till_client.get(url, {"embed": "mlp"})
    assert len(response.json()["loyaltyProgramDetails"]) == 9


def test_customer_merge_moves_enrollments_through_ledger_entries(enrolled, store, till):
    from customers.services import customer_merge

    # given: a victim with points and a bill, a survivor with a smaller balance
    victim = enrolled(points=300)
    survivor = enrolled(points=20, first_name="James")
    services.bill_add(
        store=store,
        till=till,
        number="V-1",
        amount=50,
        bill_type="REGULAR",
        customer=victim.customer,
        actor=till,
    )
    # when
    customer_merge(victim_id=victim.customer_id, survivor_id=survivor.customer_id, actor=till)
    # then: the survivor's ledger explains its new balance
    victim.refresh_from_db()
    survivor.refresh_from_db()
    assert victim.loyalty_points == 0
    assert survivor.loyalty_points == 370
    assert survivor.cumulative_purchases == 50
    merge_in = LedgerEntry.objects.get(enrollment=survivor, kind=LedgerKind.MERGE)
    assert merge_in.points == 350
    assert f"customer {victim.customer_id}" in merge_in.reason
    assert LedgerEntry.objects.get(enrollment=victim, kind=LedgerKind.MERGE).points == -350
    assert sum(e.points for e in survivor.ledger_entries.all()) == survivor.loyalty_points
    assert Bill.objects.get(number="V-1").customer_id == survivor.customer_id
    assert selectors.ledger_differences() == []


def test_merge_creates_the_survivor_enrollment_when_missing(enrolled, make_customer, till):
    from customers.services import customer_merge

    victim = enrolled(points=40)
    survivor = make_customer(first_name="New")
    customer_merge(victim_id=victim.customer_id, survivor_id=survivor.pk, actor=till)
    moved = Enrollment.objects.get(customer=survivor)
    assert moved.loyalty_points == 40
    assert list(moved.ledger_entries.values_list("kind", "points")) == [(LedgerKind.MERGE, 40)]


def test_victim_ledger_answers_the_survivor_with_merge_warnings(enrolled, till, till_client):
    from customers.services import customer_merge

    victim = enrolled(points=30)
    survivor = enrolled(points=5, first_name="James")
    customer_merge(victim_id=victim.customer_id, survivor_id=survivor.customer_id, actor=till)
    body = till_client.get(f"/v2/customers/{victim.customer_id}/ledger").json()
    assert [w["code"] for w in body["warnings"]] == [8069, 91009]
    assert body["data"][0]["kind"] == "MERGE"
    assert body["data"][0]["points"] == 30
    assert f"customer {victim.customer_id}" in body["data"][0]["reason"]
