"""The v2 customer endpoints through DRF's test client: shapes, codes, rows written or not."""

import pytest

from customers.models import (
    CommChannel,
    Customer,
    CustomerStatusChange,
    Identifier,
    SourceProfile,
)
from tests.customers.conftest import register, register_body, sample

pytestmark = pytest.mark.django_db

MOBILE = "919845012345"


def codes_of(body, key="errors"):
    return [item["code"] for item in body[key]]


# --- Register -------------------------------------------------------------------------


def test_register_sample_verbatim_succeeds_with_documented_shape(
    till_client, org_config, bukl_till
):
    # when
    response = till_client.post(
        "/v2/customers?source=MOBILE_APP&accountId=400",
        sample("register.request.json"),
        format="json",
    )
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == set(sample("register.response.json"))
    customer = Customer.objects.get(pk=body["createdId"])
    assert customer.loyalty_type == "loyalty"
    assert customer.associated_with == bukl_till
    assert customer.extended_fields == {"gender": "Male", "city": "Bangalore"}
    profile = customer.profiles.get()
    assert (profile.source, profile.account.account_id) == ("MOBILE_APP", "400")
    assert profile.custom_fields == {"employee": "true", "dateofbirth": "22-10-2000"}
    assert set(profile.identifiers.values_list("type", "value")) == {
        ("email", "tom.sawyer@example.com"),
        ("mobile", "91901000001"),
    }
    push = CommChannel.objects.get(customer=customer, type="mobilePush")
    assert push.primary is True and push.verified is True  # "true" strings
    assert push.meta["lastViewedDate"] == "2019-10-10T22:04:38+05:30"
    assert isinstance(body["sideEffects"], list)  # filled by loyalty's registration steps
    assert customer.created_by_till.code == "test.till"


def test_register_same_mobile_twice_in_instore_is_refused_and_writes_nothing(
    till_client, org_config
):
    first = register(till_client, ("mobile", MOBILE))
    assert first.status_code == 200
    counts = (Customer.objects.count(), SourceProfile.objects.count(), Identifier.objects.count())

    second = register(till_client, ("mobile", MOBILE), ("email", "new@example.com"))

    assert second.status_code == 400
    assert codes_of(second.json()) == [8006]
    assert str(first.json()["createdId"]) in second.json()["errors"][0]["message"]
    assert counts == (
        Customer.objects.count(),
        SourceProfile.objects.count(),
        Identifier.objects.count(),
    )


def test_register_in_another_source_combines_with_warning_8050(till_client, org_config):
    first = register(till_client, ("mobile", MOBILE))

    second = register(
        till_client, ("mobile", "+91 98450 12345"), source="MOBILE_APP", account="400"
    )

    assert second.status_code == 200
    body = second.json()
    assert body["createdId"] == first.json()["createdId"]
    assert codes_of(body, "warnings") == [8050]
    assert body["warnings"][0]["message"] == "Same Customer found in other sources,Combining"
    assert Customer.objects.count() == 1
    details = till_client.get(f"/v2/customers/{body['createdId']}?source=ALL").json()
    assert sorted(p["source"] for p in details["profiles"]) == ["INSTORE", "MOBILE_APP"]


def test_register_again_in_a_source_the_customer_already_has_is_refused(till_client, org_config):
    register(till_client, ("mobile", MOBILE))
    register(till_client, ("email", "a@example.com"), source="ECOMMERCE")
    # mobile owned (INSTORE) by customer 1, who has no ECOMMERCE profile yet -> combine
    combined = register(till_client, ("mobile", MOBILE), source="ECOMMERCE")
    assert combined.status_code == 200
    again = register(
        till_client, ("mobile", MOBILE), ("email", "b@example.com"), source="ECOMMERCE"
    )
    assert codes_of(again.json()) == [8006]


@pytest.mark.parametrize(
    ("identifiers", "code"),
    [
        ([("mobile", "12")], 1001),
        ([("email", "not-an-email")], 1002),
        ([("externalId", "has space")], 1003),
        ([("passport", "X1")], 8013),
        ([], 1007),
    ],
)
def test_register_invalid_identifiers(till_client, org_config, identifiers, code):
    response = register(till_client, *identifiers)
    assert response.status_code == 400
    assert codes_of(response.json()) == [code]
    assert not Customer.objects.exists()


