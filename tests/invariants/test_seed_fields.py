"""Fields and codes the seeds show: the registration date and till answered in the
details, 1045 / 1007 on registration, the date codes of list filters."""

from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.customers.conftest import sample
from tests.invariants.conftest import MOBILE_A, codes_of, created


def registration(*identifiers, loyalty_type="loyalty", **extra):
    return {
        "loyaltyInfo": {"loyaltyType": loyalty_type},
        "profiles": [{"identifiers": [{"type": t, "value": v} for t, v in identifiers]}],
        **extra,
    }


def test_attribution_create_date_is_the_registration_date_answered(till_client, org_config):
    when = (timezone.now() - timedelta(days=400)).replace(microsecond=0)
    sent = timezone.localtime(when, timezone.get_fixed_timezone(480)).isoformat()

    customer = created(
        till_client.post(
            "/v2/customers?source=INSTORE",
            registration(("mobile", MOBILE_A), attributionV2={"createDate": sent}),
            format="json",
        )
    )
    details = till_client.get(f"/v2/customers/{customer}?source=INSTORE").json()

    answered = details["loyaltyInfo"]["attributionV2"]["createDate"]
    assert datetime.fromisoformat(answered) == when
    assert datetime.fromisoformat(details["profiles"][0]["attribution"]["createDate"]) == when


def test_associated_with_is_the_registering_till_of_the_details(till_client, org_config, bukl_till):
    body = sample("register.request.json")
    del body["loyaltyProgramEnrollments"]
    customer = created(
        till_client.post("/v2/customers?source=MOBILE_APP&accountId=400", body, format="json")
    )
    details = till_client.get(f"/v2/customers/{customer}").json()

    assert details["loyaltyInfo"]["attributionV2"]["createdBy"] == {
        "code": "bukl.till",
        "name": "bukl.till",
    }
    # the profile's attribution stays the till that called
    assert details["profiles"][0]["attribution"]["createdBy"]["code"] == "test.till"


def test_a_non_loyalty_customer_needs_a_mobile_or_an_email_1045(till_client, org_config):
    refused = till_client.post(
        "/v2/customers?source=INSTORE",
        registration(("externalId", "EXT-9"), loyalty_type="non_loyalty"),
        format="json",
    )
    accepted = till_client.post(
        "/v2/customers?source=INSTORE",
        registration(("email", "n@example.com"), loyalty_type="non_loyalty"),
        format="json",
    )

    assert (refused.status_code, codes_of(refused.json())) == (400, [1045])
    assert accepted.status_code == 200


def test_a_loyalty_customer_needs_a_mobile_email_or_external_id_1007(till_client, org_config):
    refused = till_client.post(
        "/v2/customers?source=WECHAT&accountId=1234",
        registration(("wechat", "wx-1")),
        format="json",
    )
    with_external_id = till_client.post(
        "/v2/customers?source=WECHAT&accountId=1234",
        registration(("wechat", "wx-2"), ("externalId", "EXT-2")),
        format="json",
    )

    assert (refused.status_code, codes_of(refused.json())) == (400, [1007])
    assert with_external_id.status_code == 200


@override_settings(REGISTRATION_PRIMARY_IDENTIFIER_REQUIRED=False)
def test_the_org_setting_off_lets_any_identifier_register_a_loyalty_customer(
    till_client, org_config
):
    response = till_client.post(
        "/v2/customers?source=WECHAT&accountId=1234",
        registration(("wechat", "wx-3")),
        format="json",
    )
    nothing = till_client.post("/v2/customers?source=INSTORE", registration(), format="json")

    assert response.status_code == 200
    assert codes_of(nothing.json()) == [1007]


@pytest.mark.parametrize(
    ("params", "code", "named"),
    [
        ({"startDate": "yesterday"}, 8112, None),
        ({"endDate": "soon"}, 8113, None),
        ({"startDate": "2024-02-30"}, 8112, None),
        ({"startDate": "2024/01/31"}, 1216, "startDate"),
        ({"endDate": "31-01-2024"}, 1216, "endDate"),
        ({"startDate": "2024-01-31T10:00:00"}, 1216, "startDate"),
        ({"startDate": "2024-02-01", "endDate": "2024-01-31"}, 8115, None),
    ],
)
def test_list_filters_with_a_malformed_date_answer_the_seed_codes(
    till_client, db, params, code, named
):
    response = till_client.get("/v2/requests", params)

    assert response.status_code == 400, response.json()
    assert codes_of(response.json()) == [code]
    if named:
        assert named in response.json()["errors"][0]["message"]


def test_change_request_lists_answer_the_date_codes_too(till_client, org_config):
    customer = created(
        till_client.post(
            "/v2/customers?source=INSTORE", registration(("mobile", MOBILE_A)), format="json"
        )
    )

    response = till_client.get(
        f"/v2/customers/{customer}/retroRequest", {"startDate": "01.02.2024"}
    )

    assert codes_of(response.json()) == [1216]
