from decimal import Decimal

import pytest

from customers.models import Identifier, Source, SourceProfile
from loyalty import services
from loyalty.models import (
    Enrollment,
    LedgerEntry,
    LedgerKind,
    PointsTransfer,
    Program,
    Tier,
)
from loyalty.models import Transaction as Bill


def test_loyalty_details_shows_every_program(enrolled, till_client, till):
    # given: a customer in the default program and in 1219
    enrollment = enrolled(points=350)
    other = Program.objects.create(id=1219, name="Second")
    Tier.objects.create(program=other, serial_number=1, name="Tier1")
    Tier.objects.create(program=other, serial_number=2, name="Tier2", description="Next")
    services.enrollment_enroll(customer=enrollment.customer, program=other, actor=till)
    # when
    response = till_client.get(f"/v2/customers/{enrollment.customer_id}/loyaltyDetails")
    # then
    assert response.status_code == 200
    body = response.json()
    assert [item["programId"] for item in body["data"]] == [1016, 1219]
    first = body["data"][0]
    assert first["loyaltyPoints"] == 350
    assert first["lifetimePoints"] == 350
    assert first["currentSlab"] == "Silver"
    assert first["nextSlab"] == "Gold"
    assert first["nextSlabSerialNumber"] == 2
    assert first["slabSNo"] == 1
    assert first["loyaltyId"] == enrollment.customer_id
    assert body["data"][1]["nextSlab"] == "Tier2"
    one = till_client.get(
        f"/v2/customers/{enrollment.customer_id}/loyaltyDetails", {"programId": 1219}
    ).json()
    assert [item["programId"] for item in one["data"]] == [1219]


def test_loyalty_details_of_unknown_customer_answers_816(till_client, db):
    response = till_client.get("/v2/customers/999999/loyaltyDetails")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 816


def test_loyalty_details_query_count_does_not_grow_with_programs(
    enrolled, till, till_client, django_assert_max_num_queries
):
    enrollment = enrolled(points=10)
    url = f"/v2/customers/{enrollment.customer_id}/loyaltyDetails"
    # 1 auth (till) + 1 customer + 1 enrollments + 1 tiers, with a little slack
    with django_assert_max_num_queries(6) as small:
        till_client.get(url)
    for program_id in range(2000, 2010):
        program = Program.objects.create(id=program_id, name=f"P{program_id}")
        for serial in (1, 2, 3):
            Tier.objects.create(program=program, serial_number=serial, name=f"T{serial}")
        services.enrollment_enroll(customer=enrollment.customer, program=program, actor=till)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = till_client.get(url)
    assert len(response.json()["data"]) == 11


def test_points_transfer_moves_points_and_lists_both_sides(enrolled, make_customer, till_client):
    # given
    sender = enrolled(points=100)
    receiver = make_customer(first_name="James", last_name="Thomas")
    # when
    response = till_client.post(
        "/v2/points/transfer",
        {"fromUserId": sender.customer_id, "toUserId": receiver.pk, "points": 15},
        format="json",
    )
    # then
    assert response.status_code == 200, response.json()
    transfer = PointsTransfer.objects.get()
    assert response.json()["transferId"] == transfer.pk
    sender.refresh_from_db()
    assert sender.loyalty_points == 85
    assert Enrollment.objects.get(customer=receiver).loyalty_points == 15
    listed = till_client.get(f"/v2/customers/{sender.customer_id}/pointsTransfers").json()
    item = listed["data"][0]
    assert item["transferType"] == "DEDUCTION"
    assert item["pointsTransferred"] == 15.0
    assert item["transferredTo"] == {
        "userId": receiver.pk,
        "firstName": "James",
        "lastName": "Thomas",
    }
    assert item["programName"] == "Default program"
    received = till_client.get(f"/v2/customers/{receiver.pk}/pointsTransfers").json()
    assert received["data"][0]["transferType"] == "ADDITION"


