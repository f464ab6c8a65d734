"""Health check, the API reference (no CDN), request ids, demo data and the deploy check."""

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection

from customers.models import Store, Till
from tests.conftest import basic_auth

BASE_DIR = Path(settings.BASE_DIR)


# --- /healthz -------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers(api_client):
    response = api_client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(api_client, monkeypatch):
    # The one stand-in of this file: a cursor that fails like an unreachable server.
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)

    response = api_client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False}


# --- request ids ----------------------------------------------------------------------


@pytest.mark.django_db
def test_request_id_is_echoed(api_client):
    response = api_client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.x_y")

    assert response["X-Request-ID"] == "abc-123.x_y"


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", [None, "bad id with spaces", "x" * 65])
def test_request_id_is_made_up_when_absent_or_invalid(api_client, incoming):
    headers = {"HTTP_X_REQUEST_ID": incoming} if incoming is not None else {}

    response = api_client.get("/healthz", **headers)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_request_id_is_echoed_on_api_errors(api_client):
    response = api_client.get("/v2/no-such-route", HTTP_X_REQUEST_ID="err-1")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "err-1"


# --- API reference --------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_is_an_openapi_document(api_client):
    response = api_client.get("/v2/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "2.0.0"
    assert "paths" in document
    assert not any(path.startswith("/v2/_test") for path in document["paths"])


@pytest.mark.django_db
def test_schema_in_yaml_by_default(api_client):
    response = api_client.get("/v2/schema/")

    assert response.status_code == 200
    assert b"openapi: 3." in response.content


@pytest.mark.django_db
@pytest.mark.urls("tests.config.urls")
def test_schema_documents_both_till_authentication_schemes(api_client):
    document = api_client.get("/v2/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["tillBasic"] == {
        "type": "http",
        "scheme": "basic",
        "description": schemes["tillBasic"]["description"],
    }
    assert schemes["apiKey"]["scheme"] == "bearer"
    security = document["paths"]["/v2/_test/whoami"]["get"]["security"]
    assert {"tillBasic": []} in security and {"apiKey": []} in security


@pytest.mark.django_db
def test_docs_render_html_with_local_static_files_only(api_client):
    response = api_client.get("/v2/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    sources = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']+)["']""", html)
    assert sources, html
    assert not re.search(r"""<script[^>]+src=["']https?://""", html)
    assert not re.search(r"""<link[^>]+href=["']https?://""", html)
    assert "cdn" not in html.lower()
    static = "/" + settings.STATIC_URL.strip("/")
    # the start-up script is the page's own (`?script=`): no inline script, for the CSP
    assert all(src.startswith(static) or src.startswith("/v2/docs/?") for src in sources)
    assert "<script>" not in html
    script = api_client.get("/v2/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- demo data ------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    User = get_user_model()
    return {
        "stores": Store.objects.count(),
        "tills": Till.objects.count(),
        "users": User.objects.count(),
        "superusers": User.objects.filter(is_superuser=True).count(),
    }


# load_demo runs every app's loader (several seconds), so one test covers the contract.
@pytest.mark.django_db
@pytest.mark.urls("tests.config.urls")
def test_load_demo_is_idempotent_and_its_names_work(settings, api_client):
    settings.DEBUG = True

    call_command("load_demo", stdout=io.StringIO())
    first = _counts()
    call_command("load_demo", stdout=io.StringIO())

    assert _counts() == first
    assert Store.objects.filter(code="demo.store").exists()
    for code, secret in [("demo.till", "demo-secret"), ("bukl.till", "bukl-secret")]:
        api_client.credentials(HTTP_AUTHORIZATION=basic_auth(code, secret))
        response = api_client.get("/v2/_test/whoami")
        assert response.status_code == 200, response.content
        assert response.json()["code"] == code
        assert api_client.get("/healthz").status_code == 200
    User = get_user_model()
    for username, password, superuser in [
        ("agent", "agent-pass", False),
        ("supervisor", "supervisor-pass", False),
        ("admin", "admin-pass", True),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password(password), username
        assert user.is_staff and user.is_superuser is superuser


@pytest.mark.django_db
def test_load_demo_is_refused_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=io.StringIO())
    assert not Store.objects.filter(code="demo.store").exists()

    call_command("load_demo", "--force", stdout=io.StringIO())
    assert Store.objects.filter(code="demo.store").exists()


# --- deployment check -----------------------------------------------------------------


def test_check_deploy_with_debug_off_reports_no_issues():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_hex(32),  # 64 random characters
        "ALLOWED_HOSTS": "loyalty.example.com",
    }
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' conftest for playwright only.
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "SECURE_HSTS_SECONDS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(name, None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    issues = [line for line in output.splitlines() if re.match(r"^\S*: \(", line)]
    # Tolerated: drf-spectacular's remarks on an app's own views (a schema gap the app
    # closes with extend_schema), never a security setting nor our authenticators.
    serious = [
        line
        for line in issues
        if "(drf_spectacular." not in line or "config" in line.split(")", 1)[1]
    ]
    assert serious == [], output
    if not issues:
        assert "System check identified no issues" in output, output
