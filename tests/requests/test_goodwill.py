from decimal import Decimal

from django.db import IntegrityError, transaction

from loyalty.models import Coupon, LedgerEntry, LedgerKind, Request, RequestStatus
from tests.requests.conftest import client_for, errors_of


def goodwill_body(customer, points=1000, reason="POINTS_ISSUE", **extra):
    return {
        "type": "GOODWILL",
        "baseType": "POINTS",
        "customerId": customer.pk,
        "points": points,
        "reason": reason,
        "comments": "Delivery was late",
        **extra,
    }


def test_goodwill_made_by_agent_is_approved_by_supervisor_with_a_lower_value(
    program, make_customer, goodwill_config, agent_client, supervisor_client, agent
):
    customer = make_customer()
    # given: an agent raises a goodwill request of 1,000 points
    made = agent_client.post("/v2/requests", goodwill_body(customer), format="json")
    assert made.status_code == 200, made.json()
    assert made.json()["status"] == "PENDING"
    request_id = made.json()["createdId"]
    # when: the agent tries to approve it
    own = agent_client.put(
        "/v2/requests", [{"id": request_id, "status": "APPROVED"}], format="json"
    )
    # then: refused (no check permission), nothing credited
    assert own.status_code == 403
    assert errors_of(own) == [9021]
    assert not LedgerEntry.objects.filter(source_request_id=request_id).exists()
    # when: a supervisor approves 600 of them
    decided = supervisor_client.put(
        "/v2/requests",
        [{"id": request_id, "status": "APPROVED", "comments": "ok", "approvedValue": 600}],
        format="json",
    )
    # then
    assert decided.status_code == 200, decided.json()
    assert decided.json()["data"][0]["status"] == "APPROVED"
    assert decided.json()["data"][0]["approvedValue"] == 600
    entries = LedgerEntry.objects.filter(customer=customer)
    assert [(e.kind, e.points, e.source_request_id) for e in entries] == [
        (LedgerKind.GOODWILL, Decimal("600.00"), request_id)
    ]
    history = agent_client.get(f"/v2/customers/{customer.pk}/goodwillRequest").json()
    assert history["pagination"] == {"limit": 10, "offset": 0, "total": 1}
    item = history["data"][0]
    assert item["goodwillStatus"] == "APPROVED"
    assert item["approvedValue"] == "600"
    assert item["goodwillType"] == "POINTS"
    assert item["requestId"] == request_id
    assert item["userId"] == customer.pk
    assert item["addedBy"]["type"] == "ADMIN_USER"
    assert item["addedBy"]["code"] == agent.username
    assert item["updatedBy"]["code"] == "supervisor"
    assert item["updatedComments"] == "Delivery was late; ok"
    assert set(item["addedBy"]) == {
        "id",
        "code",
        "description",
        "name",
        "type",
        "adminType",
        "isActive",
        "isOuEnabled",
        "timeZoneId",
        "currencyId",
        "languageId",
    }
    detail = agent_client.get(f"/v2/requests/{request_id}").json()["data"]
    assert detail["ledgerEntryIds"] == [entries[0].pk]


