"""Machine credentials (config/credentials.py, config/authentication.py): till secrets and
API keys under a keyed fast hash, Capillary's `till_code:md5(secret)` form, old hashes
re-hashed on their first success, keys' expiry and last use, and failed authentications
throttled per till code and per client address."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import ApiKey, Till, access_group_built_in
from tests.conftest import basic_auth

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.urls")]

WHOAMI = "/v2/_test/whoami"


def call(authorization: str, address: str = "10.0.0.1"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client.get(WHOAMI)


def test_a_till_secret_is_stored_as_a_keyed_hash_of_its_md5(till):
    stored = Till.objects.get(pk=till.pk).secret_hash
    assert stored.startswith("hmac-sha256$")
    assert "test-secret" not in stored
    assert hashlib.md5(b"test-secret").hexdigest() not in stored


def test_the_md5_hex_of_the_secret_authenticates_as_capillary_sends_it(till):
    md5 = hashlib.md5(b"test-secret").hexdigest()
    assert call(basic_auth("test.till", md5)).status_code == 200
    assert call(basic_auth("test.till", md5.upper())).status_code == 200
    assert call(basic_auth("test.till", "test-secret")).status_code == 200
    # the MD5 of a wrong secret, and the MD5 of the MD5, are refused
    assert call(basic_auth("test.till", hashlib.md5(b"nope").hexdigest())).status_code == 401
    assert call(basic_auth("test.till", hashlib.md5(md5.encode()).hexdigest())).status_code == 401


def test_a_secret_hashed_before_works_and_is_rehashed_on_first_success(till):
    # given a till whose secret was stored by Django's password hasher (before this scheme)
    Till.objects.filter(pk=till.pk).update(secret_hash=make_password("old-secret"))
    # a wrong secret does not change it
    assert call(basic_auth("test.till", "wrong")).status_code == 401
    assert not Till.objects.get(pk=till.pk).secret_hash.startswith("hmac-sha256$")
    # when it authenticates once
    assert call(basic_auth("test.till", "old-secret")).status_code == 200
    # then it is stored under the keyed hash, and its MD5 form works from now on
    assert Till.objects.get(pk=till.pk).secret_hash.startswith("hmac-sha256$")
    md5 = hashlib.md5(b"old-secret").hexdigest()
    assert call(basic_auth("test.till", md5)).status_code == 200


def test_an_api_key_is_stored_keyed_and_its_use_recorded(till):
    api_key, raw = ApiKey.issue(till=till)
    assert api_key.key_hash.startswith("hmac-sha256$")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is None

    assert call(f"Bearer {raw}").status_code == 200
    first_use = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first_use is not None
    # a second call within API_KEY_LAST_USED_EVERY does not write again
    assert call(f"Bearer {raw}").status_code == 200
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first_use


def test_a_key_issued_before_is_rehashed(till):
    api_key, raw = ApiKey.issue(till=till)
    secret = raw.partition(".")[2]
    ApiKey.objects.filter(pk=api_key.pk).update(key_hash=hashlib.sha256(secret.encode()).hexdigest())
    assert call(f"Bearer {raw}").status_code == 200
    assert ApiKey.objects.get(pk=api_key.pk).key_hash.startswith("hmac-sha256$")


def test_an_expired_key_is_refused(till):
    _, raw = ApiKey.issue(till=till, expires_at=timezone.now() - timedelta(seconds=1))
    response = call(f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "API key expired."
    _, fresh = ApiKey.issue(till=till, expires_at=timezone.now() + timedelta(days=1))
    assert call(f"Bearer {fresh}").status_code == 200


# --- Failed authentications -----------------------------------------------------------


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert [item["code"] for item in response.json()["errors"]] == [429]
    assert int(response["Retry-After"]) >= 1


def test_wrong_secrets_for_one_till_are_throttled_then_even_the_right_one(settings, till):
    settings.AUTH_FAILURES_PER_TILL = "5/5m"
    # given five wrong secrets from five addresses
    for n in range(5):
        assert call(basic_auth("test.till", f"guess-{n}"), address=f"10.0.1.{n}").status_code == 401
    # when a sixth arrives, and then the right secret
    sixth = call(basic_auth("test.till", "guess-6"), address="10.0.1.9")
    right = call(basic_auth("test.till", "test-secret"), address="10.0.2.1")
    # then both answer 429 until the window ends: a guesser learns nothing more
    assert_throttled(sixth)
    assert_throttled(right)


def test_wrong_secrets_from_one_address_are_throttled_and_others_are_not(settings, store, till):
    settings.AUTH_FAILURES_PER_ADDRESS = "5/5m"
    # given guesses at many till codes from one address
    for n in range(5):
        assert call(basic_auth(f"till-{n}", "x"), address="10.9.9.9").status_code == 401
    # then the address is refused, with the right secret too
    assert_throttled(call(basic_auth("test.till", "x"), address="10.9.9.9"))
    assert_throttled(call(basic_auth("test.till", "test-secret"), address="10.9.9.9"))
    # and a till calling from another address is served
    assert call(basic_auth("test.till", "test-secret"), address="10.0.0.2").status_code == 200


def test_other_tills_are_not_throttled_by_a_guessed_one(settings, store, till):
    settings.AUTH_FAILURES_PER_TILL = "3/5m"
    other = Till(store=store, code="other.till", access_group=access_group_built_in("pos"))
    other.set_secret("other-secret")
    other.save()
    for n in range(4):
        call(basic_auth("test.till", f"guess-{n}"), address=f"10.0.3.{n}")
    assert call(basic_auth("other.till", "other-secret"), address="10.0.3.1").status_code == 200


def test_wrong_bearer_keys_count_per_address(settings, till):
    settings.AUTH_FAILURES_PER_ADDRESS = "3/5m"
    _, raw = ApiKey.issue(till=till)
    prefix = raw.partition(".")[0]
    # three wrong keys are allowed, the fourth is past the limit
    for n in range(3):
        assert call(f"Bearer {prefix}.wrong{n}", address="10.4.4.4").status_code == 401
    assert_throttled(call(f"Bearer {prefix}.wrong", address="10.4.4.4"))
    assert_throttled(call(f"Bearer {raw}", address="10.4.4.4"))
    assert call(f"Bearer {raw}", address="10.4.4.5").status_code == 200


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_with_redis_the_failure_counters_block_in_the_throttle_round_trip(settings, till):
    import uuid

    import redis
    from django.core.cache import caches

    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    settings.AUTH_FAILURES_PER_TILL = "2/5m"
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        assert call(basic_auth("test.till", "test-secret")).status_code == 200
        for n in range(2):
            assert call(basic_auth("test.till", f"g{n}"), address=f"10.5.0.{n}").status_code == 401
        assert_throttled(call(basic_auth("test.till", "g3"), address="10.5.0.3"))
        assert_throttled(call(basic_auth("test.till", "test-secret"), address="10.5.0.4"))
        assert len(client.keys(f"{prefix}:*authfail:till:test.till:*")) == 1
    finally:
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)
        caches["default"].close()
