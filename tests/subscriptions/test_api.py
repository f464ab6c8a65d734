import copy

import pytest

from tests.subscriptions.conftest import load_sample, row_counts, subscriptions_url

pytestmark = pytest.mark.django_db


def items(body) -> list[tuple]:
    return [
        (item["channel"], item.get("accountId", ""), item["priority"], item["type"])
        for item in body["subscriptions"]
    ]


def test_seed_sample_request_sent_verbatim_answers_the_documented_shape(till_client, customer):
    # given
    request_body = load_sample("subscriptions.post.request.json")
    documented = load_sample("subscriptions.post.response.json")

    # when
    response = till_client.post(subscriptions_url(customer.pk), request_body, format="json")

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == set(documented)
    assert body["scope"] == documented["scope"]
    assert body["campaignId"] == -1
    assert body["communicationId"] == -1
    assert body["reason"] == "Example reason"  # echoed as sent (the sample's differs)
    assert body["warnings"] == []
    # Every entry the seed's response shows is there, MOBILE answered as SMS; we also
    # echo the fourth entry (MOBILE/BULK) that the seed's sample leaves out.
    for documented_item in documented["subscriptions"]:
        assert documented_item in body["subscriptions"]
    assert items(body) == [
        ("EMAIL", "", "BULK", "OPTOUT"),
        ("SMS", "", "BULK", "OPTOUT"),
        ("EMAIL", "", "TRANS", "OPTIN"),
        ("SMS", "123", "TRANS", "OPTIN"),
    ]
    assert row_counts() == (4, 4)


def test_get_after_the_sample_shows_email_bulk_out_and_email_trans_in(till_client, customer):
    # given
    till_client.post(
        subscriptions_url(customer.pk),
        load_sample("subscriptions.post.request.json"),
        format="json",
    )

    # when
    response = till_client.get(subscriptions_url(customer.pk))

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(load_sample("subscriptions.get.response.json"))
    assert body["campaignId"] == 0 and body["communicationId"] == 0 and body["warnings"] == []
    assert body["subscriptions"] == [
        {"channel": "EMAIL", "priority": "TRANS", "type": "OPTIN"},
        {"channel": "SMS", "priority": "TRANS", "type": "OPTIN"},
        {"channel": "SMS", "priority": "TRANS", "type": "OPTIN", "accountId": "123"},
        {"channel": "EMAIL", "priority": "BULK", "type": "OPTOUT"},
        {"channel": "SMS", "priority": "BULK", "type": "OPTOUT"},
    ]


def test_get_without_recorded_choice_answers_trans_optin_and_bulk_optout(till_client, customer):
    response = till_client.get(subscriptions_url(customer.pk))

    assert response.status_code == 200
    assert response.json()["subscriptions"] == [
        {"channel": "EMAIL", "priority": "TRANS", "type": "OPTIN"},
        {"channel": "SMS", "priority": "TRANS", "type": "OPTIN"},
        {"channel": "EMAIL", "priority": "BULK", "type": "OPTOUT"},
        {"channel": "SMS", "priority": "BULK", "type": "OPTOUT"},
    ]
    assert row_counts() == (0, 0)  # reading writes nothing


def test_org_configured_bulk_optin_answers_the_seed_get_sample_exactly(
    till_client, customer, bulk_optin_org
):
    response = till_client.get(subscriptions_url(customer.pk))

    assert response.status_code == 200
    assert response.json() == load_sample("subscriptions.get.response.json")


def test_channel_names_are_case_insensitive_and_mobile_push_accepted(till_client, customer):
    body = {
        "subscriptions": [
            {"channel": "mobile", "priority": "bulk", "type": "optout"},
            {"channel": "mobilePush", "priority": "TRANS", "type": "OPTOUT"},
            {"channel": "wechat", "accountId": 55, "priority": "BULK", "type": "OPTIN"},
        ]
    }

    response = till_client.post(subscriptions_url(customer.pk), body, format="json")

    assert response.status_code == 200, response.json()
    assert items(response.json()) == [
        ("SMS", "", "BULK", "OPTOUT"),
        ("MOBILE_PUSH", "", "TRANS", "OPTOUT"),
        ("WECHAT", "55", "BULK", "OPTIN"),
    ]
    # without campaign / communication ids the answer says -1 (the seed's "none")
    assert response.json()["campaignId"] == -1
    assert response.json()["communicationId"] == -1
    listed = till_client.get(subscriptions_url(customer.pk)).json()["subscriptions"]
    assert {"channel": "MOBILE_PUSH", "priority": "TRANS", "type": "OPTOUT"} in listed
    assert {"channel": "WECHAT", "priority": "BULK", "type": "OPTIN", "accountId": "55"} in listed


