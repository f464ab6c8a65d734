"""Who may move points and post bills (config.access): the read-only auditor could do both
while the loyalty views fell back to DRF's IsAuthenticated."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from customers.models import Till, access_group_built_in
from loyalty.models import Enrollment, LedgerEntry, PointsTransfer
from loyalty.models import Transaction as Bill
from tests.conftest import basic_auth


@pytest.fixture
def auditor_client(db):
    from customers.demo import grant_roles

    grant_roles()
    user = get_user_model().objects.create_user("audit", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="auditor"))
    client = APIClient()
    client.force_login(user)
    return client


def _till_client(store, group_code: str) -> APIClient:
    till = Till(store=store, code=f"{group_code}.t", access_group=access_group_built_in(group_code))
    till.set_secret("pw")
    till.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth(till.code, "pw"))
    return client


def _transfer(client, sender, receiver):
    return client.post(
        "/v2/points/transfer",
        {"fromUserId": sender.customer_id, "toUserId": receiver.customer_id, "points": 50},
        format="json",
    )


def test_the_auditor_cannot_move_points_and_nothing_moves(enrolled, auditor_client):
    # given two enrolled customers, one with 200 points
    sender, receiver = enrolled(points=200), enrolled()
    ledger_rows = LedgerEntry.objects.count()
    # when the read-only auditor transfers 50 of them
    response = _transfer(auditor_client, sender, receiver)
    # then it is refused in the envelope, and no row is written
    assert response.status_code == 403
    assert [item["code"] for item in response.json()["errors"]] == [403]
    assert PointsTransfer.objects.count() == 0
    assert LedgerEntry.objects.count() == ledger_rows
    assert Enrollment.objects.get(pk=sender.pk).loyalty_points == Decimal("200")


def test_the_auditor_cannot_post_a_bill(enrolled, auditor_client, store):
    customer = enrolled().customer
    response = auditor_client.post(
        "/v2/transactions",
        {"billNumber": "B-1", "billAmount": 500, "userId": customer.pk, "storeCode": store.code},
        format="json",
    )
    assert response.status_code == 403
    assert Bill.objects.count() == 0


def test_the_auditor_still_reads_the_ledger(enrolled, auditor_client):
    customer = enrolled(points=10).customer
    response = auditor_client.get(f"/v2/customers/{customer.pk}/ledger")
    assert response.status_code == 200
    assert response.json()["data"]


@pytest.mark.parametrize(
    ("group", "transfer_status"),
    [("read_only", 403), ("customer_write", 403), ("requests_raise", 403), ("loyalty_write", 200)],
)
def test_only_tills_with_loyalty_write_transfer_points(enrolled, store, group, transfer_status):
    sender, receiver = enrolled(points=200), enrolled()
    response = _transfer(_till_client(store, group), sender, receiver)
    assert response.status_code == transfer_status, response.content
    assert PointsTransfer.objects.count() == (1 if transfer_status == 200 else 0)


def test_a_read_only_till_reads_loyalty_details_but_posts_no_bill(enrolled, store):
    customer = enrolled(points=10).customer
    client = _till_client(store, "read_only")
    assert client.get(f"/v2/customers/{customer.pk}/loyaltyDetails").status_code == 200
    response = client.post(
        "/v2/transactions",
        {"billNumber": "B-2", "billAmount": 100, "userId": customer.pk},
        format="json",
    )
    assert response.status_code == 403
    assert Bill.objects.count() == 0
