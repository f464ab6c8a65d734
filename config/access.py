"""Who may call what: the permission matrix of every API endpoint and console page.

One declaration, read by the code that enforces it (`MatrixPermission` for the API,
`ConsoleAccessMiddleware` for the console and the other plain views), by the roles page
(`/admin/auth/group/roles/`) and by the tests, which walk the URL configuration and fail
when a route has no entry here (tests/config/test_access_matrix.py).

Principals:
- anonymous: only `PUBLIC` entries; anything else answers 401 (API) or the login page;
- a till, by its access group (`customers.TillAccessGroup`, Capillary's concept): a level
  (none / read / write) per resource, compared with the entry's resource and level;
- a bearer API key: its till's group (or its user's permissions), narrowed by its scope;
- a staff user: any one of the entry's Django permissions (the roles are groups holding
  them, `STAFF_ROLES`); a superuser holds every permission, so only `NOBODY` refuses one.

A new endpoint declares its entry here, under its URL name and method:
`"customer-detail": {"GET": api(CUSTOMER, READ, VIEW_CUSTOMER, refusal=1044), ...}`.
A refused caller gets the entry's `refusal` code in the API envelope (403 unless said;
1044 where the seeds use it, 9021 for the request workflow), or the console's 403 page.
`config` imports no app: models and permissions are named by their strings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission

from config.codes import Code
from config.principals import is_till

logger = logging.getLogger("config.access")


class Level(IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2  # read and write


class Resource(StrEnum):
    """The API's resources, as an access group grants them (one field each)."""

    CUSTOMER = "customer"
    LOYALTY = "loyalty"
    REQUEST = "request"


CUSTOMER, LOYALTY, REQUEST = Resource.CUSTOMER, Resource.LOYALTY, Resource.REQUEST
NONE, READ, WRITE = Level.NONE, Level.READ, Level.WRITE
ANY_STAFF = "*"  # any active staff user


@dataclass(frozen=True)
class Rule:
    """Who may make one call. `resource` / `level`: what the call reads or writes, checked
    against a till's access group and an API key's scope; `tills`: whether tills may at
    all; `staff`: any one of these permissions (`ANY_STAFF`: any staff user; empty: none);
    `anonymous`: everyone, without credentials."""

    resource: Resource | None = None
    level: Level = NONE
    tills: bool = False
    staff: tuple[str, ...] = ()
    anonymous: bool = False
    refusal: int = 403
    refusal_params: tuple[tuple[str, str], ...] = ()


def api(
    resource: Resource,
    level: Level,
    *staff: str,
    tills: bool = True,
    refusal: int = 403,
    **params: str,
) -> Rule:
    return Rule(resource, level, tills, staff, False, refusal, tuple(params.items()))


def console(*staff: str) -> Rule:
    return Rule(staff=staff)


PUBLIC = Rule(anonymous=True)
NOBODY = Rule()  # not even a superuser: the page exists, nobody may use it

# --- Staff permissions ----------------------------------------------------------------

VIEW_CUSTOMER = "customers.view_customer"
CHANGE_CUSTOMER = "customers.change_customer"
VIEW_PII = "customers.view_pii"
REQUEST_FAMILIES = ("goodwill", "retro", "identifier_change", "erasure")
REQUEST_MAKERS = tuple(f"loyalty.make_{family}_request" for family in REQUEST_FAMILIES)
REQUEST_CHECKERS = tuple(f"loyalty.check_{family}_request" for family in REQUEST_FAMILIES)
REQUEST_READERS = ("loyalty.view_request", *REQUEST_MAKERS, *REQUEST_CHECKERS)

