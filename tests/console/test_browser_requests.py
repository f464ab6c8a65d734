"""End-to-end: requests raised from the single view and decided from the queue."""

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import AGENT_PERMS, login, make_customer, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


@pytest.fixture
def people(db):
    make_staff("agent", roles=("agent",), perms=(*AGENT_PERMS, *MAKER_PERMS))
    make_staff(
        "supervisor",
        roles=("supervisor",),
        perms=(*AGENT_PERMS, "customers.view_pii", *CHECKER_PERMS),
    )


@pytest.fixture
def ann(db):
    from loyalty.models import Enrollment, Program, RequestTypeConfig, Tier

    program = Program.objects.create(id=1016, name="Default program", is_default=True)
    Tier.objects.create(program=program, serial_number=1, name="Base")
    RequestTypeConfig.objects.create(
        type="GOODWILL",
        base_type="POINTS",
        allowed_reasons=["POINTS_ISSUE", "SERVICE_RECOVERY"],
        goodwill_points_cap=5000,
    )
    customer = make_customer("Ann", "Smith", mobile="919876543210", email="ann@example.com")
    Enrollment.objects.create(customer=customer, program=program, loyalty_id=customer.pk)
    return customer


def single_view(live_server, customer) -> str:
    return f"{live_server.url}/admin/customers/customer/{customer.pk}/view/"


