"""`limit` / `offset` pagination: bounds (8100/8101/8102) and the body shape."""

import pytest

from config import codes
from config.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from customers.models import Store

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.urls")]

PAGE = "/v2/_test/page"  # 47 items, numbered 1..47
TOTAL = 47


def assert_refused(response, code: int):
    assert response.status_code == codes.get(code).http_status == 400, response.content
    assert response.json() == {
        "errors": [{"status": False, "code": code, "message": codes.get(code).message}],
        "warnings": [],
    }


def test_default_page_has_the_documented_shape(till_client):
    response = till_client.get(PAGE)

    assert response.status_code == 200
    assert response.json() == {
        "pagination": {"limit": DEFAULT_LIMIT, "offset": 0, "total": TOTAL},
        "data": [{"n": n} for n in range(1, DEFAULT_LIMIT + 1)],
        "warnings": [],
        "errors": [],
    }


def test_limit_and_offset_select_the_page(till_client):
    body = till_client.get(PAGE, {"limit": 5, "offset": 40}).json()

    assert body["pagination"] == {"limit": 5, "offset": 40, "total": TOTAL}
    assert [item["n"] for item in body["data"]] == [41, 42, 43, 44, 45]


def test_last_partial_page_and_beyond_the_end(till_client):
    last = till_client.get(PAGE, {"limit": 10, "offset": 45}).json()
    beyond = till_client.get(PAGE, {"limit": 10, "offset": 100}).json()

    assert [item["n"] for item in last["data"]] == [46, 47]
    assert beyond["data"] == []
    assert beyond["pagination"] == {"limit": 10, "offset": 100, "total": TOTAL}


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_limit_bounds_are_inclusive(till_client, limit):
    response = till_client.get(PAGE, {"limit": limit})

    assert response.status_code == 200
    assert len(response.json()["data"]) == min(limit, TOTAL)


@pytest.mark.parametrize("limit", [MAX_LIMIT + 1, 10**40])
def test_limit_above_100_is_8102(till_client, limit):
    assert_refused(till_client.get(PAGE, {"limit": limit}), 8102)


@pytest.mark.parametrize("limit", [0, -5])
def test_limit_below_1_is_8101(till_client, limit):
    assert_refused(till_client.get(PAGE, {"limit": limit}), 8101)


def test_negative_offset_is_8100(till_client):
    assert_refused(till_client.get(PAGE, {"offset": -1}), 8100)


@pytest.mark.parametrize("limit", ["ten", "1.5", "0x10", "1e3"])
def test_non_numeric_limit_is_8101_not_500(till_client, limit):
    assert_refused(till_client.get(PAGE, {"limit": limit}), 8101)


@pytest.mark.parametrize("offset", ["first", "2.0", "-"])
def test_non_numeric_offset_is_8100_not_500(till_client, offset):
    assert_refused(till_client.get(PAGE, {"offset": offset}), 8100)


def test_empty_parameters_take_the_defaults(till_client):
    body = till_client.get(PAGE, {"limit": "", "offset": ""}).json()

    assert body["pagination"] == {"limit": DEFAULT_LIMIT, "offset": 0, "total": TOTAL}


def test_database_page_with_a_huge_offset_is_refused_not_500(till_client, store):
    # An offset past PostgreSQL's bigint would make the query itself fail.
    response = till_client.get("/v2/_test/stores", {"offset": 10**20})

    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["code"] == 8100


def test_database_page_at_the_largest_offset_is_empty(till_client, store):
    body = till_client.get("/v2/_test/stores", {"offset": MAX_OFFSET}).json()

    assert body["data"] == []
    assert body["pagination"]["offset"] == MAX_OFFSET


def test_database_page_counts_every_row(till_client, store):
    Store.objects.bulk_create(Store(code=f"s{i:02}") for i in range(12))

    body = till_client.get("/v2/_test/stores", {"limit": 5, "offset": 10}).json()

    assert body["pagination"] == {"limit": 5, "offset": 10, "total": 13}
    assert [item["code"] for item in body["data"]] == ["s09", "s10", "s11"]