_MAKE = ("goodwill", "retro", "identifier_change")
_READ_ALL = (
    "customers.view_customer",
    "loyalty.view_program",
    "loyalty.view_tier",
    "loyalty.view_enrollment",
    "loyalty.view_ledgerentry",
    "loyalty.view_transaction",
    "loyalty.view_coupon",
    "loyalty.view_couponseries",
    "loyalty.view_pointstransfer",
    "loyalty.view_request",
    "subscriptions.view_subscription",
    "subscriptions.view_subscriptionlog",
    "subscriptions.view_subscriptionsettings",
)
# The staff roles (Django groups, loaded by the demo data; editable in the admin). What a
# role may call follows from these permissions and the entries below.
STAFF_ROLES: dict[str, dict[str, Any]] = {
    "agent": {
        "purpose": "Maker: finds customers, edits profiles, raises requests; identifiers masked.",
        "permissions": (
            *_READ_ALL,
            CHANGE_CUSTOMER,
            "subscriptions.change_subscription",
            *(f"loyalty.make_{family}_request" for family in _MAKE),
        ),
    },
    "senior agent": {
        "purpose": "Maker with PII: as an agent, sees identifiers in full, raises erasures.",
        "permissions": (
            *_READ_ALL,
            CHANGE_CUSTOMER,
            VIEW_PII,
            "subscriptions.change_subscription",
            *(f"loyalty.make_{family}_request" for family in (*_MAKE, "erasure")),
        ),
    },
    "supervisor": {
        "purpose": "Checker with PII: decides requests raised by others (four eyes).",
        "permissions": (
            *_READ_ALL,
            CHANGE_CUSTOMER,
            VIEW_PII,
            "subscriptions.change_subscription",
            "loyalty.view_requesttypeconfig",
            *(f"loyalty.make_{family}_request" for family in (*_MAKE, "erasure")),
            *(f"loyalty.check_{family}_request" for family in (*_MAKE, "erasure")),
        ),
    },
    "auditor": {
        "purpose": "Read-only: reads customers, loyalty, requests and the audit trail.",
        "permissions": (*_READ_ALL, "loyalty.view_requesttypeconfig"),
    },
}

# --- The API --------------------------------------------------------------------------

_VIEW_SUBSCRIPTION = "subscriptions.view_subscription"
API: dict[str, dict[str, Rule]] = {
    "schema": {"GET": PUBLIC},
    "api-docs": {"GET": PUBLIC},
    "unknown-route": dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), PUBLIC),
    # customers
    "customers": {"POST": api(CUSTOMER, WRITE, CHANGE_CUSTOMER)},
    "customer-search": {"GET": api(CUSTOMER, READ, VIEW_CUSTOMER, refusal=1044)},
    "customer-lookup": {
        "GET": api(CUSTOMER, READ, VIEW_CUSTOMER, refusal=1044),
        "PUT": api(CUSTOMER, WRITE, CHANGE_CUSTOMER),
    },
    "customer-lookup-details": {"GET": api(CUSTOMER, READ, VIEW_CUSTOMER, refusal=1044)},
    "customer-lookup-status": {"PUT": api(CUSTOMER, WRITE, CHANGE_CUSTOMER)},
    "customer-detail": {
        "GET": api(CUSTOMER, READ, VIEW_CUSTOMER, refusal=1044),
        "PUT": api(CUSTOMER, WRITE, CHANGE_CUSTOMER),
    },
    "customer-change-identifier": {"POST": api(CUSTOMER, WRITE, CHANGE_CUSTOMER)},
    "customer-status": {"PUT": api(CUSTOMER, WRITE, CHANGE_CUSTOMER)},
    "customer-subscriptions": {
        "GET": api(CUSTOMER, READ, _VIEW_SUBSCRIPTION),
        "POST": api(CUSTOMER, WRITE, "subscriptions.change_subscription"),
    },
    "customer-subscriptions-log": {"GET": api(CUSTOMER, READ, _VIEW_SUBSCRIPTION)},
    # loyalty: staff need the model's permission (no demo role adds bills or transfers)
    "loyalty-details": {"GET": api(LOYALTY, READ, "loyalty.view_enrollment")},
    "points-transfers": {"GET": api(LOYALTY, READ, "loyalty.view_pointstransfer")},
    "points-transfer": {"POST": api(LOYALTY, WRITE, "loyalty.add_pointstransfer")},
    "customer-coupons": {"GET": api(LOYALTY, READ, "loyalty.view_coupon")},
    "transactions": {"POST": api(LOYALTY, WRITE, "loyalty.add_transaction")},
    "customer-transactions": {"GET": api(LOYALTY, READ, "loyalty.view_transaction")},
    "customer-ledger": {"GET": api(LOYALTY, READ, "loyalty.view_ledgerentry")},
    # requests: the service checks each request's own type (9021 too)
    "requests": {
        "GET": api(REQUEST, READ, *REQUEST_READERS),
        "POST": api(REQUEST, WRITE, *REQUEST_MAKERS, refusal=9021, x="make"),
        "PUT": api(REQUEST, WRITE, *REQUEST_CHECKERS, tills=False, refusal=9021, x="check"),
    },
    "request": {"GET": api(REQUEST, READ, *REQUEST_READERS)},
    "customer-goodwill-requests": {"GET": api(REQUEST, READ, *REQUEST_READERS)},
    "customer-change-requests": {"GET": api(REQUEST, READ, *REQUEST_READERS)},
    # bench/run.py's floor (mounted with BENCH_FLOOR=1 only)
    "bench-floor": {"GET": api(CUSTOMER, READ, VIEW_CUSTOMER)},
}

