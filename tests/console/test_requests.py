"""The request screens of the console: raise from the single view, the queue, decisions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.console.conftest import AGENT_PERMS, make_customer, make_staff, merge

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

    agent_client.post(
        url,
        {
            "victim_id": duplicate.pk,
            "previewed_victim_id": duplicate.pk,
            "reason": "duplicate",
            "confirm": "1",
        },
    )
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
            "profile": ann.profiles.get().pk,
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


# --- Identifier change on a multi-account profile ---------------------------------------


@pytest.fixture
def wechat_customer(program):
    """A customer whose only profile is a WECHAT one (a multi-account source)."""
    from customers.models import Customer, Identifier, SourceAccount, SourceProfile

    account = SourceAccount.objects.create(source="WECHAT", account_id="22232", name="WeChat CN")
    customer = Customer.objects.create()
    profile = SourceProfile.objects.create(
        customer=customer, source="WECHAT", account=account, first_name="Becky"
    )
    Identifier.objects.create(
        profile=profile,
        customer=customer,
        source="WECHAT",
        account=account,
        type="mobile",
        value="919800000148",
    )
    return customer


def test_the_identifier_change_offers_the_customers_own_profiles_first_selected(agent_client, ann):
    from customers.models import SourceAccount, SourceProfile

    account = SourceAccount.objects.create(source="LINE", account_id="L-9")
    line = SourceProfile.objects.create(customer=ann, source="LINE", account=account)

    response = agent_client.get(f"{QUEUE}raise/{ann.pk}/identifier/")

    field = response.context["form"]["profile"]
    instore = ann.profiles.get(source="INSTORE")
    assert list(field.field.choices) == [(instore.pk, "INSTORE"), (line.pk, "LINE · account L-9")]
    assert field.value() == instore.pk
    assert 'name="source"' not in response.content.decode()


def test_an_identifier_change_on_a_multi_account_profile_is_raised_and_applied(
    agent_client, supervisor_client, wechat_customer
):
    from loyalty.models import Request

    profile = wechat_customer.profiles.get()

    # when
    response = agent_client.post(
        f"{QUEUE}raise/{wechat_customer.pk}/identifier/",
        {
            "identifier": "MOBILE",
            "profile": profile.pk,
            "old_value": "919800000148",
            "new_value": "919800000149",
            "reason": "new number",
        },
    )

    # then: source and account reach the service as the API passes them
    assert response.status_code == 302, response.content.decode()[-3000:]
    made = Request.objects.get()
    assert (made.payload["source"], made.payload["accountId"]) == ("WECHAT", "22232")
    _approve_only_request(supervisor_client)
    assert list(
        wechat_customer.identifiers.filter(type="mobile").values_list(
            "value", "account__account_id"
        )
    ) == [("919800000149", "22232")]


def test_an_identifier_change_refuses_a_profile_of_another_customer(
    agent_client, ann, wechat_customer
):
    from loyalty.models import Request

    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/identifier/",
        {
            "identifier": "MOBILE",
            "profile": wechat_customer.profiles.get().pk,
            "old_value": "919800000148",
            "new_value": "919800000149",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["profile"]
    assert not Request.objects.exists()


# --- Merge: the previewed pair, and who survives ----------------------------------------


def merge_url(customer) -> str:
    return f"{QUEUE}raise/{customer.pk}/merge/"


def test_the_merge_form_says_which_customer_survives(agent_client, ann):
    body = agent_client.get(merge_url(ann)).content.decode()

    assert "Merge this customer into the one shown" not in body
    assert f"Customer {ann.pk} survives" in body
    assert "User id of the duplicate" in body


def test_after_the_preview_the_duplicate_id_is_fixed_and_carried(agent_client, ann):
    duplicate = make_customer("Ann", "Smyth", mobile="919811112222")

    response = agent_client.post(merge_url(ann), {"victim_id": duplicate.pk, "reason": "dup"})

    body = response.content.decode()
    assert 'id="merge-preview"' in body
    assert f'name="previewed_victim_id" value="{duplicate.pk}"' in body
    assert "readonly" in str(response.context["form"]["victim_id"])
    assert f"Raise the request: merge {duplicate.pk} into {ann.pk}" in body


def test_a_changed_id_at_confirmation_goes_back_to_the_preview(agent_client, ann):
    from loyalty.models import Request

    previewed = make_customer("Ann", "Smyth", mobile="919811112222")
    other = make_customer("Bob", "Other", mobile="919833334444")

    # when: the previewed id is confirmed with another id in the box
    response = agent_client.post(
        merge_url(ann),
        {
            "victim_id": other.pk,
            "previewed_victim_id": previewed.pk,
            "reason": "dup",
            "confirm": "1",
        },
    )

    # then: nothing is raised; the preview of the id now typed is shown
    assert response.status_code == 200
    assert not Request.objects.exists()
    assert response.context["preview"]["victim_id"] == other.pk
    assert f'name="previewed_victim_id" value="{other.pk}"' in response.content.decode()

    # when: that preview is confirmed
    agent_client.post(
        merge_url(ann),
        {"victim_id": other.pk, "previewed_victim_id": other.pk, "reason": "dup", "confirm": "1"},
    )

    # then: exactly the previewed pair is raised
    made = Request.objects.get()
    assert (made.payload["victimId"], made.payload["survivorId"]) == (other.pk, ann.pk)


def test_a_merge_with_itself_is_refused_at_the_preview(agent_client, ann):
    from loyalty.models import Request

    response = agent_client.post(merge_url(ann), {"victim_id": ann.pk, "reason": "dup"})

    body = response.content.decode()
    assert "cannot be merged into itself" in body and "(code 9029)" in body
    assert "Victim and survivor are the same customer" not in body
    assert response.context["preview"] is None
    assert not Request.objects.exists()


def test_a_merge_of_an_already_merged_customer_is_worded_for_staff(agent_client, ann):
    gone = make_customer("Gone", "Before", mobile="919844445555")
    survivor = make_customer("Sur", "Vivor", mobile="919855550000")
    merge(gone, survivor)

    body = agent_client.post(merge_url(ann), {"victim_id": gone.pk}).content.decode()

    assert f"Customer {gone.pk} was already merged" in body and "(code 9027)" in body
    assert "Victim is already merged" not in body


# --- Staff wording of refusals ----------------------------------------------------------


def test_a_retro_claim_with_a_wrong_bill_date_is_worded_for_staff(agent_client, ann, till):
    from loyalty.models import Request
    from loyalty.services import bill_add

    bill_add(
        store=till.store,
        till=till,
        number="NI-7",
        amount=10,
        bill_type="NOT_INTERESTED",
        actor=till,
    )

    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/retro/",
        {"bill_number": "NI-7", "store": till.store.pk, "bill_date": "2001-01-01"},
    )

    body = response.content.decode()
    assert "No bill with this number at this store on this date" in body
    assert "(code 1628)" in body and "Transaction id is invalid" not in body
    assert not Request.objects.exists()


def test_a_mobile_reallocation_from_a_multi_account_holder_names_the_account(
    agent_client, supervisor_client, ann, wechat_customer
):
    from loyalty.models import Request

    # given: the form offers each configured account of the multi-account sources
    page = agent_client.get(f"{QUEUE}raise/{ann.pk}/mobile-realloc/").content.decode()
    assert 'value="WECHAT|22232"' in page and 'value="WECHAT"' not in page
    # when: the mobile is moved from the WeChat holder
    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/mobile-realloc/",
        {
            "mobile": "919800000148",
            "from_customer_id": wechat_customer.pk,
            "source": "WECHAT|22232",
        },
    )
    # then: source and account reach the service as the API passes them, and it moves
    assert response.status_code == 302, response.content.decode()[-3000:]
    made = Request.objects.get()
    assert (made.payload["source"], made.payload["accountId"]) == ("WECHAT", "22232")
    _approve_only_request(supervisor_client)
    assert ann.identifiers.filter(type="mobile", value="919800000148").exists()
    assert not wechat_customer.identifiers.filter(type="mobile").exists()


def test_a_reallocation_from_the_wrong_holder_names_the_holder(agent_client, ann):
    stranger = make_customer("Not", "Holder", mobile="919866667777")

    response = agent_client.post(
        f"{QUEUE}raise/{ann.pk}/mobile-realloc/",
        {"mobile": "919855556666", "from_customer_id": stranger.pk, "source": "INSTORE"},
    )

    body = response.content.decode()
    assert f"Customer {stranger.pk} does not hold this mobile number in INSTORE" in body
    assert "(code 9012)" in body and "Old value does not belong" not in body


def test_the_api_keeps_the_registry_message(ann, till_client, till, program):
    response = till_client.post(
        "/v2/requests",
        {
            "type": "CHANGE_IDENTIFIER",
            "baseType": "MERGE",
            "customerId": ann.pk,
            "victimId": ann.pk,
        },
        format="json",
    )

    assert response.json()["errors"][0] == {
        "status": False,
        "code": 9029,
        "message": "Victim and survivor are the same customer",
    }


# --- Masked values in request summaries --------------------------------------------------


def raise_identifier_change(client, customer, kind, old, new):
    return client.post(
        f"{QUEUE}raise/{customer.pk}/identifier/",
        {
            "identifier": kind,
            "profile": customer.profiles.get().pk,
            "old_value": old,
            "new_value": new,
        },
    )


def test_masked_old_and_new_values_stay_distinguishable(agent_client, supervisor_client):
    from customers.models import Customer, Identifier, SourceProfile

    customer = Customer.objects.create()
    profile = SourceProfile.objects.create(customer=customer, source="INSTORE", first_name="M")
    for kind, value in (("mobile", "919876600001"), ("email", "anita.singh@demo.example")):
        Identifier.objects.create(
            profile=profile, customer=customer, source="INSTORE", type=kind, value=value
        )
    raise_identifier_change(agent_client, customer, "MOBILE", "919876600001", "919876500001")
    raise_identifier_change(
        agent_client, customer, "EMAIL", "anita.singh@demo.example", "anita.s@demo.example"
    )

    agent_queue = agent_client.get(QUEUE).content.decode()
    supervisor_queue = supervisor_client.get(QUEUE).content.decode()

    assert "mobile ••••••600001 → ••••••500001" in agent_queue
    assert "email a•••h@demo.example → a•••s@demo.example" in agent_queue
    assert "919876600001" not in agent_queue and "anita.singh@" not in agent_queue
    assert "mobile 919876600001 → 919876500001" in supervisor_queue


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        ("mobile", "919876543210", "919876549999", ("••••••••3210", "••••••••9999")),
        ("mobile", "919876600001", "919876500001", ("••••••600001", "••••••500001")),
        ("mobile", "919876543210", "449876543210", ("9•••••••3210", "4•••••••3210")),
        ("email", "ann@example.com", "bob@example.com", ("a•••@example.com", "b•••@example.com")),
        ("email", "a.smith@x.org", "a.smyth@x.org", ("a•••ith@x.org", "a•••yth@x.org")),
    ],
)
def test_mask_pair_shows_just_enough_to_tell_the_values_apart(kind, old, new, expected):
    from customers.console_display import MASK, mask_pair

    shown = mask_pair(kind, old, new)

    assert shown == expected
    for value, masked in zip((old, new), shown, strict=True):
        assert masked.count(MASK) >= 3 and value not in masked  # never the whole value


# --- The queue and bulk decisions --------------------------------------------------------


def test_the_pending_tab_leaves_out_status_and_decided_tabs_show_the_decision(
    agent_client, supervisor_client, ann, program
):
    from loyalty.models import Request

    raise_goodwill(agent_client, ann, program)
    made = Request.objects.get()
    supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"reject": "1", "comments": "dup"})

    pending = supervisor_client.get(QUEUE).context["cl"].list_display
    rejected = supervisor_client.get(QUEUE, {"status": "REJECTED"})

    assert "status_badge" not in pending and "age" in pending
    assert "status_badge" in rejected.context["cl"].list_display
    assert "age" not in rejected.context["cl"].list_display
    assert "supervisor<br>" in rejected.content.decode()
    assert "POINTS_<wbr>ISSUE" in rejected.content.decode()


def test_the_bulk_confirmation_shows_the_types_labels(agent_client, supervisor_client, ann, till):
    from loyalty.models import Request
    from loyalty.services import bill_add

    bill = bill_add(
        store=till.store,
        till=till,
        number="NI-9",
        amount=10,
        bill_type="NOT_INTERESTED",
        actor=till,
    ).bill
    agent_client.post(
        f"{QUEUE}raise/{ann.pk}/retro/",
        {"bill_number": "NI-9", "store": till.store.pk, "bill_date": bill.billed_at.date()},
    )

    body = supervisor_client.post(
        QUEUE, {"action": "reject_selected", "_selected_action": [Request.objects.get().pk]}
    ).content.decode()

    assert "Transaction Update / Retro" in body and "TRANSACTION_UPDATE / RETRO" not in body


def test_a_bulk_rejection_without_a_reason_keeps_the_confirmation_with_one_error(
    agent_client, supervisor_client, ann, program
):
    from django.contrib.messages import get_messages

    from loyalty.models import Request

    for _ in range(3):
        raise_goodwill(agent_client, ann, program)
    selected = list(Request.objects.values_list("pk", flat=True))

    response = supervisor_client.post(
        QUEUE,
        {"action": "reject_selected", "_selected_action": selected, "apply": "1", "comments": ""},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="errornote"') == 1 and "Write the reason" in body
    assert "Reject 3 request(s)" in body
    assert list(get_messages(response.wsgi_request)) == []
    assert set(Request.objects.values_list("status", flat=True)) == {"PENDING"}


def test_decision_buttons_are_in_sentence_case(supervisor_client, agent_client, ann, program):
    from pathlib import Path

    from loyalty.models import Request

    raise_goodwill(agent_client, ann, program)
    body = supervisor_client.get(f"{QUEUE}{Request.objects.get().pk}/view/").content.decode()

    css = (Path(__file__).parents[2] / "customers/static/console/console.css").read_text()
    assert 'value="Approve"' in body and 'value="Reject"' in body
    # Django's admin upper-cases the default button; the console does not.
    assert ".console-request .submit-row input.default { text-transform: none; }" in css


# --- Who did what in the ledger ----------------------------------------------------------


def test_the_ledger_shows_who_raised_and_decided_a_goodwill_credit(
    agent_client, supervisor_client, ann, program, till
):
    from loyalty.models import LedgerEntry, Request, RequestTypeConfig

    RequestTypeConfig.objects.create(type="GOODWILL", base_type="POINTS", default_till=till)
    raise_goodwill(agent_client, ann, program)
    made = _approve_only_request(supervisor_client)

    body = agent_client.get(f"/admin/customers/customer/{ann.pk}/view/").content.decode()
    who = body.split('class="loyalty-ledger-who"')[1].split("</td>")[0]

    assert LedgerEntry.objects.get(source_request_id=made.pk).actor_till == till
    assert "approved by <strong>supervisor</strong>" in who
    assert "raised by agent" in who and "booked at till test.till" in who
    assert f'href="{QUEUE}{made.pk}/view/"' in body
    assert Request.objects.count() == 1


def test_the_single_view_query_count_stays_fixed_with_request_credits(
    agent_client, supervisor_client, ann, program, django_assert_max_num_queries
):
    from loyalty.models import Enrollment, Request

    raise_goodwill(agent_client, ann, program)
    _approve_only_request(supervisor_client)
    small = _count(supervisor_client, f"/admin/customers/customer/{ann.pk}/view/")

    big = make_customer("Big", "Ledger", mobile="919877770000")
    Enrollment.objects.create(customer=big, program=program, loyalty_id=big.pk)
    for _ in range(6):
        raise_goodwill(agent_client, big, program)
    for made in Request.objects.filter(customer=big):
        supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"approve": "1"})

    with django_assert_max_num_queries(small):  # the ledger page's requests: one query
        supervisor_client.get(f"/admin/customers/customer/{big.pk}/view/")


def test_a_failed_approval_is_worded_for_staff(agent_client, supervisor_client, ann):
    from loyalty.models import Request

    raise_identifier_change(agent_client, ann, "EMAIL", "ann@example.com", "ann@new.example")
    make_customer("Other", "Taker", email="ann@new.example")  # takes the value meanwhile
    made = Request.objects.get()

    response = supervisor_client.post(f"{QUEUE}{made.pk}/decide/", {"approve": "1"}, follow=True)

    made.refresh_from_db()
    body = response.content.decode()
    assert (made.status, made.failure_code) == ("FAILED", 9003)
    assert "The new e-mail address already belongs to another customer. (code 9003)" in body
    assert "New email id is already in use" not in body
