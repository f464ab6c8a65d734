"""Two tills registering the same new mobile at the same moment: one customer, one refusal."""

import pytest

from customers.models import Customer, Identifier
from tests.concurrency import at_once
from tests.customers.conftest import register


def _race(clients_and_sources):
    return at_once(
        [
            lambda c=client, s=source, a=account: register(
                c, ("mobile", "919845099999"), source=s, account=a
            )
            for client, source, account in clients_and_sources
        ],
        timeout=30,
    )


@pytest.mark.django_db(transaction=True)
def test_two_tills_register_the_same_new_mobile_at_once(till_client, other_till_client, org_config):
    responses = _race([(till_client, "INSTORE", ""), (other_till_client, "INSTORE", "")])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert [e["code"] for e in refused.json()["errors"]] == [8006]
    assert Customer.objects.count() == 1
    assert Identifier.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_new_mobile_in_two_sources_at_once_is_one_customer(
    till_client, other_till_client, org_config
):
    responses = _race([(till_client, "INSTORE", ""), (other_till_client, "MOBILE_APP", "400")])

    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json()["createdId"] == responses[1].json()["createdId"]
    assert Customer.objects.count() == 1
    assert Identifier.objects.count() == 2
