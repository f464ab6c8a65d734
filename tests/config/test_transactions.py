"""config.transactions.atomic_with_retry with real concurrent connections: a deadlock is
run again and both writers succeed; a lock timeout is retried once, then raised (503);
when every attempt meets a conflict the caller gets 409, not a 5xx."""

import threading

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from config.errors import DomainError
from config.transactions import atomic_with_retry
from customers.models import Customer
from tests.concurrency import at_once


def lock_in_order(first: int, second: int, attempts: list, barrier: threading.Barrier) -> str:
    """Lock two customers in the given order; the first attempt waits for the other thread
    between the two, so the two threads deadlock."""

    @atomic_with_retry
    def work() -> str:
        attempts.append(first)
        Customer.objects.select_for_update().get(pk=first)
        if len(attempts) == 1:
            barrier.wait(timeout=10)
        Customer.objects.select_for_update().get(pk=second)
        return "done"

    return work()


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_is_retried_and_both_writers_succeed():
    a, b = Customer.objects.create(), Customer.objects.create()
    barrier = threading.Barrier(2)
    first_attempts, second_attempts = [], []

    results = at_once(
        [
            lambda: lock_in_order(a.pk, b.pk, first_attempts, barrier),
            lambda: lock_in_order(b.pk, a.pk, second_attempts, barrier),
        ]
    )

    assert results == ["done", "done"]
    # PostgreSQL aborted one of them (40P01); it ran a second time
    assert sorted([len(first_attempts), len(second_attempts)]) == [1, 2]


@pytest.mark.django_db(transaction=True)
@override_settings(LOCK_CONFLICT_ATTEMPTS=1)
def test_when_every_attempt_deadlocks_the_caller_gets_409():
    a, b = Customer.objects.create(), Customer.objects.create()
    barrier = threading.Barrier(2)

    results = at_once(
        [
            lambda: lock_in_order(a.pk, b.pk, [], barrier),
            lambda: lock_in_order(b.pk, a.pk, [], barrier),
        ]
    )

    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and "done" in results
    assert (refused[0].code, refused[0].http_status) == (409, 409)


def lock_waiter(customer_id: int, attempts: list, *, release_after_first: threading.Event | None):
    @atomic_with_retry
    def wait_briefly():
        attempts.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
        try:
            Customer.objects.select_for_update().get(pk=customer_id)
        finally:
            if release_after_first is not None:
                release_after_first.set()

    return wait_briefly


def hold_lock(customer_id: int, held: threading.Event, release: threading.Event):
    @atomic_with_retry
    def hold():
        Customer.objects.select_for_update().get(pk=customer_id)
        held.set()
        release.wait(timeout=10)

    return hold


@pytest.mark.django_db(transaction=True)
def test_a_lock_held_too_long_is_retried_once_then_raised():
    customer = Customer.objects.create()
    held, release = threading.Event(), threading.Event()
    attempts = []
    wait_briefly = lock_waiter(customer.pk, attempts, release_after_first=None)

    def waiter():
        held.wait(timeout=10)
        try:
            return wait_briefly()
        finally:
            release.set()

    results = at_once([hold_lock(customer.pk, held, release), waiter])

    assert isinstance(results[1], OperationalError)
    assert results[1].__cause__.sqlstate == "55P03"
    assert attempts == [1, 1]  # LOCK_TIMEOUT_ATTEMPTS = 2


@pytest.mark.django_db(transaction=True)
def test_a_lock_released_after_one_timeout_is_taken_on_the_retry():
    customer = Customer.objects.create()
    held, release = threading.Event(), threading.Event()
    attempts = []
    wait_briefly = lock_waiter(customer.pk, attempts, release_after_first=release)

    def waiter():
        held.wait(timeout=10)
        return wait_briefly()

    results = at_once([hold_lock(customer.pk, held, release), waiter])

    assert results[1] is None and not isinstance(results[1], Exception)
    assert len(attempts) >= 2
