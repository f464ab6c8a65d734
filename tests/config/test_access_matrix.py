"""The access matrix (config/access.py): every route has an entry, and every cell holds on
the live endpoint.

`test_every_route_has_an_entry` walks the URL configuration and the admin's registered
model admins and their actions: a new endpoint, page, method or action without an entry
fails it. `test_api_cell` / `test_console_cell` call each entry's endpoint, through the
whole stack on the real database, as every principal (anonymous, a till of each built-in
access group, a till's API key with and without a narrower scope, each staff role and a
superuser), and check that the answer is the matrix's: refused with its code, or not.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from config import access
from config.access import MatrixPermission, refused
from customers.models import ApiKey, Customer, Store, Till, access_group_built_in
from tests.conftest import basic_auth

ROLES = ("agent", "senior agent", "supervisor", "auditor")
GROUPS = ("read_only", "customer_write", "loyalty_write", "requests_raise", "pos")


def _drf_methods(callback) -> list[str]:
    view = getattr(callback, "cls", None)
    return [
        method.upper()
        for method in view.http_method_names
        if method not in ("options", "head") and hasattr(view, method)
    ]


@pytest.mark.urls("tests.bench.floor_urls")  # with the bench floor: it has an entry too
def test_every_route_has_an_entry():
    entries = access.entries()
    missing, unused = [], set(entries)
    for key, _, callback in access.walk_routes():
        unused.discard(key)
        if key not in entries:
            missing.append(key)
            continue
        if getattr(callback, "cls", None) is not None:
            for method in _drf_methods(callback):
                if method not in entries[key]:
                    missing.append(f"{key} {method}")
            # The matrix is the view's only permission: no view widens or replaces it.
            classes = [type(p) for p in callback.cls().get_permissions()]
            assert classes == [MatrixPermission], f"{key} sets its own permissions: {classes}"
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label not in access.ADMIN_MODELS:
            missing.append(f"admin model {label}")
            continue
        for _, name, _ in model_admin._get_base_actions():
            if f"POST:{name}" not in entries[f"admin:{label.replace('.', '_')}_changelist"]:
                missing.append(f"admin action {label}.{name}")
    assert missing == [], f"routes without an access matrix entry: {missing}"
    assert unused == set(), f"entries without a route: {sorted(unused)}"


def test_a_route_without_an_entry_is_refused_at_run_time(rf):
    # given a view the matrix does not know
    class Match:
        url_name = view_name = "no-such-entry"
        route = "v2/nothing"

    request = rf.post("/v2/nothing")
    request.resolver_match = Match()
    request.user = None

    from django.core.exceptions import PermissionDenied

    # then the console middleware refuses it rather than letting it through
    with pytest.raises(PermissionDenied):
        access.ConsoleAccessMiddleware(lambda r: None).process_view(request, lambda r: None, (), {})


# --- The principals -------------------------------------------------------------------


class Principal:
    def __init__(self, label: str, client: APIClient, user=None, api_key=None, anonymous=False):
        self.label, self.client, self.user, self.api_key = label, client, user, api_key
        self.anonymous = anonymous


def _staff(username: str, *, roles=(), superuser=False):
    user = get_user_model().objects.create_user(
        username=username, password="x", is_staff=True, is_superuser=superuser
    )
    user.groups.add(*Group.objects.filter(name__in=roles))
    return get_user_model().objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def staff_principals(db) -> list[Principal]:
    """Anonymous, a user of each staff role (config.access.STAFF_ROLES) and a superuser."""
    from customers.demo import grant_roles

    grant_roles()
    found = [Principal("anonymous", APIClient(), anonymous=True)]
    for role in ROLES:
        user = _staff(role.replace(" ", "_"), roles=(role,))
        client = APIClient()
        client.force_login(user)
        found.append(Principal(f"staff {role}", client, user=user))
    superuser = _staff("root", superuser=True)
    client = APIClient()
    client.force_login(superuser)
    found.append(Principal("superuser", client, user=superuser))
    return found


@pytest.fixture
def principals(staff_principals) -> list[Principal]:
    """The staff principals, a till of each built-in access group, and till API keys."""
    store = Store.objects.create(code="matrix.store")
    found = list(staff_principals)
    tills = {}
    for code in GROUPS:
        till = Till(store=store, code=f"{code}.till", access_group=access_group_built_in(code))
        till.set_secret("s3cret")
        till.save()
        tills[code] = till
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=basic_auth(till.code, "s3cret"))
        found.append(Principal(f"till {code}", client, user=till))
    for label, till_group, scope in (
        ("key of a read_only till", "read_only", None),
        ("key of a pos till, scope read_only", "pos", "read_only"),
        ("key of a pos till, scope customer_write", "pos", "customer_write"),
    ):
        key, raw = ApiKey.issue(
            till=tills[till_group], scope=access_group_built_in(scope) if scope else None
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        found.append(Principal(label, client, user=tills[till_group], api_key=key))
    return found


@pytest.fixture
def objects(db, staff_principals):
    """Rows the routes' ids point at."""
    customer = Customer.objects.create()
    from customers.models import SourceProfile

    profile = SourceProfile.objects.create(customer=customer, source="INSTORE")
    return {
        "customer_id": customer.pk,
        "profile_id": profile.pk,
        "request_id": 1,
        "object_id": 1,
        "id": get_user_model().objects.order_by("pk").first().pk,
        "kind": "goodwill-points",
        "app_label": "customers",
        "content_type_id": 1,
        "url": "no/such/page/",
    }


