from decimal import Decimal

from loyalty.models import LedgerEntry, LedgerKind, Request, TransactionType
from loyalty.models import Transaction as Bill
from tests.requests.conftest import errors_of


def retro_body(customer, number, **extra):
    return {
        "type": "TRANSACTION_UPDATE",
        "baseType": "RETRO",
        "customerId": customer.pk,
        "billNumber": number,
        "reason": "Forgot the card",
        **extra,
    }


def test_retro_claim_of_yesterdays_bill_makes_it_regular_and_earns_once(
    program, make_customer, retro_config, not_interested_bill, till_client, supervisor_client, till
):
    # given: a customer registered today and yesterday's not-interested bill of 250
    customer = make_customer()
    bill = not_interested_bill(number="NI-100", days_ago=1)
    # when: the till claims it and a supervisor approves
    made = till_client.post("/v2/requests", retro_body(customer, "NI-100"), format="json")
    assert made.status_code == 200, made.json()
    request_id = made.json()["createdId"]
    bill.refresh_from_db()
    assert bill.type == TransactionType.NOT_INTERESTED
    decided = supervisor_client.put(
        "/v2/requests", [{"id": request_id, "status": "APPROVED"}], format="json"
    )
    assert decided.json()["data"][0]["status"] == "APPROVED"
    # then: the bill is REGULAR, tagged, and earned 250 points once as RETRO
    bill.refresh_from_db()
    assert bill.type == TransactionType.REGULAR
    assert bill.customer == customer
    entry = LedgerEntry.objects.get(customer=customer)
    assert (entry.kind, entry.points, entry.bill_id, entry.source_request_id) == (
        LedgerKind.RETRO,
        Decimal("250.00"),
        bill.pk,
        request_id,
    )
    again = supervisor_client.put(
        "/v2/requests", [{"id": request_id, "status": "APPROVED"}], format="json"
    )
    assert again.status_code == 409
    assert again.json()["data"][0]["errors"][0]["code"] == 9014
    assert LedgerEntry.objects.filter(customer=customer).count() == 1
    # and retroRequest shows it as the seed does
    history = till_client.get(f"/v2/customers/{customer.pk}/retroRequest").json()
    item = history["data"][0]
    assert item["status"] == "APPROVED"
    assert item["baseType"] == "RETRO"
    assert item["transactionId"] == bill.pk
    assert item["requestId"] == request_id
    assert item["addedBy"]["code"] == till.code
    assert item["addedByParent"]["code"] == till.store.code
    assert item["addedByParent"]["type"] == "STORE"
    assert item["updatedBy"]["type"] == "ADMIN_USER"
    assert item["reqAdd"] is True and item["oneStep"] is False
    retro_only = till_client.get(
        f"/v2/customers/{customer.pk}/retroRequest", {"changeType": "RETRO"}
    ).json()
    assert retro_only["pagination"]["total"] == 1
    assert (
        till_client.get(
            f"/v2/customers/{customer.pk}/retroRequest", {"changeType": "MOBILE"}
        ).json()["pagination"]["total"]
        == 0
    )


def test_claim_outside_the_window_answers_1633_and_writes_nothing(
    program, make_customer, retro_config, not_interested_bill, till_client
):
    customer = make_customer()
    not_interested_bill(number="NI-OLD", days_ago=5)  # 120 hours before registration > 48
    response = till_client.post("/v2/requests", retro_body(customer, "NI-OLD"), format="json")
    assert response.status_code == 400
    assert errors_of(response) == [1633]
    assert not Request.objects.exists()
    assert Bill.objects.get().type == TransactionType.NOT_INTERESTED
    assert not LedgerEntry.objects.exists()


def test_claim_of_a_bill_too_old_answers_1632(
    program, make_customer, retro_config, not_interested_bill, till_client
):
    retro_config.retro_hours_before_registration = None
    retro_config.save()
    customer = make_customer()
    not_interested_bill(number="NI-ANCIENT", days_ago=40)
    response = till_client.post("/v2/requests", retro_body(customer, "NI-ANCIENT"), format="json")
    assert errors_of(response) == [1632]
    assert not Request.objects.exists()


def test_retro_disabled_answers_1631(
    program, make_customer, retro_config, not_interested_bill, till_client
):
    retro_config.retro_enabled = False
    retro_config.save()
    customer = make_customer()
    not_interested_bill(number="NI-1")
    response = till_client.post("/v2/requests", retro_body(customer, "NI-1"), format="json")
    assert errors_of(response) == [1631]
    assert not Request.objects.exists()


def test_claim_of_a_regular_bill_answers_1627(
    program, make_customer, retro_config, not_interested_bill, till_client
):
    customer = make_customer()
    bill = not_interested_bill(number="R-1")
    Bill.objects.filter(pk=bill.pk).update(type=TransactionType.REGULAR, customer=customer)
    response = till_client.post("/v2/requests", retro_body(customer, "R-1"), format="json")
    assert errors_of(response) == [1627]


def test_bill_claimed_meanwhile_ends_failed_with_1627_and_nothing_applied(
    program, make_customer, retro_config, not_interested_bill, till_client, supervisor_client
):
    first, second = make_customer(), make_customer()
    not_interested_bill(number="NI-2")
    one = till_client.post("/v2/requests", retro_body(first, "NI-2"), format="json").json()
    two = till_client.post("/v2/requests", retro_body(second, "NI-2"), format="json").json()
    supervisor_client.put(
        "/v2/requests", [{"id": one["createdId"], "status": "APPROVED"}], format="json"
    )
    response = supervisor_client.put(
        "/v2/requests", [{"id": two["createdId"], "status": "APPROVED"}], format="json"
    )
    item = response.json()["data"][0]
    assert item["status"] == "FAILED"
    assert item["errors"][0]["code"] == 1627
    failed = Request.objects.get(pk=two["createdId"])
    assert failed.failure_code == 1627 and failed.failure_reason
    assert Bill.objects.get().customer == first
    assert not LedgerEntry.objects.filter(customer=second).exists()


def test_unknown_bill_answers_1628_and_non_loyalty_customer_9022(
    program, make_customer, retro_config, not_interested_bill, till_client
):
    customer = make_customer()
    assert errors_of(
        till_client.post("/v2/requests", retro_body(customer, "NOPE"), format="json")
    ) == [1628]
    not_interested_bill(number="NI-3")
    walk_in = make_customer(loyalty=False)
    response = till_client.post("/v2/requests", retro_body(walk_in, "NI-3"), format="json")
    assert errors_of(response) == [9022]
    assert not Request.objects.exists()
