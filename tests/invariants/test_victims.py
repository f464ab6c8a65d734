"""I2, merge victims hold nothing: reads and writes addressed to a victim reach its
survivor (8069) or are refused, through the API and the console alike."""

from decimal import Decimal

import pytest
from django.test import Client

from customers.models import Customer
from loyalty.models import Enrollment, LedgerKind, PointsTransfer, Request
from loyalty.models import Transaction as Bill
from tests.console.conftest import AGENT_PERMS, make_staff
from tests.invariants.conftest import (
    MOBILE_A,
    MOBILE_B,
    codes_of,
    created,
    made_request,
    merge,
    register,
)
from tests.requests.test_goodwill import goodwill_body


def credit(customer_id: int, points: int, program, actor) -> None:
    from loyalty.services import enrollment_enroll, points_credit

    enrollment, _ = enrollment_enroll(
        customer=Customer.objects.get(pk=customer_id), program=program, actor=actor
    )
    enrollment.program = program
    points_credit(enrollment=enrollment, kind=LedgerKind.GOODWILL, points=points, actor=actor)


def balance(customer_id: int, program) -> Decimal:
    found = Enrollment.objects.filter(customer_id=customer_id, program=program).first()
    return found.loyalty_points if found else Decimal(0)


@pytest.fixture
def merged(till_client, org_config, program, till):
    """(survivor, victim, friend): the victim had 50 points, merged into the survivor."""
    survivor = created(register(till_client, ("mobile", MOBILE_A)))
    victim = created(register(till_client, ("mobile", MOBILE_B)))
    friend = created(register(till_client, ("email", "friend@example.com")))
    credit(victim, 50, program, till)
    credit(friend, 100, program, till)
    merge(victim, survivor, till)
    return survivor, victim, friend


def transfer(client, from_id, to_id, points):
    return client.post(
        "/v2/points/transfer",
        {"fromUserId": from_id, "toUserId": to_id, "points": points},
        format="json",
    )


def test_a_transfer_to_a_victim_lands_on_its_survivor(till_client, merged, program):
    survivor, victim, friend = merged

    response = transfer(till_client, friend, victim, 30)

    # the points are where reading the victim looks: on the survivor
    assert response.status_code == 200
    assert (balance(survivor, program), balance(victim, program)) == (80, 0)
    details = till_client.get(f"/v2/customers/{victim}/loyaltyDetails").json()
    assert details["data"][0]["loyaltyPoints"] == 80
    assert PointsTransfer.objects.get().to_customer_id == survivor
    assert codes_of(response.json(), "warnings") == [8069]


def test_a_transfer_from_a_victim_leaves_from_its_survivor(till_client, merged, program):
    survivor, victim, friend = merged

    response = transfer(till_client, victim, friend, 20)

    assert response.status_code == 200
    assert (balance(survivor, program), balance(victim, program)) == (30, 0)
    assert balance(friend, program) == 120
    assert PointsTransfer.objects.get().from_customer_id == survivor
    assert codes_of(response.json(), "warnings") == [8069]


def test_a_transfer_between_a_victim_and_its_survivor_is_to_oneself_9206(
    till_client, merged, program
):
    survivor, victim, _ = merged

    response = transfer(till_client, victim, survivor, 10)

    assert codes_of(response.json()) == [9206]
    assert not PointsTransfer.objects.exists()


def test_a_bill_for_a_victim_is_booked_to_its_survivor_with_8069(till_client, merged, program):
    survivor, victim, _ = merged

    response = till_client.post(
        "/v2/transactions",
        {"type": "REGULAR", "billNumber": "B-1", "billAmount": 40, "userId": victim},
        format="json",
    )

    assert response.status_code == 200
    assert codes_of(response.json(), "warnings") == [8069]
    assert Bill.objects.get().customer_id == survivor
    assert (balance(survivor, program), balance(victim, program)) == (90, 0)


def test_reading_a_victim_answers_its_survivor_with_8069_and_91009(till_client, merged):
    survivor, victim, _ = merged

    details = till_client.get(f"/v2/customers/{victim}").json()

    assert details["id"] == survivor
    assert codes_of(details, "warnings") == [8069, 91009]