def _with(**changes):
    body = copy.deepcopy(load_sample("subscriptions.post.request.json"))
    for path, value in changes.items():
        if path.startswith("item_"):
            body["subscriptions"][1][path.removeprefix("item_")] = value
        else:
            body[path] = value
    return body


@pytest.mark.parametrize(
    ("body", "expected_codes"),
    [
        pytest.param(_with(item_channel="FAX"), [1101, 1110], id="invalid-channel"),
        pytest.param(_with(item_channel=None), [1101, 1110], id="missing-channel"),
        pytest.param(_with(item_priority="URGENT"), [1102, 1110], id="invalid-priority"),
        pytest.param(_with(item_type="MAYBE"), [1106, 1110], id="invalid-status"),
        pytest.param(
            _with(item_channel="FAX", item_type="MAYBE"), [1101, 1106, 1110], id="two-at-once"
        ),
        pytest.param(_with(scope={"scope": "ORG", "subScope": "NONE"}), [1103], id="bad-scope"),
        pytest.param(_with(scope={"scope": "USER", "subScope": "X"}), [1103], id="bad-subscope"),
        pytest.param(_with(scope="USER"), [1103], id="scope-not-object"),
        pytest.param(
            _with(scope=[{"scope": "USER"}, {"scope": "USER"}]), [1105], id="multiple-scopes"
        ),
        pytest.param(_with(scope={"scope": ["USER", "USER"]}), [1105], id="multiple-scope-values"),
        pytest.param(_with(campaignId="abc"), [1107], id="campaign-not-number"),
        pytest.param(_with(campaignId=-5), [1107], id="campaign-negative"),
        pytest.param(_with(campaignId=1.5), [1107], id="campaign-fraction"),
        pytest.param(_with(communicationId="x1"), [1108], id="outbox-not-number"),
        pytest.param(_with(communicationId=True), [1108], id="outbox-boolean"),
        pytest.param(_with(subscriptions=[]), [1110], id="no-subscriptions"),
        pytest.param(_with(subscriptions="EMAIL"), [1110], id="subscriptions-not-list"),
        pytest.param(
            _with(
                subscriptions=[
                    {"channel": "SMS", "priority": "BULK", "type": "OPTIN"},
                    {"channel": "MOBILE", "priority": "BULK", "type": "OPTOUT"},
                ]
            ),
            [1110],
            id="same-channel-both-ways",
        ),
        pytest.param(_with(campaignId="abc", item_channel="FAX"), [1107, 1101, 1110], id="mixed"),
    ],
)
def test_invalid_input_answers_its_code_and_writes_nothing(
    till_client, customer, body, expected_codes
):
    # when
    response = till_client.post(subscriptions_url(customer.pk), body, format="json")

    # then
    assert response.status_code == 400
    payload = response.json()
    assert [error["code"] for error in payload["errors"]] == expected_codes
    assert all(error["status"] is False and error["message"] for error in payload["errors"])
    assert payload["warnings"] == []
    assert row_counts() == (0, 0)


def test_body_that_is_not_an_object_answers_1110(till_client, customer):
    response = till_client.post(subscriptions_url(customer.pk), [1, 2], format="json")

    assert response.status_code == 400
    assert [error["code"] for error in response.json()["errors"]] == [1110]
    assert row_counts() == (0, 0)


def test_a_refused_update_keeps_earlier_choices_unchanged(till_client, customer):
    # given: a recorded opt-out
    till_client.post(
        subscriptions_url(customer.pk),
        {"subscriptions": [{"channel": "EMAIL", "priority": "BULK", "type": "OPTOUT"}]},
        format="json",
    )
    before = row_counts()

    # when: a valid opt-in next to an invalid entry
    response = till_client.post(
        subscriptions_url(customer.pk),
        {
            "subscriptions": [
                {"channel": "EMAIL", "priority": "BULK", "type": "OPTIN"},
                {"channel": "PIGEON", "priority": "BULK", "type": "OPTIN"},
            ]
        },
        format="json",
    )

    # then
    assert response.status_code == 400
    assert row_counts() == before
    listed = till_client.get(subscriptions_url(customer.pk)).json()["subscriptions"]
    assert {"channel": "EMAIL", "priority": "BULK", "type": "OPTOUT"} in listed


