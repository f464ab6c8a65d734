"""One transaction per service, retried whole when PostgreSQL breaks a lock conflict (I5).

Every write service is decorated with `atomic_with_retry`: it runs in one transaction (a
savepoint when a caller already holds one: the idempotency middleware, a test), and when
PostgreSQL aborts it with **deadlock_detected (40P01)** or **serialization_failure (40001)**
the transaction is rolled back and the service runs again from the start, up to
`LOCK_CONFLICT_ATTEMPTS` times with a short random pause. Locks taken in primary-key order
(docs/invariants.md, I5) make deadlocks rare; this makes the rare one invisible to the
caller. A service called by another decorated service runs inside the caller's transaction
and is retried with it (retrying the inner one alone would keep the outer one's locks and
meet the same conflict again).

A **lock timeout (55P03)** is a lock conflict too (writers queued behind each other, as
three merges in a ring are), but one that may also mean a lock held far too long (a stuck
session): it is retried `LOCK_TIMEOUT_ATTEMPTS` times in all (default 2, so a till waits at
most about twice the kind's lock timeout), then answered as an overloaded database: 503
with `Retry-After` (config.exceptions). A statement timeout (57014) is never retried.
When every attempt met a deadlock or serialization failure the caller gets 409 (code 409)
in the envelope, never a 5xx.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import OperationalError, transaction

from config.codes import Code
from config.errors import DomainError

logger = logging.getLogger(__name__)

# SQLSTATE of the conflicts worth running again: PostgreSQL chose this transaction as the
# victim of a deadlock, or a serializable / repeatable-read snapshot could not be kept.
RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
LOCK_NOT_AVAILABLE = "55P03"

P = ParamSpec("P")
R = TypeVar("R")

_in_service: contextvars.ContextVar[bool] = contextvars.ContextVar("in_service", default=False)


def _sqlstate(error: BaseException) -> str | None:
    cause = error.__cause__ if error.__cause__ is not None else error
    return getattr(cause, "sqlstate", None)


def lock_conflict(error: BaseException) -> bool:
    """Whether `error` (Django's wrapper of a psycopg error) is a deadlock or a
    serialization failure."""
    return _sqlstate(error) in RETRIED_SQLSTATES


def lock_timeout_attempts() -> int:
    return max(1, int(getattr(settings, "LOCK_TIMEOUT_ATTEMPTS", 2)))


def attempts() -> int:
    return max(1, int(getattr(settings, "LOCK_CONFLICT_ATTEMPTS", 5)))


def atomic_with_retry(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` in one transaction; run it again when a lock conflict aborts it."""

    @functools.wraps(function)
    def service(*args: P.args, **kwargs: P.kwargs) -> R:
        if _in_service.get():  # the outermost service's transaction is the one retried
            with transaction.atomic():
                return function(*args, **kwargs)
        token = _in_service.set(True)
        try:
            total = attempts()
            lock_timeouts = 0
            for attempt in range(1, total + 1):
                try:
                    with transaction.atomic():
                        return function(*args, **kwargs)
                except OperationalError as error:
                    if _sqlstate(error) == LOCK_NOT_AVAILABLE:
                        lock_timeouts += 1
                        if lock_timeouts >= lock_timeout_attempts() or attempt == total:
                            raise  # 503 + Retry-After: the lock is held too long
                    elif not lock_conflict(error):
                        raise
                    logger.info(
                        "%s: lock conflict (attempt %d of %d): %s",
                        function.__qualname__,
                        attempt,
                        total,
                        error,
                    )
                    if attempt == total:
                        raise DomainError(Code.LOCK_CONFLICT) from error
                    # Apart, so that the transactions that met do not meet again at once.
                    time.sleep(random.uniform(0.005, 0.02) * attempt)
            raise AssertionError("unreachable")
        finally:
            _in_service.reset(token)

    return service
