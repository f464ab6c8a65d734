import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _record(customer, till, count):
    from subscriptions.commands import SubscriptionChange
    from subscriptions.services import subscription_update

    for index in range(count):
        subscription_update(
            customer_id=customer.pk,
            changes=[SubscriptionChange("EMAIL", "BULK", "OPTOUT", str(index))],
            actor=till,
            reason=f"change {index}",
        )


@pytest.mark.parametrize(
    "url",
    ["/admin/subscriptions/subscription/", "/admin/subscriptions/subscriptionlog/"],
)
def test_read_only_changelists_have_constant_query_counts(
    admin_client, till, customer, url, django_assert_max_num_queries
):
    from customers.models import Customer

    # given
    _record(customer, till, 1)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    other = Customer.objects.create()
    _record(other, till, 40)

    # then
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert b"change 39" in response.content or url.endswith("/subscription/")


def test_state_and_log_cannot_be_added_or_changed_in_the_admin(admin_client, till, customer):
    from subscriptions.models import SubscriptionLog

    _record(customer, till, 1)
    entry = SubscriptionLog.objects.get()

    assert admin_client.get("/admin/subscriptions/subscriptionlog/add/").status_code == 403
    response = admin_client.post(
        f"/admin/subscriptions/subscriptionlog/{entry.pk}/change/", {"reason": "rewritten"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "change 0"


def test_org_defaults_are_edited_in_the_admin(admin_client, till_client, customer):
    from subscriptions.models import SubscriptionSettings

    # when: the org decides its customers consent to campaigns at sign-up
    response = admin_client.post(
        "/admin/subscriptions/subscriptionsettings/add/",
        {
            "default_trans_status": "OPTIN",
            "default_bulk_status": "OPTIN",
            "listed_channels": "EMAIL,SMS,WECHAT",
        },
    )

    # then
    assert response.status_code == 302, response.content
    assert SubscriptionSettings.objects.get().default_bulk_status == "OPTIN"
    listed = till_client.get(f"/v2/customers/{customer.pk}/subscriptions").json()["subscriptions"]
    assert {"channel": "WECHAT", "priority": "BULK", "type": "OPTIN"} in listed
    # a second settings row cannot be added
    assert admin_client.get("/admin/subscriptions/subscriptionsettings/add/").status_code == 403


def test_staff_single_view_shows_the_subscription_section(admin_client, till, customer):
    from django.urls import NoReverseMatch, reverse

    _record(customer, till, 2)
    try:
        url = reverse("admin:customers_customer_single_view", args=[customer.pk])
    except NoReverseMatch:
        pytest.skip("staff single view not there yet")

    response = admin_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="subscriptions"' in html
    assert "change 1" in html and "till:test.till" in html
    assert html.index("change 1") < html.index("change 0")  # newest first


def test_staff_records_a_choice_through_the_same_service(admin_client, admin_user, customer):
    from subscriptions.models import SubscriptionLog

    url = f"/admin/subscriptions/subscription/customer/{customer.pk}/record/"
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url,
        {
            "channel": "SMS",
            "priority": "BULK",
            "status": "OPTOUT",
            "account_id": "",
            "reason": "Phone call to the service desk",
        },
    )

    assert response.status_code == 302
    entry = SubscriptionLog.objects.get()
    assert (entry.channel, entry.priority, entry.status, entry.source) == (
        "SMS",
        "BULK",
        "OPTOUT",
        "ADMIN",
    )
    assert entry.changed_by_user == admin_user and entry.reason == "Phone call to the service desk"
    assert customer.subscriptions.get().modified_by_user == admin_user


def test_recording_a_choice_needs_the_change_permission(client, django_user_model, customer):
    from tests.subscriptions.conftest import row_counts

    viewer = django_user_model.objects.create_user("viewer.sub", password="x", is_staff=True)
    client.force_login(viewer)

    response = client.post(
        f"/admin/subscriptions/subscription/customer/{customer.pk}/record/",
        {"channel": "SMS", "priority": "BULK", "status": "OPTIN", "reason": "x"},
    )

    assert response.status_code == 403
    assert row_counts() == (0, 0)


def test_staff_form_shows_the_refusal_of_a_fraud_marked_customer(admin_client, db):
    from customers.models import Customer
    from tests.subscriptions.conftest import row_counts

    fraud = Customer.objects.create(status="FRAUD_MARKED")

    response = admin_client.post(
        f"/admin/subscriptions/subscription/customer/{fraud.pk}/record/",
        {"channel": "SMS", "priority": "BULK", "status": "OPTIN", "reason": "x"},
    )

    assert response.status_code == 200
    assert "618" in response.content.decode()
    assert row_counts() == (0, 0)
