"""Reviewer's findings on loyalty inputs: numbers that do not fit their columns, opening
balances at registration, the 9202 warning on update, goodwill points precision.

Every refusal answers 4xx in the envelope with its documented code and writes nothing.
"""

from decimal import Decimal

import pytest

from config import codes
from customers.models import Customer, Identifier, Source, SourceProfile
from loyalty.models import Enrollment, LedgerEntry, LedgerKind, PointsTransfer, Request
from loyalty.models import Transaction as Bill
from loyalty.services import MAX_OPENING_POINTS
from tests.customers.conftest import register_body

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999


def error_codes(response) -> list[int]:
    return [item["code"] for item in response.json()["errors"]]


def warning_codes(response) -> list[int]:
    return [item["code"] for item in response.json()["warnings"]]


def register_with_opening(till_client, loyalty_points, mobile="919845012345"):
    body = register_body(("mobile", mobile))
    body["loyaltyProgramEnrollments"] = [{"programId": 1016, "loyaltyPoints": loyalty_points}]
    return till_client.post("/v2/customers?source=INSTORE", body, format="json")


# --- 3. Opening balance ---------------------------------------------------------------


@pytest.mark.parametrize(
    "loyalty_points",
    [HUGE, 1e30, 2147483648, MAX_OPENING_POINTS + 1, -1, "-1", "abc", 12.5, "12.5", True, [75]],
)
def test_an_invalid_opening_balance_refuses_the_registration_with_9207(
    till_client, program, loyalty_points
):
    response = register_with_opening(till_client, loyalty_points)

    assert response.status_code == 400, response.json()
    assert error_codes(response) == [9207]
    assert response.json()["warnings"] == []
    assert str(MAX_OPENING_POINTS) in response.json()["errors"][0]["message"]
    assert Customer.objects.count() == SourceProfile.objects.count() == 0
    assert Enrollment.objects.count() == LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("loyalty_points", "credited"),
    [(75, 75), ("75", 75), (75.0, 75), (MAX_OPENING_POINTS, MAX_OPENING_POINTS), (0, 0)],
)
def test_a_whole_opening_balance_up_to_the_maximum_is_credited_once(
    till_client, program, loyalty_points, credited
):
    response = register_with_opening(till_client, loyalty_points)

    assert response.status_code == 200, response.json()
    enrollment = Enrollment.objects.get(customer_id=response.json()["createdId"])
    opening = LedgerEntry.objects.filter(enrollment=enrollment, kind=LedgerKind.ADJUSTMENT)
    assert [entry.points for entry in opening] == ([Decimal(credited)] if credited else [])
    assert enrollment.loyalty_points == 100 + credited  # the program's bonus + the opening