# --- The cells ------------------------------------------------------------------------


def _path(route: str, objects: dict) -> str:
    """A concrete path of a route pattern (`<int:customer_id>`, `(?P<url>.*)$`)."""

    def value(match):
        return str(objects[match.group(1)])

    path = re.sub(r"\^?\(\?P<(\w+)>[^)]*\)\$?", value, route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    return "/" + path.lstrip("^").rstrip("$")


def _routes() -> dict[str, str]:
    return {key: route for key, route, _ in access.walk_routes()}


ROUTES = _routes()
API_CELLS = [
    (key, method)
    for key, methods in access.API.items()
    for method in methods
    if key in ROUTES and key != "unknown-route"
]
CONSOLE_CELLS = [
    (key, method)
    for key, methods in access.entries().items()
    if key not in access.API
    for method in methods
]


def _call(principal: Principal, method: str, path: str):
    client = principal.client
    if method.startswith("POST:"):
        return client.post(path, {"action": method[5:], "_selected_action": ["1"]})
    if method in ("POST", "PUT") and path.startswith("/v2/"):
        return getattr(client, method.lower())(path, {}, format="json")
    return getattr(client, method.lower())(path)


@pytest.mark.parametrize(("key", "method"), API_CELLS, ids=[f"{k} {m}" for k, m in API_CELLS])
def test_api_cell(key, method, principals, objects):
    rule = access.rule_for(key, method)
    path = _path(ROUTES[key], objects)
    wrong = []
    for principal in principals:
        response = _call(principal, method, path)
        refusal = refused(rule, principal.user, principal.api_key)
        body = response.json() if response["Content-Type"].startswith("application/json") else {}
        codes = [item.get("code") for item in body.get("errors", [])]
        if refusal is None:
            ok = response.status_code not in (401, 403) and response.status_code < 500
        else:
            ok = codes[:1] == [refusal.code] and 400 <= response.status_code < 500
        if not ok:
            expected = "allowed" if refusal is None else f"refused {refusal.code}"
            wrong.append(f"{principal.label}: expected {expected}, got {response.status_code} {codes}")
    assert wrong == [], f"{method} {path}: " + "; ".join(wrong)


@pytest.mark.parametrize(
    ("key", "method"), CONSOLE_CELLS, ids=[f"{k} {m}" for k, m in CONSOLE_CELLS]
)
def test_console_cell(key, method, staff_principals, objects):
    if key not in ROUTES:
        pytest.skip(f"{key} is not mounted here")
    rule = access.rule_for(key, method)
    path = _path(ROUTES[key], objects)
    wrong = []
    for principal in staff_principals:
        response = _call(principal, method, path)
        refusal = refused(rule, principal.user)
        to_login = response.status_code == 302 and "/admin/login/" in response["Location"]
        if refusal is None:
            ok = response.status_code != 403 and not to_login and response.status_code < 500
        elif principal.anonymous:
            ok = to_login
        else:
            ok = response.status_code == 403
        if not ok:
            expected = "allowed" if refusal is None else "refused"
            wrong.append(f"{principal.label}: expected {expected}, got {response.status_code}")
    assert wrong == [], f"{method} {path}: " + "; ".join(wrong)
