"""The seed's sample requests sent verbatim by the demo till on the demo data (`make run`)."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import basic_auth
from tests.customers.conftest import sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_till_client(db):
    call_command("load_demo", force=True, stdout=StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("demo.till", "demo-secret"))
    return client


def test_seed_samples_on_the_demo_data(demo_till_client):
    client = demo_till_client
    # Register (003: POST /v2/customers?source=MOBILE_APP&accountId=400)
    registered = client.post(
        "/v2/customers?source=MOBILE_APP&accountId=400",
        sample("register.request.json"),
        format="json",
    )
    assert registered.status_code == 200, registered.json()
    body = registered.json()
    assert set(body) == {"createdId", "warnings", "sideEffects"}
    customer_id = body["createdId"]

    # Update (003: PUT /v2/customers/329?source=WECHAT&accountId=22232), on our customer
    updated = client.put(
        f"/v2/customers/{customer_id}?source=WECHAT&accountId=22232",
        sample("update.request.json"),
        format="json",
    )
    assert updated.status_code == 200, updated.json()
    assert updated.json()["createdId"] == customer_id
    assert 91006 in [w["code"] for w in updated.json()["warnings"]]

    # Change identifiers (003: POST /v2/customers/418/changeIdentifier?source=WECHAT&accountId=22232)
    changed = client.post(
        f"/v2/customers/{customer_id}/changeIdentifier?source=WECHAT&accountId=22232",
        sample("change-identifier.request.json"),
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["success"] is True

    # Lookup (003: the sample's own URL)
    lookup = client.get(
        "/v2/customers/lookup?source=INSTORE&identifierName=mobile&identifierValue=919111111111"
    )
    assert lookup.status_code == 200
    assert set(lookup.json()) == {"entity", "warnings"}

    # Search (003: ?limit=10&offset=0&q=tom)
    search = client.get("/v2/customers/search?limit=10&offset=0&q=tom").json()
    assert set(search) == {"pagination", "data", "warnings", "errors"}
    assert search["pagination"]["total"] >= 2
    assert {"userId", "matchedIdentifiers", "profiles"} <= set(search["data"][0])

    # Details (003: ?source=WECHAT&accountId=22232), with every embed
    details = client.get(
        f"/v2/customers/{customer_id}?source=WECHAT&accountId=22232&embed=points,subscriptions,mlp"
    )
    assert details.status_code == 200, details.json()
    assert details.json()["profiles"][0]["source"] == "WECHAT"
    assert {"wechat", "ray11"} <= {
        value for i in details.json()["profiles"][0]["identifiers"] for value in i.values()
    }
