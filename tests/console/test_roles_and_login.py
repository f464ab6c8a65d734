import pytest

from tests.console.conftest import make_staff


@pytest.fixture
def roles(db):
    from django.contrib.auth.models import Group, Permission

    def grant(group_name, *perms):
        group, _ = Group.objects.get_or_create(name=group_name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return group

    return {
        "agent": grant("agent", "customers.view_customer", "customers.change_customer"),
        "senior agent": grant(
            "senior agent",
            "customers.view_customer",
            "customers.change_customer",
            "customers.view_pii",
        ),
        "auditor": grant("auditor", "customers.view_customer"),
        "supervisor": grant(
            "supervisor",
            "loyalty.check_goodwill_request",
            "loyalty.check_retro_request",
            "loyalty.check_identifier_change_request",
        ),
    }


def test_the_roles_page_lists_what_each_group_may_do(agent_client, roles):
    # when
    response = agent_client.get("/admin/auth/group/roles/")

    # then
    assert response.status_code == 200
    rows = {row["group"].name: row for row in response.context["roles"]}
    capabilities = response.context["capabilities"]
    pii = capabilities.index("See identifiers in full (PII)")
    edit = capabilities.index("Edit customers (names, fields, channels, status)")
    check = capabilities.index("Decide requests (checker)")
    assert rows["senior agent"]["capabilities"][pii] == "yes"
    assert rows["agent"]["capabilities"][pii] == ""
    assert rows["agent"]["capabilities"][edit] == "yes"
    assert rows["auditor"]["capabilities"][edit] == ""
    assert rows["supervisor"]["capabilities"][check] == "goodwill, identifier change, retro"
    assert "Maker: finds customers" in response.content.decode()


def test_the_roles_page_query_count_is_fixed(agent_client, roles, django_assert_max_num_queries):
    # session, user, groups, their permissions, the till access groups
    with django_assert_max_num_queries(7):
        agent_client.get("/admin/auth/group/roles/")


def test_the_home_page_links_the_search_and_the_roles(agent_client, roles):
    body = agent_client.get("/admin/").content.decode()

    assert 'action="/admin/customers/customer/"' in body
    assert 'href="/admin/auth/group/roles/"' in body


def test_the_admin_login_works_and_locks_after_repeated_failures(client, db, settings):
    # given
    make_staff("agent", perms=("customers.view_customer",))
    settings.AXES_FAILURE_LIMIT = 3

    # when: the right password works
    ok = client.post("/admin/login/", {"username": "agent", "password": "agent-pass"})
    assert ok.status_code == 302
    client.logout()

    # when: three wrong passwords
    for _ in range(3):
        client.post("/admin/login/", {"username": "agent", "password": "guess"})
    locked = client.post("/admin/login/", {"username": "agent", "password": "agent-pass"})

    # then: even the right password is refused now
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
