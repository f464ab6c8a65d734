"""The roles page of the staff console: what each staff group and till access group may
do, read from the permissions the groups hold and the access matrix (config.access)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Count, Prefetch
from django.template.response import TemplateResponse
from django.urls import path

from config import access
from customers.models import TillAccessGroup

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


# How each role is meant to work (config.access.STAFF_ROLES, loaded by customers.demo).
ROLE_PURPOSE = {role: spec["purpose"] for role, spec in access.STAFF_ROLES.items()}


def matrix_context(groups: Sequence[Group], held_by_group: dict[int, set[str]]) -> dict:
    """The access matrix (config.access) as a table: every API endpoint and console page
    (the models' standard pages follow the permissions listed per role), and for each
    till access group, staff group and a superuser whether it may call it."""
    till_groups = list(TillAccessGroup.objects.order_by("pk"))
    columns = (
        ["anonymous"]
        + [f"till: {group.name}" for group in till_groups]
        + [f"staff: {group.name}" for group in groups]
        + ["superuser"]
    )
    rows = []
    for section, entries in (("API", access.API), ("Console", access.CONSOLE)):
        for key, methods in entries.items():
            for method, rule in methods.items():
                cells = [rule.anonymous]
                cells += [rule.anonymous or access.group_allows(rule, g) for g in till_groups]
                cells += [
                    rule.anonymous
                    or access.staff_allows(rule, held_by_group[g.pk].__contains__, is_staff=True)
                    for g in groups
                ]
                cells.append(rule.anonymous or bool(rule.staff))
                refusal = "" if rule.anonymous else str(rule.refusal)
                rows.append(
                    {
                        "section": section,
                        "route": key.removeprefix("admin:").removeprefix("route:"),
                        "method": method,
                        "cells": cells,
                        "refusal": refusal if section == "API" else "403 page",
                    }
                )
    return {"matrix_columns": columns, "matrix_rows": rows, "till_groups": till_groups}


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
    held_by_group = {}
    for group in groups:
        held = held_by_group[group.pk] = {
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
    return {
        "roles": rows,
        "capabilities": [label for label, _, _ in CAPABILITIES],
        **matrix_context(groups, held_by_group),
    }


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