def test_a_checker_may_not_approve_their_own_request(
    program, make_customer, goodwill_config, supervisor_client
):
    customer = make_customer()
    made = supervisor_client.post("/v2/requests", goodwill_body(customer), format="json").json()
    response = supervisor_client.put(
        "/v2/requests", {"id": made["createdId"], "status": "APPROVED"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["data"][0]["errors"][0]["code"] == 9019
    assert Request.objects.get().status == RequestStatus.PENDING
    assert not LedgerEntry.objects.exists()


def test_database_refuses_a_decider_equal_to_the_requester(
    program, make_customer, goodwill_config, supervisor_client, supervisor
):
    customer = make_customer()
    made = supervisor_client.post("/v2/requests", goodwill_body(customer), format="json").json()
    request = Request.objects.get(pk=made["createdId"])
    request.decided_by_user = supervisor
    try:
        with transaction.atomic():
            request.save()
        raise AssertionError("the four-eyes constraint did not fire")
    except IntegrityError as error:
        assert "request_decider_is_not_requester" in str(error)


def test_one_step_issue_by_a_holder_of_the_one_step_permission(
    program, make_customer, goodwill_config, one_step_user, agent_client
):
    customer = make_customer()
    client = client_for(one_step_user)
    made = client.post("/v2/requests", goodwill_body(customer, oneStep=True), format="json")
    assert made.json()["status"] == "APPROVED"
    request = Request.objects.get()
    assert request.one_step and request.decided_by_user_id == one_step_user.pk
    assert LedgerEntry.objects.get().points == Decimal("1000.00")
    # an agent without the permission: 9021
    refused = agent_client.post(
        "/v2/requests", goodwill_body(customer, oneStep=True), format="json"
    )
    assert refused.status_code == 403
    assert errors_of(refused) == [9021]
    assert Request.objects.count() == 1
    one_step = agent_client.get(
        f"/v2/customers/{customer.pk}/goodwillRequest", {"is_one_step_change": "true"}
    ).json()
    assert [item["oneStep"] for item in one_step["data"]] == [True]


def test_auto_approved_goodwill_shows_auto_approved_in_updated_comments(
    program, make_customer, goodwill_config, till_client
):
    goodwill_config.auto_approve = True
    goodwill_config.save()
    customer = make_customer()
    made = till_client.post(
        "/v2/requests", goodwill_body(customer, points=450, comments="sample"), format="json"
    )
    assert made.json()["status"] == "APPROVED"
    item = till_client.get(f"/v2/customers/{customer.pk}/goodwillRequest").json()["data"][0]
    assert item["updatedComments"] == "sample; AUTO_APPROVED"
    assert item["approvedValue"] == "450"
    assert item["addedBy"]["type"] == "TILL"
    assert item["addedByParent"]["type"] == "STORE"
    assert item["updatedBy"] == item["addedBy"]
    auto = till_client.get(
        f"/v2/customers/{customer.pk}/goodwillRequest", {"autoApprove": "true"}
    ).json()
    assert auto["pagination"]["total"] == 1
    none = till_client.get(
        f"/v2/customers/{customer.pk}/goodwillRequest", {"autoApprove": "false"}
    ).json()
    assert none["pagination"]["total"] == 0


def test_caller_may_ask_for_auto_approval_only_where_allowed(
    program, make_customer, goodwill_config, till_client
):
    customer = make_customer()
    asked = till_client.post(
        "/v2/requests", goodwill_body(customer, autoApprove=True), format="json"
    )
    assert asked.json()["status"] == "PENDING"
    assert [w["code"] for w in asked.json()["warnings"]] == [9025]
    goodwill_config.allow_caller_auto_approve = True
    goodwill_config.save()
    allowed = till_client.post(
        "/v2/requests", goodwill_body(customer, autoApprove=True), format="json"
    )
    assert allowed.json()["status"] == "APPROVED"
    assert allowed.json()["warnings"] == []


def test_goodwill_coupon_is_issued_on_approval(
    program, make_customer, coupon_series, till_client, supervisor_client
):
    customer = make_customer()
    made = till_client.post(
        "/v2/requests",
        {
            "type": "GOODWILL",
            "baseType": "COUPON",
            "customerId": customer.pk,
            "seriesId": coupon_series.pk,
        },
        format="json",
    ).json()
    assert not Coupon.objects.exists()
    supervisor_client.put(
        "/v2/requests", [{"id": made["createdId"], "status": "APPROVED"}], format="json"
    )
    coupon = Coupon.objects.get()
    assert coupon.customer == customer and coupon.source_request_id == made["createdId"]
    assert Request.objects.get().coupon == coupon


def test_rejection_needs_a_reason_and_credits_nothing(
    program,
    make_customer,
    goodwill_config,
    till_client,
    supervisor_client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        made = till_client.post("/v2/requests", goodwill_body(customer), format="json").json()
    # the type's addresses are told of the new request
    assert len(mailoutbox) == 1
    assert set(mailoutbox[0].to) == {"ops@test.local", "lead@test.local"}
    no_reason = supervisor_client.put(
        "/v2/requests", [{"id": made["createdId"], "status": "REJECTED"}], format="json"
    )
    assert no_reason.json()["data"][0]["errors"][0]["code"] == 9017
    with django_capture_on_commit_callbacks(execute=True):
        rejected = supervisor_client.put(
            "/v2/requests",
            [{"id": made["createdId"], "status": "REJECTED", "comments": "Not eligible"}],
            format="json",
        )
    assert rejected.json()["data"][0]["status"] == "REJECTED"
    assert not LedgerEntry.objects.exists()
    assert len(mailoutbox) == 2
    assert "REJECTED" in mailoutbox[1].subject


def test_maker_is_told_of_the_decision(
    program,
    make_customer,
    goodwill_config,
    agent_client,
    supervisor_client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    customer = make_customer()
    made = agent_client.post("/v2/requests", goodwill_body(customer), format="json").json()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.put(
            "/v2/requests", [{"id": made["createdId"], "status": "APPROVED"}], format="json"
        )
    assert len(mailoutbox) == 1
    assert "agent@test.local" in mailoutbox[0].to
    assert "APPROVED" in mailoutbox[0].subject


def test_batch_decision_answers_each_item_on_its_own(
    program, make_customer, goodwill_config, till_client, supervisor_client
):
    customer = make_customer()
    first = till_client.post(
        "/v2/requests", goodwill_body(customer, points=10), format="json"
    ).json()
    second = till_client.post(
        "/v2/requests", goodwill_body(customer, points=20), format="json"
    ).json()
    response = supervisor_client.put(
        "/v2/requests",
        {
            "requests": [
                {"id": first["createdId"], "status": "APPROVED"},
                {"id": 999999, "status": "APPROVED"},
                {"id": second["createdId"], "status": "MAYBE"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data[0]["status"] == "APPROVED"
    assert data[1]["errors"][0]["code"] == 9013
    assert data[2]["errors"][0]["code"] == 9020
    assert LedgerEntry.objects.get().points == Decimal("10.00")
    assert Request.objects.get(pk=second["createdId"]).status == RequestStatus.PENDING


def test_approval_checks_the_program_and_the_cap_again(
    program, make_customer, goodwill_config, till_client, supervisor_client
):
    # given: two pending requests of 3,000 points, made while the cap was 5,000
    customer = make_customer()
    made = [
        till_client.post("/v2/requests", goodwill_body(customer, points=3000), format="json")
        for _ in range(2)
    ]
    assert [m.status_code for m in made] == [200, 200], [m.json() for m in made]
    capped, closed = (m.json()["createdId"] for m in made)
    # when: the cap is lowered to 2,000, then one is approved in full
    goodwill_config.goodwill_points_cap = Decimal("2000")
    goodwill_config.save()
    over = supervisor_client.put(
        "/v2/requests", [{"id": capped, "status": "APPROVED"}], format="json"
    )
    # then: the approval fails on the cap of the day; nothing is credited
    assert over.status_code == 200, over.json()
    assert over.json()["data"][0]["status"] == "FAILED"
    assert over.json()["data"][0]["errors"][0]["code"] == 9016
    assert not LedgerEntry.objects.filter(source_request_id=capped).exists()
    # when: the program is closed, and the other is approved within the cap
    program.is_active = False
    program.save()
    decided = supervisor_client.put(
        "/v2/requests",
        [{"id": closed, "status": "APPROVED", "approvedValue": 1500}],
        format="json",
    )
    # then: 895, FAILED, nothing credited
    assert decided.json()["data"][0]["status"] == "FAILED"
    assert decided.json()["data"][0]["errors"][0]["code"] == 895
    assert not LedgerEntry.objects.filter(customer=customer).exists()
    assert Request.objects.get(pk=closed).failure_code == 895