def test_register_reports_every_invalid_identifier(till_client, org_config):
    response = register(till_client, ("mobile", "12"), ("email", "x"))
    assert codes_of(response.json()) == [1001, 1002]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", 8004),
        ("?source=NOWHERE", 8003),
        ("?source=WECHAT", 8045),
        ("?source=WECHAT&accountId=999", 8127),
    ],
)
def test_register_source_codes(till_client, org_config, query, code):
    response = till_client.post(
        f"/v2/customers{query}", register_body(("mobile", MOBILE)), format="json"
    )
    assert codes_of(response.json()) == [code]
    assert not Customer.objects.exists()


def test_register_unknown_custom_field_1017(till_client, org_config):
    body = register_body(("mobile", MOBILE))
    body["profiles"][0]["fields"] = {"shoeSize": "9"}
    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")
    assert codes_of(response.json()) == [1017]
    assert not Customer.objects.exists()


def test_register_bad_extended_field_is_a_warning_91015(till_client, org_config):
    body = register_body(("mobile", MOBILE))
    body["extendedFields"] = {"gender": "Robot", "city": "Pune", "zodiac": "Leo"}
    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")
    assert response.status_code == 200
    assert codes_of(response.json(), "warnings") == [91015, 91015]
    assert Customer.objects.get().extended_fields == {"city": "Pune"}


def test_register_unknown_associated_till_91020(till_client, org_config):
    body = register_body(("mobile", MOBILE))
    body["associatedWith"] = "no.such.till"
    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")
    assert codes_of(response.json()) == [91020]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(("date", "code"), [("2001-01-01T00:00:00+05:30", 1034), ("soon", 8017)])
def test_register_registration_date_limits(till_client, org_config, date, code):
    body = register_body(("mobile", MOBILE))
    body["loyaltyInfo"]["attributionV2"] = {"createDate": date}
    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")
    assert codes_of(response.json()) == [code]
    assert not Customer.objects.exists()


def test_register_channels_unknown_type_8010_and_invalid_values_warned(till_client, org_config):
    body = register_body(("mobile", MOBILE))
    body["profiles"][0]["commChannels"] = [{"type": "pigeon", "value": "x"}]
    assert codes_of(
        till_client.post("/v2/customers?source=INSTORE", body, format="json").json()
    ) == [8010]
    body["profiles"][0]["commChannels"] = [
        {"type": "mobile", "value": "12"},
        {"type": "email", "value": "nope"},
    ]
    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")
    assert response.status_code == 200
    assert codes_of(response.json(), "warnings") == [8058, 8057]
    assert not CommChannel.objects.exists()


def test_register_body_must_be_an_object_and_loyalty_type_valid(till_client, org_config):
    response = till_client.post("/v2/customers?source=INSTORE", [1, 2], format="json")
    assert response.status_code == 400 and codes_of(response.json()) == [400]
    body = register_body(("mobile", MOBILE))
    body["loyaltyInfo"]["loyaltyType"] = "gold"
    assert codes_of(
        till_client.post("/v2/customers?source=INSTORE", body, format="json").json()
    ) == [400]


def test_register_runs_registration_steps_in_the_transaction(till_client, org_config):
    from customers import registry

    calls = []

    def step(*, customer, command, actor, warnings, side_effects, created):
        # The typed command, with loyalty's part of the body (its program enrollments).
        calls.append((customer.pk, created, bool(command.parts.get("loyalty"))))
        side_effects.append({"type": "points", "awardedPoints": 100})

    registry.registration_steps.register("test-step", step)
    try:
        response = till_client.post(
            "/v2/customers?source=MOBILE_APP&accountId=400",
            {**sample("register.request.json"), "associatedWith": None},
            format="json",
        )
    finally:
        registry.registration_steps._entries.pop("test-step")
    body = response.json()
    assert calls == [(body["createdId"], True, True)]
    assert {"type": "points", "awardedPoints": 100} in body["sideEffects"]


# --- Update ---------------------------------------------------------------------------


