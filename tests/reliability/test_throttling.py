"""Rate limits per till (config/throttling.py): 429 in the envelope with Retry-After."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from config.models import IdempotencyKey
from config.throttling import parse_rate

pytestmark = pytest.mark.urls("tests.reliability.urls")

PING = "/v2/reliability/ping"


def assert_throttled(response, *, window_seconds: int):
    assert response.status_code == 429
    assert response.json() == {
        "errors": [{"status": False, "code": 429, "message": "Rate limit exceeded"}],
        "warnings": [],
    }
    assert 1 <= int(response["Retry-After"]) <= window_seconds


def test_a_store_rate_limits_its_tills_and_not_the_others(store, till_client, other_till_client):
    # given a store allowed 3 requests an hour
    store.throttle_rate = "3/hour"
    store.save()
    # when its till sends 4
    answers = [till_client.get(PING).status_code for _ in range(3)]
    fourth = till_client.get(PING)
    # then the fourth is refused, and another store's till is not affected
    assert answers == [200, 200, 200]
    assert_throttled(fourth, window_seconds=3600)
    assert other_till_client.get(PING).status_code == 200


def test_tills_without_a_store_rate_use_the_default(settings, till_client):
    settings.TILL_THROTTLE_RATE = "2/hour"
    assert [till_client.get(PING).status_code for _ in range(3)] == [200, 200, 429]


def test_staff_users_have_their_own_limit(settings, db, django_user_model):
    settings.STAFF_THROTTLE_RATE = "1/hour"
    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    client = APIClient()
    client.force_authenticate(staff)
    assert client.get(PING).status_code == 200
    assert_throttled(client.get(PING), window_seconds=3600)


def test_an_unreadable_store_rate_falls_back_to_the_default(settings, store, till_client):
    store.throttle_rate = "lots"
    store.save()
    settings.TILL_THROTTLE_RATE = "1/hour"
    assert [till_client.get(PING).status_code for _ in range(2)] == [200, 429]


def test_a_throttled_keyed_write_is_not_stored_so_the_retry_runs(store, till_client):
    from customers.models import Store

    store.throttle_rate = "1/hour"
    store.save()
    till_client.get(PING)  # uses up the hour
    refused = till_client.post(
        "/v2/reliability/stores", {"code": "s"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert_throttled(refused, window_seconds=3600)
    assert IdempotencyKey.objects.count() == 0
    assert Store.objects.filter(name="s").count() == 0
    # once the limit is lifted, the retry with the same key is applied
    store.throttle_rate = "100/hour"
    store.save()
    retry = till_client.post(
        "/v2/reliability/stores", {"code": "s"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry


def test_a_keyed_write_is_counted_once(store, till_client):
    store.throttle_rate = "2/hour"
    store.save()
    first = till_client.post(
        "/v2/reliability/stores", {"code": "s"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert first.status_code == 201
    # the middleware counted it; the view's throttle did not count it again
    assert till_client.get(PING).status_code == 200
    assert till_client.get(PING).status_code == 429


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("600/min", (600, 60)),
        ("10/s", (10, 1)),
        ("100/10s", (100, 10)),
        ("5000/hour", (5000, 3600)),
        ("1/day", (1, 86400)),
        ("", None),
        ("fast", None),
    ],
)
def test_rates_are_read_like_drf_rates(rate, parsed):
    assert parse_rate(rate) == parsed


def test_old_windows_are_swept_when_a_new_window_starts(till_client):
    from datetime import timedelta

    from django.utils import timezone

    from config.models import RateLimitCounter

    RateLimitCounter.objects.create(
        key="till:0:60:1", count=5, expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert till_client.get(PING).status_code == 200
    assert not RateLimitCounter.objects.filter(key="till:0:60:1").exists()
    assert RateLimitCounter.objects.get().count == 1


def test_the_limit_costs_one_query_per_request(till_client, django_assert_num_queries):
    till_client.get(PING)
    # 1 = till lookup (authentication), 1 = counter upsert
    with django_assert_num_queries(2):
        till_client.get(PING)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_counted_exactly(till):
    import threading

    from django.db import connection

    from tests.conftest import basic_auth

    till.store.throttle_rate = "10/hour"
    till.store.save()
    # Verify the till secret once (slow hashing, then cached) so the race is about the
    # request, not ten password hashes at once.
    from config.authentication import till_secret_matches
    from customers.models import Till

    assert till_secret_matches(Till.objects.get(code="test.till"), "test-secret")
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
        try:
            barrier.wait(timeout=10)
            statuses.append(client.get(PING).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 10 + [429] * 10


def test_a_cache_with_atomic_increments_is_used_instead_of_the_table(settings, store, till_client):
    # Redis (REDIS_URL) increments atomically; the in-memory cache stands in for it here.
    from config.models import RateLimitCounter

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    store.throttle_rate = "2/hour"
    store.save()
    answers = [till_client.get(PING) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert_throttled(answers[-1], window_seconds=3600)
    assert RateLimitCounter.objects.count() == 0


REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {REDIS_URL}")
def test_with_redis_each_window_is_one_counter_that_expires_with_it(settings, store, till_client):
    # given: the production cache, Redis, under a prefix of this test run's own
    import uuid

    import redis
    from django.core.cache import caches

    from config.models import RateLimitCounter

    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    store.throttle_rate = "2/hour"
    store.save()
    client = redis.Redis.from_url(REDIS_URL)
    try:
        # when: the till sends three requests
        answers = [till_client.get(PING) for _ in range(3)]
        # then: the third is refused, and the window's counter (INCR + EXPIRE NX in one
        # round trip) holds the three hits and ends with the window
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert_throttled(answers[-1], window_seconds=3600)
        keys = client.keys(f"{prefix}:*throttle:till:*")
        assert len(keys) == 1
        assert int(client.get(keys[0])) == 3
        assert 0 < client.ttl(keys[0]) <= 3601
        assert RateLimitCounter.objects.count() == 0
    finally:
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)
        caches["default"].close()
