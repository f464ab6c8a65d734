import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.subscriptions.conftest import subscriptions_url

pytestmark = pytest.mark.django_db


def _post(client, customer_id, *, reason, type_, campaign=-1, communication=-1, channel="EMAIL"):
    return client.post(
        subscriptions_url(customer_id),
        {
            "reason": reason,
            "campaignId": campaign,
            "communicationId": communication,
            "scope": {"scope": "USER", "subScope": "NONE"},
            "subscriptions": [{"channel": channel, "priority": "BULK", "type": type_}],
        },
        format="json",
    )


def test_change_log_lists_every_change_newest_first_with_who_and_why(
    till_client, customer, django_user_model
):
    from rest_framework.test import APIClient

    # given: a till opts the customer out, then a staff user opts them back in
    assert (
        _post(till_client, customer.pk, reason="STOP", type_="OPTOUT", campaign=42).status_code
        == 200
    )
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("agent.sub", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_subscription"))
    staff_client = APIClient()
    staff_client.force_authenticate(staff)
    response = _post(
        staff_client, customer.pk, reason="Asked at the desk", type_="OPTIN", communication=9
    )
    assert response.status_code == 200

    # when
    log = till_client.get(subscriptions_url(customer.pk) + "/log")

    # then
    assert log.status_code == 200
    body = log.json()
    assert body["pagination"] == {"limit": 10, "offset": 0, "total": 2}
    newest, oldest = body["data"]
    assert (newest["type"], newest["previousType"], newest["reason"]) == (
        "OPTIN",
        "OPTOUT",
        "Asked at the desk",
    )
    assert newest["changedBy"] == "user:agent.sub"
    assert newest["communicationId"] == 9 and newest["campaignId"] is None
    assert (oldest["type"], oldest["previousType"], oldest["reason"]) == ("OPTOUT", None, "STOP")
    assert oldest["changedBy"] == "till:test.till"
    assert oldest["campaignId"] == 42 and oldest["communicationId"] is None
    assert oldest["source"] == "API" and oldest["scope"] == "USER" and oldest["subScope"] == "NONE"
    assert newest["changedOn"] >= oldest["changedOn"]


def test_log_selector_newest_first_and_paginated(till_client, customer):
    from subscriptions.selectors import subscription_log

    for index in range(3):
        _post(till_client, customer.pk, reason=f"change {index}", type_="OPTOUT")

    assert [entry.reason for entry in subscription_log(customer_id=customer.pk)] == [
        "change 2",
        "change 1",
        "change 0",
    ]
    page = till_client.get(subscriptions_url(customer.pk) + "/log?limit=1&offset=1").json()
    assert [entry["reason"] for entry in page["data"]] == ["change 1"]
    assert page["pagination"]["total"] == 3


def test_log_rows_cannot_be_updated_or_deleted(till_client, customer):
    from subscriptions.models import SubscriptionLog

    _post(till_client, customer.pk, reason="STOP", type_="OPTOUT")
    entry = SubscriptionLog.objects.get()

    for attempt in (
        lambda: SubscriptionLog.objects.filter(pk=entry.pk).update(reason="rewritten"),
        lambda: SubscriptionLog.objects.filter(pk=entry.pk).delete(),
    ):
        with (
            pytest.raises((InternalError, ProgrammingError, IntegrityError)),
            transaction.atomic(),
        ):
            attempt()
    entry.refresh_from_db()
    assert entry.reason == "STOP"


def _record_many(customer, till, count):
    from subscriptions.commands import SubscriptionChange
    from subscriptions.models import Channel
    from subscriptions.services import subscription_update

    channels = list(Channel.values)
    for index in range(count):
        subscription_update(
            customer_id=customer.pk,
            changes=[
                SubscriptionChange(channels[index % len(channels)], "BULK", "OPTOUT", str(index)),
                SubscriptionChange(channels[index % len(channels)], "TRANS", "OPTIN"),
            ],
            actor=till,
            reason=f"change {index}",
        )


def test_get_query_count_does_not_grow_with_recorded_choices(
    till_client, till, customer, django_assert_max_num_queries
):
    from customers.models import Customer

    # given: one customer with one choice, another with many (and a long log)
    busy = Customer.objects.create()
    _record_many(customer, till, 1)
    _record_many(busy, till, 30)
    till_client.get(subscriptions_url(customer.pk))  # warm the till credential cache

    # when
    with CaptureQueriesContext(connection) as small_queries:
        small = till_client.get(subscriptions_url(customer.pk))
    # then: the busy customer costs no more queries than the quiet one (authentication
    # and throttling are counted in both)...
    with django_assert_max_num_queries(len(small_queries)):
        large = till_client.get(subscriptions_url(busy.pk))
    assert small.status_code == large.status_code == 200
    # ...and this endpoint's own part is one query: the settings with the choices
    own = [q["sql"] for q in small_queries if "subscriptions_" in q["sql"]]
    assert len(own) == 1, own
    assert len(large.json()["subscriptions"]) > len(small.json()["subscriptions"])


def test_embed_is_one_call_with_constant_queries_for_any_number_of_customers(
    till, django_assert_max_num_queries
):
    from customers.models import Customer
    from customers.selectors import SourceRef, customer_get_details

    def embed(customers):
        return customer_get_details(
            customers=customers, source=SourceRef("ALL"), embed=["subscriptions"]
        )

    one = [Customer.objects.create()]
    many = [Customer.objects.create() for _ in range(25)]
    for customer in one + many[:10]:
        _record_many(customer, till, 3)

    # The details query reads the settings and every customer's choices itself.
    with django_assert_max_num_queries(1):
        small = embed(one)
    with django_assert_max_num_queries(1):
        large = embed(many)

    assert set(large) == {customer.pk for customer in many}
    assert set(small) == {one[0].pk}
    assert list(small[one[0].pk]["subscriptionInfo"]) == ["subscriptions"]
    assert len(small[one[0].pk]["subscriptionInfo"]["subscriptions"]) > len(
        large[many[-1].pk]["subscriptionInfo"]["subscriptions"]
    )


def test_embed_fragment_has_the_seed_shape(db, bulk_optin_org):
    from customers.models import Customer
    from customers.selectors import SourceRef, customer_get_details
    from subscriptions.models import SubscriptionSettings
    from tests.subscriptions.conftest import load_sample

    # given: an org listing the four channels of the seed's fragment, all opted in
    bulk_optin_org.listed_channels = ["EMAIL", "SMS", "ANDROID", "IOS"]
    bulk_optin_org.save()
    assert SubscriptionSettings.load().listed_channels == ["EMAIL", "SMS", "ANDROID", "IOS"]
    customer = Customer.objects.create()

    body = customer_get_details(
        customers=[customer], source=SourceRef("ALL"), embed=["subscriptions"]
    )[customer.pk]

    sample = load_sample("details.embed-subscriptions.fragment.json")
    assert {"subscriptionInfo": body["subscriptionInfo"]} == sample


def test_customer_details_embed_subscriptions_if_the_endpoint_exists(
    till_client, till, customer, django_assert_max_num_queries
):
    from django.urls import Resolver404, resolve

    from customers.models import Customer, SourceProfile

    url = f"/v2/customers/{customer.pk}"
    try:
        match = resolve(url)
    except Resolver404:
        pytest.skip("customer details endpoint not there yet")
    if match.url_name == "unknown-route":
        pytest.skip("customer details endpoint not there yet")
    # given: a quiet customer and a busy one (many choices and log rows)
    busy = Customer.objects.create()
    for someone in (customer, busy):
        SourceProfile.objects.create(customer=someone, source="INSTORE", first_name="Ann")
    _record_many(busy, till, 20)
    params = {"embed": "subscriptions", "source": "INSTORE"}
    till_client.get(url, params)  # warm the till credential cache

    # when
    with CaptureQueriesContext(connection) as quiet_queries:
        quiet = till_client.get(url, params)
    with django_assert_max_num_queries(len(quiet_queries)):
        loud = till_client.get(f"/v2/customers/{busy.pk}", params)

    # then
    assert quiet.status_code == loud.status_code == 200, quiet.content
    assert quiet.json()["subscriptionInfo"]["subscriptions"] == [
        {"channel": "EMAIL", "priority": "TRANS", "type": "OPTIN"},
        {"channel": "SMS", "priority": "TRANS", "type": "OPTIN"},
        {"channel": "EMAIL", "priority": "BULK", "type": "OPTOUT"},
        {"channel": "SMS", "priority": "BULK", "type": "OPTOUT"},
    ]
    assert len(loud.json()["subscriptionInfo"]["subscriptions"]) > 4
    own = [q["sql"] for q in quiet_queries if "subscriptions_" in q["sql"]]
    assert len(own) == 1, own  # the settings with the choices
