import base64

import pytest
from django.conf import settings
from rest_framework.test import APIClient


def pytest_configure(config):
    # Tests talk plain HTTP to the test client and live servers.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Generous rate limits so no test is throttled by accident (tests/reliability sets
    # tiny ones on a store to see the 429).
    settings.TILL_THROTTLE_RATE = "100000/min"
    settings.STAFF_THROTTLE_RATE = "100000/min"
    settings.ANON_THROTTLE_RATE = "100000/min"
    settings.AUTH_FAILURES_PER_TILL = "100000/min"
    settings.AUTH_FAILURES_PER_ADDRESS = "100000/min"
    # The manifest storage needs `collectstatic`, which `make run` does and tests skip:
    # admin pages render with the plain storage, and live servers serve from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = None
    # Staff passwords are hashed in many tests; the production hasher is slow on purpose
    # (0.3 s a hash here). Till secrets use their own keyed fast hash (config/credentials.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def store(db):
    from customers.models import Store

    return Store.objects.create(code="test.store", name="Test store")


@pytest.fixture
def till(store):
    from customers.models import Till

    till = Till(store=store, code="test.till", name="Test till")
    till.set_secret("test-secret")
    till.save()
    return till


def basic_auth(code: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{code}:{secret}".encode()).decode()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def till_client(till):
    """An API client authenticated as the test till with HTTP Basic."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
    return client
