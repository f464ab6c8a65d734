"""Reviewer's findings on the customer endpoints: mobile reading, strict body types, 8065.

Each refusal is checked for its status, its envelope and that nothing was written.
"""

import pytest

from config import codes
from customers.models import CommChannel, Customer, Identifier, SourceAccount, SourceProfile
from customers.normalise import InvalidIdentifier, normalise_identifier, normalise_mobile
from tests.customers.conftest import register, register_body

pytestmark = pytest.mark.django_db


def codes_of(body, key="errors"):
    return [item["code"] for item in body[key]]


def row_counts() -> tuple[int, int, int, int]:
    return (
        Customer.objects.count(),
        SourceProfile.objects.count(),
        Identifier.objects.count(),
        CommChannel.objects.count(),
    )


def assert_bad_request(response, message_part: str) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["warnings"] == []
    [error] = body["errors"]
    assert error["status"] is False and error["code"] == 400
    assert message_part in error["message"]


# --- 1. Mobile numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("9512450827", "919512450827"),  # national Indian, not +95 (Myanmar)
        ("09512450827", "919512450827"),  # with the trunk prefix
        ("919512450827", "919512450827"),  # digits with the country code (the seeds)
        (919845012345, "919845012345"),  # a JSON number
        ("+95 1 245 0827", "9512450827"),  # international: a real Myanmar number
        ("0095 1 245 0827", "9512450827"),  # "00" is international too
        ("447911123456", "447911123456"),  # not Indian: digits with a country code
        ("91901000001", "91901000001"),  # the seeds' sample, accepted verbatim
    ],
)
def test_mobiles_are_read_nationally_first_then_with_a_country_code(raw, stored):
    assert normalise_mobile(raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["9177330047964", "12345", "98450ABCDE", "+9512", ["919845012345"], True, 1e30],
)
def test_mobiles_that_are_not_valid_numbers_are_refused(raw):
    with pytest.raises(InvalidIdentifier):
        normalise_identifier("mobile", raw)


def test_a_local_mobile_is_stored_with_the_country_code_and_found_by_it(till_client, org_config):
    # when: a till registers a 10-digit Indian mobile without country code
    response = register(till_client, ("mobile", "9512450827"))
    # then: stored as 91…, and a lookup by either spelling finds the customer
    assert response.status_code == 200, response.json()
    created_id = response.json()["createdId"]
    assert Identifier.objects.get(customer_id=created_id).value == "919512450827"
    for value in ("919512450827", "9512450827", "+91 95124 50827"):
        found = till_client.get(
            "/v2/customers/lookup",
            {"source": "INSTORE", "identifierName": "mobile", "identifierValue": value},
        )
        assert (found.status_code, found.json()["entity"]) == (200, created_id), value


def test_a_13_digit_mobile_is_refused_with_1001_and_writes_nothing(till_client, org_config):
    response = register(till_client, ("mobile", "9177330047964"))

    assert response.status_code == 400
    assert codes_of(response.json()) == [1001]
    assert row_counts() == (0, 0, 0, 0)


def test_change_identifier_skips_an_invalid_mobile_with_8056(till_client, org_config):
    created_id = register(till_client, ("email", "tom@example.com")).json()["createdId"]

    response = till_client.post(
        f"/v2/customers/{created_id}/changeIdentifier?source=INSTORE",
        {"add": [{"type": "mobile", "value": "9177330047964"}]},
        format="json",
    )

    assert response.status_code == 200
    assert 8056 in codes_of(response.json(), "warnings")
    assert not Identifier.objects.filter(type="mobile").exists()


def test_a_channel_mobile_is_read_by_the_same_rule(till_client, org_config):
    body = register_body(("email", "tom@example.com"))
    body["profiles"][0]["commChannels"] = [{"type": "mobile", "value": "9512450827"}]

    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")

    assert response.status_code == 200, response.json()
    assert CommChannel.objects.get(type="mobile").value == "919512450827"


# --- 4. Names are strings ---------------------------------------------------------------


@pytest.mark.parametrize("name", [["a"], {"a": 1}, 12, True])
def test_register_refuses_a_name_that_is_not_a_string(till_client, org_config, name):
    body = register_body(("mobile", "919845012345"))
    body["profiles"][0]["firstName"] = name

    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")

    assert_bad_request(response, "firstName must be a string")
    assert row_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("name", [{"a": 1}, ["a"], 3.5])
def test_update_refuses_a_name_that_is_not_a_string(till_client, org_config, name):
    created_id = register(till_client, ("mobile", "919845012345")).json()["createdId"]

    response = till_client.put(
        f"/v2/customers/{created_id}?source=INSTORE",
        {"profiles": [{"source": "INSTORE", "lastName": name}]},
        format="json",
    )

    assert_bad_request(response, "lastName must be a string")
    assert SourceProfile.objects.get().last_name == "Sawyer"


def test_a_name_longer_than_its_column_is_refused_not_cut(till_client, org_config):
    # (past 4,096 characters the edge guard refuses any string first: test_hostile_input)
    body = register_body(("mobile", "919845012345"), first="x" * 101)

    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")

    assert_bad_request(response, "firstName is longer than 100 characters")
    assert row_counts() == (0, 0, 0, 0)
    # 100 characters fit
    body = register_body(("mobile", "919845012345"), first="x" * 100)
    assert till_client.post("/v2/customers?source=INSTORE", body, format="json").status_code == 200
    assert SourceProfile.objects.get().first_name == "x" * 100


