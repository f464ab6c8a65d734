import io
import logging

import pytest

from config.log_filters import PiiMaskingFilter
from tests.conftest import basic_auth


@pytest.fixture
def other_till(db):
    from customers.models import Store, Till

    store = Store.objects.create(code="other.store", name="Other store")
    till = Till(store=store, code="other.till", name="Other till")
    till.set_secret("other-secret")
    till.save()
    return till


@pytest.fixture
def other_till_client(other_till):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("other.till", "other-secret"))
    return client


@pytest.fixture
def console_log():
    """What the configured console handler writes (the real LOGGING, swapped stream)."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, PiiMaskingFilter) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)