def test_goodwill_raised_by_the_agent_and_approved_lower_by_the_supervisor(
    live_server, page, people, ann, screenshot
):
    # given: the agent on Ann's page
    login(page, live_server, "agent", "agent-pass")
    page.goto(single_view(live_server, ann))

    # when: the agent raises 100 goodwill points
    page.get_by_role("link", name="Goodwill points").click()
    page.fill("#id_points", "100")
    page.select_option("#id_reason", "SERVICE_RECOVERY")
    page.fill("#id_comments", "Points missing after the till outage")
    screenshot(page, "07-raise-goodwill")
    page.click("input[type=submit]")

    # then: the request page, pending, with no approve button for the agent
    expect(page.locator("#request-status")).to_have_text("pending")
    expect(page.locator("#approve-button")).to_have_count(0)
    request_url = page.url
    page.click("#logout-form button, #logout-form input[type=submit]")

    # when: the supervisor opens the queue and approves 80 points
    login(page, live_server, "supervisor", "supervisor-pass")
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#dashboard-requests")).to_contain_text("Goodwill")
    screenshot(page, "08-dashboard")
    page.goto(f"{live_server.url}/admin/loyalty/request/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    screenshot(page, "09-request-queue")
    page.goto(request_url)
    page.fill("#id_approved_value", "80")
    page.fill("#id_comments", "Capped at the usual 80")
    approve = page.locator("#approve-button")
    assert approve.evaluate("button => getComputedStyle(button).textTransform") == "none"
    screenshot(page, "10-request-decision")
    approve.click()

    # then: approved; the ledger shows the credit; the audit trail shows both people
    expect(page.locator("#request-status")).to_have_text("approved")
    page.goto(single_view(live_server, ann))
    ledger = page.inner_text("#loyalty")
    assert re.search(r"Goodwill\s+80(\.00)?", ledger), ledger
    who = page.locator(".loyalty-ledger-who").first.inner_text()
    assert "approved by supervisor" in who and "raised by agent" in who
    trail = page.inner_text("#audit-trail")
    assert "user:agent" in trail and "user:supervisor" in trail
    screenshot(page, "11-single-view-after-goodwill")


def test_a_retro_claim_is_raised_and_rejected_with_a_reason(live_server, page, people, ann, till):
    from loyalty.models import Request
    from loyalty.services import bill_add

    bill = bill_add(
        store=till.store,
        till=till,
        number="NI-42",
        amount=250,
        bill_type="NOT_INTERESTED",
        actor=till,
    ).bill

    # when: the agent claims the bill
    login(page, live_server, "agent", "agent-pass")
    page.goto(single_view(live_server, ann))
    page.get_by_role("link", name="Retro claim of a bill").click()
    page.fill("#id_bill_number", "NI-42")
    page.select_option("#id_store", str(till.store.pk))
    page.fill("#id_bill_date", bill.billed_at.date().isoformat())
    page.fill("#id_reason", "Forgot her card")
    page.click("input[type=submit]")
    expect(page.locator("#request-status")).to_have_text("pending")
    request_url = page.url
    page.click("#logout-form button, #logout-form input[type=submit]")

    # when: the supervisor rejects it, first without a reason
    login(page, live_server, "supervisor", "supervisor-pass")
    page.goto(request_url)
    page.click("#reject-button")
    expect(page.locator(".errornote")).to_contain_text("(code 9017)")
    page.fill("#id_comments", "The bill was paid by another customer")
    page.click("#reject-button")

    # then
    expect(page.locator("#request-status")).to_have_text("rejected")
    assert Request.objects.get().decision_comments == "The bill was paid by another customer"


def test_a_merge_raised_approved_and_the_victim_points_to_the_survivor(
    live_server, page, people, ann, screenshot
):
    duplicate = make_customer("Ann", "Smyth", mobile="919811112222")

    # when: the agent merges the duplicate into Ann, after the preview
    login(page, live_server, "agent", "agent-pass")
    page.goto(single_view(live_server, ann))
    page.get_by_role("link", name="Merge a duplicate into this customer").click()
    page.fill("#id_victim_id", str(duplicate.pk))
    page.fill("#id_reason", "Same person, typo in the name")
    page.click("input[type=submit]")
    expect(page.locator("#merge-preview")).to_contain_text("INSTORE")
    expect(page.locator("#merge-survivor")).to_contain_text(f"Customer {ann.pk} survives")
    expect(page.locator("#id_victim_id")).to_have_attribute("readonly", "")
    screenshot(page, "12-merge-preview")
    page.click("input[name=confirm]")
    expect(page.locator("#request-status")).to_have_text("pending")
    request_url = page.url
    page.click("#logout-form button, #logout-form input[type=submit]")

    # when: the supervisor approves
    login(page, live_server, "supervisor", "supervisor-pass")
    page.goto(request_url)
    page.click("#approve-button")
    expect(page.locator("#request-status")).to_have_text("approved")

    # then: the victim's page points to the survivor
    page.goto(single_view(live_server, duplicate))
    banner = page.locator("#merged-banner")
    expect(banner).to_contain_text(f"customer {ann.pk}")
    banner.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/admin/customers/customer/{ann.pk}/view/$"))
    screenshot(page, "13-merged-survivor")


def _overflow(page, selector: str) -> dict:
    """How far a table's box and its header cells overflow (0 when everything fits)."""
    return page.evaluate(
        """selector => {
            const box = document.querySelector(selector);
            const clipped = [...box.querySelectorAll("thead th")]
                .filter(th => th.scrollWidth > th.clientWidth + 1)
                .map(th => th.innerText);
            return {box: box.scrollWidth - box.clientWidth, clipped};
        }""",
        selector,
    )


def test_the_wide_tables_fit_beside_the_sidebars(live_server, page, people, ann, till):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from customers.models import Identifier
    from loyalty.models import LedgerEntry, Request, RequestStatus
    from tests.requests.workflow import approve, raise_request

    # given: requests of every width (a long e-mail, a reason code), one decided
    agent = get_user_model().objects.get(username="agent")
    supervisor = get_user_model().objects.get(username="supervisor")
    supervisor.user_permissions.add(Permission.objects.get(codename="view_ledgerentry"))
    Identifier.objects.filter(customer=ann, type="email").update(
        value="ann.smith.with.a.long.address@example.com"
    )
    for points in (100, 200, 300):
        raise_request(
            request_type="GOODWILL",
            base_type="POINTS",
            customer=ann,
            payload={"programId": 1016, "points": points},
            actor=agent,
            reason="SERVICE_RECOVERY",
            comments="Till was down",
        )
    raise_request(
        request_type="CHANGE_IDENTIFIER",
        base_type="EMAIL",
        customer=ann,
        payload={
            "oldValue": "ann.smith.with.a.long.address@example.com",
            "newValue": "ann.smith.another.long.address@example.com",
        },
        actor=till,
        reason="Customer asked at the desk",
    )
    first = Request.objects.order_by("pk").first()
    approve(request_id=first.pk, actor=supervisor)
    assert Request.objects.filter(status=RequestStatus.PENDING).count() == 3
    assert LedgerEntry.objects.filter(source_request_id=first.pk).exists()

    # when / then: the supervisor's queue tabs and the ledger fit the 1400px window
    login(page, live_server, "supervisor", "supervisor-pass")
    for path in ("loyalty/request/", "loyalty/request/?status=ALL", "loyalty/ledgerentry/"):
        page.goto(f"{live_server.url}/admin/{path}")
        assert _overflow(page, "#changelist .results") == {"box": 0, "clipped": []}, path
    page.goto(f"{live_server.url}/admin/loyalty/request/")
    age = page.locator("td.field-age").first
    assert age.evaluate("cell => getComputedStyle(cell).whiteSpace") == "nowrap"


def test_a_forbidden_page_is_the_consoles_with_a_way_back(live_server, page, ann):
    make_staff("auditor", roles=("auditor",), perms=("customers.view_customer",))
    login(page, live_server, "auditor", "auditor-pass")

    page.goto(f"{live_server.url}/admin/loyalty/request/raise/{ann.pk}/identifier/")

    expect(page.locator("#forbidden")).to_contain_text("Your role does not allow this page")
    expect(page.locator("#site-name")).to_be_visible()
    expect(page.get_by_role("link", name="View site")).to_have_count(0)
    page.click("#forbidden-home")
    expect(page).to_have_url(re.compile(r"/admin/$"))