# --- The console ----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelPages:
    """What each standard admin page of a registered model needs: `view` the list, the
    form read-only and the history; `add`, `change` (saving the form, the list's edits),
    `delete` (and the `delete_selected` action); `actions` the model's own actions."""

    view: Rule
    add: Rule
    change: Rule
    delete: Rule
    actions: dict[str, Rule] = field(default_factory=dict)


def model_pages(
    label: str,
    *,
    view: Rule | None = None,
    add: Rule | None = None,
    change: Rule | None = None,
    delete: Rule | None = None,
    actions: dict[str, Rule] | None = None,
) -> ModelPages:
    """Django's model permissions for `app.model`, with the pages a model admin changes."""
    app, model = label.split(".")

    def perm(action: str) -> str:
        return f"{app}.{action}_{model}"

    return ModelPages(
        view=view or console(perm("view"), perm("change")),
        add=add or console(perm("add")),
        change=change or console(perm("change")),
        delete=delete or console(perm("delete")),
        actions=actions or {},
    )


class _ReadOnly(TypedDict):
    add: Rule
    change: Rule


# A TypedDict so `model_pages(label, **READ_ONLY)` type-checks.
READ_ONLY: _ReadOnly = {"add": NOBODY, "change": NOBODY}
# Every registered model admin (a model registered without an entry fails the tests).
ADMIN_MODELS: dict[str, ModelPages] = {
    "auth.user": model_pages("auth.user"),
    "auth.group": model_pages("auth.group"),
    "axes.accessattempt": model_pages(
        "axes.accessattempt",
        add=NOBODY,
        # axes' action fails (500: the request has no `axes_attempt_time` outside a login);
        # `manage.py axes_reset` clears attempts.
        actions={"cleanup_expired_attempts": NOBODY},
    ),
    "axes.accesslog": model_pages("axes.accesslog", **READ_ONLY),
    "axes.accessfailurelog": model_pages("axes.accessfailurelog", **READ_ONLY),
    "config.idempotencykey": model_pages("config.idempotencykey", **READ_ONLY),
    "customers.store": model_pages("customers.store"),
    "customers.till": model_pages(
        "customers.till", actions={"issue_api_key": console("customers.add_apikey")}
    ),
    "customers.tillaccessgroup": model_pages("customers.tillaccessgroup"),
    "customers.apikey": model_pages(
        "customers.apikey",
        add=NOBODY,
        actions={"revoke": console("customers.change_apikey")},
    ),
    "customers.sourceaccount": model_pages("customers.sourceaccount"),
    "customers.customfielddefinition": model_pages("customers.customfielddefinition"),
    "customers.extendedfielddefinition": model_pages("customers.extendedfielddefinition"),
    # The form redirects to the single view; customers are registered and erased by services.
    "customers.customer": model_pages("customers.customer", add=NOBODY, delete=NOBODY),
    "loyalty.program": model_pages("loyalty.program"),
    "loyalty.couponseries": model_pages("loyalty.couponseries"),
    "loyalty.enrollment": model_pages("loyalty.enrollment", **READ_ONLY, delete=NOBODY),
    "loyalty.ledgerentry": model_pages("loyalty.ledgerentry", **READ_ONLY, delete=NOBODY),
    # The queue: decided through the request page and the bulk actions.
    "loyalty.request": model_pages(
        "loyalty.request",
        view=console(*REQUEST_READERS),
        **READ_ONLY,
        delete=NOBODY,
        actions={
            "approve_selected": console(*REQUEST_CHECKERS),
            "reject_selected": console(*REQUEST_CHECKERS),
        },
    ),
    "loyalty.requesttypeconfig": model_pages("loyalty.requesttypeconfig"),
    "subscriptions.subscriptionsettings": model_pages(
        "subscriptions.subscriptionsettings", delete=NOBODY
    ),
    "subscriptions.subscription": model_pages(
        "subscriptions.subscription", **READ_ONLY, delete=NOBODY
    ),
    "subscriptions.subscriptionlog": model_pages(
        "subscriptions.subscriptionlog", **READ_ONLY, delete=NOBODY
    ),
}

