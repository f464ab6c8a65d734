"""A slow or locked database answers 503 in bounded time and writes nothing (issue 16).

Each kind of work has its own statement and lock timeouts (store API short, console longer,
batch long); the API answers a timeout with 503 in the envelope and `Retry-After`. Requests
go through the whole middleware stack with real connections (transactional tests), and a
lock is held by a second, real connection.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection, transaction
from django.test import override_settings

from config.database.work import WorkKind, timeouts
from tests.conftest import basic_auth

pytestmark = [
    pytest.mark.urls("tests.reliability.urls"),
    pytest.mark.django_db(transaction=True),
]

SERVICE_UNAVAILABLE = {
    "errors": [{"status": False, "code": 503, "message": "Service unavailable"}],
    "warnings": [],
}


@pytest.fixture
def fresh_connection():
    """Timeouts are set when a connection opens or changes kind: start from a new one."""
    connection.close()
    yield
    connection.close()


def test_each_kind_of_work_has_its_own_timeouts(api_client, fresh_connection):
    api = api_client.get("/v2/reliability/timeouts").json()
    console = api_client.get("/admin/reliability/timeouts").json()
    assert api == {"statement_timeout": "3s", "lock_timeout": "1s"}
    assert console == {"statement_timeout": "20s", "lock_timeout": "5s"}
    # outside a request (a management command, a job, this test): batch, on the same
    # connection the requests used
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
        )
        assert cursor.fetchone() == ("1h", "1min")
    assert timeouts(WorkKind.API).client_deadline == 4.0


@override_settings(DB_TIMEOUTS={"api": (300, 200), "console": (0, 0), "batch": (0, 0)})
def test_a_statement_over_the_api_timeout_answers_503_and_writes_nothing(
    api_client, till, fresh_connection
):
    from config.models import IdempotencyKey
    from customers.models import Store

    api_client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
    started = time.monotonic()
    # a keyed write: its effect and its key are one transaction (as every service's write)
    response = api_client.post(
        "/v2/reliability/stores",
        {"code": "slow", "pg_sleep": 10},
        format="json",
        HTTP_IDEMPOTENCY_KEY="slow-1",
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.content
    assert response.json() == SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "5"
    assert elapsed < 3
    assert not Store.objects.filter(name="slow").exists()  # the write before it rolled back
    assert not IdempotencyKey.objects.exists()  # and the retry will run for real


def test_a_row_locked_elsewhere_answers_503_after_the_lock_timeout(
    api_client, till, fresh_connection
):
    from customers.models import Customer, Source, SourceProfile

    customer = Customer.objects.create()
    SourceProfile.objects.create(customer=customer, source=Source.INSTORE, first_name="Tom")
    settings_dict = connection.settings_dict
    holder = psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        dbname=settings_dict["NAME"],
    )
    api_client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
    try:
        # given another session holding the customer's row lock (a long staff edit)
        holder.execute("SELECT 1 FROM customers_customer WHERE id = %s FOR UPDATE", [customer.pk])
        # when a till updates the customer
        started = time.monotonic()
        response = api_client.put(
            f"/v2/customers/{customer.pk}?source=INSTORE",
            {"profiles": [{"firstName": "Huck"}]},
            format="json",
        )
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    # then 503 after about the API's lock timeout (1 s), and nothing changed
    assert response.status_code == 503, response.content
    assert response.json() == SERVICE_UNAVAILABLE
    assert 0.9 < elapsed < 4
    assert SourceProfile.objects.get(customer=customer).first_name == "Tom"


@override_settings(DB_POOLER="transaction")
def test_behind_a_transaction_pooler_timeouts_are_set_per_transaction_only(fresh_connection):
    def statement_timeout() -> str:
        with connection.cursor() as cursor:  # a cursor per query, as the ORM makes them
            cursor.execute("SELECT current_setting('statement_timeout')")
            return cursor.fetchone()[0]

    session_default = statement_timeout()
    with transaction.atomic():
        inside = statement_timeout()
    after = statement_timeout()
    # the session keeps the server's (the role's) default: nothing leaks to the next client
    assert session_default == after == "0"
    assert inside == "1h"  # the batch kind's, for this transaction alone


@pytest.mark.django_db(transaction=True)
@override_settings(DB_IDLE_SESSION_TIMEOUT_MS=300)
def test_a_session_the_server_ended_while_idle_is_replaced_on_its_next_use(fresh_connection):
    from config.database import work
    from customers.models import Store

    # given a connection that served the store API (whose sessions end when idle) ...
    token = work._kind.set(WorkKind.API)
    try:
        assert Store.objects.count() == 0
    finally:
        work._kind.reset(token)
    first = connection.connection
    # ... left idle past the idle-session timeout, so the server ended it
    time.sleep(1.0)
    # when the process uses it again outside a request (a command, the bench runner)
    Store.objects.create(code="after.idle")
    # then a new session serves it, with the batch timeouts, and nothing failed
    assert connection.connection is not first
    assert Store.objects.filter(code="after.idle").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone() == ("1h",)
