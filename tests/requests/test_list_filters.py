"""The request lists' query-string filters (loyalty/workflow/filters.py): each filter narrows
the list, each bad value answers its code (HTTP 400, the error envelope), the first bad
parameter in the order the endpoints check them answers, and parameters no filter knows
are ignored."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.models import Request
from tests.requests.conftest import errors_of
from tests.requests.workflow import approve, raise_request

QUEUE = "/v2/requests"


@pytest.fixture
def made(program, make_customer, till, agent, supervisor, one_step_user):
    """Requests of two customers: goodwill points made by the till (one pending three
    days ago, one approved, one of another customer), a one-step goodwill by staff and a
    mobile change by the agent."""
    alice = make_customer(mobile="919810000001")
    bob = make_customer()

    def goodwill(customer, actor, **kwargs):
        return raise_request(
            request_type="GOODWILL",
            base_type="POINTS",
            customer=customer,
            payload={"points": 10},
            actor=actor,
            **kwargs,
        ).request

    old = goodwill(alice, till)
    Request.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=3))
    approved = goodwill(alice, till)
    approve(request_id=approved.pk, actor=supervisor)
    of_bob = goodwill(bob, till)
    one_step = goodwill(alice, one_step_user, one_step=True)
    mobile = raise_request(
        request_type="CHANGE_IDENTIFIER",
        base_type="MOBILE",
        customer=alice,
        payload={"oldValue": "919810000001", "newValue": "919810000002"},
        actor=agent,
    ).request
    return {
        "alice": alice,
        "bob": bob,
        "old": old.pk,
        "approved": approved.pk,
        "of_bob": of_bob.pk,
        "one_step": one_step.pk,
        "mobile": mobile.pk,
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["pagination"]["total"] == len(body["data"])
    return {item["id"] for item in body["data"]}


def refused(response, code: int) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert [item["code"] for item in body["errors"]] == [code]
    assert body["errors"][0]["status"] is False
    assert body["warnings"] == []


def days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


# --- GET /v2/requests ------------------------------------------------------------------


def test_queue_filters_narrow_the_list(made, till_client, till):
    every = {made[name] for name in ("old", "approved", "of_bob", "one_step", "mobile")}
    goodwill = every - {made["mobile"]}
    cases = [
        ({}, every),
        ({"type": "GOODWILL"}, goodwill),
        ({"type": " change_identifier "}, {made["mobile"]}),  # trimmed, any case
        ({"baseType": "MOBILE"}, {made["mobile"]}),
        ({"status": "APPROVED"}, {made["approved"], made["one_step"]}),
        ({"status": "pending"}, {made["old"], made["of_bob"], made["mobile"]}),
        ({"customerId": made["bob"].pk}, {made["of_bob"]}),
        ({"storeCode": till.store.code}, {made["old"], made["approved"], made["of_bob"]}),
        ({"requester": till.code}, {made["old"], made["approved"], made["of_bob"]}),
        ({"requester": "agent"}, {made["mobile"]}),
        ({"startDate": days_ago(1)}, every - {made["old"]}),
        ({"endDate": days_ago(2)}, {made["old"]}),
        ({"startDate": days_ago(3), "endDate": days_ago(3)}, {made["old"]}),
        ({"type": "GOODWILL", "status": "PENDING", "customerId": made["alice"].pk}, {made["old"]}),
    ]
    for params, expected in cases:
        assert ids(till_client.get(QUEUE, params)) == expected, params


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"type": "REFUND"}, 9006),
        ({"baseType": "CASH"}, 9008),
        ({"status": "DONE"}, 9020),
        ({"customerId": "abc"}, 9030),
        ({"customerId": "0"}, 9030),
        ({"customerId": "5.0"}, 9030),
        ({"customerId": str(2**63)}, 9030),
        ({"startDate": "yesterday"}, 8112),
        ({"startDate": "2024-02-30"}, 8112),
        ({"endDate": "tomorrow"}, 8113),
        ({"startDate": "2024/01/31"}, 1216),
        ({"endDate": "31-01-2024"}, 1216),
        ({"startDate": "2024-01-31T10:00"}, 1216),
        ({"startDate": "2024-02-01", "endDate": "2024-01-31"}, 8115),
        ({"limit": "abc"}, 8101),
        ({"limit": "0"}, 8101),
        ({"limit": "101"}, 8102),
        ({"offset": "-1"}, 8100),
    ],
)
def test_queue_bad_values_answer_their_codes(made, till_client, params, code):
    refused(till_client.get(QUEUE, params), code)


def test_queue_messages_name_the_parameter(made, till_client):
    customer = till_client.get(QUEUE, {"customerId": "x"}).json()["errors"][0]
    assert customer["message"] == "Request field customerId is missing or invalid"
    other = till_client.get(QUEUE, {"endDate": "2024/01/31"}).json()["errors"][0]
    assert other["message"] == (
        "The date format used for endDate is not supported. Enter the the date in "
        "(YYYY-MM-DD) format."
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        # paging first, then the dates (start, end, their order), then type, baseType,
        # status, customerId
        ({"customerId": "x", "status": "x", "baseType": "x", "type": "x", "limit": "x"}, 8101),
        ({"customerId": "x", "status": "x", "type": "x", "endDate": "x", "offset": "-1"}, 8100),
        ({"customerId": "x", "status": "x", "type": "x", "endDate": "x", "startDate": "x"}, 8112),
        ({"customerId": "x", "type": "x", "endDate": "x"}, 8113),
        ({"type": "x", "startDate": "2024-02-01", "endDate": "2024-01-01"}, 8115),
        ({"customerId": "x", "status": "x", "baseType": "x", "type": "x"}, 9006),
        ({"customerId": "x", "status": "x", "baseType": "x"}, 9008),
        ({"customerId": "x", "status": "x"}, 9020),
    ],
)
def test_queue_first_bad_parameter_answers(made, till_client, params, code):
    refused(till_client.get(QUEUE, params), code)


def test_unknown_parameters_are_ignored(made, till_client):
    goodwill = ids(till_client.get(QUEUE, {"type": "GOODWILL"}))
    mixed = {"type": "GOODWILL", "Type": "REFUND", "foo": "bar", "dates": "x", "customer": "y"}
    assert ids(till_client.get(QUEUE, mixed)) == goodwill
    # a repeated parameter: the last value counts
    assert ids(till_client.get(f"{QUEUE}?type=REFUND&type=GOODWILL")) == goodwill
    refused(till_client.get(f"{QUEUE}?type=GOODWILL&type=REFUND"), 9006)


def test_filtered_queue_query_count_does_not_grow(
    made, till, till_client, django_assert_max_num_queries
):
    params = {"type": "GOODWILL", "requester": till.code, "startDate": days_ago(5)}
    with django_assert_max_num_queries(8) as captured:
        till_client.get(QUEUE, params)
    for _ in range(10):
        raise_request(
            request_type="GOODWILL",
            base_type="POINTS",
            customer=made["alice"],
            payload={"points": 1},
            actor=till,
        )
    with django_assert_max_num_queries(len(captured)):
        assert len(till_client.get(QUEUE, params).json()["data"]) == 10


# --- GET /v2/customers/{id}/goodwillRequest --------------------------------------------


def test_goodwill_filters_narrow_the_history(made, till_client, program):
    url = f"/v2/customers/{made['alice'].pk}/goodwillRequest"
    every = {made["old"], made["approved"], made["one_step"]}
    cases = [
        ({}, every),
        ({"requestId": made["approved"]}, {made["approved"]}),
        ({"requestId": made["of_bob"]}, set()),  # another customer's
        ({"is_one_step_change": "true"}, {made["one_step"]}),
        ({"is_one_step_change": "0"}, {made["old"], made["approved"]}),
        ({"is_one_step_change": "perhaps"}, {made["old"], made["approved"]}),  # not true
        ({"programId": program.pk}, every),
        ({"programId": 9}, set()),
        ({"autoApprove": "false"}, every),
        ({"autoApprove": "yes"}, set()),
    ]
    for params, expected in cases:
        assert ids(till_client.get(url, params)) == expected, params


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"requestId": "abc"}, 9030),
        ({"requestId": "-1"}, 9030),
        ({"programId": "1016x"}, 9030),
        ({"programId": str(2**63)}, 9030),
        ({"limit": "1000"}, 8102),
        # paging first, then requestId, then programId
        ({"programId": "x", "requestId": "x", "offset": "-1"}, 8100),
        ({"programId": "x", "is_one_step_change": "x", "requestId": "x"}, 9030),
    ],
)
def test_goodwill_bad_values_answer_their_codes(made, till_client, params, code):
    url = f"/v2/customers/{made['alice'].pk}/goodwillRequest"
    refused(till_client.get(url, params), code)


def test_goodwill_bad_value_names_the_first_bad_parameter(made, till_client):
    url = f"/v2/customers/{made['alice'].pk}/goodwillRequest"
    both = till_client.get(url, {"programId": "x", "requestId": "x"}).json()["errors"][0]
    assert both["message"] == "Request field requestId is missing or invalid"
    # an unknown customer answers before any filter is read
    unknown = till_client.get("/v2/customers/999999/goodwillRequest", {"requestId": "x"})
    assert unknown.status_code == 404
    assert errors_of(unknown) == [816]


# --- GET /v2/customers/{id}/retroRequest -----------------------------------------------


def test_change_request_filters_narrow_the_history(made, till_client):
    url = f"/v2/customers/{made['alice'].pk}/retroRequest"
    every = {made[name] for name in ("old", "approved", "one_step", "mobile")}
    cases = [
        ({}, every),
        ({"changeType": "MOBILE"}, {made["mobile"]}),
        ({"changeType": " points "}, every - {made["mobile"]}),
        ({"changeType": "ADDRESS"}, set()),  # not made through requests
        ({"changeType": "EMAIL"}, set()),
        ({"startDate": days_ago(1)}, every - {made["old"]}),
        ({"endDate": days_ago(1)}, {made["old"]}),
        ({"startId": made["approved"]}, every - {made["old"]}),
        ({"endId": made["approved"]}, {made["old"], made["approved"]}),
        (
            {"startId": made["approved"], "endId": made["one_step"]},
            {made["approved"], made["one_step"]},
        ),
    ]
    for params, expected in cases:
        assert ids(till_client.get(url, params)) == expected, params


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"changeType": "ADDRESSES"}, 9008),
        ({"changeType": " "}, 9008),  # blank but given: no change type
        ({"startDate": "x"}, 8112),
        ({"endDate": "x"}, 8113),
        ({"startDate": "01.02.2024"}, 1216),
        ({"startDate": "2024-02-01", "endDate": "2024-01-01"}, 8115),
        ({"startId": "abc"}, 9030),
        ({"endId": str(2**63)}, 9030),
        # paging first, then changeType, the dates, startId, endId
        ({"endId": "x", "startId": "x", "startDate": "x", "changeType": "x", "limit": "0"}, 8101),
        ({"endId": "x", "startId": "x", "startDate": "x", "changeType": "x"}, 9008),
        ({"endId": "x", "startId": "x", "endDate": "x"}, 8113),
        ({"endId": "x", "startId": "x", "startDate": "2024-02-01", "endDate": "2024-01-01"}, 8115),
    ],
)
def test_change_request_bad_values_answer_their_codes(made, till_client, params, code):
    url = f"/v2/customers/{made['alice'].pk}/retroRequest"
    refused(till_client.get(url, params), code)


def test_change_request_unknown_parameters_are_ignored(made, till_client):
    url = f"/v2/customers/{made['alice'].pk}/retroRequest"
    mobile = ids(till_client.get(url, {"changeType": "MOBILE"}))
    assert ids(till_client.get(url, {"changeType": "MOBILE", "type": "x", "id": "y"})) == mobile
    start_id = till_client.get(url, {"startId": "x", "endId": "y"}).json()["errors"][0]
    assert start_id["message"] == "Request field startId is missing or invalid"
