"""Rate limits per till (and per staff user), in shared state every worker sees.

A fixed-window counter, one round trip per request: Redis `INCR` + `EXPIRE NX` in one
pipeline when `REDIS_URL` is set (the Django cache's `incr` sends a Lua script, and a second
round trip opens each window); otherwise one PostgreSQL upsert on `config_ratelimitcounter`
(Django's database cache has no atomic increment: get + set costs six queries, including a
`COUNT(*)` of the cache table, and loses counts under concurrency). Cheaper than DRF's
sliding log, which reads and rewrites a list of timestamps per request.

A till's limit is its store's `throttle_rate` ("600/min"), else `settings.TILL_THROTTLE_RATE`;
staff use `STAFF_THROTTLE_RATE`, anonymous callers `ANON_THROTTLE_RATE` per client address.

Failed authentications are counted per till code and per client address
(`auth_failure_record`, on the failure path only). Past `AUTH_FAILURES_PER_TILL` /
`AUTH_FAILURES_PER_ADDRESS` in their window, a failure answers 429, and so does a request
that authenticates (read in the same round trip as the rate counter, so a legitimate call
costs nothing more), until the window ends: a guesser learns nothing more there.
"""

from __future__ import annotations

import logging
import math
import re
import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from config.models import RateLimitCounter
from config.principals import is_till, principal_label

logger = logging.getLogger("config.throttling")

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Set on the Django request when the idempotency middleware has already counted it, so the
# view's throttle does not count the same request twice.
COUNTED_ATTR = "rate_limit_counted"


@lru_cache(maxsize=256)
def parse_rate(rate: str) -> tuple[int, int] | None:
    """ "600/min" -> (600, 60); "100/10s" -> (100, 10); None when unreadable."""
    match = _RATE.match(rate or "")
    if not match:
        return None
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _SECONDS[unit[0]]


# One statement per request, whatever the window: old windows are swept a few at a time in
# the same statement (SKIP LOCKED, so tills sweeping together neither wait nor deadlock),
# which keeps the query count of every endpoint constant.
# The other counters read with it (failed authentications of the caller's till code and
# address) cost no second statement.
_TABLE = RateLimitCounter._meta.db_table
_HIT_SQL = f"""
WITH swept AS (
    DELETE FROM {_TABLE} WHERE key IN (
        SELECT key FROM {_TABLE} WHERE expires_at < %s LIMIT 50 FOR UPDATE SKIP LOCKED
    )
), hit AS (
    INSERT INTO {_TABLE} AS c (key, count, expires_at)
    VALUES (%s, 1, %s)
    ON CONFLICT (key) DO UPDATE SET count = c.count + 1
    RETURNING count
)
SELECT (SELECT count FROM hit),
       (SELECT count FROM {_TABLE} WHERE key = %s AND expires_at >= %s),
       (SELECT count FROM {_TABLE} WHERE key = %s AND expires_at >= %s)
"""


def _hit_database(key: str, duration: int, read: tuple[str, str]) -> tuple[int, int, int]:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _HIT_SQL,
            [now, key, now + timedelta(seconds=duration + 1), read[0], now, read[1], now],
        )
        count, first, second = cursor.fetchone()
        return count, first or 0, second or 0


def _hit_redis(
    cache: BaseCache, key: str, duration: int, read: tuple[str, str]
) -> tuple[int, int, int]:
    pipeline = _redis_client(cache).get_client(write=True).pipeline(transaction=False)
    full_key = cache.make_key(key)
    pipeline.incr(full_key)
    pipeline.expire(full_key, duration + 1, nx=True)  # the window's first hit sets its end
    pipeline.mget([cache.make_key(name) for name in read])
    count, _, (first, second) = pipeline.execute()
    return count, int(first or 0), int(second or 0)


def _client_address(request) -> str:
    return BaseThrottle().get_ident(request)