# --- 5. Fields of the wrong type ------------------------------------------------------


@pytest.mark.parametrize(
    ("profile_change", "message"),
    [
        ({"commChannels": "x"}, "commChannels must be a list of JSON objects"),
        ({"commChannels": ["x"]}, "commChannels[0] must be a JSON object"),
        (
            {"commChannels": [{"type": "email", "value": "a@example.com", "meta": "x"}]},
            "commChannels[0].meta must be a JSON object",
        ),
        (
            {"commChannels": [{"type": "wechat", "value": ["w"]}]},
            "commChannels[0].value must be a string",
        ),
        (
            {"commChannels": [{"type": "wechat", "value": "w" * 201}]},
            "commChannels[0].value is longer than 200 characters",
        ),
        ({"fields": "x"}, "fields must be a JSON object"),
        ({"fields": {"employee": ["true"]}}, "fields.employee must be a string"),
        ({"identifiers": "x"}, "identifiers must be a list of JSON objects"),
    ],
)
def test_update_refuses_profile_fields_of_the_wrong_type(
    till_client, org_config, profile_change, message
):
    created_id = register(till_client, ("mobile", "919845012345")).json()["createdId"]
    before = row_counts()

    response = till_client.put(
        f"/v2/customers/{created_id}?source=INSTORE",
        {"profiles": [{"source": "INSTORE", "firstName": "Huck", **profile_change}]},
        format="json",
    )

    assert_bad_request(response, message)
    assert row_counts() == before
    assert SourceProfile.objects.get().first_name == "Tom"  # the rest was not applied


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"profiles": "abc"}, "profiles must be a list of JSON objects"),
        ({"profiles": ["abc"]}, "profiles[0] must be a JSON object"),
        ({"extendedFields": "x"}, "extendedFields must be a JSON object"),
        ({"loyaltyInfo": "loyalty"}, "loyaltyInfo must be a JSON object"),
        ({"loyaltyProgramEnrollments": "x"}, "loyaltyProgramEnrollments must be a list"),
    ],
)
def test_update_refuses_top_level_fields_of_the_wrong_type(till_client, org_config, body, message):
    created_id = register(till_client, ("mobile", "919845012345")).json()["createdId"]
    customer = Customer.objects.get()
    before = (row_counts(), customer.modified_at)

    response = till_client.put(f"/v2/customers/{created_id}?source=INSTORE", body, format="json")

    assert_bad_request(response, message)
    customer.refresh_from_db()
    assert (row_counts(), customer.modified_at) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"loyaltyInfo": "loyalty"}, "loyaltyInfo must be a JSON object"),
        ({"extendedFields": ["gender"]}, "extendedFields must be a JSON object"),
        ({"loyaltyProgramEnrollments": 1016}, "loyaltyProgramEnrollments must be a list"),
    ],
)
def test_register_refuses_top_level_fields_of_the_wrong_type(
    till_client, org_config, change, message
):
    body = {**register_body(("mobile", "919845012345")), **change}

    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")

    assert_bad_request(response, message)
    assert row_counts() == (0, 0, 0, 0)


def test_an_identifier_value_that_is_a_list_is_refused_not_stored_as_text(till_client, org_config):
    response = register(till_client, ("mobile", "919845012345"), ("wechat", ["w1"]))

    assert response.status_code == 400
    assert codes_of(response.json()) == [8013]
    assert row_counts() == (0, 0, 0, 0)


def test_an_extended_field_value_that_is_an_object_is_skipped_with_91015(till_client, org_config):
    body = register_body(("mobile", "919845012345"))
    body["extendedFields"] = {"city": {"name": "Bangalore"}, "gender": "Male"}

    response = till_client.post("/v2/customers?source=INSTORE", body, format="json")

    assert response.status_code == 200
    assert codes_of(response.json(), "warnings") == [91015]
    assert Customer.objects.get().extended_fields == {"gender": "Male"}


# --- 6. Details in a source without a profile ----------------------------------------------


def test_details_in_a_source_without_a_profile_answer_8065(till_client, org_config):
    # given: a customer registered in INSTORE only
    created_id = register(till_client, ("mobile", "919845012345")).json()["createdId"]
    assert SourceAccount.objects.filter(source="WECHAT", account_id="22232").exists()
    # when: details are asked for WECHAT account 22232
    response = till_client.get(f"/v2/customers/{created_id}?source=WECHAT&accountId=22232")
    # then: the seed's fetch-details code, with the registry's HTTP status
    assert response.status_code == codes.get(8065).http_status == 404
    assert response.json() == {
        "errors": [{"status": False, "code": 8065, "message": codes.get(8065).message}],
        "warnings": [],
    }
    # the source it has, and ALL, still answer
    for source in ("INSTORE", "ALL"):
        found = till_client.get(f"/v2/customers/{created_id}?source={source}")
        assert found.status_code == 200
        assert [p["source"] for p in found.json()["profiles"]] == ["INSTORE"]
