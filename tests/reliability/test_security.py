"""Production security settings, admin lockout and CSRF, and no PII in the logs."""

from __future__ import annotations

import io
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from config.log_filters import mask_pii

ROOT = Path(__file__).resolve().parents[2]


# --- No PII in logs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mobile 919012345601 registered", "mobile ••••••••5601 registered"),
        ("+91 90123 45601", "••••••••5601"),
        ("to test.user@example.com now", "to t•••@example.com now"),
        (
            "Key (value)=(919012345601) already exists.",
            "Key (value)=(••••••••5601) already exists.",
        ),
        ("bill 2026-11-22 12:00:01 of 1500 points", "bill 2026-11-22 12:00:01 of 1500 points"),
        ("customer 1234567", "customer 1234567"),
        # URL-encoded (what browsers and HTTP libraries send) and formatted mobiles
        ("identifierValue=jane.doe%40example.com", "identifierValue=j•••@example.com"),
        ("m=%2B91-64572-19425&x=1", "m=••••••••9425&x=1"),
        ("call +91-64572-19425 today", "call ••••••••9425 today"),
        ("call (+91) 64572 19425", "call ••••••••9425"),
        ("national 064572 19425", "national •••••••9425"),
        ('{"value": "a.b-c@shop.example.co.in"}', '{"value": "a•••@shop.example.co.in"}'),
        ("ip 127.0.0.1 took 12.5 ms", "ip 127.0.0.1 took 12.5 ms"),
    ],
)
def test_mobiles_and_emails_are_masked(text, masked):
    assert mask_pii(text) == masked


def test_log_lines_mask_messages_args_and_exceptions(console_log):
    logger = logging.getLogger("tests.reliability")
    logger.warning("lookup %s by %s", "919012345601", {"email": "jane.doe@example.com"})
    try:
        raise ValueError("duplicate mobile 919012345601")
    except ValueError:
        logger.exception("registration of %s failed", "jane.doe@example.com")
    text = console_log.getvalue()
    assert "919012345601" not in text and "jane.doe" not in text
    assert "lookup ••••••••5601 by {'email': 'j•••@example.com'}" in text
    assert "registration of j•••@example.com failed" in text
    assert "ValueError: duplicate mobile ••••••••5601" in text


@pytest.mark.urls("tests.reliability.urls")
def test_request_logs_carry_the_request_id_and_no_pii(console_log, till_client):
    response = till_client.get(
        "/v2/reliability/ping?who=919012345601", HTTP_X_REQUEST_ID="req-abc-123"
    )
    assert response["X-Request-ID"] == "req-abc-123"
    assert "[req-abc-123] tests.reliability: ping from ••••••••5601" in console_log.getvalue()


# --- Production settings ------------------------------------------------------------------


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_COOKIES"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="loyalty.example.com",
    )
    return env


def test_check_deploy_is_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security"]
        + ["--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_http_only():
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # the last line: `shell` may first say how many objects it imported
    assert result.stdout.strip().splitlines()[-1].split() == ["True"] * 5 + ["False"], (
        result.stdout + result.stderr
    )


def test_the_secret_key_is_never_a_default_one():
    text = (ROOT / "config" / "settings.py").read_text()
    assert 'SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()' in text
    assert ".secret_key" in (ROOT / ".gitignore").read_text()


# --- Admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_user("agent", password="agent-pass-long", is_staff=True)


def test_admin_forms_need_a_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "agent", "password": "agent-pass-long"}
    )
    assert response.status_code == 403
    # with the token from the form it works
    client.get("/admin/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "agent", "password": "agent-pass-long", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_the_admin_needs_a_login(db):
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_five_failed_admin_logins_lock_the_account_out(staff, settings):
    from axes.models import AccessAttempt

    client = Client()
    # given five wrong passwords
    for _ in range(settings.AXES_FAILURE_LIMIT):
        failed = client.post(
            "/admin/login/?next=/admin/", {"username": "agent", "password": "wrong"}
        )
        assert failed.status_code in (200, 429)
    # when the right password comes next
    locked = client.post(
        "/admin/login/?next=/admin/", {"username": "agent", "password": "agent-pass-long"}
    )
    # then it is refused, and the session is not logged in
    assert settings.AXES_FAILURE_LIMIT == 5
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="agent").failures_since_start >= 5
    # another account from the same address is not locked
    other = Client()
    response = other.post("/admin/login/?next=/admin/", {"username": "nobody", "password": "x"})
    assert response.status_code == 200


def test_gunicorn_access_log_masks_identifiers_in_query_strings():
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    from config.gunicorn_logging import MaskingLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    gunicorn_log = MaskingLogger(cfg)
    stream = io.StringIO()
    for handler in gunicorn_log.access_log.handlers:
        handler.setStream(stream)
    uri = (
        "/v2/customers/lookup?identifierName=email&identifierValue=jane@example.com&m=919012345601"
    )
    path, _, query = uri.partition("?")
    resp = SimpleNamespace(status="200 OK", headers=[], response_length=10, sent=10)
    req = SimpleNamespace(headers=[], method="GET", path=path, query=query, version=(1, 1), uri=uri)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    gunicorn_log.access(resp, req, environ, datetime.timedelta(seconds=0.01))
    line = stream.getvalue()
    assert "identifierValue=j•••@example.com&m=••••••••5601 HTTP/1.1" in line
    assert "jane@" not in line and "919012345601" not in line
