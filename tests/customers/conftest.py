import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from tests.conftest import basic_auth

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def sample(name: str) -> dict:
    """A seed sample as a store sends it (copied verbatim from ../shared/seeds/samples)."""
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
def org_config(db):
    """The demo configuration: source accounts, custom and extended field definitions."""
    from customers.demo import DEMO_ACCOUNTS, DEMO_CUSTOM_FIELDS, DEMO_EXTENDED_FIELDS
    from customers.models import CustomFieldDefinition, ExtendedFieldDefinition, SourceAccount

    for source, account_id, name in DEMO_ACCOUNTS:
        SourceAccount.objects.create(source=source, account_id=account_id, name=name)
    for name, data_type in DEMO_CUSTOM_FIELDS:
        CustomFieldDefinition.objects.create(name=name, data_type=data_type)
    for name, data_type, allowed in DEMO_EXTENDED_FIELDS:
        ExtendedFieldDefinition.objects.create(
            name=name, data_type=data_type, allowed_values=allowed
        )


@pytest.fixture
def bukl_till(store):
    """The till named by the register sample's `associatedWith`."""
    from customers.models import Till

    till = Till(store=store, code="bukl.till", name="bukl.till")
    till.set_secret("bukl-secret")
    till.save()
    return till


@pytest.fixture
def other_till_client(store):
    from customers.models import Till

    till = Till(store=store, code="other.till")
    till.set_secret("other-secret")
    till.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("other.till", "other-secret"))
    return client


def staff_client(username: str, codenames: list[str]) -> tuple[APIClient, object]:
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    client = APIClient()
    client.force_authenticate(user)
    return client, user


@pytest.fixture
def agent_client(db):
    return staff_client("agent1", ["view_customer", "change_customer"])[0]


@pytest.fixture
def pii_client(db):
    return staff_client("senior1", ["view_customer", "change_customer", "view_pii"])[0]


def register_body(*identifiers, first="Tom", last="Sawyer", source="INSTORE", account=""):
    return {
        "loyaltyInfo": {"loyaltyType": "loyalty"},
        "profiles": [
            {
                "firstName": first,
                "lastName": last,
                "source": source,
                "accountId": account,
                "identifiers": [{"type": t, "value": v} for t, v in identifiers],
            }
        ],
    }


def register(client, *identifiers, source="INSTORE", account="", **names):
    url = f"/v2/customers?source={source}" + (f"&accountId={account}" if account else "")
    return client.post(
        url, register_body(*identifiers, source=source, account=account, **names), format="json"
    )