_STAFF = console(ANY_STAFF)
CONSOLE: dict[str, dict[str, Rule]] = {
    "healthz": {"GET": PUBLIC},
    "admin:login": {"GET": PUBLIC, "POST": PUBLIC},
    "admin:index": {"GET": _STAFF},
    "admin:logout": {"POST": PUBLIC},  # logging out needs no right
    "admin:password_change": {"GET": _STAFF, "POST": _STAFF},
    "admin:password_change_done": {"GET": _STAFF},
    # No model admin has autocomplete fields: the view refuses every request (403).
    "admin:autocomplete": {"GET": NOBODY},
    "admin:jsi18n": {"GET": _STAFF},
    "admin:view_on_site": {"GET": _STAFF},
    "admin:app_list": {"GET": _STAFF},
    "route:admin/(?P<url>.*)$": {"GET": _STAFF, "POST": _STAFF},  # the admin's 404
    "admin:auth_user_password_change": {
        "GET": console("auth.change_user"),
        "POST": console("auth.change_user"),
    },
    "admin:auth_group_roles": {"GET": _STAFF},
    "admin:customers_customer_single_view": {"GET": console(VIEW_CUSTOMER)},
    "admin:customers_customer_edit": {
        "GET": console(CHANGE_CUSTOMER),
        "POST": console(CHANGE_CUSTOMER),
    },
    "admin:customers_customer_profile_edit": {
        "GET": console(CHANGE_CUSTOMER),
        "POST": console(CHANGE_CUSTOMER),
    },
    "admin:customers_customer_status": {
        "GET": console(CHANGE_CUSTOMER),
        "POST": console(CHANGE_CUSTOMER),
    },
    "admin:loyalty_request_page": {"GET": console(*REQUEST_READERS)},
    "admin:loyalty_request_decide": {
        "GET": console(*REQUEST_READERS),  # back to the request page
        "POST": console(*REQUEST_CHECKERS),
    },
    # The page checks the make permission of the kind asked for.
    "admin:loyalty_request_raise": {
        "GET": console(*REQUEST_MAKERS),
        "POST": console(*REQUEST_MAKERS),
    },
    "admin:subscriptions_record_choice": {
        "GET": console("subscriptions.change_subscription"),
        "POST": console("subscriptions.change_subscription"),
    },
}


def _model_page_entries(label: str, pages: ModelPages) -> dict[str, dict[str, Rule]]:
    app, model = label.split(".")
    prefix = f"admin:{app}_{model}"
    return {
        f"{prefix}_changelist": {
            "GET": pages.view,
            "POST": pages.change,
            "POST:delete_selected": pages.delete,
            **{f"POST:{name}": rule for name, rule in pages.actions.items()},
        },
        f"{prefix}_add": {"GET": pages.add, "POST": pages.add},
        f"{prefix}_change": {"GET": pages.view, "POST": pages.change},
        f"{prefix}_history": {"GET": pages.view},
        f"{prefix}_delete": {"GET": pages.delete, "POST": pages.delete},
        # The admin's old form address: a redirect to the change page.
        f"route:admin/{app}/{model}/<path:object_id>/": {"GET": pages.view},
    }


def entries() -> dict[str, dict[str, Rule]]:
    """Every entry: the API's, the console's pages, and each registered model's pages."""
    every = {**API, **CONSOLE}
    for label, pages in ADMIN_MODELS.items():
        every.update(_model_page_entries(label, pages))
    return every


_ENTRIES = entries()


