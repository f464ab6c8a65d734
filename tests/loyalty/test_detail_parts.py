"""`loyaltyInfo.lifetimePurchases` on every customer details body, from the bills."""

from decimal import Decimal

from customers.models import LoyaltyType
from loyalty import services
from loyalty.models import TransactionType


def details(till_client, customer_id, embed=""):
    response = till_client.get(f"/v2/customers/{customer_id}?source=ALL&embed={embed}")
    assert response.status_code == 200
    return response.json()


def test_lifetime_purchases_are_regular_bills_less_returns(program, make_customer, till):
    from rest_framework.test import APIClient

    from tests.conftest import basic_auth

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
    customer = make_customer()
    # given: no bill yet
    assert details(client, customer.pk)["loyaltyInfo"]["lifetimePurchases"] == 0
    # when: two regular bills, a not-interested one (someone else's) and a partial return
    first = services.bill_add(
        store=till.store, till=till, number="B1", amount=Decimal("150.50"),
        bill_type=TransactionType.REGULAR, actor=till, customer=customer,
    ).bill  # fmt: skip
    services.bill_add(
        store=till.store, till=till, number="B2", amount=Decimal("100"),
        bill_type=TransactionType.REGULAR, actor=till, customer=customer,
    )  # fmt: skip
    services.bill_add(
        store=till.store, till=till, number="B3", amount=Decimal("999"),
        bill_type=TransactionType.NOT_INTERESTED, actor=till,
    )  # fmt: skip
    services.bill_return(original=first, amount=Decimal("50.50"), actor=till, till=till)
    # then: 150.50 + 100 - 50.50, with or without embeds, beside the loyalty type
    body = details(client, customer.pk)
    assert body["loyaltyInfo"]["lifetimePurchases"] == 200
    assert body["loyaltyInfo"]["loyaltyType"] == "loyalty"
    embedded = details(client, customer.pk, "points,mlp")
    assert embedded["loyaltyInfo"]["lifetimePurchases"] == 200


def test_non_loyalty_customers_have_lifetime_purchases_too(program, make_customer, till):
    from customers.selectors import SourceRef, customer_get_details

    buyer = make_customer(loyalty_type=LoyaltyType.NON_LOYALTY)
    other = make_customer(first_name="Huck")
    services.bill_add(
        store=till.store, till=till, number="N1", amount=Decimal("230"),
        bill_type=TransactionType.REGULAR, actor=till, customer=buyer,
    )  # fmt: skip
    bodies = customer_get_details(customers=[buyer, other], source=SourceRef("ALL"))
    assert bodies[buyer.pk]["loyaltyInfo"]["lifetimePurchases"] == 230
    assert bodies[buyer.pk]["loyaltyInfo"]["loyaltyType"] == LoyaltyType.NON_LOYALTY
    assert bodies[other.pk]["loyaltyInfo"]["lifetimePurchases"] == 0
