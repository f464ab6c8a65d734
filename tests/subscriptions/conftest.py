import json
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def load_sample(name: str):
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
def customer(db):
    from customers.models import Customer

    return Customer.objects.create()


@pytest.fixture
def bulk_optin_org(db):
    """An org that configured BULK to default to OPTIN (the seed's samples)."""
    from subscriptions.models import SubscriptionSettings

    settings = SubscriptionSettings.load()
    settings.default_bulk_status = "OPTIN"
    settings.save()
    return settings


def subscriptions_url(customer_id) -> str:
    return f"/v2/customers/{customer_id}/subscriptions"


def row_counts() -> tuple[int, int]:
    from subscriptions.models import Subscription, SubscriptionLog

    return Subscription.objects.count(), SubscriptionLog.objects.count()