def test_points_transfer_of_more_than_available_writes_nothing(
    enrolled, make_customer, till_client
):
    sender = enrolled(points=10)
    receiver = make_customer()
    response = till_client.post(
        "/v2/points/transfer",
        {"fromUserId": sender.customer_id, "toUserId": receiver.pk, "points": 11},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 804
    assert PointsTransfer.objects.count() == 0
    assert LedgerEntry.objects.filter(kind=LedgerKind.TRANSFER_OUT).count() == 0
    assert not Enrollment.objects.filter(customer=receiver).exists()


def test_points_transfer_from_fraud_marked_sender_answers_618(enrolled, make_customer, till_client):
    sender = enrolled(points=10)
    sender.customer.status = "FRAUD_MARKED"
    sender.customer.save(update_fields=["status"])
    receiver = make_customer()
    response = till_client.post(
        "/v2/points/transfer",
        {"fromUserId": sender.customer_id, "toUserId": receiver.pk, "points": 5},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 618
    assert PointsTransfer.objects.count() == 0


def test_add_regular_bill_by_identifier_earns_points(enrolled, till_client):
    enrollment = enrolled()
    profile = SourceProfile.objects.get(customer=enrollment.customer)
    Identifier.objects.create(
        profile=profile,
        customer=enrollment.customer,
        source=Source.INSTORE,
        type="mobile",
        value="919010000001",
    )
    response = till_client.post(
        "/v2/transactions",
        {
            "type": "REGULAR",
            "billNumber": "B-1",
            "billAmount": 120.5,
            "identifierType": "mobile",
            "identifierValue": "+91 9010000001",
            "lineItemsCount": 3,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    bill = Bill.objects.get(pk=body["createdId"])
    assert bill.customer_id == enrollment.customer_id
    assert bill.line_count == 3
    assert body["sideEffects"] == [{"awardedPoints": 120, "type": "points"}]
    listed = till_client.get(f"/v2/customers/{enrollment.customer_id}/transactions").json()
    assert listed["pagination"]["total"] == 1
    assert listed["data"][0]["billNumber"] == "B-1"
    # a return of part of it
    returned = till_client.post(
        "/v2/transactions",
        {"type": "RETURN", "billNumber": "B-1", "billAmount": 20.5},
        format="json",
    )
    assert returned.status_code == 200, returned.json()
    assert returned.json()["sideEffects"] == [{"awardedPoints": -20.41, "type": "points"}]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "REGULAR", "billNumber": "X", "billAmount": -1, "userId": 1}, 601),
        ({"type": "REGULAR", "billNumber": "X", "billAmount": "abc", "userId": 1}, 601),
        ({"type": "REGULAR", "billNumber": "X", "billAmount": "NaN", "userId": 1}, 601),
        ({"type": "REGULAR", "billNumber": "X", "billAmount": 1e30, "userId": 1}, 601),
        ({"type": "REGULAR", "billNumber": "X", "billAmount": 5, "userId": 99999999}, 611),
        (
            {
                "type": "REGULAR",
                "billNumber": "X",
                "billAmount": 5,
                "identifierType": "mobile",
                "identifierValue": "1234",
            },
            611,
        ),
        ({"type": "REGULAR", "billNumber": "X", "billAmount": 5}, 606),
        ({"type": "BOGUS", "billNumber": "X", "billAmount": 5}, 605),
        ({"type": "RETURN", "billNumber": "none", "billAmount": 5}, 625),
        ({"type": "NOT_INTERESTED", "billNumber": "X", "billAmount": 5, "billingTime": "x"}, 621),
    ],
)
def test_add_bill_refusals_write_nothing(body, code, till_client, program):
    response = till_client.post("/v2/transactions", body, format="json")
    assert response.status_code in (400, 404), response.json()
    assert response.json()["errors"][0]["code"] == code
    assert Bill.objects.count() == 0


def test_not_interested_bill_and_duplicate_number(till_client, program):
    body = {"type": "NOT_INTERESTED", "billNumber": "N-1", "billAmount": 40}
    first = till_client.post("/v2/transactions", body, format="json")
    assert first.status_code == 200
    assert first.json()["sideEffects"] == []
    assert Bill.objects.get().customer is None
    second = till_client.post("/v2/transactions", body, format="json")
    assert second.status_code == 400
    assert second.json()["errors"][0]["code"] == 604
    assert Bill.objects.count() == 1


def test_customer_coupons_lists_issued_coupons(enrolled, welcome_series, till, till_client):
    enrollment = enrolled()
    coupon = services.coupon_issue(customer=enrollment.customer, series=welcome_series, actor=till)
    body = till_client.get(f"/v2/customers/{enrollment.customer_id}/coupons").json()
    assert body["pagination"]["total"] == 1
    item = body["data"][0]
    assert item["couponCode"] == coupon.code
    assert item["redeemed"] is False
    assert item["description"] == "Test Offer 20"


def test_ledger_is_newest_first_with_cursor_pages(
    enrolled, till, till_client, django_assert_max_num_queries
):
    enrollment = enrolled()
    for points in range(1, 6):
        services.points_credit(
            enrollment=enrollment, kind=LedgerKind.GOODWILL, points=points, actor=till
        )
    url = f"/v2/customers/{enrollment.customer_id}/ledger"
    first = till_client.get(url, {"limit": 2}).json()
    assert [entry["points"] for entry in first["data"]] == [5, 4]
    assert first["data"][0]["actor"] == {"type": "till", "code": "test.till"}
    second = till_client.get(url, {"limit": 2, "cursor": first["nextCursor"]}).json()
    assert [entry["points"] for entry in second["data"]] == [3, 2]
    last = till_client.get(url, {"limit": 2, "cursor": second["nextCursor"]}).json()
    assert [entry["points"] for entry in last["data"]] == [1]
    assert last["nextCursor"] is None
    bad = till_client.get(url, {"cursor": "???"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == 9205
    # the query count does not grow with the entries on the page
    with django_assert_max_num_queries(4) as small:
        till_client.get(url, {"limit": 2})
    for _ in range(30):
        services.points_credit(
            enrollment=enrollment, kind=LedgerKind.GOODWILL, points=1, actor=till
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = till_client.get(url, {"limit": 100}).json()
    assert len(page["data"]) == 35


def test_points_amounts_are_decimal(enrolled):
    enrollment = enrolled(points=Decimal("10.25"))
    enrollment.refresh_from_db()
    assert enrollment.loyalty_points == Decimal("10.25")


def test_loyalty_details_and_transfers_answer_the_seed_shapes(enrolled, make_customer, till_client):
    import json
    from pathlib import Path

    samples = Path(__file__).resolve().parents[1] / "samples"
    sender = enrolled(points=40)
    receiver = make_customer()
    till_client.post(
        "/v2/points/transfer",
        {"fromUserId": sender.customer_id, "toUserId": receiver.pk, "points": 5},
        format="json",
    )
    details = till_client.get(f"/v2/customers/{sender.customer_id}/loyaltyDetails").json()
    sample = json.loads((samples / "loyalty-details.response.json").read_text())
    assert list(details) == list(sample)
    assert list(details["data"][0]) == list(sample["data"][0])
    transfers = till_client.get(f"/v2/customers/{sender.customer_id}/pointsTransfers").json()
    sample = json.loads((samples / "points-transfers.response.json").read_text())
    assert list(transfers) == list(sample)
    assert list(transfers["data"][0]) == list(sample["data"][0])
