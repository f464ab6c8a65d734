"""The loyalty reads' query-string filters (loyalty/filters.py): the ledger's `programId`
and `cursor`, the loyalty details' `programId`. Each narrows, each bad value answers its
code (HTTP 400, the error envelope), in the order the endpoints check them."""

import pytest

from loyalty import services
from loyalty.models import LedgerKind, Program, Tier


@pytest.fixture
def two_programs(enrolled, till):
    """A customer in the default program (1016, 3 and 5 points) and in 1219 (7 points)."""
    enrollment = enrolled(points=3)
    services.points_credit(enrollment=enrollment, kind=LedgerKind.GOODWILL, points=5, actor=till)
    other = Program.objects.create(id=1219, name="Second")
    Tier.objects.create(program=other, serial_number=1, name="Tier1")
    second, _ = services.enrollment_enroll(customer=enrollment.customer, program=other, actor=till)
    services.points_credit(enrollment=second, kind=LedgerKind.GOODWILL, points=7, actor=till)
    return enrollment.customer


def refused(response, code: int) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert [item["code"] for item in body["errors"]] == [code]
    assert body["errors"][0]["status"] is False


def points(response) -> list:
    assert response.status_code == 200, response.json()
    return [entry["points"] for entry in response.json()["data"]]


def test_ledger_program_filter_narrows(two_programs, till_client):
    url = f"/v2/customers/{two_programs.pk}/ledger"
    assert points(till_client.get(url)) == [7, 5, 3]
    assert points(till_client.get(url, {"programId": 1016})) == [5, 3]
    assert points(till_client.get(url, {"programId": 1219})) == [7]
    assert points(till_client.get(url, {"programId": 2000})) == []
    assert points(till_client.get(url, {"programId": ""})) == [7, 5, 3]
    # with the cursor of a narrowed page
    first = till_client.get(url, {"programId": 1016, "limit": 1}).json()
    assert [entry["points"] for entry in first["data"]] == [5]
    rest = till_client.get(url, {"programId": 1016, "limit": 1, "cursor": first["nextCursor"]})
    assert points(rest) == [3]
    assert rest.json()["nextCursor"] is None
    # parameters no filter knows are ignored
    assert points(till_client.get(url, {"programId": 1219, "program": "x", "type": "y"})) == [7]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"programId": "abc"}, 895),
        ({"programId": "0"}, 895),
        ({"programId": "1016.0"}, 895),
        ({"programId": str(2**31)}, 895),
        ({"cursor": "not-a-cursor"}, 9205),
        ({"limit": "abc"}, 8101),
        ({"limit": "101"}, 8102),
        # the limit first, then the program, then the cursor
        ({"cursor": "x", "programId": "x", "limit": "0"}, 8101),
        ({"cursor": "x", "programId": "x"}, 895),
    ],
)
def test_ledger_bad_values_answer_their_codes(two_programs, till_client, params, code):
    refused(till_client.get(f"/v2/customers/{two_programs.pk}/ledger", params), code)


def test_loyalty_details_program_filter_narrows(two_programs, till_client):
    url = f"/v2/customers/{two_programs.pk}/loyaltyDetails"

    def programs(params):
        response = till_client.get(url, params)
        assert response.status_code == 200, response.json()
        return [item["programId"] for item in response.json()["data"]]

    assert programs({}) == [1016, 1219]
    assert programs({"programId": 1219}) == [1219]
    assert programs({"programId": " 1016 "}) == [1016]
    assert programs({"programId": 1219, "programs": "1016"}) == [1219]


@pytest.mark.parametrize("program_id", ["abc", "-5", str(2**31), "2000"])
def test_loyalty_details_bad_program_answers_895(two_programs, till_client, program_id):
    url = f"/v2/customers/{two_programs.pk}/loyaltyDetails"
    refused(till_client.get(url, {"programId": program_id}), 895)


def test_unknown_customer_answers_before_the_filters(till_client, db):
    for path in ("ledger", "loyaltyDetails"):
        response = till_client.get(f"/v2/customers/999999/{path}", {"programId": "x"})
        assert response.status_code == 404
        assert [item["code"] for item in response.json()["errors"]] == [816]
