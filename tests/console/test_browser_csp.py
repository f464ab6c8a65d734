"""The console's Content-Security-Policy (django-csp, settings.CONTENT_SECURITY_POLICY) in
Chromium: the policy is sent, no page breaks it, and the admin's scripts still run."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.console.conftest import login, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def root(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "root-pass")


def test_console_pages_run_their_scripts_under_the_policy(live_server, page, root):
    # given every CSP violation Chromium reports on the console
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    ann = make_customer("Ann", "Smith", mobile="919876543210", email="ann@example.com")
    login(page, live_server, "root", "root-pass")

    # the home page sends the policy
    response = page.goto(f"{live_server.url}/admin/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]

    # the sidebar's filter box (admin/js/nav_sidebar.js) filters the models
    page.goto(f"{live_server.url}/admin/customers/store/")
    page.fill("#nav-filter", "till access")
    expect(page.locator("#nav-sidebar tr.model-tillaccessgroup")).to_be_visible()
    expect(page.locator("#nav-sidebar tr.model-store")).to_be_hidden()

    # a form's inlines (admin/js/inlines.js): "Add another Till" adds a row
    page.goto(f"{live_server.url}/admin/customers/store/add/")
    rows = page.locator("#tills-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.click("#tills-group .add-row a")
    expect(rows).to_have_count(before + 1)

    # the changelist's actions (admin/js/actions.js): "select all" counts the rows
    page.goto(f"{live_server.url}/admin/customers/till/")
    from customers.models import Store, Till

    store = Store.objects.create(code="csp.store")
    Till.objects.create(store=store, code="csp.till")
    page.reload()
    page.check("#action-toggle")
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    # the single view and the API reference render (Swagger UI from its own files)
    page.goto(f"{live_server.url}/admin/customers/customer/{ann.pk}/view/")
    expect(page.locator("body")).to_contain_text("Ann Smith")
    page.goto(f"{live_server.url}/v2/docs/")
    expect(page.locator("#swagger-ui .info")).to_be_visible(timeout=15000)

    assert violations == []
