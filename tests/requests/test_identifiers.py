import pytest

from customers.models import CustomerMerge, Identifier
from loyalty.models import Request, RequestStatus
from tests.requests.conftest import errors_of

OLD_MOBILE = "919810000001"
NEW_MOBILE = "919810000002"


def change_body(customer, base_type="MOBILE", old=OLD_MOBILE, new=NEW_MOBILE, **extra):
    return {
        "type": "CHANGE_IDENTIFIER",
        "baseType": base_type,
        "customerId": customer.pk,
        "source": "INSTORE",
        "oldValue": old,
        "newValue": new,
        **extra,
    }


def lookup(client, mobile):
    return client.get(
        "/v2/customers/lookup",
        {"source": "INSTORE", "identifierName": "mobile", "identifierValue": mobile},
    )


def test_mobile_change_approved_replaces_the_identifier(
    make_customer, till_client, supervisor_client
):
    customer = make_customer(mobile=OLD_MOBILE)
    made = till_client.post("/v2/requests", change_body(customer), format="json")
    assert made.status_code == 200, made.json()
    assert lookup(till_client, OLD_MOBILE).json()["entity"] == customer.pk
    decided = supervisor_client.put(
        "/v2/requests", [{"id": made.json()["createdId"], "status": "APPROVED"}], format="json"
    )
    assert decided.json()["data"][0]["status"] == "APPROVED"
    assert lookup(till_client, OLD_MOBILE).status_code == 404
    assert lookup(till_client, NEW_MOBILE).json()["entity"] == customer.pk
    history = till_client.get(
        f"/v2/customers/{customer.pk}/retroRequest", {"changeType": "MOBILE"}
    ).json()
    assert history["data"][0]["newValue"] == NEW_MOBILE


def test_customer_given_by_source_and_identifier(make_customer, till_client):
    customer = make_customer(mobile=OLD_MOBILE)
    body = change_body(customer)
    del body["customerId"]
    body.update(identifierName="mobile", identifierValue=OLD_MOBILE)
    made = till_client.post("/v2/requests", body, format="json")
    assert made.status_code == 200, made.json()
    assert Request.objects.get().customer == customer


def test_new_mobile_taken_meanwhile_ends_failed_and_changes_nothing(
    make_customer, till_client, supervisor_client
):
    customer = make_customer(mobile=OLD_MOBILE)
    made = till_client.post("/v2/requests", change_body(customer), format="json").json()
    other = make_customer(mobile=NEW_MOBILE)  # takes the number before the decision
    response = supervisor_client.put(
        "/v2/requests", [{"id": made["createdId"], "status": "APPROVED"}], format="json"
    )
    item = response.json()["data"][0]
    assert item["status"] == "FAILED"
    assert item["errors"][0]["code"] == 9002
    assert Identifier.objects.get(type="mobile", value=OLD_MOBILE).customer == customer
    assert Identifier.objects.get(type="mobile", value=NEW_MOBILE).customer == other
    assert Request.objects.get().status == RequestStatus.FAILED


@pytest.mark.parametrize(
    ("base_type", "old", "new", "code"),
    [
        ("MOBILE", "919810000009", NEW_MOBILE, 9012),  # not the customer's
        ("MOBILE", OLD_MOBILE, "12", 9024),  # not a mobile
        ("MOBILE", OLD_MOBILE, OLD_MOBILE, 9031),
        ("MOBILE", OLD_MOBILE, "919810000003", 9002),  # held by another customer
        ("EMAIL", "tom@example.com", "not-an-email", 9024),
        ("EMAIL", "tom@example.com", "taken@example.com", 9003),
        ("EXTERNAL_ID", "EXT-1", "EXT-2", 9005),
        ("EXTERNAL_ID", "EXT-1", "EXT-1", 9031),
    ],
)
def test_identifier_change_refusals(make_customer, till_client, base_type, old, new, code):
    customer = make_customer(mobile=OLD_MOBILE, email="tom@example.com", external_id="EXT-1")
    make_customer(mobile="919810000003", email="taken@example.com", external_id="EXT-2")
    response = till_client.post(
        "/v2/requests", change_body(customer, base_type, old, new), format="json"
    )
    assert response.status_code == 400
    assert errors_of(response) == [code]
    assert not Request.objects.exists()


