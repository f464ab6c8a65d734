"""campaignId / communicationId beyond the bigint columns of the change log: 1107 / 1108,
never a database error, and nothing written."""

import copy

import pytest

from tests.subscriptions.conftest import load_sample, row_counts, subscriptions_url

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999


def body_with(**changes) -> dict:
    body = copy.deepcopy(load_sample("subscriptions.post.request.json"))
    body.update(changes)
    return body


@pytest.mark.parametrize("value", [HUGE, 1e30, 2**63, str(HUGE), "9" * 5000])
@pytest.mark.parametrize(("field", "code"), [("campaignId", 1107), ("communicationId", 1108)])
def test_a_message_id_beyond_the_column_answers_its_code(till_client, customer, field, code, value):
    # when
    response = till_client.post(
        subscriptions_url(customer.pk), body_with(**{field: value}), format="json"
    )
    # then
    assert response.status_code == 400, response.json()
    body = response.json()
    assert [error["code"] for error in body["errors"]] == [code]
    assert body["warnings"] == []
    assert row_counts() == (0, 0)


def test_the_largest_message_ids_are_recorded(till_client, customer):
    from subscriptions.models import SubscriptionLog

    largest = 2**63 - 1
    response = till_client.post(
        subscriptions_url(customer.pk),
        body_with(campaignId=largest, communicationId=largest),
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["campaignId"] == largest
    assert {(row.campaign_id, row.communication_id) for row in SubscriptionLog.objects.all()} == {
        (largest, largest)
    }
