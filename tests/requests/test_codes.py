"""The remaining codes of the request API, each reached through HTTP."""

from loyalty.models import LedgerEntry, Request
from tests.requests.conftest import client_for, errors_of, staff
from tests.requests.test_goodwill import goodwill_body


def test_unknown_request_answers_9013(till_client, supervisor_client, db):
    assert errors_of(till_client.get("/v2/requests/424242")) == [9013]
    assert till_client.get("/v2/requests/424242").status_code == 404
    assert errors_of(till_client.get("/v2/requests/abc")) == [9013]
    response = supervisor_client.put(
        "/v2/requests", [{"id": 424242, "status": "APPROVED"}], format="json"
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 9013


def test_invalid_type_9006_and_base_type_9008(make_customer, till_client):
    customer = make_customer()
    body = goodwill_body(customer)
    assert errors_of(
        till_client.post("/v2/requests", {**body, "type": "BOGUS"}, format="json")
    ) == [9006]
    assert errors_of(
        till_client.post("/v2/requests", {**body, "baseType": "RETRO"}, format="json")
    ) == [9008]
    assert errors_of(
        till_client.post("/v2/requests", {**body, "baseType": "TIER"}, format="json")
    ) == [9008]
    assert errors_of(till_client.get("/v2/requests", {"type": "BOGUS"})) == [9006]
    assert errors_of(till_client.get("/v2/requests", {"baseType": "BOGUS"})) == [9008]
    assert errors_of(
        till_client.get(f"/v2/customers/{customer.pk}/retroRequest", {"changeType": "BOGUS"})
    ) == [9008]
    assert not Request.objects.exists()


def test_goodwill_for_a_non_loyalty_customer_answers_9022(program, make_customer, till_client):
    walk_in = make_customer(loyalty=False)
    assert errors_of(till_client.post("/v2/requests", goodwill_body(walk_in), format="json")) == [
        9022
    ]


def test_goodwill_above_the_cap_9016_and_reason_not_allowed_9015(
    program, make_customer, goodwill_config, till_client
):
    customer = make_customer()
    above = till_client.post("/v2/requests", goodwill_body(customer, points=5001), format="json")
    assert errors_of(above) == [9016]
    assert "5000" in above.json()["errors"][0]["message"]
    assert errors_of(
        till_client.post("/v2/requests", goodwill_body(customer, reason="BORED"), format="json")
    ) == [9015]
    assert errors_of(
        till_client.post("/v2/requests", goodwill_body(customer, points="lots"), format="json")
    ) == [9030]
    assert errors_of(
        till_client.post("/v2/requests", goodwill_body(customer, programId=77), format="json")
    ) == [895]
    assert not Request.objects.exists()
    at_cap = till_client.post("/v2/requests", goodwill_body(customer, points=5000), format="json")
    assert at_cap.status_code == 200


def test_approved_value_above_the_requested_answers_9033(
    program, make_customer, goodwill_config, till_client, supervisor_client
):
    customer = make_customer()
    made = till_client.post(
        "/v2/requests", goodwill_body(customer, points=100), format="json"
    ).json()
    response = supervisor_client.put(
        "/v2/requests",
        [{"id": made["createdId"], "status": "APPROVED", "approvedValue": 101}],
        format="json",
    )
    assert response.json()["data"][0]["errors"][0]["code"] == 9033
    assert not LedgerEntry.objects.exists()


def test_staff_maker_without_the_make_permission_answers_9021(program, make_customer, db):
    customer = make_customer()
    viewer = client_for(staff("viewer", ["view_request"]))
    response = viewer.post("/v2/requests", goodwill_body(customer), format="json")
    assert response.status_code == 403
    assert errors_of(response) == [9021]


def test_checker_of_another_type_answers_9021(program, make_customer, goodwill_config, till_client):
    customer = make_customer()
    made = till_client.post("/v2/requests", goodwill_body(customer), format="json").json()
    retro_checker = client_for(staff("retro.checker", ["check_retro_request"]))
    response = retro_checker.put(
        "/v2/requests", [{"id": made["createdId"], "status": "APPROVED"}], format="json"
    )
    assert response.status_code == 403
    assert response.json()["data"][0]["errors"][0]["code"] == 9021


def test_tills_may_not_decide(program, make_customer, goodwill_config, till_client):
    customer = make_customer()
    made = till_client.post("/v2/requests", goodwill_body(customer), format="json").json()
    response = till_client.put(
        "/v2/requests", [{"id": made["createdId"], "status": "APPROVED"}], format="json"
    )
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()


def test_unknown_customer_answers_816_and_missing_customer_9030(till_client, db):
    body = {"type": "GOODWILL", "baseType": "POINTS", "points": 10}
    assert errors_of(
        till_client.post("/v2/requests", {**body, "customerId": 999999}, format="json")
    ) == [816]
    assert errors_of(till_client.post("/v2/requests", body, format="json")) == [9030]


def test_unauthenticated_callers_are_refused(api_client, db):
    assert api_client.get("/v2/requests").status_code == 401
    assert api_client.post("/v2/requests", {}, format="json").status_code == 401


def test_unknown_coupon_series_answers_707(make_customer, till_client):
    customer = make_customer()
    response = till_client.post(
        "/v2/requests",
        {"type": "GOODWILL", "baseType": "COUPON", "customerId": customer.pk, "seriesId": 999},
        format="json",
    )
    assert errors_of(response) == [707]
    assert not Request.objects.exists()


def test_request_for_a_merged_victim_is_made_for_its_survivor_8069(
    program, make_customer, till_client, till
):
    from customers.services import customer_merge

    survivor, victim = make_customer(), make_customer()
    customer_merge(victim_id=victim.pk, survivor_id=survivor.pk, actor=till)
    response = till_client.post("/v2/requests", goodwill_body(victim), format="json")
    assert response.status_code == 200
    assert [w["code"] for w in response.json()["warnings"]] == [8069]
    assert Request.objects.get(pk=response.json()["createdId"]).customer_id == survivor.pk


def test_mobile_reallocation_refusals(make_customer, till_client):
    holder, receiver = make_customer(mobile="919810000001"), make_customer()
    body = {
        "type": "CHANGE_IDENTIFIER",
        "baseType": "MOBILE_REALLOC",
        "customerId": receiver.pk,
        "mobile": "919810000001",
        "fromCustomerId": holder.pk,
    }
    assert errors_of(
        till_client.post("/v2/requests", {**body, "mobile": "919810000009"}, format="json")
    ) == [9012]
    assert errors_of(till_client.post("/v2/requests", {**body, "mobile": "12"}, format="json")) == [
        9024
    ]
    assert errors_of(
        till_client.post("/v2/requests", {**body, "fromCustomerId": receiver.pk}, format="json")
    ) == [9029]
    assert till_client.post("/v2/requests", body, format="json").status_code == 200
    assert errors_of(till_client.post("/v2/requests", body, format="json")) == [9028]
    assert Request.objects.count() == 1


def test_staff_read_needs_a_request_permission(
    program, make_customer, goodwill_config, till_client
):
    customer = make_customer()
    made = till_client.post("/v2/requests", goodwill_body(customer), format="json").json()
    auditor = client_for(staff("auditor", ["view_request"]))
    assert auditor.get(f"/v2/requests/{made['createdId']}").status_code == 200
    assert auditor.get(f"/v2/customers/{customer.pk}/goodwillRequest").status_code == 200
    assert auditor.put("/v2/requests", [], format="json").status_code == 403
    nobody = client_for(staff("nobody", []))
    assert nobody.get("/v2/requests").status_code == 403
