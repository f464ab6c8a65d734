"""I1, one holder per identifier: the registration and changeIdentifier cases of issue 14's
"Why", through the API (the console has no registration and its identifier changes refuse
any value already held: 9002)."""

from customers.models import Customer, Identifier, SourceProfile
from tests.invariants.conftest import MOBILE_A, codes_of, created, holders, register

APP = "source=MOBILE_APP&accountId=400"


def change(client, customer_id, query, add=(), remove=()):
    return client.post(
        f"/v2/customers/{customer_id}/changeIdentifier?{query}",
        {
            "add": [{"type": t, "value": v} for t, v in add],
            "remove": [{"type": t, "value": v} for t, v in remove],
        },
        format="json",
    )


def lookup(client, source_query, type_, value):
    return client.get(
        f"/v2/customers/lookup?{source_query}&identifierName={type_}&identifierValue={value}"
    )


def test_registering_identifiers_of_two_customers_takes_only_the_holders_own(
    till_client, org_config
):
    # given: A holds the mobile in store, B the e-mail on the web shop
    a = created(register(till_client, ("mobile", MOBILE_A)))
    b = created(register(till_client, ("email", "b@example.com"), source="ECOMMERCE"))

    # when: the app registers someone with A's mobile and B's e-mail
    response = register(
        till_client,
        ("mobile", MOBILE_A),
        ("email", "b@example.com"),
        source="MOBILE_APP",
        account="400",
    )

    # then: combined with A (8050); B's e-mail is not taken and the answer says so (8052)
    assert response.status_code == 200
    body = response.json()
    assert body["createdId"] == a
    assert codes_of(body, "warnings") == [8050, 8052]
    assert "email b@example.com" in body["warnings"][1]["message"]
    assert holders("email", "b@example.com") == {b}
    assert lookup(till_client, "source=ALL", "email", "b@example.com").json()["entity"] == b
    assert lookup(till_client, APP, "email", "b@example.com").status_code == 404
    app_profile = SourceProfile.objects.get(customer_id=a, source="MOBILE_APP")
    assert [(i.type, i.value) for i in app_profile.identifiers.all()] == [("mobile", MOBILE_A)]


def test_change_identifier_meeting_two_holders_merges_nothing_8053(till_client, org_config):
    # given: A holds the mobile, B the e-mail, C (in the app) is a third customer
    a = created(register(till_client, ("mobile", MOBILE_A)))
    b = created(register(till_client, ("email", "b@example.com"), source="ECOMMERCE"))
    c = created(
        register(till_client, ("email", "c@example.com"), source="MOBILE_APP", account="400")
    )

    # when: C adds A's mobile, B's e-mail and a new e-mail
    response = change(
        till_client,
        c,
        APP,
        add=[("mobile", MOBILE_A), ("email", "b@example.com"), ("email", "new@example.com")],
    )

    # then: nothing merges, the two held identifiers stay with their holders (named in the
    # 8053 warning), the free one is added
    assert response.status_code == 200
    warnings = response.json()["warnings"]
    assert codes_of(response.json(), "warnings") == [8053]
    assert MOBILE_A in warnings[0]["message"] and "b@example.com" in warnings[0]["message"]
    assert not Customer.objects.filter(merged_into__isnull=False).exists()
    assert holders("mobile", MOBILE_A) == {a}
    assert holders("email", "b@example.com") == {b}
    assert holders("email", "new@example.com") == {c}


def _holder_with_an_app_profile(till_client) -> int:
    """A: mobile and e-mail in store, and a MOBILE_APP profile holding the e-mail only."""
    a = created(register(till_client, ("mobile", MOBILE_A), ("email", "a@example.com")))
    assert (
        created(
            register(till_client, ("email", "a@example.com"), source="MOBILE_APP", account="400")
        )
        == a
    )
    return a


def test_change_identifier_towards_a_holder_already_in_the_source_is_refused_8066(
    till_client, org_config
):
    a = _holder_with_an_app_profile(till_client)
    c = created(
        register(till_client, ("email", "c@example.com"), source="MOBILE_APP", account="400")
    )
    before = sorted(Identifier.objects.values_list("customer_id", "source", "type", "value"))

    response = change(till_client, c, APP, add=[("mobile", MOBILE_A)])

    assert response.status_code == 400
    assert codes_of(response.json()) == [8066]
    assert str(a) in response.json()["errors"][0]["message"]
    assert Customer.objects.get(pk=c).merged_into_id is None
    assert (
        sorted(Identifier.objects.values_list("customer_id", "source", "type", "value")) == before
    )
    assert SourceProfile.objects.filter(customer_id=a, source="MOBILE_APP").count() == 1


def test_registration_combining_with_a_holder_already_in_the_source_is_refused_8066(
    till_client, org_config
):
    a = _holder_with_an_app_profile(till_client)
    customers = Customer.objects.count()

    response = register(till_client, ("mobile", MOBILE_A), source="MOBILE_APP", account="400")

    assert response.status_code == 400
    assert codes_of(response.json()) == [8066]
    assert str(a) in response.json()["errors"][0]["message"]
    assert Customer.objects.count() == customers
    assert holders("mobile", MOBILE_A) == {a}
    assert Identifier.objects.filter(type="mobile", value=MOBILE_A).count() == 1


def test_adding_identifiers_the_profile_holds_warns_8071_8072_8073_and_changes_nothing(
    till_client, org_config
):
    a = created(
        register(
            till_client, ("mobile", MOBILE_A), ("email", "a@example.com"), ("externalId", "EXT-1")
        )
    )
    before = sorted(Identifier.objects.values_list("id", "customer_id", "type", "value"))

    response = change(
        till_client,
        a,
        "source=INSTORE",
        add=[("mobile", MOBILE_A), ("email", "A@Example.com"), ("externalId", "EXT-1")],
    )

    assert response.status_code == 200
    assert codes_of(response.json(), "warnings") == [8071, 8072, 8073]
    assert sorted(Identifier.objects.values_list("id", "customer_id", "type", "value")) == before


def test_a_merge_through_change_identifier_adds_the_identifier_after_the_merge(
    till_client, org_config
):
    # given: the survivor holds the mobile in store; the victim is an app customer
    survivor = created(register(till_client, ("mobile", MOBILE_A)))
    victim = created(
        register(till_client, ("email", "v@example.com"), source="MOBILE_APP", account="400")
    )

    response = change(till_client, victim, APP, add=[("mobile", MOBILE_A)])

    assert codes_of(response.json(), "warnings") == [8051]
    assert holders("mobile", MOBILE_A) == {survivor}
    assert Identifier.objects.filter(type="mobile", value=MOBILE_A).count() == 2  # both sources
    assert Customer.objects.get(pk=victim).merged_into_id == survivor