def test_an_update_addressed_to_a_victim_updates_its_survivor(till_client, merged):
    survivor, victim, _ = merged

    response = till_client.put(
        f"/v2/customers/{victim}?source=INSTORE",
        {"profiles": [{"firstName": "Renamed"}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["createdId"] == survivor
    assert codes_of(response.json(), "warnings")[0] == 8069
    assert Customer.objects.get(pk=survivor).profiles.get(source="INSTORE").first_name == "Renamed"


def test_a_status_change_addressed_to_a_victim_is_refused_8067(till_client, merged):
    survivor, victim, _ = merged

    response = till_client.put(
        f"/v2/customers/{victim}/status", {"label": "SUSPENDED", "reason": "x"}, format="json"
    )

    assert codes_of(response.json()) == [8067]
    assert str(survivor) in response.json()["errors"][0]["message"]
    assert Customer.objects.get(pk=survivor).status == "ACTIVE"


def test_a_pending_goodwill_request_moves_with_the_merge_and_credits_the_survivor(
    till_client, supervisor_client, org_config, program, till
):
    survivor = created(register(till_client, ("mobile", MOBILE_A)))
    victim = created(register(till_client, ("mobile", MOBILE_B)))
    made = till_client.post(
        "/v2/requests", goodwill_body(Customer(pk=victim), points=70), format="json"
    )
    assert made.status_code == 200, made.json()

    merge(victim, survivor, till)
    decided = supervisor_client.put(
        "/v2/requests", [{"id": made.json()["createdId"], "status": "APPROVED"}], format="json"
    )

    assert decided.json()["data"][0]["status"] == "APPROVED"
    assert Request.objects.get().customer_id == survivor
    assert (balance(survivor, program), balance(victim, program)) == (70, 0)


def test_a_pending_merge_of_the_two_customers_ends_superseded(
    till_client, org_config, program, till
):
    survivor = created(register(till_client, ("mobile", MOBILE_A)))
    victim = created(register(till_client, ("mobile", MOBILE_B)))
    made_request(
        till_client,
        type="CHANGE_IDENTIFIER",
        baseType="MERGE",
        customerId=survivor,
        victimId=victim,
    )

    merge(victim, survivor, till)  # merged another way (changeIdentifier, another request)

    request = Request.objects.get()
    assert (request.status, request.failure_code) == ("FAILED", 9029)
    assert "Superseded" in request.failure_reason


# --- The console does the same ----------------------------------------------------------


@pytest.fixture
def console_agent(db):
    client = Client()
    client.force_login(
        make_staff(
            "console.agent",
            perms=(*AGENT_PERMS, "loyalty.make_goodwill_request", "loyalty.view_request"),
        )
    )
    return client


def test_the_console_raises_goodwill_for_a_victim_on_its_survivor(console_agent, merged, program):
    survivor, victim, _ = merged

    response = console_agent.post(
        f"/admin/loyalty/request/raise/{victim}/goodwill-points/",
        {"program": program.pk, "points": "25", "reason": "POINTS_ISSUE"},
        follow=True,
    )

    assert response.status_code == 200
    assert "(code 8069)" in response.content.decode()
    assert Request.objects.get().customer_id == survivor


def test_the_console_edit_of_a_victim_goes_to_its_survivor(console_agent, merged):
    survivor, victim, _ = merged

    response = console_agent.get(f"/admin/customers/customer/{victim}/edit/", follow=True)

    assert response.redirect_chain[-1][0] == f"/admin/customers/customer/{survivor}/edit/"
    assert "(code 8069)" in response.content.decode()


def test_a_redemption_on_a_victims_enrollment_redeems_on_its_survivors(merged, program, till):
    from config.errors import Warnings
    from loyalty.services import points_redeem

    survivor, victim, _ = merged
    warnings = Warnings()

    entry = points_redeem(
        enrollment=Enrollment.objects.get(customer_id=victim, program=program),
        points=20,
        actor=till,
        warnings=warnings,
    )

    assert entry.customer_id == survivor
    assert (balance(survivor, program), balance(victim, program)) == (30, 0)
    assert [w["code"] for w in warnings] == [8069]