def test_an_invalid_opening_balance_on_update_writes_nothing(till_client, program):
    created_id = register_with_opening(till_client, 75).json()["createdId"]
    profile = SourceProfile.objects.get()
    entries = LedgerEntry.objects.count()

    response = till_client.put(
        f"/v2/customers/{created_id}?source=INSTORE",
        {
            "profiles": [{"source": "INSTORE", "firstName": "Huck"}],
            "loyaltyProgramEnrollments": [{"programId": 1016, "loyaltyPoints": 12.5}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert error_codes(response) == [9207]
    profile.refresh_from_db()
    assert profile.first_name == "Tom"
    assert LedgerEntry.objects.count() == entries


def test_the_api_reference_states_the_opening_balance_rule(db, api_client):
    schema = api_client.get("/v2/schema/", HTTP_ACCEPT="application/json").json()
    for method in ("post", "put"):
        path = "/v2/customers" if method == "post" else "/v2/customers/{customer_id}"
        description = schema["paths"][path][method]["description"]
        assert "9207" in description and str(MAX_OPENING_POINTS) in description


# --- 7. 9202 only when an enrollment happens --------------------------------------------


def test_update_of_an_enrolled_customer_with_an_unknown_tier_warns_nothing(till_client, program):
    # given: a customer registered (and enrolled) with the seed's tierNumber 234
    body = register_body(("mobile", "919845012345"))
    body["loyaltyProgramEnrollments"] = [{"programId": 1016, "tierNumber": 234}]
    registered = till_client.post("/v2/customers?source=INSTORE", body, format="json")
    assert 9202 in warning_codes(registered)  # a new enrollment: base tier, with the warning
    # when: an update names the same program and tier again
    response = till_client.put(
        f"/v2/customers/{registered.json()['createdId']}?source=INSTORE",
        {"loyaltyProgramEnrollments": [{"programId": 1016, "tierNumber": 234}]},
        format="json",
    )
    # then: nothing was enrolled, so no "enrolled in the base tier" warning
    assert response.status_code == 200
    assert response.json()["warnings"] == []
    assert Enrollment.objects.get().tier.serial_number == 1


# --- 2. Numbers beyond their columns -----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lineItemsCount": HUGE}, 400),
        ({"lineItemsCount": 2**31}, 400),
        ({"lineItemsCount": 1e30}, 400),
        ({"userId": HUGE}, 400),
        ({"billAmount": HUGE}, 601),
        ({"billAmount": 10.123}, 601),
        ({"billAmount": True}, 601),
        ({"notes": "n" * 201}, 400),
    ],
)
def test_bill_numbers_beyond_their_columns_answer_4xx(till_client, enrolled, change, code):
    enrollment = enrolled()
    body = {"billNumber": "B-1", "billAmount": 10, "userId": enrollment.customer_id, **change}

    response = till_client.post("/v2/transactions", body, format="json")

    assert response.status_code == 400, response.json()
    assert error_codes(response) == [code]
    assert Bill.objects.count() == 0


def test_the_largest_line_count_fits(till_client, enrolled):
    enrollment = enrolled()
    body = {
        "billNumber": "B-1",
        "billAmount": 10.25,
        "userId": enrollment.customer_id,
        "lineItemsCount": 2**31 - 1,
    }
    response = till_client.post("/v2/transactions", body, format="json")
    assert response.status_code == 200, response.json()
    assert Bill.objects.get().line_count == 2**31 - 1


def test_a_bill_found_by_a_local_mobile_uses_the_registration_normalisation(till_client, enrolled):
    enrollment = enrolled()
    Identifier.objects.create(
        profile=SourceProfile.objects.get(customer=enrollment.customer),
        customer=enrollment.customer,
        source=Source.INSTORE,
        type="mobile",
        value="919512450827",
    )
    body = {
        "billNumber": "B-1",
        "billAmount": 10,
        "identifierType": "MOBILE",
        "identifierValue": "9512450827",
    }
    response = till_client.post("/v2/transactions", body, format="json")
    assert response.status_code == 200, response.json()
    assert Bill.objects.get().customer_id == enrollment.customer_id


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"points": 1e30}, 801),
        ({"points": HUGE}, 801),
        ({"points": 12.345}, 801),
        ({"points": "abc"}, 801),
        ({"points": 0}, 801),
        ({"programId": HUGE}, 895),
        ({"fromUserId": HUGE}, 400),
        ({"toUserId": HUGE}, 400),
    ],
)
def test_points_transfer_numbers_beyond_their_columns_answer_their_codes(
    till_client, enrolled, make_customer, change, code
):
    sender = enrolled(points=50)
    receiver = make_customer()
    entries = LedgerEntry.objects.count()
    body = {"fromUserId": sender.customer_id, "toUserId": receiver.pk, "points": 5, **change}

    response = till_client.post("/v2/points/transfer", body, format="json")

    assert response.status_code == codes.get(code).http_status, response.json()
    assert error_codes(response) == [code]
    assert PointsTransfer.objects.count() == 0
    assert LedgerEntry.objects.count() == entries


def test_points_transfer_of_two_decimals_goes_through(till_client, enrolled, make_customer):
    sender = enrolled(points=50)
    receiver = make_customer()
    body = {"fromUserId": sender.customer_id, "toUserId": receiver.pk, "points": 12.34}
    response = till_client.post("/v2/points/transfer", body, format="json")
    assert response.status_code == 200, response.json()
    assert PointsTransfer.objects.get().points == Decimal("12.34")


def test_ledger_with_a_program_id_beyond_its_column_answers_895(till_client, enrolled):
    enrollment = enrolled()
    response = till_client.get(
        f"/v2/customers/{enrollment.customer_id}/ledger", {"programId": HUGE}
    )
    assert response.status_code == 400
    assert error_codes(response) == [895]


# --- 5. Goodwill points precision ----------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "field"),
    [
        (12.345, "points"),
        ("12.345", "points"),
        (HUGE, "points"),
        (1e30, "points"),
        (True, "points"),
    ],
)
def test_goodwill_points_that_do_not_fit_the_ledger_are_refused(
    till_client, enrolled, points, field
):
    enrollment = enrolled()
    response = till_client.post(
        "/v2/requests",
        {
            "type": "GOODWILL",
            "baseType": "POINTS",
            "customerId": enrollment.customer_id,
            "points": points,
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert error_codes(response) == [9030]
    assert field in response.json()["errors"][0]["message"]
    assert Request.objects.count() == 0


def test_goodwill_points_with_two_decimals_are_kept_exactly(till_client, enrolled):
    enrollment = enrolled()
    response = till_client.post(
        "/v2/requests",
        {
            "type": "GOODWILL",
            "baseType": "POINTS",
            "customerId": enrollment.customer_id,
            "value": "12.34",
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert Request.objects.get().payload["points"] == 12.34
