"""Who is calling: tills by HTTP Basic or bearer API key, staff users by API key."""

import base64
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from customers.models import ApiKey, Store, Till
from tests.conftest import basic_auth

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.urls")]

WHOAMI = "/v2/_test/whoami"


def get_as(api_client, authorization: str):
    api_client.credentials(HTTP_AUTHORIZATION=authorization)
    return api_client.get(WHOAMI)


def assert_401(response):
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["warnings"] == []
    assert [item["code"] for item in body["errors"]] == [401]
    assert body["errors"][0]["status"] is False


def test_basic_with_till_code_and_secret_authenticates_the_till(api_client, till):
    response = get_as(api_client, basic_auth("test.till", "test-secret"))

    assert response.status_code == 200
    assert response.json() == {"kind": "Till", "code": "test.till", "username": None, "auth": None}


def test_basic_twice_uses_the_remembered_verification(api_client, till):
    # The second call hits the in-process cache of verified secrets; same answer.
    assert get_as(api_client, basic_auth("test.till", "test-secret")).status_code == 200
    assert get_as(api_client, basic_auth("test.till", "test-secret")).status_code == 200


def test_basic_with_a_wrong_secret_is_401(api_client, till):
    assert_401(get_as(api_client, basic_auth("test.till", "not-the-secret")))


def test_basic_after_the_secret_is_rotated_refuses_the_old_one(api_client, till):
    # given the old secret was verified (and remembered) once
    assert get_as(api_client, basic_auth("test.till", "test-secret")).status_code == 200
    # when the secret is rotated
    till.set_secret("new-secret")
    till.save(update_fields=["secret_hash"])
    # then the old one no longer works and the new one does
    assert_401(get_as(api_client, basic_auth("test.till", "test-secret")))
    assert get_as(api_client, basic_auth("test.till", "new-secret")).status_code == 200


def test_basic_with_an_unknown_till_is_401(api_client, till):
    assert_401(get_as(api_client, basic_auth("no.such.till", "test-secret")))


def test_basic_with_an_inactive_till_is_401(api_client, till):
    till.is_active = False
    till.save(update_fields=["is_active"])

    assert_401(get_as(api_client, basic_auth("test.till", "test-secret")))


def test_basic_with_an_inactive_store_is_401(api_client, till, store):
    store.is_active = False
    store.save(update_fields=["is_active"])

    assert_401(get_as(api_client, basic_auth("test.till", "test-secret")))


def test_a_till_without_a_secret_cannot_authenticate(api_client, store):
    Till.objects.create(store=store, code="no.secret")

    assert_401(get_as(api_client, basic_auth("no.secret", "")))


def test_api_key_of_a_till_authenticates_the_till(api_client, till):
    _, raw_key = ApiKey.issue(till=till, name="pos integration")

    response = get_as(api_client, f"Bearer {raw_key}")

    assert response.status_code == 200
    assert response.json() == {
        "kind": "Till",
        "code": "test.till",
        "username": None,
        "auth": "ApiKey",
    }


def test_api_key_is_stored_hashed(till):
    api_key, raw_key = ApiKey.issue(till=till)

    prefix, _, secret = raw_key.partition(".")
    assert api_key.prefix == prefix
    assert secret not in api_key.key_hash and raw_key not in api_key.key_hash


def test_revoked_api_key_is_401(api_client, till):
    api_key, raw_key = ApiKey.issue(till=till)
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])

    assert_401(get_as(api_client, f"Bearer {raw_key}"))


def test_api_key_with_a_wrong_secret_is_401(api_client, till):
    _, raw_key = ApiKey.issue(till=till)
    prefix = raw_key.partition(".")[0]

    assert_401(get_as(api_client, f"Bearer {prefix}.guessed"))


def test_api_key_of_an_inactive_till_is_401(api_client, till):
    _, raw_key = ApiKey.issue(till=till)
    till.is_active = False
    till.save(update_fields=["is_active"])

    assert_401(get_as(api_client, f"Bearer {raw_key}"))


def test_api_key_of_a_till_in_an_inactive_store_is_401(api_client, till, store):
    _, raw_key = ApiKey.issue(till=till)
    Store.objects.filter(pk=store.pk).update(is_active=False)

    assert_401(get_as(api_client, f"Bearer {raw_key}"))


def test_api_key_of_a_staff_user_authenticates_that_user(api_client):
    user = get_user_model().objects.create_user("ops.jane", password="x", is_staff=True)
    _, raw_key = ApiKey.issue(user=user)

    response = get_as(api_client, f"Bearer {raw_key}")

    assert response.status_code == 200
    assert response.json()["kind"] == "User"
    assert response.json()["username"] == "ops.jane"


def test_api_key_of_an_inactive_user_is_401(api_client):
    user = get_user_model().objects.create_user("ops.gone", password="x", is_active=False)
    _, raw_key = ApiKey.issue(user=user)

    assert_401(get_as(api_client, f"Bearer {raw_key}"))


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic",
        "Basic a b",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic " + base64.b64encode(b"no-colon-at-all").decode(),
        "Basic " + base64.b64encode(b"te\x00st.till:test-secret").decode(),
        "Basic " + base64.b64encode(b"test.till:sec\x00ret").decode(),
        "Basic " + base64.b64encode(("x" * 500 + ":y").encode()).decode(),
        "Bearer",
        "Bearer a b",
        "Bearer no-dot-at-all",
        "Bearer .",
        "Bearer " + "p" * 200 + ".s",
        "Bearer pre\x00fix.secret",
        "Bearer \xe9\xe8.secret",
    ],
)
def test_malformed_authorization_headers_are_401_not_500(api_client, till, authorization):
    assert_401(get_as(api_client, authorization))


def test_unknown_scheme_is_treated_as_no_credentials(api_client, till):
    assert_401(get_as(api_client, "Token abc"))


def test_create_api_key_command_prints_a_key_that_works(api_client, till):
    out = io.StringIO()

    call_command("create_api_key", "--till", "test.till", "--name", "cli", stdout=out)

    raw_key = out.getvalue().strip()
    assert ApiKey.objects.filter(till=till, name="cli", revoked_at__isnull=True).count() == 1
    response = get_as(api_client, f"Bearer {raw_key}")
    assert response.status_code == 200
    assert response.json()["code"] == "test.till"


def test_create_api_key_command_for_a_staff_user(api_client):
    get_user_model().objects.create_user("ops.key", password="x", is_staff=True)
    out = io.StringIO()

    call_command("create_api_key", "--user", "ops.key", stdout=out)

    response = get_as(api_client, f"Bearer {out.getvalue().strip()}")
    assert response.status_code == 200
    assert response.json()["username"] == "ops.key"


def test_create_api_key_command_refuses_an_unknown_till(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", "--till", "no.such.till", stdout=io.StringIO())
    assert ApiKey.objects.count() == 0