def _failure_keys(till_code: str | None, address: str) -> list[tuple[str, int, int]]:
    """(counter key, limit, window length) of the failure counters a request falls under."""
    keys = []
    now = time.time()
    for kind, ident, rate in (
        ("till", till_code, settings.AUTH_FAILURES_PER_TILL),
        ("ip", address, settings.AUTH_FAILURES_PER_ADDRESS),
    ):
        parsed = parse_rate(rate)
        if ident is None or parsed is None:
            keys.append(("authfail:none", 0, 0))
            continue
        limit, duration = parsed
        window = int(now // duration)
        keys.append((f"authfail:{kind}:{ident}:{duration}:{window}", limit, duration))
    return keys


def _wait_of(keys: list[tuple[str, int, int]], counts: tuple[int, ...]) -> float | None:
    """Seconds until the latest window over its limit ends, or None when none is."""
    now = time.time()
    waits = [
        max(1, math.ceil((int(now // duration) + 1) * duration - now))
        for (_, limit, duration), count in zip(keys, counts, strict=True)
        if duration and count > limit
    ]
    return max(waits) if waits else None


# Set on the Django request once its failed authentication is counted (the idempotency
# middleware and the view both authenticate a write).
FAILURE_ATTR = "auth_failure_wait"


def auth_failure_record(request, till_code: str | None) -> float | None:
    """Count a failed authentication against the till code (None: no till named) and the
    client address; the seconds to wait when either is past its limit, else None."""
    django_request = getattr(request, "_request", request)
    if hasattr(django_request, FAILURE_ATTR):
        return getattr(django_request, FAILURE_ATTR)
    keys = _failure_keys(till_code, _client_address(request))
    counted = _count_many([(key, duration) for key, _, duration in keys if duration])
    counts = tuple(counted.get(key, 0) for key, _, _ in keys)
    wait = _wait_of(keys, counts)
    setattr(django_request, FAILURE_ATTR, wait)
    if wait is not None:
        logger.warning(
            "authentication failures past the limit: till code %r, address %s",
            till_code,
            _client_address(request),
        )
    return wait


def auth_blocked(request, till_code: str | None) -> float | None:
    """The wait when the till code or the address is past its failure limit (no count)."""
    keys = _failure_keys(till_code, _client_address(request))
    cache = caches["default"]
    if _is_redis(cache):
        values = _redis_client(cache).get_client().mget([cache.make_key(key) for key, _, _ in keys])
        counts = tuple(int(value or 0) for value in values)
    elif not _increments_atomically(cache):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT count FROM {_TABLE} WHERE key = %s AND expires_at >= now()),"
                f" (SELECT count FROM {_TABLE} WHERE key = %s AND expires_at >= now())",
                [keys[0][0], keys[1][0]],
            )
            counts = tuple(count or 0 for count in cursor.fetchone())
    else:
        found = cache.get_many([key for key, _, _ in keys])
        counts = tuple(int(found.get(key) or 0) for key, _, _ in keys)
    return _wait_of(keys, counts)


def _redis_client(cache: BaseCache) -> Any:
    return cache.client  # type: ignore[attr-defined]  # django-redis's cache (see _is_redis)


def _is_redis(cache: BaseCache) -> bool:
    return hasattr(cache, "client") and hasattr(cache.client, "get_client")  # django-redis


_COUNT_SQL = f"""
INSERT INTO {_TABLE} AS c (key, count, expires_at)
SELECT * FROM unnest(%s::text[], array_fill(1, ARRAY[cardinality(%s::text[])]), %s::timestamptz[])
ON CONFLICT (key) DO UPDATE SET count = c.count + 1
RETURNING key, count
"""


def _count_many(keys: list[tuple[str, int]]) -> dict[str, int]:
    """One more on each fixed-window counter (key, window length), in one round trip."""
    if not keys:
        return {}
    cache = caches["default"]
    if _is_redis(cache):
        pipeline = _redis_client(cache).get_client(write=True).pipeline(transaction=False)
        for key, duration in keys:
            pipeline.incr(cache.make_key(key))
            pipeline.expire(cache.make_key(key), duration + 1, nx=True)
        answers = pipeline.execute()
        return {key: answers[2 * n] for n, (key, _) in enumerate(keys)}
    if not _increments_atomically(cache):
        now = timezone.now()
        names = [key for key, _ in keys]
        ends = [now + timedelta(seconds=duration + 1) for _, duration in keys]
        with connection.cursor() as cursor:
            cursor.execute(_COUNT_SQL, [names, names, ends])
            return dict(cursor.fetchall())
    return {
        key: _hit(key, duration, ("authfail:none", "authfail:none"))[0] for key, duration in keys
    }


def _hit(key: str, duration: int, read: tuple[str, str]) -> tuple[int, int, int]:
    """One more on `key`'s counter, and the values of the two counters `read`."""
    cache = caches["default"]
    if _is_redis(cache):
        return _hit_redis(cache, key, duration, read)
    if not _increments_atomically(cache):
        return _hit_database(key, duration, read)
    try:
        count = cache.incr(key)
    except ValueError:  # first request of the window
        count = 1 if cache.add(key, 1, timeout=duration + 1) else cache.incr(key)
    found = cache.get_many(list(read))
    return count, int(found.get(read[0]) or 0), int(found.get(read[1]) or 0)


def _increments_atomically(backend: BaseCache) -> bool:
    return type(backend).incr is not BaseCache.incr


class TillRateThrottle(BaseThrottle):
    """DRF throttle keyed by the calling till, staff user, or (anonymous) client address."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def rate_for(self, request) -> tuple[str, str]:
        user = getattr(request, "user", None)
        label = principal_label(user)
        if label is None:
            return f"ip:{self.get_ident(request)}", settings.ANON_THROTTLE_RATE
        if is_till(user):
            store = getattr(user, "store", None)
            return label, getattr(store, "throttle_rate", "") or settings.TILL_THROTTLE_RATE
        return label, settings.STAFF_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        if getattr(request, COUNTED_ATTR, False):
            return True
        ident, rate = self.rate_for(request)
        parsed = parse_rate(rate) or parse_rate(settings.TILL_THROTTLE_RATE)
        user: Any = getattr(request, "user", None)
        failures = _failure_keys(user.code if is_till(user) else None, self.get_ident(request))
        if parsed is None:
            logger.warning("unreadable throttle rate %r for %s: not throttled", rate, ident)
            parsed = (0, 0)
        limit, duration = parsed
        now = time.time()
        window = int(now // duration) if duration else 0
        count, *failed = _hit(
            f"throttle:{ident}:{duration}:{window}",
            duration or 1,
            (failures[0][0], failures[1][0]),
        )
        # A till code or an address past its failure limit: refused, right secret or not.
        blocked = _wait_of(failures, tuple(failed))
        if blocked is not None:
            self._wait = blocked
            return False
        if not duration or count <= limit:
            return True
        self._wait = max(1, math.ceil((window + 1) * duration - now))
        return False

    def wait(self) -> float | None:
        return self._wait
