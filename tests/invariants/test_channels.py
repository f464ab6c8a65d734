"""I3, channels follow identifiers: a replaced mobile or e-mail takes its channels along
(unverified), a reallocated mobile leaves its former holder's channels, and a merge leaves
one primary value per channel type; through the API and the console."""

import pytest
from django.test import Client

from customers.models import CommChannel
from loyalty.models import Request
from tests.console.conftest import AGENT_PERMS, make_staff
from tests.invariants.conftest import MOBILE_A, MOBILE_B, MOBILE_C, created, made_request

CHECKER = (
    *AGENT_PERMS,
    "customers.view_pii",
    "loyalty.check_identifier_change_request",
    "loyalty.view_request",
)


def register_with_channel(client, mobile, email):
    """A store customer whose mobile is also its primary, verified SMS channel."""
    return created(
        client.post(
            "/v2/customers?source=INSTORE",
            {
                "loyaltyInfo": {"loyaltyType": "loyalty"},
                "profiles": [
                    {
                        "firstName": "Tom",
                        "identifiers": [
                            {"type": "mobile", "value": mobile},
                            {"type": "email", "value": email},
                        ],
                        "commChannels": [
                            {"type": "mobile", "value": mobile, "primary": True, "verified": True},
                            {"type": "email", "value": email, "primary": True, "verified": True},
                        ],
                    }
                ],
            },
            format="json",
        )
    )


def channels(customer_id, type_="mobile"):
    return sorted(
        CommChannel.objects.filter(customer_id=customer_id, type=type_).values_list(
            "value", "primary", "verified"
        )
    )


def change_request(client, customer_id, old, new):
    return made_request(
        client,
        type="CHANGE_IDENTIFIER",
        baseType="MOBILE",
        customerId=customer_id,
        source="INSTORE",
        oldValue=old,
        newValue=new,
    )


@pytest.fixture
def console_checker(db):
    client = Client()
    client.force_login(make_staff("console.checker", perms=CHECKER))
    return client


def test_an_approved_mobile_change_moves_the_primary_channel_unverified(
    till_client, supervisor_client, org_config
):
    customer = register_with_channel(till_client, MOBILE_A, "a@example.com")
    request_id = change_request(till_client, customer, MOBILE_A, MOBILE_B)

    decided = supervisor_client.put(
        "/v2/requests", [{"id": request_id, "status": "APPROVED"}], format="json"
    )

    assert decided.json()["data"][0]["status"] == "APPROVED"
    assert channels(customer) == [(MOBILE_B, True, False)]
    assert channels(customer, "email") == [("a@example.com", True, True)]  # untouched


def test_the_console_approval_of_a_mobile_change_moves_the_channel_too(
    till_client, console_checker, org_config
):
    customer = register_with_channel(till_client, MOBILE_A, "a@example.com")
    request_id = change_request(till_client, customer, MOBILE_A, MOBILE_B)

    console_checker.post(f"/admin/loyalty/request/{request_id}/decide/", {"approve": "1"})

    assert Request.objects.get(pk=request_id).status == "APPROVED"
    assert channels(customer) == [(MOBILE_B, True, False)]


def test_change_identifier_replacing_the_mobile_moves_its_channel(till_client, org_config):
    customer = register_with_channel(till_client, MOBILE_A, "a@example.com")

    response = till_client.post(
        f"/v2/customers/{customer}/changeIdentifier?source=INSTORE",
        {
            "add": [{"type": "mobile", "value": MOBILE_B}],
            "remove": [{"type": "mobile", "value": MOBILE_A}],
        },
        format="json",
    )

    assert response.status_code == 200
    assert channels(customer) == [(MOBILE_B, True, False)]


def test_a_reallocated_mobile_leaves_its_former_holder_with_its_channel(
    till_client, supervisor_client, org_config
):
    holder = register_with_channel(till_client, MOBILE_A, "old@example.com")
    receiver = register_with_channel(till_client, MOBILE_B, "new@example.com")
    request_id = made_request(
        till_client,
        type="CHANGE_IDENTIFIER",
        baseType="MOBILE_REALLOC",
        customerId=receiver,
        mobile=MOBILE_A,
        fromCustomerId=holder,
    )

    supervisor_client.put("/v2/requests", [{"id": request_id, "status": "APPROVED"}], format="json")

    assert Request.objects.get().status == "APPROVED"
    assert channels(holder) == []  # no more messages to a number that is not theirs
    # the receiver keeps its own primary number; the moved one is neither primary nor verified
    assert channels(receiver) == [(MOBILE_A, False, False), (MOBILE_B, True, True)]


def _merge_request(client, survivor, victim):
    return made_request(
        client, type="CHANGE_IDENTIFIER", baseType="MERGE", customerId=survivor, victimId=victim
    )


def test_an_approved_merge_leaves_one_primary_mobile(till_client, supervisor_client, org_config):
    survivor = register_with_channel(till_client, MOBILE_A, "s@example.com")
    victim = register_with_channel(till_client, MOBILE_C, "v@example.com")
    request_id = _merge_request(till_client, survivor, victim)

    supervisor_client.put("/v2/requests", [{"id": request_id, "status": "APPROVED"}], format="json")

    assert Request.objects.get().status == "APPROVED"
    assert channels(survivor) == [(MOBILE_A, True, True), (MOBILE_C, False, True)]
    assert [primary for _, primary, _ in channels(survivor, "email")].count(True) == 1


def test_a_merge_approved_in_the_console_leaves_one_primary_mobile(
    till_client, console_checker, org_config
):
    survivor = register_with_channel(till_client, MOBILE_A, "s@example.com")
    victim = register_with_channel(till_client, MOBILE_C, "v@example.com")
    request_id = _merge_request(till_client, survivor, victim)

    console_checker.post(f"/admin/loyalty/request/{request_id}/decide/", {"approve": "1"})

    assert Request.objects.get().status == "APPROVED"
    assert channels(survivor) == [(MOBILE_A, True, True), (MOBILE_C, False, True)]


def test_a_newer_primary_channel_of_another_source_takes_over(till_client, org_config):
    customer = register_with_channel(till_client, MOBILE_A, "a@example.com")

    response = till_client.put(
        f"/v2/customers/{customer}?source=ECOMMERCE",
        {"profiles": [{"commChannels": [{"type": "mobile", "value": MOBILE_B, "primary": True}]}]},
        format="json",
    )

    assert response.status_code == 200
    assert channels(customer) == [(MOBILE_A, False, True), (MOBILE_B, True, False)]
