"""The admin frame around the console: the 403 page and the header links."""

import json

import pytest

from tests.console.conftest import AGENT_PERMS, make_customer, make_staff


@pytest.fixture
def auditor_client(client, db):
    client.force_login(
        make_staff("auditor", roles=("auditor",), perms=("customers.view_customer",))
    )
    return client


def test_an_auditor_opening_a_raise_page_gets_the_consoles_403_page(auditor_client):
    customer = make_customer("Ann", "Smith", mobile="919876543210")

    response = auditor_client.get(
        f"/admin/loyalty/request/raise/{customer.pk}/identifier/",
        HTTP_REFERER=f"http://testserver/admin/customers/customer/{customer.pk}/view/",
    )

    body = response.content.decode()
    assert response.status_code == 403
    assert 'id="forbidden"' in body and "Loyalty operations" in body  # the admin's frame
    assert 'href="/admin/" id="forbidden-home"' in body
    assert f'href="http://testserver/admin/customers/customer/{customer.pk}/view/"' in body
    assert "admin/css/base.css" in body


def test_an_agent_opening_the_workflow_configuration_gets_the_consoles_403_page(client, db):
    client.force_login(make_staff("agent", roles=("agent",), perms=AGENT_PERMS))

    response = client.get("/admin/loyalty/requesttypeconfig/")

    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="forbidden-home"' in body and 'href="/admin/auth/group/roles/"' in body
    assert 'id="forbidden-back"' not in body  # no referer: only the way home


def test_a_back_link_never_leads_to_another_site(auditor_client):
    customer = make_customer("Ann", "Smith")

    body = auditor_client.get(
        f"/admin/loyalty/request/raise/{customer.pk}/merge/",
        HTTP_REFERER="https://evil.example/phish",
    ).content.decode()

    assert "evil.example" not in body


def test_the_403_handler_answers_json_under_the_api(rf):
    from config.admin import permission_denied

    response = permission_denied(rf.get("/v2/customers"))

    assert response.status_code == 403
    assert json.loads(response.content)["errors"][0]["code"] == 403


def test_the_header_has_no_view_site_link(agent_client):
    body = agent_client.get("/admin/").content.decode()

    assert "View site" not in body