def test_update_sample_verbatim(till_client, org_config):
    customer_id = register(
        till_client, ("wechat", "wc_1"), ("externalId", "ext-wc-1"), source="WECHAT", account="1234"
    ).json()["createdId"]
    # The seed's query names account 22232, its body 1234: the query decides.
    response = till_client.put(
        f"/v2/customers/{customer_id}?source=WECHAT&accountId=1234",
        sample("update.request.json"),
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["createdId"] == customer_id
    assert set(body) == set(sample("update.response.json"))
    # identifiers are not changed by an update: one 91006 per new identifier type
    assert 91006 in codes_of(body, "warnings")  # (loyalty may add its own for the enrollments)
    assert Identifier.objects.filter(customer_id=customer_id).count() == 2
    customer = Customer.objects.get(pk=customer_id)
    assert customer.extended_fields == {"gender": "Male", "city": "Bangalore"}  # MALE -> Male
    profile = customer.profiles.get()
    assert profile.custom_fields == {"gender": "Male", "city": "Bangalore"}
    email = CommChannel.objects.get(profile=profile, type="email")
    assert (email.primary, email.verified, email.meta["residence"]) == (True, False, True)


def test_update_loyalty_to_non_loyalty_refused_8018(till_client, org_config):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    response = till_client.put(
        f"/v2/customers/{customer_id}?source=INSTORE",
        {"loyaltyInfo": {"loyaltyType": "non_loyalty"}, "profiles": [{"firstName": "X"}]},
        format="json",
    )
    assert codes_of(response.json()) == [8018]
    assert SourceProfile.objects.get().first_name == "Tom"  # nothing written


def test_update_non_loyalty_to_loyalty_allowed(till_client, org_config):
    body = register_body(("mobile", MOBILE))
    body["loyaltyInfo"]["loyaltyType"] = "non_loyalty"
    customer_id = till_client.post("/v2/customers?source=INSTORE", body, format="json").json()[
        "createdId"
    ]
    response = till_client.put(
        f"/v2/customers/{customer_id}?source=INSTORE",
        {"loyaltyInfo": {"loyaltyType": "loyalty"}},
        format="json",
    )
    assert response.status_code == 200
    assert Customer.objects.get().loyalty_type == "loyalty"


def test_update_unknown_customer_816(till_client, org_config):
    for customer_id in ("999999", "abc"):
        response = till_client.put(f"/v2/customers/{customer_id}?source=INSTORE", {}, format="json")
        assert response.status_code == 404
        assert codes_of(response.json()) == [816]


def test_details_of_an_id_beyond_bigint_is_816_from_the_index(
    till_client, org_config, django_assert_max_num_queries
):
    # An id past bigint would be compared as numeric: no index, a scan of every customer.
    register(till_client, ("mobile", MOBILE))
    for customer_id in (str(2**63), "99999999999999999999999", "0"):
        with django_assert_max_num_queries(3) as captured:  # till, throttle counter
            response = till_client.get(f"/v2/customers/{customer_id}?source=INSTORE")
        assert response.status_code == 404
        assert codes_of(response.json()) == [816]
        assert not any("customers_customer" in q["sql"] for q in captured.captured_queries)


def test_update_by_lookup(till_client, org_config):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    response = till_client.put(
        f"/v2/customers/lookup?source=INSTORE&identifierName=mobile&identifierValue={MOBILE}",
        {"profiles": [{"firstName": "Thomas"}]},
        format="json",
    )
    assert response.json() == {"createdId": customer_id, "warnings": []}
    assert SourceProfile.objects.get().first_name == "Thomas"


# --- Change identifier ----------------------------------------------------------------


def test_change_identifier_sample_verbatim(till_client, org_config):
    customer_id = register(
        till_client,
        ("wechat", "wc_1"),
        ("email", "tom.sawyer@example.com"),
        source="WECHAT",
        account="22232",
    ).json()["createdId"]
    response = till_client.post(
        f"/v2/customers/{customer_id}/changeIdentifier?source=WECHAT&accountId=22232",
        sample("change-identifier.request.json"),
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == sample("change-identifier.response.json")
    assert set(Identifier.objects.values_list("type", "value")) == {
        ("wechat", "wc_1"),
        ("wechat", "ray11"),
    }


def test_change_identifier_owned_in_same_source_8007(till_client, org_config):
    register(till_client, ("mobile", MOBILE))
    other = register(till_client, ("email", "b@example.com")).json()["createdId"]
    response = till_client.post(
        f"/v2/customers/{other}/changeIdentifier?source=INSTORE",
        {
            "add": [{"type": "mobile", "value": MOBILE}],
            "remove": [{"type": "email", "value": "b@example.com"}],
        },
        format="json",
    )
    assert codes_of(response.json()) == [8007]
    assert Identifier.objects.filter(customer_id=other, type="email").exists()  # nothing removed


@pytest.mark.parametrize("customer_id", ["424242", "not-a-number"])
def test_change_identifier_of_an_unknown_customer_8009_writes_nothing(
    till_client, org_config, customer_id
):
    response = till_client.post(
        f"/v2/customers/{customer_id}/changeIdentifier?source=INSTORE",
        {"add": [{"type": "mobile", "value": MOBILE}]},
        format="json",
    )
    assert response.status_code == 404
    assert codes_of(response.json()) == [8009]
    assert not Identifier.objects.exists() and not SourceProfile.objects.exists()


def test_change_identifier_invalid_values_are_warned(till_client, org_config):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    response = till_client.post(
        f"/v2/customers/{customer_id}/changeIdentifier?source=INSTORE",
        {
            "add": [
                {"type": "mobile", "value": "12"},
                {"type": "email", "value": "x"},
                {"type": "externalId", "value": "a b"},
            ],
            "remove": [{"type": "email", "value": "absent@example.com"}],
        },
        format="json",
    )
    assert response.status_code == 200
    assert codes_of(response.json(), "warnings") == [8056, 8055, 8064, 8070]
    bad_type = till_client.post(
        f"/v2/customers/{customer_id}/changeIdentifier?source=INSTORE",
        {"add": [{"type": "passport", "value": "1"}]},
        format="json",
    )
    assert codes_of(bad_type.json()) == [8013]


def test_merge_through_change_identifier(till_client, org_config):
    from customers.selectors import customer_audit_trail

    # given: the survivor holds the mobile in INSTORE, the victim has its own e-mail in the app
    survivor = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    victim = register(
        till_client, ("email", "v@example.com"), source="MOBILE_APP", account="400"
    ).json()["createdId"]
    # when: the app adds the survivor's mobile to the victim
    response = till_client.post(
        f"/v2/customers/{victim}/changeIdentifier?source=MOBILE_APP&accountId=400",
        {"add": [{"type": "mobile", "value": MOBILE}]},
        format="json",
    )
    # then
    assert response.status_code == 200
    assert codes_of(response.json(), "warnings") == [8051]
    assert str(survivor) in response.json()["warnings"][0]["message"]
    victim_row = Customer.objects.get(pk=victim)
    assert victim_row.merged_into_id == survivor and victim_row.merged_at is not None
    assert not SourceProfile.objects.filter(customer_id=victim).exists()
    assert not Identifier.objects.filter(customer_id=victim).exists()
    lookup = till_client.get(
        "/v2/customers/lookup?source=MOBILE_APP&accountId=400&identifierName=email&identifierValue=v@example.com"
    )
    assert lookup.json() == {"entity": survivor, "warnings": []}
    # reading the victim answers the survivor with 8069 and 91009
    details = till_client.get(f"/v2/customers/{victim}?source=ALL").json()
    assert details["id"] == survivor
    assert codes_of(details, "warnings") == [8069, 91009]
    assert sorted(p["source"] for p in details["profiles"]) == ["INSTORE", "MOBILE_APP"]
    # an update addressed to the victim updates the survivor (8069); a change of its
    # identifiers is refused, naming the survivor (8067)
    updated = till_client.put(f"/v2/customers/{victim}?source=INSTORE", {}, format="json")
    assert updated.json() == {"createdId": survivor, "warnings": updated.json()["warnings"]}
    assert 8069 in codes_of(updated.json(), "warnings")
    refused = till_client.post(
        f"/v2/customers/{victim}/changeIdentifier?source=INSTORE",
        {"add": [{"type": "email", "value": "w@example.com"}]},
        format="json",
    )
    assert codes_of(refused.json()) == [8067]
    assert str(survivor) in refused.json()["errors"][0]["message"]
    # the audit trail shows the merge
    trail = customer_audit_trail(customer_id=victim)
    # (pghistory keeps one context per transaction: merge steps of other apps may add keys)
    merge_events = [e for e in trail if e["context"].get("merge_victim") == victim]
    assert any(
        e["model"] == "customer" and e["changes"].get("merged_into_id") for e in merge_events
    )
    assert all(e["actor"] == "till:test.till" for e in merge_events)
    survivor_trail = customer_audit_trail(customer_id=survivor)
    assert any(
        e["model"] == "identifier" and e["context"].get("merge_survivor") == survivor
        for e in survivor_trail
    )


# --- Lookup ---------------------------------------------------------------------------


def test_lookup_shape_and_codes(till_client, org_config):
    customer_id = register(
        till_client, ("mobile", MOBILE), source="WECHAT", account="22232"
    ).json()["createdId"]
    ok = till_client.get(
        f"/v2/customers/lookup?source=WECHAT&accountId=22232&identifierName=mobile&identifierValue={MOBILE}"
    )
    assert ok.json() == {"entity": customer_id, "warnings": []}
    assert set(ok.json()) == set(sample("lookup.response.json"))
    every = till_client.get(
        f"/v2/customers/lookup?source=ALL&identifierName=mobile&identifierValue=+{MOBILE}"
    )
    assert every.json()["entity"] == customer_id
    cases = {
        f"source=INSTORE&identifierName=mobile&identifierValue={MOBILE}": 8065,
        "source=ALL&identifierName=mobile&identifierValue=919999999999": 8015,
        f"source=WECHAT&identifierName=mobile&identifierValue={MOBILE}": 8045,
        f"source=WECHAT&accountId=nope&identifierName=mobile&identifierValue={MOBILE}": 8011,
        f"source=INSTORE&identifierName=shoe&identifierValue={MOBILE}": 8013,
        "source=INSTORE&identifierName=mobile&identifierValue=12": 8013,
        f"identifierName=mobile&identifierValue={MOBILE}": 8001,
        f"source=MARS&identifierName=mobile&identifierValue={MOBILE}": 8003,
    }
    for query, code in cases.items():
        assert codes_of(till_client.get(f"/v2/customers/lookup?{query}").json()) == [code], query


def test_lookup_customer_details(till_client, org_config):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    response = till_client.get(
        f"/v2/customers/lookup/customerDetails?source=INSTORE&identifierName=mobile&identifierValue={MOBILE}&embed=points"
    )
    assert response.status_code == 200
    assert response.json()["id"] == customer_id


# --- Details --------------------------------------------------------------------------


def test_details_shape(till_client, org_config, bukl_till):
    customer_id = till_client.post(
        "/v2/customers?source=MOBILE_APP&accountId=400",
        sample("register.request.json"),
        format="json",
    ).json()["createdId"]
    response = till_client.get(f"/v2/customers/{customer_id}?source=MOBILE_APP&accountId=400")
    body = response.json()
    expected = sample("details.response.json")
    assert set(expected) <= set(body)
    assert set(expected["profiles"][0]) <= set(body["profiles"][0])
    assert set(expected["loyaltyInfo"]) <= set(body["loyaltyInfo"])
    profile = body["profiles"][0]
    assert profile["attribution"]["createdBy"] == {
        "code": "test.till",
        "description": "",
        "name": "Test till",
        "type": "TILL",
    }
    assert {"type": "mobile", "value": "91901000001"} in profile["identifiers"]
    # another source: 8065 (no profile there); unknown customer 816; bad source 8012 (the
    # seed's fetch-details table; registration and lookup answer 8003)
    other_source = till_client.get(f"/v2/customers/{customer_id}?source=INSTORE")
    assert (other_source.status_code, codes_of(other_source.json())) == (404, [8065])
    assert codes_of(till_client.get("/v2/customers/424242?source=ALL").json()) == [816]
    assert codes_of(till_client.get(f"/v2/customers/{customer_id}?source=MOON").json()) == [8012]


def test_details_embeds_are_called_once_and_merged(till_client, org_config):
    from customers import registry

    calls = []

    def points(purchases, *, customer):
        calls.append([customer.pk, purchases])
        return {"loyaltyInfo": {"lifetimePurchases": purchases}, "pointsSummary": {}}

    # Its subquery is part of the details query; its value comes to `build` for each customer.
    column = registry.DetailColumn("test.points", "SELECT 230 + 0 * {customer}", points)
    registry.detail_embeds.register("test-points", column)
    try:
        customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
        body = till_client.get(
            f"/v2/customers/{customer_id}?source=ALL&embed=”test-points”,nope"
        ).json()
    finally:
        registry.detail_embeds._entries.pop("test-points")
    assert calls == [[customer_id, 230]]
    assert body["loyaltyInfo"]["lifetimePurchases"] == 230
    assert body["loyaltyInfo"]["loyaltyType"] == "loyalty"  # deep-merged, not replaced


# --- Status and fraud -----------------------------------------------------------------


def test_fraud_marked_customer_refuses_writes_618(till_client, org_config):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    marked = till_client.put(
        f"/v2/customers/{customer_id}/status",
        {"label": "Fraud Marked", "reason": "chargebacks"},
        format="json",
    )
    assert marked.status_code == 200
    assert marked.json()["status"] == {"label": "FRAUD_MARKED"}
    change = CustomerStatusChange.objects.get()
    assert (change.old_status, change.new_status, change.reason) == (
        "ACTIVE",
        "FRAUD_MARKED",
        "chargebacks",
    )

    refusals = [
        till_client.put(f"/v2/customers/{customer_id}?source=INSTORE", {}, format="json"),
        till_client.post(
            f"/v2/customers/{customer_id}/changeIdentifier?source=INSTORE",
            {"add": [{"type": "email", "value": "f@example.com"}]},
            format="json",
        ),
        register(till_client, ("mobile", MOBILE), source="MOBILE_APP", account="400"),
        till_client.put(f"/v2/customers/{customer_id}/status", {"label": "ACTIVE"}, format="json"),
    ]
    for response in refusals:
        assert response.status_code == 403
        assert codes_of(response.json()) == [618]
    assert SourceProfile.objects.count() == 1
    assert Identifier.objects.count() == 1
    assert Customer.objects.get().status == "FRAUD_MARKED"


def test_staff_with_change_permission_lifts_fraud(till_client, org_config, agent_client):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    till_client.put(f"/v2/customers/{customer_id}/status", {"label": "FRAUD_MARKED"}, format="json")
    response = agent_client.put(
        f"/v2/customers/lookup/status?source=INSTORE&identifierName=mobile&identifierValue={MOBILE}",
        {"label": "active", "reason": "cleared"},
        format="json",
    )
    assert response.status_code == 200
    assert Customer.objects.get().status == "ACTIVE"


def test_unknown_status_label_8086(till_client, org_config):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    response = till_client.put(
        f"/v2/customers/{customer_id}/status", {"label": "VIP"}, format="json"
    )
    assert codes_of(response.json()) == [8086]
    assert not CustomerStatusChange.objects.exists()


# --- PII masking ----------------------------------------------------------------------


def test_staff_without_view_pii_see_masked_values(
    till_client, org_config, agent_client, pii_client
):
    customer_id = register(till_client, ("mobile", MOBILE)).json()["createdId"]

    masked = agent_client.get(f"/v2/customers/{customer_id}?source=ALL").json()
    assert masked["profiles"][0]["identifiers"] == [{"type": "mobile", "value": "••••••••2345"}]
    search = agent_client.get("/v2/customers/search?q=9198450").json()
    assert search["data"][0]["matchedIdentifiers"][0]["idValue"] == "••••••••2345"

    full = pii_client.get(f"/v2/customers/{customer_id}?source=ALL&pii=full").json()
    assert full["profiles"][0]["identifiers"] == [{"type": "mobile", "value": MOBILE}]

    refused = agent_client.get(f"/v2/customers/{customer_id}?source=ALL&pii=full")
    assert refused.status_code == 403
    assert codes_of(refused.json()) == [1044]


def test_staff_without_permissions_are_refused(org_config, api_client):
    from tests.customers.conftest import staff_client

    client, _ = staff_client("nobody", [])
    assert client.get("/v2/customers/search?q=tom").status_code == 403
    auditor, _ = staff_client("auditor1", ["view_customer"])
    assert auditor.get("/v2/customers/search?q=tom").status_code == 200
    assert auditor.post("/v2/customers?source=INSTORE", {}, format="json").status_code == 403
    assert api_client.get("/v2/customers/search?q=tom").status_code == 401


def test_schema_documents_every_endpoint(api_client):
    response = api_client.get("/v2/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/v2/customers",
        "/v2/customers/search",
        "/v2/customers/lookup",
        "/v2/customers/lookup/customerDetails",
        "/v2/customers/lookup/status",
        "/v2/customers/{customer_id}",
        "/v2/customers/{customer_id}/changeIdentifier",
        "/v2/customers/{customer_id}/status",
    ]:
        assert path in paths, path
    assert "91009" in paths["/v2/customers/{customer_id}"]["get"]["description"]


def test_register_with_identifiers_of_two_customers_combines_with_the_oldest_8052(
    till_client, org_config
):
    first = register(till_client, ("mobile", MOBILE)).json()["createdId"]
    register(till_client, ("email", "b@example.com"), source="ECOMMERCE")
    response = register(
        till_client,
        ("mobile", MOBILE),
        ("email", "b@example.com"),
        source="MOBILE_APP",
        account="400",
    )
    assert response.status_code == 200
    assert response.json()["createdId"] == first
    assert codes_of(response.json(), "warnings") == [8050, 8052]
