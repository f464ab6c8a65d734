"""The generic Idempotency-Key mechanism on the real store endpoints: concurrent duplicate
registrations and bill posts from one till apply once and all get the first answer."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import basic_auth

DUPLICATES = 10

REGISTRATION_URL = "/v2/customers?source=INSTORE"
REGISTRATION = {
    "loyaltyInfo": {"loyaltyType": "loyalty"},
    "profiles": [
        {
            "firstName": "Tom",
            "lastName": "Sawyer",
            "source": "INSTORE",
            "identifiers": [{"type": "mobile", "value": "919010000077"}],
        }
    ],
}


def race(url: str, body: dict, key: str | None) -> list:
    """DUPLICATES till connections send the same request at the same moment."""
    # Verify the till secret once (slow hashing, then cached) so the race is about the
    # request, not ten password hashes at once.
    from config.authentication import till_secret_matches
    from customers.models import Till

    assert till_secret_matches(Till.objects.get(code="test.till"), "test-secret")
    barrier = threading.Barrier(DUPLICATES)
    responses: list = []
    lock = threading.Lock()

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        try:
            barrier.wait(timeout=10)
            response = client.post(url, body, format="json", **headers)
            with lock:
                responses.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(DUPLICATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(responses) == DUPLICATES
    return responses


def assert_one_answer(responses, status: int):
    assert {(r.status_code, r.content) for r in responses} == {(status, responses[0].content)}
    replayed = sorted(r.get("Idempotent-Replayed", "") for r in responses)
    assert replayed == [""] + ["true"] * (DUPLICATES - 1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_registrations_create_one_customer(till):
    from customers.models import Customer, Identifier

    responses = race(REGISTRATION_URL, REGISTRATION, key="register-tom")
    assert_one_answer(responses, 200)
    created_id = responses[0].json()["createdId"]
    assert list(Customer.objects.values_list("pk", flat=True)) == [created_id]
    assert Identifier.objects.count() == 1


def test_without_a_key_a_retried_registration_is_refused_instead(till_client):
    # what the key saves the till from: the retry of a registration that went through
    first = till_client.post(REGISTRATION_URL, REGISTRATION, format="json")
    retry = till_client.post(REGISTRATION_URL, REGISTRATION, format="json")
    assert first.status_code == 200
    assert retry.status_code == 400
    keyed = till_client.post(
        REGISTRATION_URL, {**REGISTRATION, "x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert keyed.status_code == 400  # a keyed first attempt of an existing mobile is refused


@pytest.fixture
def enrolled_customer(till):
    from customers.models import Customer, Identifier, LoyaltyType, Source, SourceProfile
    from loyalty import services
    from loyalty.models import Program, Tier

    program = Program.objects.create(
        id=1016,
        name="Default program",
        is_default=True,
        points_per_currency_unit=Decimal("1"),
        points_validity_days=365,
    )
    Tier.objects.create(program=program, serial_number=1, name="Silver", validity_days=365)
    customer = Customer.objects.create(loyalty_type=LoyaltyType.LOYALTY)
    profile = SourceProfile.objects.create(customer=customer, source=Source.INSTORE)
    Identifier.objects.create(
        profile=profile,
        customer=customer,
        source=Source.INSTORE,
        type="mobile",
        value="919010000088",
    )
    services.enrollment_enroll(customer=customer, program=program, actor=till)
    return customer


BILL = {
    "type": "REGULAR",
    "billNumber": "B-77",
    "billAmount": 120,
    "identifierType": "mobile",
    "identifierValue": "919010000088",
}


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_bill_posts_credit_points_once(enrolled_customer):
    from loyalty.models import Enrollment, LedgerEntry
    from loyalty.models import Transaction as Bill

    responses = race("/v2/transactions", BILL, key="bill-B-77")
    assert_one_answer(responses, 200)
    assert Bill.objects.count() == 1
    enrollment = Enrollment.objects.get(customer=enrolled_customer)
    credits = LedgerEntry.objects.filter(enrollment=enrollment, bill__isnull=False)
    assert credits.count() == 1
    assert responses[0].json()["sideEffects"] == [{"awardedPoints": 120, "type": "points"}]