@pytest.mark.parametrize("customer_id", ["999999999", "abc", "-1"])
def test_unknown_customer_answers_816(till_client, db, customer_id):
    body = load_sample("subscriptions.post.request.json")

    post = till_client.post(subscriptions_url(customer_id), body, format="json")
    get = till_client.get(subscriptions_url(customer_id))

    for response in (post, get):
        assert response.status_code == 404
        assert [error["code"] for error in response.json()["errors"]] == [816]
    assert row_counts() == (0, 0)


def test_fraud_marked_customer_is_refused_with_618_and_nothing_written(till_client, db):
    from customers.models import Customer

    fraud = Customer.objects.create(status="FRAUD_MARKED")

    response = till_client.post(
        subscriptions_url(fraud.pk), load_sample("subscriptions.post.request.json"), format="json"
    )

    assert response.status_code == 403
    assert [error["code"] for error in response.json()["errors"]] == [618]
    assert row_counts() == (0, 0)


def test_unauthenticated_call_is_refused(api_client, customer):
    response = api_client.get(subscriptions_url(customer.pk))

    assert response.status_code == 401


def test_merge_victim_answers_its_survivor_with_warnings(till_client, db):
    from customers.models import Customer

    survivor = Customer.objects.create()
    victim = Customer.objects.create(merged_into=survivor)

    post = till_client.post(
        subscriptions_url(victim.pk),
        {"subscriptions": [{"channel": "EMAIL", "priority": "TRANS", "type": "OPTOUT"}]},
        format="json",
    )
    get = till_client.get(subscriptions_url(victim.pk))

    assert post.status_code == 200
    assert [warning["code"] for warning in post.json()["warnings"]] == [8069, 91009]
    assert [warning["code"] for warning in get.json()["warnings"]] == [8069, 91009]
    assert {"channel": "EMAIL", "priority": "TRANS", "type": "OPTOUT"} in get.json()[
        "subscriptions"
    ]
    assert survivor.subscriptions.get().status == "OPTOUT"
    assert not victim.subscriptions.exists()


def test_schema_documents_the_subscription_endpoints(till_client, db):
    response = till_client.get("/v2/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    text = response.content.decode()
    assert "/v2/customers/{customer_id}/subscriptions" in text
    assert "1110" in text and "MOBILE" in text


def test_demo_till_sends_the_seed_sample_verbatim(customer):
    import io

    from rest_framework.test import APIClient

    from customers import demo
    from tests.conftest import basic_auth

    # given: the demo org (demo.till / demo-secret) as `make run` loads it
    demo.load_org(stdout=io.StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("demo.till", "demo-secret"))

    # when
    posted = client.post(
        subscriptions_url(customer.pk),
        load_sample("subscriptions.post.request.json"),
        format="json",
    )
    listed = client.get(subscriptions_url(customer.pk))

    # then
    assert posted.status_code == 200, posted.content
    assert listed.status_code == 200
    assert {"channel": "EMAIL", "priority": "BULK", "type": "OPTOUT"} in listed.json()[
        "subscriptions"
    ]
    assert {"channel": "EMAIL", "priority": "TRANS", "type": "OPTIN"} in listed.json()[
        "subscriptions"
    ]
    assert customer.subscription_log.filter(changed_by_till__code="demo.till").count() == 4


def test_staff_need_the_subscription_permissions_of_the_admin(db, customer, django_user_model):
    from django.contrib.auth.models import Permission
    from rest_framework.test import APIClient

    # given: a staff user without permissions, and one who may only view
    nobody = django_user_model.objects.create_user("nobody.sub", password="x", is_staff=True)
    viewer = django_user_model.objects.create_user("viewer.sub", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_subscription"))
    body = {"subscriptions": [{"channel": "EMAIL", "priority": "BULK", "type": "OPTIN"}]}
    url = subscriptions_url(customer.pk)

    for user, can_read in ((nobody, False), (viewer, True)):
        client = APIClient()
        client.force_authenticate(user)
        # when
        read = client.get(url)
        log = client.get(url + "/log")
        write = client.post(url, body, format="json")
        # then
        assert read.status_code == log.status_code == (200 if can_read else 403)
        assert write.status_code == 403
        assert [error["code"] for error in write.json()["errors"]] == [403]
    assert row_counts() == (0, 0)
