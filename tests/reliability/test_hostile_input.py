"""The inputs that answered 500 (issue 16) answer 4xx in the envelope and write nothing.

Each is sent as a store would send it: a raw JSON body (a lone surrogate escaped as
`\\ud800`, as JSON allows) through the whole middleware stack. The same request with clean
text is answered 200 (`test_the_clean_requests_are_accepted`), so every refusal below is
the hostile value's doing.
"""

from __future__ import annotations

import copy
import json
import time

import pytest
from django.test import override_settings

from config.errors import Warnings
from tests.reliability.conftest import MAIN_TABLES, row_counts

pytestmark = pytest.mark.django_db

NUL = "To\u0000m"
SURROGATE = "To\ud800m"
# The refused write must leave these alone too: the guard runs before the idempotency key
# is claimed, and the subscription log and ledger are what a half-applied change would leave.
TABLES = {
    **MAIN_TABLES,
    "idempotency keys": "config_idempotencykey",
    "subscription log": "subscriptions_subscriptionlog",
}


def send(client, method: str, path: str, body=None, **headers):
    data = json.dumps(body).encode() if body is not None else b""  # ensure_ascii: \ud800
    return client.generic(method, path, data, content_type="application/json", **headers)


def register_body() -> dict:
    return {
        "loyaltyInfo": {"loyaltyType": "loyalty"},
        "associatedWith": "test.till",
        "profiles": [
            {
                "firstName": "Ann",
                "lastName": "Lee",
                "identifiers": [{"type": "mobile", "value": "919845012399"}],
                "commChannels": [
                    {
                        "type": "email",
                        "value": "ann.lee@example.com",
                        "meta": {"lastViewedDate": "2024-01-01", "residence": True},
                    }
                ],
                "fields": {"city": "Pune"},
            }
        ],
    }


def update_body() -> dict:
    return {"profiles": [{"firstName": "Tom", "lastName": "Sawyer", "fields": {"city": "Pune"}}]}


def goodwill_body(world) -> dict:
    return {
        "type": "GOODWILL",
        "baseType": "POINTS",
        "customerId": world["customer_id"],
        "points": 10,
        "reason": "fuzz",
        "comments": "late delivery",
    }


def subscriptions_body() -> dict:
    return {
        "reason": "Example reason",
        "subscriptions": [{"channel": "EMAIL", "priority": "BULK", "type": "OPTOUT"}],
    }


def change_identifier_body() -> dict:
    return {"add": [{"type": "externalId", "value": "EXT-77"}]}


ENDPOINTS = {
    "register": ("POST", "/v2/customers?source=INSTORE", lambda world: register_body()),
    "update": ("PUT", "/v2/customers/{id}?source=INSTORE", lambda world: update_body()),
    "goodwill": ("POST", "/v2/requests", goodwill_body),
    "subscriptions": (
        "POST",
        "/v2/customers/{id}/subscriptions",
        lambda world: subscriptions_body(),
    ),
    "changeIdentifier": (
        "POST",
        "/v2/customers/{id}/changeIdentifier?source=INSTORE",
        lambda world: change_identifier_body(),
    ),
}

# (endpoint, where the hostile text goes, the path and code the answer names)
FIELDS = [
    ("register", ("profiles", 0, "firstName"), "profiles[0].firstName", 400),
    ("register", ("profiles", 0, "lastName"), "profiles[0].lastName", 400),
    (
        "register",
        ("profiles", 0, "commChannels", 0, "value"),
        "profiles[0].commChannels[0].value",
        400,
    ),
    ("register", ("associatedWith",), "associatedWith", 400),
    ("register", ("profiles", 0, "fields", "city"), "profiles[0].fields.city", 400),
    (
        "register",
        ("profiles", 0, "commChannels", 0, "meta", "lastViewedDate"),
        "profiles[0].commChannels[0].meta.lastViewedDate",
        400,
    ),
    ("update", ("profiles", 0, "firstName"), "profiles[0].firstName", 400),
    ("update", ("profiles", 0, "lastName"), "profiles[0].lastName", 400),
    ("update", ("profiles", 0, "fields", "city"), "profiles[0].fields.city", 400),
    ("goodwill", ("comments",), "comments", 9030),
    ("goodwill", ("reason",), "reason", 9030),
    ("subscriptions", ("reason",), "reason", 400),
    ("changeIdentifier", ("add", 0, "value"), "add[0].value", 400),
]


