"""Rate limits per till (and per staff user), in shared state every worker sees.

A fixed-window counter, one round trip per request: Redis `INCR` + `EXPIRE NX` in one
pipeline when `REDIS_URL` is set (the Django cache's `incr` sends a Lua script, and a second
round trip opens each window); otherwise one PostgreSQL upsert on `config_ratelimitcounter`
(Django's database cache has no atomic increment: get + set costs six queries, including a
`COUNT(*)` of the cache table, and loses counts under concurrency). Cheaper than DRF's
sliding log, which reads and rewrites a list of timestamps per request.

A till's limit is its store's `throttle_rate` ("600/min"), else `settings.TILL_THROTTLE_RATE`;
staff use `STAFF_THROTTLE_RATE`, anonymous callers `ANON_THROTTLE_RATE` per client address.
"""

from __future__ import annotations

import logging
import math
import re
import time
from datetime import timedelta
from functools import lru_cache

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
_HIT_SQL = f"""
WITH swept AS (
    DELETE FROM {RateLimitCounter._meta.db_table} WHERE key IN (
        SELECT key FROM {RateLimitCounter._meta.db_table}
        WHERE expires_at < %s LIMIT 50 FOR UPDATE SKIP LOCKED
    )
)
INSERT INTO {RateLimitCounter._meta.db_table} AS c (key, count, expires_at)
VALUES (%s, 1, %s)
ON CONFLICT (key) DO UPDATE SET count = c.count + 1
RETURNING count
"""


def _hit_database(key: str, duration: int) -> int:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_HIT_SQL, [now, key, now + timedelta(seconds=duration + 1)])
        return cursor.fetchone()[0]


def _hit_redis(cache: BaseCache, key: str, duration: int) -> int:
    pipeline = cache.client.get_client(write=True).pipeline(transaction=False)
    full_key = cache.make_key(key)
    pipeline.incr(full_key)
    pipeline.expire(full_key, duration + 1, nx=True)  # the window's first hit sets its end
    count, _ = pipeline.execute()
    return count


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
        if parsed is None:
            logger.warning("unreadable throttle rate %r for %s: not throttled", rate, ident)
            return True
        limit, duration = parsed
        now = time.time()
        window = int(now // duration)
        count = self._hit(f"throttle:{ident}:{duration}:{window}", duration)
        if count <= limit:
            return True
        self._wait = max(1, math.ceil((window + 1) * duration - now))
        return False

    @staticmethod
    def _hit(key: str, duration: int) -> int:
        cache = caches["default"]
        if hasattr(cache, "client") and hasattr(cache.client, "get_client"):  # django-redis
            return _hit_redis(cache, key, duration)
        if not _increments_atomically(cache):
            return _hit_database(key, duration)
        try:
            return cache.incr(key)
        except ValueError:  # first request of the window
            if cache.add(key, 1, timeout=duration + 1):
                return 1
            return cache.incr(key)

    def wait(self) -> float | None:
        return self._wait
