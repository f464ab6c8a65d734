"""Idempotency-Key on store writes (config/idempotency.py), through real HTTP and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from config.models import IdempotencyKey
from tests.conftest import basic_auth

pytestmark = pytest.mark.urls("tests.reliability.urls")

URL = "/v2/reliability/stores"


def post(client, body: dict, key: str | None = "key-1", method: str = "post"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return getattr(client, method)(URL, body, format="json", **headers)


def stores(prefix: str = "s") -> int:
    from customers.models import Store

    return Store.objects.filter(name=prefix).count()


def test_retry_with_the_same_key_replays_the_response_and_writes_nothing(till_client):
    # given a first registration with a key
    first = post(till_client, {"code": "s"})
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    # when the till retries it twice
    retries = [post(till_client, {"code": "s"}) for _ in range(2)]
    # then both answers are the first one, byte for byte, and only one store exists
    for retry in retries:
        assert retry.status_code == 201
        assert retry.content == first.content
        assert retry["Idempotent-Replayed"] == "true"
        assert retry["Content-Type"] == first["Content-Type"]
    assert stores() == 1
    row = IdempotencyKey.objects.get()
    assert (row.method, row.path, row.response_status) == ("POST", URL, 201)


def test_key_row_names_the_till(till, till_client):
    post(till_client, {"code": "s"})
    assert IdempotencyKey.objects.get().principal == f"till:{till.pk}"


def post_raw(client, url: str, raw: bytes | str, key: str = "key-1", **extra):
    return client.post(
        url, data=raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra
    )


def refusal_422(what: str) -> dict:
    return {
        "errors": [
            {
                "status": False,
                "code": 422,
                "message": (
                    "Idempotency key reused with a different request: the "
                    f"{what} from the request that first used this Idempotency-Key"
                ),
            }
        ],
        "warnings": [],
    }


def test_same_key_with_a_different_body_or_query_answers_422_naming_it(till_client):
    post(till_client, {"code": "s"})
    # when the same key comes with another body, query, or both
    other_body = post(till_client, {"code": "t"})
    other_query = till_client.post(
        URL + "?x=1", {"code": "s"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    both = till_client.post(
        URL + "?x=1", {"code": "t"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    # then 422 in the envelope saying what differed, and nothing new
    assert (other_body.status_code, other_body.json()) == (422, refusal_422("body differs"))
    assert (other_query.status_code, other_query.json()) == (
        422,
        refusal_422("query string differs"),
    )
    assert (both.status_code, both.json()) == (422, refusal_422("query string and the body differ"))
    assert stores("s") == 1
    assert stores("t") == 0


def test_the_same_json_with_other_whitespace_or_key_order_replays(till_client):
    # given a first request with a compact body
    first = post_raw(till_client, URL, '{"code":"s","delay":0}')
    assert first.status_code == 201
    # when retried with the keys in another order, spaces and new lines
    retries = [
        post_raw(till_client, URL, '{ "delay": 0,\n  "code": "s" }'),
        post_raw(till_client, URL, b'{"delay":0,"code":"s"}\n'),
    ]
    # then the first response is replayed and nothing is written again
    for retry in retries:
        assert retry.status_code == 201, retry.content
        assert retry["Idempotent-Replayed"] == "true"
        assert retry.content == first.content
    assert stores() == 1


def test_query_parameters_in_another_order_are_the_same_request(till_client):
    first = post_raw(till_client, URL + "?a=1&b=2", '{"code":"s"}')
    retry = post_raw(till_client, URL + "?b=2&a=1", '{"code":"s"}')
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert stores() == 1


def test_a_body_that_is_not_json_is_compared_byte_for_byte(till_client):
    # given a first request whose body does not parse (the view refuses it: 400, stored)
    first = post_raw(till_client, URL, '{"code": "s",')
    assert first.status_code == 400
    # when retried identically it replays; with one more space it is another request
    same = post_raw(till_client, URL, '{"code": "s",')
    other = post_raw(till_client, URL, '{"code":  "s",')
    assert same.status_code == 400 and same["Idempotent-Replayed"] == "true"
    assert (other.status_code, other.json()) == (422, refusal_422("body differs"))


def test_a_key_row_stores_a_query_half_and_a_body_half(till_client):
    from config.idempotency import canonical_body, canonical_query

    post_raw(till_client, URL + "?b=2&a=1", '{ "code": "s" }')
    row = IdempotencyKey.objects.get()
    assert len(row.request_hash) == 64
    assert canonical_query("b=2&a=1") == b"a=1&b=2"
    assert canonical_body(b'{ "code": "s" }') == b'{"code":"s"}'
    assert canonical_body(b"not json") == b"not json"


def test_a_refusal_is_stored_and_replayed(till_client):
    first = post(till_client, {"code": "s", "refuse": True})
    assert first.status_code == 400
    retry = post(till_client, {"code": "s", "refuse": True})
    assert retry.status_code == 400
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert stores() == 0
    assert IdempotencyKey.objects.get().response_status == 400


def test_a_server_error_rolls_back_the_effect_and_the_key(till):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
    # when the view writes and then crashes
    crashed = post(client, {"code": "s", "crash": True})
    # then the write is rolled back with the key, so a retry runs for real
    assert crashed.status_code == 500
    assert stores() == 0
    assert IdempotencyKey.objects.count() == 0
    retry = post(client, {"code": "s"})
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert stores() == 1


def test_keys_are_scoped_to_the_calling_till(till_client, other_till_client):
    # the same key and body from two tills are two different requests
    first = post(till_client, {"code": "s"})
    second = post(other_till_client, {"code": "s"})
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert first.json()["createdId"] != second.json()["createdId"]
    assert stores() == 2
    assert IdempotencyKey.objects.count() == 2


def test_patch_is_idempotent_too_and_other_keys_are_independent(till_client):
    a1 = post(till_client, {"code": "s"}, key="a", method="patch")
    a2 = post(till_client, {"code": "s"}, key="a", method="patch")
    b = post(till_client, {"code": "s"}, key="b", method="patch")
    assert a1.content == a2.content and a2["Idempotent-Replayed"] == "true"
    assert b.json()["createdId"] != a1.json()["createdId"]
    assert stores() == 2


def test_without_a_key_every_request_applies(till_client):
    post(till_client, {"code": "s"}, key=None)
    post(till_client, {"code": "s"}, key=None)
    assert stores() == 2
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.parametrize("key", ["", " padded ", "x" * 256, "naïve"])
def test_a_malformed_key_answers_400(till_client, key):
    response = post(till_client, {"code": "s"}, key=key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 400
    assert stores() == 0


def test_an_unauthenticated_write_with_a_key_answers_401_and_stores_nothing(db, api_client):
    response = post(api_client, {"code": "s"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == 401
    assert IdempotencyKey.objects.count() == 0


def test_a_wrong_secret_is_refused_and_not_stored(till):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "wrong"))
    assert post(client, {"code": "s"}).status_code == 401
    assert IdempotencyKey.objects.count() == 0


def test_staff_users_are_scoped_by_user(db, django_user_model):
    from customers.models import ApiKey

    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    _, raw = ApiKey.issue(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # a GET-only view: the 405 is a refusal, stored under user:<id>
    response = client.post("/v2/reliability/ping", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 405
    assert IdempotencyKey.objects.get().principal == f"user:{staff.pk}"


def test_expired_keys_are_reused_and_purged(till_client, settings):
    first = post(till_client, {"code": "s"})
    # when the key has expired, the same key runs again (even with another body)
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post(till_client, {"code": "t"})
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["createdId"] != first.json()["createdId"]
    assert IdempotencyKey.objects.count() == 1
    # and the purge deletes only expired keys
    post(till_client, {"code": "s"}, key="live")
    IdempotencyKey.objects.filter(key="key-1").update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    call_command("purge_idempotency_keys")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["live"]


def test_the_ttl_comes_from_settings(till_client, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 2
    post(till_client, {"code": "s"})
    row = IdempotencyKey.objects.get()
    assert timedelta(hours=2) - (row.expires_at - row.created_at) < timedelta(seconds=1)


def test_the_schema_documents_the_header_on_every_write(db, api_client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    writes = [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in {"post", "put", "patch"}
    ]
    for path, method, operation in writes:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert names.count("Idempotency-Key") == 1, (path, method)
    assert "Idempotency-Key" in schema["info"]["description"]


def test_no_service_opens_a_durable_transaction():
    # The middleware wraps keyed writes in a transaction; durable=True inside would fail.
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("config", "customers", "loyalty", "subscriptions")
        for path in (root / app).rglob("*.py")
        if "durable=True" in path.read_text()
    ]
    assert offenders == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_apply_once_and_all_get_the_same_answer(till):
    # given 10 till connections sending the same keyed request at the same moment
    threads_count = 10
    # Verify the till secret once (slow hashing, then cached) so the race is about the
    # request, not ten password hashes at once.
    from config.authentication import till_secret_matches
    from customers.models import Till

    assert till_secret_matches(Till.objects.get(code="test.till"), "test-secret")
    barrier = threading.Barrier(threads_count)
    answers: list[tuple[int, bytes, str | None]] = []
    lock = threading.Lock()

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
        try:
            barrier.wait(timeout=10)
            # The first holds its transaction open 0.3 s: the others arrive while it runs.
            response = post(client, {"code": "s", "delay": 0.3}, key="checkout-42")
            with lock:
                answers.append(
                    (response.status_code, response.content, response.get("Idempotent-Replayed"))
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then exactly one store is written and every answer is the same 201 body
    assert len(answers) == threads_count
    assert {(status, body) for status, body, _ in answers} == {(201, answers[0][1])}
    assert sorted(replayed or "" for _, _, replayed in answers) == [""] + ["true"] * 9
    assert stores() == 1
    assert json.loads(answers[0][1])["createdId"]
    assert IdempotencyKey.objects.count() == 1


def test_staff_can_read_keys_in_the_admin(till_client, admin_client, settings):
    post(till_client, {"code": "s"})
    row = IdempotencyKey.objects.get()
    listing = admin_client.get("/admin/config/idempotencykey/?q=key-1")
    detail = admin_client.get(f"/admin/config/idempotencykey/{row.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    assert b"key-1" in listing.content
    assert b"createdId" in detail.content
    assert admin_client.get("/admin/config/idempotencykey/add/").status_code == 403
