import io
import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from config.log_filters import PiiMaskingFilter
from tests.conftest import basic_auth

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

# The tables a refused write must leave alone.
MAIN_TABLES = {
    "customers": "customers_customer",
    "profiles": "customers_sourceprofile",
    "identifiers": "customers_identifier",
    "comm channels": "customers_commchannel",
    "ledger entries": "loyalty_ledgerentry",
    "bills": "loyalty_transaction",
    "requests": "loyalty_request",
    "subscriptions": "subscriptions_subscription",
}


def row_counts(tables: dict[str, str] = MAIN_TABLES) -> dict[str, int]:
    """One query counting every main table."""
    selects = ", ".join(f"(SELECT count(*) FROM {table})" for table in tables.values())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


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


@pytest.fixture
def world(db, till):
    """A configured org with one registered, enrolled customer, a bill and a pending request."""
    from customers.demo import DEMO_ACCOUNTS, DEMO_CUSTOM_FIELDS, DEMO_EXTENDED_FIELDS
    from customers.models import (
        Customer,
        CustomFieldDefinition,
        ExtendedFieldDefinition,
        SourceAccount,
    )
    from loyalty.models import Program, Request, Tier

    for source, account_id, name in DEMO_ACCOUNTS:
        SourceAccount.objects.get_or_create(source=source, account_id=account_id, name=name)
    for name, data_type in DEMO_CUSTOM_FIELDS:
        CustomFieldDefinition.objects.get_or_create(name=name, data_type=data_type)
    for name, data_type, allowed in DEMO_EXTENDED_FIELDS:
        ExtendedFieldDefinition.objects.get_or_create(
            name=name, data_type=data_type, allowed_values=allowed
        )
    program = Program.objects.create(
        id=1016,
        name="Default program",
        is_default=True,
        points_per_currency_unit=Decimal("1"),
        registration_bonus_points=Decimal("100"),
        points_validity_days=365,
    )
    Tier.objects.create(program=program, serial_number=1, name="Silver", validity_days=365)

    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
    body = json.loads((SAMPLES / "register.request.json").read_text())
    body["associatedWith"] = till.code
    response = client.post("/v2/customers?source=MOBILE_APP&accountId=400", body, format="json")
    assert response.status_code == 200, response.content
    customer = Customer.objects.order_by("-pk").first()
    response = client.post(
        "/v2/transactions",
        {
            "type": "REGULAR",
            "billNumber": "FUZZ-1",
            "billAmount": 120,
            "userId": customer.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    response = client.post(
        "/v2/requests",
        {
            "type": "GOODWILL",
            "baseType": "POINTS",
            "customerId": customer.pk,
            "points": 10,
            "reason": "fuzz",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return {"customer_id": customer.pk, "request_id": Request.objects.get().pk}


@pytest.fixture
def staff_headers(db):
    from customers.models import ApiKey

    user = get_user_model().objects.create_superuser(username="fuzz.staff", password="x")
    _, raw = ApiKey.issue(user=user, name="fuzz")
    return {"Authorization": f"Bearer {raw}"}