def with_value(body, where: tuple, value):
    body = copy.deepcopy(body)
    target = body
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    return body


def url_of(world, path: str) -> str:
    return path.replace("{id}", str(world["customer_id"]))


def assert_refused(response, before: dict, *, code: int, http_status: int = 400, part=""):
    assert response.status_code == http_status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["warnings"] == []
    [error] = body["errors"]
    assert error["status"] is False
    assert error["code"] == code
    assert part in error["message"]
    assert row_counts(TABLES) == before


@pytest.mark.parametrize("text", [NUL, SURROGATE], ids=["NUL", "surrogate"])
@pytest.mark.parametrize(
    ("endpoint", "where", "path", "code"), FIELDS, ids=[f"{f[0]}:{f[2]}" for f in FIELDS]
)
def test_text_that_is_not_text_is_refused_with_its_field(
    till_client, world, endpoint, where, path, code, text
):
    method, url, make_body = ENDPOINTS[endpoint]
    before = row_counts(TABLES)
    response = send(
        till_client,
        method,
        url_of(world, url),
        with_value(make_body(world), where, text),
        HTTP_IDEMPOTENCY_KEY=f"hostile-{endpoint}-{path}",
    )
    assert_refused(response, before, code=code, part=path)


@pytest.mark.parametrize("parameter", ["requester", "storeCode"])
def test_a_nul_in_the_request_list_filters_is_refused(till_client, world, parameter):
    before = row_counts(TABLES)
    response = till_client.get("/v2/requests", {parameter: "te\x00st"})
    assert_refused(response, before, code=9030, part=parameter)


def test_a_surrogate_in_a_query_parameter_is_refused(till_client, world):
    # Percent-decoded UTF-8 cannot carry one (Django replaces bad bytes); a key can hold NUL.
    before = row_counts(TABLES)
    response = till_client.get("/v2/customers/lookup?source=INSTORE&identifier%00Name=mobile")
    assert_refused(response, before, code=400, part="contains a NUL character")


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_the_clean_requests_are_accepted(till_client, world, endpoint):
    method, url, make_body = ENDPOINTS[endpoint]
    response = send(till_client, method, url_of(world, url), make_body(world))
    assert response.status_code == 200, response.content


def test_a_body_over_the_limit_answers_413_without_being_read(till_client, world):
    before = row_counts(TABLES)
    body = register_body()
    body["profiles"][0]["lastName"] = "x" * (3 * 1024 * 1024)  # 3 MB, over Django's 2.5 MB too
    response = send(till_client, "POST", "/v2/customers?source=INSTORE", body)
    assert_refused(response, before, code=413, http_status=413, part="1048576 bytes")


@override_settings(API_MAX_BODY_BYTES=200)
def test_the_body_limit_is_a_setting(till_client, world):
    before = row_counts(TABLES)
    response = send(till_client, "POST", "/v2/customers?source=INSTORE", register_body())
    assert_refused(response, before, code=413, http_status=413, part="at most 200 bytes")


@pytest.mark.parametrize("depth", [21, 1000, 100_000])
def test_json_nested_deeper_than_the_limit_is_refused(till_client, world, depth):
    before = row_counts(TABLES)
    raw = '{"loyaltyInfo":{"loyaltyType":"loyalty"},"profiles":' + "[" * depth + "]" * depth + "}"
    response = till_client.generic(
        "POST", "/v2/customers?source=INSTORE", raw.encode(), content_type="application/json"
    )
    assert_refused(response, before, code=400, part="nested deeper than 20 levels")


