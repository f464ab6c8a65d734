"""Two tills registering the same new mobile at the same moment: one customer, one refusal."""

import threading

import pytest
from django.db import connection

from customers.models import Customer, Identifier
from tests.customers.conftest import register


def _race(clients_and_sources):
    barrier = threading.Barrier(len(clients_and_sources))
    responses = [None] * len(clients_and_sources)

    def run(index, client, source, account):
        try:
            barrier.wait(timeout=10)
            responses[index] = register(
                client, ("mobile", "919845099999"), source=source, account=account
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, *args)) for i, args in enumerate(clients_and_sources)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


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