def test_second_pending_request_for_the_same_value_answers_9028(make_customer, till_client):
    customer = make_customer(mobile=OLD_MOBILE)
    other = make_customer(mobile="919810000005")
    assert till_client.post("/v2/requests", change_body(customer), format="json").status_code == 200
    response = till_client.post(
        "/v2/requests", change_body(other, old="919810000005"), format="json"
    )
    assert errors_of(response) == [9028]
    assert Request.objects.count() == 1


def merge_body(survivor, victim_id):
    return {
        "type": "CHANGE_IDENTIFIER",
        "baseType": "MERGE",
        "customerId": survivor.pk,
        "victimId": victim_id,
    }


def test_merge_request_approved_merges(make_customer, till_client, supervisor_client):
    survivor, victim = make_customer(mobile=OLD_MOBILE), make_customer(email="v@example.com")
    made = till_client.post("/v2/requests", merge_body(survivor, victim.pk), format="json")
    assert made.status_code == 200, made.json()
    supervisor_client.put(
        "/v2/requests", [{"id": made.json()["createdId"], "status": "APPROVED"}], format="json"
    )
    victim.refresh_from_db()
    assert victim.merged_into_id == survivor.pk
    merge = CustomerMerge.objects.get()
    assert Request.objects.get().merge == merge
    assert Identifier.objects.get(value="v@example.com").customer == survivor


def test_merge_refusals(make_customer, till_client, till):
    from customers.services import customer_merge

    survivor, victim, third, fourth = (make_customer() for _ in range(4))
    assert errors_of(
        till_client.post("/v2/requests", merge_body(survivor, survivor.pk), format="json")
    ) == [9029]
    merged = make_customer()
    customer_merge(victim_id=merged.pk, survivor_id=third.pk, actor=till)
    assert errors_of(
        till_client.post("/v2/requests", merge_body(survivor, merged.pk), format="json")
    ) == [9027]
    assert errors_of(
        till_client.post("/v2/requests", merge_body(merged, victim.pk), format="json")
    ) == [9023]
    # a pending merge of victim into survivor
    assert (
        till_client.post("/v2/requests", merge_body(survivor, victim.pk), format="json").status_code
        == 200
    )
    assert errors_of(
        till_client.post("/v2/requests", merge_body(third, victim.pk), format="json")
    ) == [9018]
    assert errors_of(
        till_client.post("/v2/requests", merge_body(survivor, fourth.pk), format="json")
    ) == [9026]
    assert Request.objects.count() == 1


def test_mobile_reallocation_moves_the_mobile(make_customer, till_client, supervisor_client):
    holder, receiver = make_customer(mobile=OLD_MOBILE), make_customer(email="r@example.com")
    made = till_client.post(
        "/v2/requests",
        {
            "type": "CHANGE_IDENTIFIER",
            "baseType": "MOBILE_REALLOC",
            "customerId": receiver.pk,
            "mobile": OLD_MOBILE,
            "fromCustomerId": holder.pk,
        },
        format="json",
    )
    assert made.status_code == 200, made.json()
    decided = supervisor_client.put(
        "/v2/requests", [{"id": made.json()["createdId"], "status": "APPROVED"}], format="json"
    )
    assert decided.json()["data"][0]["status"] == "APPROVED", decided.json()
    assert lookup(till_client, OLD_MOBILE).json()["entity"] == receiver.pk
    holder.refresh_from_db()
    assert holder.merged_into_id is None
    assert not Identifier.objects.filter(customer=holder, type="mobile").exists()
