"""The roles page of the staff console: what each staff group may do, read from the
permissions the groups hold (the demo loaders and migrations of each app grant them)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Count, Prefetch
from django.template.response import TemplateResponse
from django.urls import path

# What an agent asks about a role first: (label, codename prefix, codename suffix). The
# request permissions are one per family (`make_goodwill_request`, `check_retro_request`…),
# so a capability lists the families it covers.
CAPABILITIES = (
    ("Find and read customers", "customers.view_customer", ""),
    ("See identifiers in full (PII)", "customers.view_pii", ""),
    ("Edit customers (names, fields, channels, status)", "customers.change_customer", ""),
    ("Raise requests (maker)", "loyalty.make_", "_request"),
    ("Decide requests (checker)", "loyalty.check_", "_request"),
    ("Issue in one step", "loyalty.one_step_", "_request"),
    ("Read requests", "loyalty.view_request", ""),
    ("Configure the request workflow", "loyalty.change_requesttypeconfig", ""),
)


def _capability(held: set[str], prefix: str, suffix: str) -> str:
    """ "" when not held; "yes", or the request families held (e.g. "goodwill, retro")."""
    if not suffix:
        return "yes" if prefix in held else ""
    families = sorted(
        code.removeprefix(prefix).removesuffix(suffix).replace("_", " ")
        for code in held
        if code.startswith(prefix) and code.endswith(suffix)
    )
    return ", ".join(families)


# How each demo role is meant to work (issue 7 / customers.demo).
ROLE_PURPOSE = {
    "agent": "Maker: finds customers, edits profiles, raises requests; identifiers masked.",
    "senior agent": "Maker with PII: as an agent, and sees identifiers in full.",
    "supervisor": "Checker with PII: decides requests raised by others (four eyes).",
    "auditor": "Read-only: reads customers, requests and the audit trail.",
}


def roles_context() -> dict:
    """Groups with their permissions and member counts (two queries)."""
    groups = list(
        Group.objects.annotate(members=Count("user", distinct=True))
        .prefetch_related(
            Prefetch(
                "permissions",
                queryset=Permission.objects.select_related("content_type").order_by(
                    "content_type__app_label", "content_type__model", "codename"
                ),
            )
        )
        .order_by("name")
    )
    rows = []
    for group in groups:
        held = {
            f"{permission.content_type.app_label}.{permission.codename}"
            for permission in group.permissions.all()
        }
        by_app: dict[str, list[str]] = {}
        for permission in group.permissions.all():
            by_app.setdefault(permission.content_type.app_label, []).append(permission.name)
        rows.append(
            {
                "group": group,
                "purpose": ROLE_PURPOSE.get(group.name, ""),
                "capabilities": [
                    _capability(held, prefix, suffix) for _, prefix, suffix in CAPABILITIES
                ],
                "permissions_by_app": sorted(by_app.items()),
            }
        )
    return {"roles": rows, "capabilities": [label for label, _, _ in CAPABILITIES]}


class RolesGroupAdmin(GroupAdmin):
    """Django's group admin, plus the read-only roles overview at `roles/`."""

    def get_urls(self):
        return [
            path(
                "roles/",
                self.admin_site.admin_view(self.roles_view),
                name="auth_group_roles",
            ),
            *super().get_urls(),
        ]

    def roles_view(self, request):
        return TemplateResponse(
            request,
            "admin/auth/group/roles.html",
            {
                **self.admin_site.each_context(request),
                **roles_context(),
                "opts": self.opts,
                "title": "Staff roles: who may do what",
            },
        )


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, RolesGroupAdmin)
