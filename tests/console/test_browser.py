"""End-to-end: staff drive the console in Chromium against a live server.

`make screenshots` runs these with SCREENSHOTS=1 and saves docs/screenshots/*.png.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import AGENT_PERMS, login, make_customer, make_staff, merge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(db):
    """A few customers, one of them with loyalty history and two profiles."""
    from customers.models import CommChannel, Identifier, SourceProfile
    from loyalty.models import Enrollment, LedgerEntry, Program, Tier

    ann = make_customer(
        "Ann", "Smith", mobile="919876543210", email="ann.smith@example.com", card="CARD-0042"
    )
    web = SourceProfile.objects.create(
        customer=ann, source="ECOMMERCE", first_name="Ann", last_name="Smith"
    )
    Identifier.objects.create(
        profile=web, customer=ann, source="ECOMMERCE", type="externalId", value="WEB-77"
    )
    CommChannel.objects.create(
        profile=web, customer=ann, type="email", value="ann.smith@example.com", verified=True
    )
    make_customer("Annika", "Berg", mobile="919811112222", email="annika@example.org")
    make_customer("Bob", "Annan", mobile="447700900123", source="ECOMMERCE")
    program = Program.objects.create(id=1016, name="Default program", is_default=True)
    gold = Tier.objects.create(program=program, serial_number=2, name="Gold")
    enrollment = Enrollment.objects.create(
        customer=ann,
        program=program,
        tier=gold,
        loyalty_id=ann.pk,
        loyalty_points=120,
        lifetime_points=150,
    )
    for points, kind in ((100, "REGISTRATION_BONUS"), (50, "GOODWILL"), (-30, "REDEMPTION")):
        LedgerEntry.objects.create(
            enrollment=enrollment, customer=ann, program=program, kind=kind, points=points
        )
    return {"ann": ann}


def test_the_agent_finds_a_customer_and_opens_the_single_view(live_server, page, shop, screenshot):
    # given
    make_staff("agent", roles=("agent",), perms=AGENT_PERMS)
    ann = shop["ann"]

    # when: the agent logs in and types the last digits of the mobile on the home page
    login(page, live_server, "agent", "agent-pass")
    screenshot(page, "01-home")
    page.fill("#console-home-q", "3210")
    page.press("#console-home-q", "Enter")

    # then: one result, identifiers masked for an agent without the PII permission
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    assert "Ann Smith" in rows.first.inner_text()
    assert "••••••••3210" in rows.first.inner_text()
    assert "919876543210" not in page.content()
    assert "read as: user id, end of mobile" in page.inner_text(".console-search-plan")

    # when: a name prefix
    page.fill("#searchbar", "ann")
    page.press("#searchbar", "Enter")

    # then: every Ann… first or last name
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    names = page.locator("#result_list tbody td.field-name").all_inner_texts()
    assert sorted(names) == ["Ann Smith", "Annika Berg", "Bob Annan"]
    screenshot(page, "02-search-results")

    # when: the agent opens Ann
    page.get_by_role("link", name="Ann Smith").click()

    # then: the single view with header, profiles, loyalty and the audit trail
    page.wait_for_selector("#customer-header")
    assert re.search(rf"/admin/customers/customer/{ann.pk}/view/", page.url)
    header = page.inner_text("#customer-header")
    assert "Ann Smith" in header and str(ann.pk) in header and "ACTIVE" in header.upper()
    assert page.locator(".console-profile").count() == 2
    assert "919876543210" not in page.content()
    assert page.locator("#loyalty").is_visible()
    assert page.locator("#audit-trail").is_visible()
    screenshot(page, "03-single-view")


def test_the_agent_edits_a_name_and_the_audit_trail_names_them(live_server, page, shop, screenshot):
    make_staff("agent", roles=("agent",), perms=AGENT_PERMS)
    ann = shop["ann"]
    login(page, live_server, "agent", "agent-pass")
    page.goto(f"{live_server.url}/admin/customers/customer/{ann.pk}/view/")

    # when
    page.locator(".console-profile", has_text="INSTORE").get_by_role("link", name="edit").click()
    page.fill("#id_first_name", "Anne")
    # without the PII permission the channels are masked and cannot be changed
    expect(page.locator("#id_mobile_channel")).to_be_disabled()
    expect(page.locator("#id_mobile_channel")).to_have_value("••••••••3210")
    assert "919876543210" not in page.content()
    screenshot(page, "04-edit-profile")
    page.click("input[type=submit]")

    # then
    page.wait_for_selector("#customer-header")
    assert "Anne Smith" in page.inner_text("#customer-header")
    assert "The INSTORE profile was saved." in page.inner_text(".messagelist")
    trail = page.inner_text("#audit-trail")
    assert "user:agent" in trail and "first_name: Ann → Anne" in trail


def test_a_refused_edit_shows_the_service_message(live_server, page, shop):
    make_staff("agent", roles=("agent",), perms=AGENT_PERMS)
    ann = shop["ann"]
    login(page, live_server, "agent", "agent-pass")

    # when: the agent tries to make a loyalty customer non-loyalty
    page.goto(f"{live_server.url}/admin/customers/customer/{ann.pk}/edit/")
    page.select_option("#id_loyalty_type", "non_loyalty")
    page.click("input[type=submit]")

    # then
    expect(page.locator(".errornote")).to_contain_text("(code 8018)")
    ann.refresh_from_db()
    assert ann.loyalty_type == "loyalty"


def test_a_senior_agent_sees_identifiers_in_full(live_server, page, shop, screenshot):
    make_staff("senior", roles=("senior agent",), perms=(*AGENT_PERMS, "customers.view_pii"))
    ann = shop["ann"]
    login(page, live_server, "senior", "senior-pass")

    page.goto(f"{live_server.url}/admin/customers/customer/?q=ann.smith%40")
    assert "919876543210" in page.inner_text("#result_list")

    page.goto(f"{live_server.url}/admin/customers/customer/{ann.pk}/view/")
    profiles = page.inner_text("#profiles")
    assert "919876543210" in profiles and "ann.smith@example.com" in profiles


def test_a_merge_victim_leads_to_its_survivor(live_server, page, shop):
    make_staff("agent", roles=("agent",), perms=AGENT_PERMS)
    victim = make_customer("Vic", "Tim")
    merge(victim, shop["ann"])
    login(page, live_server, "agent", "agent-pass")

    page.goto(f"{live_server.url}/admin/customers/customer/?q={victim.pk}")
    page.locator(".console-survivor").first.click()

    expect(page).to_have_url(re.compile(rf"/admin/customers/customer/{shop['ann'].pk}/view/$"))


def test_the_roles_page(live_server, page, db, screenshot):
    make_staff("agent", roles=("agent",), perms=AGENT_PERMS)
    make_staff("supervisor", roles=("supervisor",), perms=(*AGENT_PERMS, "customers.view_pii"))
    login(page, live_server, "agent", "agent-pass")

    page.click("#roles-link")

    expect(page.locator("#roles-capabilities")).to_be_visible()
    assert "agent" in page.inner_text("#roles-capabilities")
    assert "supervisor" in page.inner_text("#roles-capabilities")
    screenshot(page, "06-roles")
