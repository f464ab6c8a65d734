"""Faults: the database going away mid-request answers 503 in the envelope, and the app
recovers by itself when the database is back.

The embedded server is shared by everyone's test runs, so it is not stopped: the outage is
made for this process only, by terminating the request's server session from a second
connection (what a restart or failover does to it), or by pointing the connection at a
closed port. Requests go through Django's real WSGI handler in this thread, so the request
signals that drop broken connections (CONN_HEALTH_CHECKS, close_old_connections) run as in
gunicorn; the test client would skip them.
"""

from __future__ import annotations

import io
import json
import socket
from dataclasses import dataclass, field

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from config.models import IdempotencyKey
from tests.conftest import basic_auth

pytestmark = [
    pytest.mark.urls("tests.reliability.urls"),
    pytest.mark.django_db(transaction=True),
]


@dataclass
class WsgiResponse:
    status: int
    headers: dict[str, str]
    body: bytes = field(repr=False)

    def json(self):
        return json.loads(self.body)


def wsgi(method: str, path: str, body: dict | None = None, **headers: str) -> WsgiResponse:
    payload = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    started: dict = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    result = WSGIHandler()(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()  # fires request_finished, like a WSGI server
    return WsgiResponse(started["status"], started["headers"], content)


SERVICE_UNAVAILABLE = {
    "errors": [{"status": False, "code": 503, "message": "Service unavailable"}],
    "warnings": [],
}


def test_losing_the_database_mid_request_answers_503_and_the_next_request_recovers():
    before = wsgi("GET", "/v2/reliability/db-count")
    assert before.status == 200
    # when the request's database session dies between two queries
    dropped = wsgi("GET", "/v2/reliability/db-drop")
    # then 503 in the envelope, with Retry-After
    assert dropped.status == 503
    assert dropped.json() == SERVICE_UNAVAILABLE
    assert dropped.headers["Retry-After"] == "5"
    # and the next request on the same worker gets a fresh connection
    after = wsgi("GET", "/v2/reliability/db-count")
    assert after.status == 200
    assert after.json() == before.json()


def test_a_keyed_write_that_loses_the_database_is_rolled_back_and_the_retry_applies(till):
    from customers.models import Store

    auth = {"Authorization": basic_auth("test.till", "test-secret"), "Idempotency-Key": "k1"}
    # when the write's session dies after its insert, before the commit
    dropped = wsgi("POST", "/v2/reliability/stores", {"code": "s", "drop": True}, **auth)
    assert dropped.status == 503
    assert dropped.json() == SERVICE_UNAVAILABLE
    # then neither the effect nor the key survived
    assert Store.objects.filter(name="s").count() == 0
    assert IdempotencyKey.objects.count() == 0
    # and the till's retry with the same key is applied once, then replayed
    retry = wsgi("POST", "/v2/reliability/stores", {"code": "s"}, **auth)
    replay = wsgi("POST", "/v2/reliability/stores", {"code": "s"}, **auth)
    assert retry.status == replay.status == 201
    assert replay.body == retry.body
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert Store.objects.filter(name="s").count() == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_and_the_api_answer_503_while_the_database_is_unreachable():
    assert wsgi("GET", "/healthz").status == 200
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        health = wsgi("GET", "/healthz")
        api = wsgi("GET", "/v2/reliability/db-count")
        console = wsgi("GET", "/admin/", Cookie="sessionid=" + "k" * 32)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert health.status == 503
    assert health.json() == {"status": "unavailable", "database": False}
    assert api.status == 503
    assert api.json() == SERVICE_UNAVAILABLE
    # the console (its session and user are read from the database) says so too
    assert console.status == 503
    assert console.headers["Retry-After"] == "5"
    assert b"Service unavailable" in console.body
    # back as soon as the database is
    assert wsgi("GET", "/healthz").status == 200
    assert wsgi("GET", "/v2/reliability/db-count").status == 200