def route_key(resolver_match) -> str:
    """An entry's key: the URL's name (with its namespace), else `route:<its pattern>`."""
    if resolver_match.url_name:
        return resolver_match.view_name
    return f"route:{resolver_match.route}"


def rule_for(key: str, method: str) -> Rule | None:
    methods = _ENTRIES.get(key)
    if methods is None:
        return None
    return methods.get("GET" if method == "HEAD" else method)


# --- Deciding -------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    code: int
    params: dict[str, str]


def _refusal(rule: Rule) -> Refusal:
    return Refusal(rule.refusal, dict(rule.refusal_params))


UNAUTHENTICATED = Refusal(Code.UNAUTHENTICATED, {})


def staff_allows(rule: Rule, has_perm: Callable[[str], bool], *, is_staff: bool) -> bool:
    if ANY_STAFF in rule.staff:
        return is_staff
    return any(has_perm(permission) for permission in rule.staff)


def group_allows(rule: Rule, group) -> bool:
    """Whether a till of this access group (or a key of this scope) passes the rule."""
    return rule.tills and rule.resource is not None and group.level(rule.resource) >= rule.level


def refused(rule: Rule, principal: Any, api_key: Any = None) -> Refusal | None:
    """None when `principal` (a till, a user, or None) calling with `api_key` may make the
    call; else what the refusal answers."""
    if rule.anonymous:
        return None
    if principal is None or not getattr(principal, "is_authenticated", False):
        return UNAUTHENTICATED
    scope = getattr(api_key, "scope", None)
    if scope is not None and (rule.resource is None or scope.level(rule.resource) < rule.level):
        return _refusal(rule)
    if is_till(principal):
        return None if group_allows(rule, principal.access_group) else _refusal(rule)
    allowed = principal.is_active and staff_allows(
        rule, principal.has_perm, is_staff=principal.is_staff
    )
    return None if allowed else _refusal(rule)


class MatrixPermission(BasePermission):
    """The API's only permission class (REST_FRAMEWORK's default): the entry of the
    route's name and method. A method the view does not handle passes, to answer 405."""

    def has_permission(self, request, view) -> bool:
        method = request.method.upper()
        match = request.resolver_match
        key = route_key(match) if match else ""
        rule = rule_for(key, method)
        if rule is None:
            if method == "OPTIONS" or not hasattr(view, method.lower()):
                return True
            logger.error("no access matrix entry for %s %s: refused", method, key)
            raise PermissionDenied("This endpoint has no access entry.")
        refusal = refused(rule, request.user, request.auth)
        if refusal is None:
            return True
        if refusal is UNAUTHENTICATED:
            raise NotAuthenticated()
        from config.errors import DomainError

        raise DomainError(refusal.code, None, http_status=None, **refusal.params)


def _is_api_view(view_func) -> bool:
    return getattr(view_func, "cls", None) is not None and hasattr(view_func, "initkwargs")


class ConsoleAccessMiddleware:
    """The matrix for every view that is not an API view (the console, the health check):
    a staff user the entry refuses gets the console's 403 page; an anonymous caller is
    left to the admin, which shows the login page. A route without an entry is refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_api_view(view_func):
            return None  # MatrixPermission, after DRF's authentication
        key = route_key(request.resolver_match)
        method = request.method.upper()
        if key.endswith("_changelist") and method == "POST" and request.POST.get("action"):
            method = f"POST:{request.POST['action']}"
        rule = rule_for(key, method)
        if rule is None:
            if method in ("OPTIONS", "PUT", "PATCH", "DELETE"):
                return None  # the view answers 405 (admin views take GET and POST)
            logger.error("no access matrix entry for %s %s: refused", method, key)
            raise PermissionDenied
        if rule.anonymous:
            return None
        user = getattr(request, "user", None)
        if user is None or not (user.is_authenticated and user.is_active and user.is_staff):
            return None  # the admin sends them to its login page
        if refused(rule, user) is not None:
            raise PermissionDenied
        return None


def walk_routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    """(key, route pattern, callback) of every route of the URL configuration."""
    from django.urls import URLResolver, get_resolver

    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            route = f"{prefix}{pattern.pattern}"
            if pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                key = f"route:{route}"
            yield key, route, pattern.callback