def test_json_nested_as_deep_as_the_limit_reaches_the_view(till_client, world):
    raw = '{"profiles":' + "[" * 19 + "]" * 19 + "}"  # depth 20 with the body itself
    response = till_client.generic(
        "POST", "/v2/customers?source=INSTORE", raw.encode(), content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" not in response.json()["errors"][0]["message"]  # the service's refusal


@pytest.mark.parametrize("count", [201, 50_000])
def test_extended_fields_with_too_many_keys_are_refused_at_once(till_client, world, count):
    before = row_counts(TABLES)
    body = register_body()
    body["extendedFields"] = {f"unknown{i}": "x" for i in range(count)}
    started = time.monotonic()
    response = send(till_client, "POST", "/v2/customers?source=INSTORE", body)
    assert time.monotonic() - started < 10  # the worker was killed at 50k keys (gunicorn 60 s)
    assert_refused(response, before, code=400, part="extendedFields: more than 100 members")


@pytest.mark.parametrize(
    ("endpoint", "where", "count", "path", "limit"),
    [
        ("register", ("profiles", 0, "identifiers"), 51, "profiles[0].identifiers", 50),
        ("register", ("profiles", 0, "fields"), 101, "profiles[0].fields", 100),
        ("subscriptions", ("subscriptions",), 101, "subscriptions", 100),
        ("changeIdentifier", ("add",), 51, "add", 50),
    ],
)
def test_lists_and_objects_larger_than_documented_are_refused(
    till_client, world, endpoint, where, count, path, limit
):
    method, url, make_body = ENDPOINTS[endpoint]
    body = make_body(world)
    template = body
    for step in where:
        template = template[step]
    if isinstance(template, dict):
        value = {f"k{i}": "v" for i in range(count)}
    else:
        value = [copy.deepcopy(template[0]) for _ in range(count)]
    before = row_counts(TABLES)
    response = send(till_client, method, url_of(world, url), with_value(body, where, value))
    assert_refused(response, before, code=400, part=f"{path}: more than {limit}")


@pytest.mark.parametrize(
    ("raw", "part"),
    [
        (b'{"profiles": NaN}', "Malformed request body"),
        (b'{"profiles": [{"firstName": 1e999}]}', "too large to represent"),
        (b'{"profiles": [{"firstName": 99999999999999999999}]}', "64-bit integer"),
        (b'{"profiles": [{"firstName": "\xff"}]}', "Malformed request body"),
    ],
)
def test_numbers_and_bytes_json_cannot_mean_are_refused(till_client, world, raw, part):
    before = row_counts(TABLES)
    response = till_client.generic(
        "POST", "/v2/customers?source=INSTORE", raw, content_type="application/json"
    )
    assert_refused(response, before, code=400, part=part)


def test_a_string_longer_than_any_column_is_refused(till_client, world):
    before = row_counts(TABLES)
    body = goodwill_body(world)
    body["comments"] = "x" * 100_000
    response = send(till_client, "POST", "/v2/requests", body)
    assert_refused(response, before, code=9030, part="comments: longer than 4096 characters")


def test_warnings_are_collected_in_linear_time():
    # 50,000 distinct warnings: a list scan per warning took minutes; a set takes ~0.1 s.
    warnings = Warnings()
    started = time.monotonic()
    for index in range(50_000):
        warnings.add(91015, x=f"field{index}")
        warnings.add(91015, x=f"field{index}")  # the same warning twice is kept once
    assert time.monotonic() - started < 5
    assert len(warnings) == 50_000


@pytest.mark.parametrize(
    "path", ["/v2/nothing/here", "/v2/customers/1/nothing", "/v2/line%0Abreak", "/v2/%00"]
)
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_paths_under_v2_answer_the_envelope(till_client, path, debug):
    with override_settings(DEBUG=debug):
        response = till_client.get(path)
    assert response.status_code in (400, 404), response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] in (400, 404)
