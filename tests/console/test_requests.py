"""The request screens of the console: raise from the single view, the queue, decisions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.console.conftest import AGENT_PERMS, make_customer, make_staff

MAKER_PERMS = (
    "loyalty.make_goodwill_request",
    "loyalty.make_retro_request",
    "loyalty.make_identifier_change_request",
)
CHECKER_PERMS = (
    "loyalty.check_goodwill_request",
    "loyalty.check_retro_request",
    "loyalty.check_identifier_change_request",
)
QUEUE = "/admin/loyalty/request/"


@pytest.fixture
def program(db):
    from loyalty.models import Program, Tier

    program = Program.objects.create(id=1016, name="Default program", is_default=True)
    Tier.objects.create(program=program, serial_number=1, name="Base")
    return program


@pytest.fixture
def ann(program):
    from loyalty.models import Enrollment

    customer = make_customer("Ann", "Smith", mobile="919876543210", email="ann@example.com")
    Enrollment.objects.create(customer=customer, program=program, loyalty_id=customer.pk)
    return customer


@pytest.fixture
def agent(db):
    return make_staff("agent", roles=("agent",), perms=(*AGENT_PERMS, *MAKER_PERMS))


@pytest.fixture
def supervisor(db):
    return make_staff(
        "supervisor",
        roles=("supervisor",),
        perms=(*AGENT_PERMS, "customers.view_pii", *MAKER_PERMS, *CHECKER_PERMS),
    )


@pytest.fixture
def supervisor_client(supervisor):
    from django.test import Client

    client = Client()
    client.force_login(supervisor)
    return client


def raise_goodwill(client, customer, program, points="100", reason="POINTS_ISSUE"):
    return client.post(
        f"{QUEUE}raise/{customer.pk}/goodwill-points/",
        {"program": program.pk, "points": points, "reason": reason, "comments": "Till was down"},
    )


def test_the_single_view_offers_the_requests_the_agent_may_raise(agent_client, ann):
    body = agent_client.get(f"/admin/customers/customer/{ann.pk}/view/").content.decode()

    assert f"{QUEUE}raise/{ann.pk}/goodwill-points/" in body
    assert f"{QUEUE}raise/{ann.pk}/merge/" in body


def test_the_agent_raises_goodwill_and_sees_no_approve_button(agent_client, ann, program):
    from loyalty.models import Request

    # when
    response = raise_goodwill(agent_client, ann, program)

    # then
    made = Request.objects.get()
    assert (made.status, made.payload["points"], made.requested_by_user.username) == (
        "PENDING",
        100,
        "agent",
    )
    assert response["Location"] == f"{QUEUE}{made.pk}/view/"
    page = agent_client.get(response["Location"]).content.decode()
    assert 'id="approve-button"' not in page


def test_a_refused_request_shows_the_message_and_writes_nothing(agent_client, ann, program):
    from loyalty.models import Request, RequestTypeConfig

    RequestTypeConfig.objects.create(type="GOODWILL", base_type="POINTS", goodwill_points_cap=50)

    response = raise_goodwill(agent_client, ann, program, points="500")

    assert response.status_code == 200
    assert "(code 9016)" in response.content.decode()
    assert not Request.objects.exists()


def test_the_supervisor_approves_a_lower_value_and_the_ledger_shows_it(
    agent_client, supervisor_client, ann, program
):
    from loyalty.models import LedgerEntry, Request

    raise_goodwill(agent_client, ann, program)
    made = Request.objects.get()

    # when
    page = supervisor_client.get(f"{QUEUE}{made.pk}/view/").content.decode()
    response = supervisor_client.post(
        f"{QUEUE}{made.pk}/decide/", {"approve": "1", "approved_value": "80", "comments": "ok"}
    )

    # then
    assert 'id="approve-button"' in page
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.approved_value, made.decided_by_user.username) == (
        "APPROVED",
        80,
        "supervisor",
    )
    assert LedgerEntry.objects.get(source_request_id=made.pk).points == 80
    single_view = agent_client.get(f"/admin/customers/customer/{ann.pk}/view/").content.decode()
    assert "user:supervisor" in single_view and "user:agent" in single_view


def test_a_rejection_needs_a_reason(agent_client, supervisor_client, ann, program):
    from loyalty.models import Request

    raise_goodwill(agent_client, ann, program)
    made = Request.objects.get()

    refused = supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"reject": "1", "comments": ""})
    made.refresh_from_db()
    assert refused.status_code == 200 and "(code 9017)" in refused.content.decode()
    assert made.status == "PENDING"

    supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"reject": "1", "comments": "No proof"})
    made.refresh_from_db()
    assert (made.status, made.decision_comments) == ("REJECTED", "No proof")


def test_a_checker_never_decides_their_own_request(supervisor_client, ann, program):
    from loyalty.models import Request

    raise_goodwill(supervisor_client, ann, program)
    made = Request.objects.get()

    page = supervisor_client.get(f"{QUEUE}{made.pk}/view/").content.decode()
    response = supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"approve": "1"})

    assert 'id="approve-button"' not in page and "four eyes" in page
    assert "(code 9019)" in response.content.decode()
    made.refresh_from_db()
    assert made.status == "PENDING"


def _queue_ids(response) -> list[int]:
    return [request.pk for request in response.context["cl"].result_list]


def test_the_queue_lists_pending_oldest_first_with_status_tabs(
    agent_client, supervisor_client, ann, program
):
    from datetime import timedelta

    from django.utils import timezone

    from loyalty.models import Request

    for _ in range(3):
        raise_goodwill(agent_client, ann, program)
    first, second, third = Request.objects.order_by("pk")
    Request.objects.filter(pk=third.pk).update(requested_at=timezone.now() - timedelta(days=2))
    supervisor_client.post(f"{QUEUE}{second.pk}/decide/", {"reject": "1", "comments": "dup"})

    pending = supervisor_client.get(QUEUE)
    rejected = supervisor_client.get(QUEUE, {"status": "REJECTED"})

    assert _queue_ids(pending) == [third.pk, first.pk]
    assert _queue_ids(rejected) == [second.pk]
    body = pending.content.decode()
    assert 'id="status-tabs"' in body and "2\xa0days" in body and "agent" in body


def test_bulk_approve_and_reject_with_one_comment(agent_client, supervisor_client, ann, program):
    from loyalty.models import Request

    for _ in range(3):
        raise_goodwill(agent_client, ann, program)
    first, second, third = Request.objects.order_by("pk")

    # when: the confirmation page, then the decision
    confirm = supervisor_client.post(
        QUEUE, {"action": "approve_selected", "_selected_action": [first.pk, second.pk]}
    )
    supervisor_client.post(
        QUEUE,
        {
            "action": "approve_selected",
            "_selected_action": [first.pk, second.pk],
            "apply": "1",
            "comments": "batch",
        },
    )
    supervisor_client.post(
        QUEUE,
        {
            "action": "reject_selected",
            "_selected_action": [third.pk],
            "apply": "1",
            "comments": "duplicate",
        },
    )

    # then
    assert confirm.status_code == 200 and "Approve 2 request(s)" in confirm.content.decode()
    statuses = dict(Request.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "APPROVED", second.pk: "APPROVED", third.pk: "REJECTED"}


def test_the_agent_has_no_bulk_decisions(agent_client, ann, program):
    raise_goodwill(agent_client, ann, program)

    response = agent_client.get(QUEUE)

    assert response.status_code == 200
    assert "approve_selected" not in response.content.decode()


def test_a_merge_request_shows_what_moves_before_it_is_raised(
    agent_client, supervisor_client, ann, program
):
    from customers.models import Customer
    from loyalty.models import Request

    duplicate = make_customer("Ann", "Smyth", mobile="919811112222")
    url = f"{QUEUE}raise/{ann.pk}/merge/"

    preview = agent_client.post(url, {"victim_id": duplicate.pk, "reason": "duplicate"})
    assert 'id="merge-preview"' in preview.content.decode()
    assert not Request.objects.exists()

    agent_client.post(url, {"victim_id": duplicate.pk, "reason": "duplicate", "confirm": "1"})
    made = Request.objects.get()
    supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"approve": "1"})

    made.refresh_from_db()
    assert made.status == "APPROVED", made.failure_reason
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id == ann.pk


def test_a_retro_claim_is_raised_and_rejected_with_a_reason(
    agent_client, supervisor_client, ann, program, till
):
    from loyalty.models import Request
    from loyalty.services import bill_add

    bill = bill_add(
        store=till.store,
        till=till,
        number="NI-1",
        amount=100,
        bill_type="NOT_INTERESTED",
        actor=till,
    ).bill
    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/retro/",
        {
            "bill_number": "NI-1",
            "store": till.store.pk,
            "bill_date": bill.billed_at.date().isoformat(),
            "reason": "forgot card",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Request.objects.get()

    supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"reject": "1", "comments": "Not her bill"})

    made.refresh_from_db()
    assert (made.status, made.decision_comments) == ("REJECTED", "Not her bill")


def test_the_home_page_shows_pending_requests_and_todays_decisions(
    agent_client, supervisor_client, ann, program
):
    for _ in range(2):
        raise_goodwill(agent_client, ann, program)

    body = supervisor_client.get("/admin/").content.decode()

    assert 'id="dashboard-requests"' in body
    assert "Goodwill" in body


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_queue_and_request_page_query_counts_do_not_grow(
    agent_client, supervisor_client, ann, program, django_assert_max_num_queries
):
    from loyalty.models import Request

    raise_goodwill(agent_client, ann, program)
    small_queue = _count(supervisor_client, QUEUE)
    small_home = _count(supervisor_client, "/admin/")
    first = Request.objects.get()
    small_page = _count(supervisor_client, f"{QUEUE}{first.pk}/view/")

    others = [make_customer(f"C{n}", "Big", mobile=f"9197000{n:05d}") for n in range(8)]
    from loyalty.models import Enrollment

    for customer in others:
        Enrollment.objects.create(customer=customer, program=program, loyalty_id=customer.pk)
        for _ in range(8):
            raise_goodwill(agent_client, customer, program)

    with django_assert_max_num_queries(small_queue):
        supervisor_client.get(QUEUE)
    with django_assert_max_num_queries(small_home):
        supervisor_client.get("/admin/")
    with django_assert_max_num_queries(small_page):
        supervisor_client.get(f"{QUEUE}{first.pk}/view/")


def _approve_only_request(supervisor_client):
    from loyalty.models import Request

    made = Request.objects.get()
    supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"approve": "1"})
    made.refresh_from_db()
    assert made.status == "APPROVED", made.failure_reason
    return made


def test_an_identifier_change_is_raised_and_applied(agent_client, supervisor_client, ann):
    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/identifier/",
        {
            "identifier": "EMAIL",
            "source": "INSTORE",
            "old_value": "ann@example.com",
            "new_value": "Ann.New@Example.com",
            "reason": "typo",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]

    _approve_only_request(supervisor_client)

    assert list(ann.identifiers.filter(type="email").values_list("value", flat=True)) == [
        "ann.new@example.com"
    ]


def test_a_mobile_reallocation_is_raised_and_applied(agent_client, supervisor_client, ann):
    holder = make_customer("Old", "Holder", mobile="919855556666")

    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/mobile-realloc/",
        {"mobile": "919855556666", "from_customer_id": holder.pk, "source": "INSTORE"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]

    _approve_only_request(supervisor_client)

    assert ann.identifiers.filter(type="mobile", value="919855556666").exists()
    assert not holder.identifiers.filter(type="mobile", value="919855556666").exists()


def test_a_goodwill_coupon_is_raised_and_issued(agent_client, supervisor_client, ann):
    from loyalty.models import Coupon, CouponSeries

    series = CouponSeries.objects.create(name="Sorry voucher")

    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/goodwill-coupon/", {"series": series.pk, "reason": "late"}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]

    made = _approve_only_request(supervisor_client)

    assert Coupon.objects.get(customer=ann).series == series
    assert made.coupon_id is not None
