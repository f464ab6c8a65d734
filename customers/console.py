"""The staff console: customer search (the changelist) and the customer single view.

Registered from `customers/admin.py`. Everything on these screens reads through a fixed
number of queries: the search through `console_search`, the page's rows through two
prefetches, and the other apps' columns and sections through `customers.registry`, each
called once per page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.masking import mask_text, request_can_view_pii
from customers import console_display, console_edit, console_roles, console_search, registry
from customers.models import (
    CommChannel,
    Customer,
    Identifier,
    Source,
    SourceProfile,
)
from customers.selectors import customer_audit_trail

logger = logging.getLogger(__name__)
assert console_roles  # registers the roles page on the group admin

admin.site.site_header = "Loyalty operations"
admin.site.site_title = "Loyalty operations"
admin.site.index_title = "Staff console"
# The console has no public site: "View site" would lead to a 404.
admin.site.site_url = None


class SourceFilter(admin.SimpleListFilter):
    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return Source.choices

    def queryset(self, request, queryset):
        if self.value() in Source.values:
            return queryset.filter(
                console_search.exists_filter(SourceProfile.objects.all(), source=self.value())
            )
        return queryset


class MergedFilter(admin.SimpleListFilter):
    title = "merge"
    parameter_name = "merged"

    def lookups(self, request, model_admin):
        return [("victim", "Merged into another customer"), ("no", "Not merged")]

    def queryset(self, request, queryset):
        if self.value() == "victim":
            return queryset.filter(merged_into__isnull=False)
        if self.value() == "no":
            return queryset.filter(merged_into__isnull=True)
        return queryset


class CustomerChangeList(ChangeList):
    """Rows link to the single view; registry columns are loaded once for the page."""

    def get_results(self, request):
        super().get_results(request)
        customers = list(self.result_list)
        self.result_list = customers
        can_view_pii = request_can_view_pii(request)
        loaded = {
            key: column.load(customers=customers) for key, column in registry.changelist_columns
        }
        for customer in customers:
            customer.console_pii = can_view_pii
            customer.console_columns = {
                key: values.get(customer.pk) for key, values in loaded.items()
            }

    def url_for_result(self, result):
        return reverse("admin:customers_customer_single_view", args=[result.pk])


def _registry_column(key: str, title: str):
    def column(customer):
        value = customer.console_columns.get(key)
        return "–" if value in (None, "") else value

    column.short_description = title  # type: ignore[attr-defined]  # read by the admin
    column.__name__ = f"registry_{key}"
    return column


@admin.register(Customer)
class CustomerConsoleAdmin(admin.ModelAdmin):
    list_display = ["user_id", "name", "identifiers", "sources", "status_badges"]
    list_display_links = ["user_id", "name"]
    list_filter = ["loyalty_type", "status", SourceFilter, MergedFilter]
    # 25 rows: a search lands the customer on the first screen, and rendering the admin's
    # result rows is most of a search's CPU (about 1 ms a row at 1M customers).
    list_per_page = 25
    list_max_show_all = 25
    ordering = ["-pk"]
    search_fields = ["pk"]  # shows the box; `get_search_results` does the work
    search_help_text = (
        "Mobile (or its last digits), e-mail, card or external id, name (“ann” or “ann smi”), "
        "or user id."
    )
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    date_hierarchy = None
    actions = None
    paginator = console_search.EstimatingPaginator
    sortable_by = []

    # --- the changelist ------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("profiles", queryset=SourceProfile.objects.order_by("pk")),
                Prefetch(
                    "identifiers",
                    queryset=Identifier.objects.filter(
                        type__in=console_display.PRIMARY_IDENTIFIER_TYPES
                    ).order_by("pk"),
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        plan = console_search.search_plan(search_term)
        if not plan.kinds:
            return queryset, False
        ids = console_search.customer_ids_matching(term=search_term)
        capped = len(ids) > console_search.SEARCH_LIMIT
        request.console_search = {"plan": plan, "capped": capped}
        return queryset.filter(pk__in=ids[: console_search.SEARCH_LIMIT]), False

    def get_list_display(self, request):
        extra = [_registry_column(key, column.title) for key, column in registry.changelist_columns]
        return [*self.list_display[:4], *extra, self.list_display[4]]

    def get_list_filter(self, request):
        return [*self.list_filter, *(entry for _, entry in registry.changelist_filters)]

    def get_changelist(self, request, **kwargs):
        return CustomerChangeList

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Find a customer", **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        if hasattr(response, "context_data"):
            response.context_data["console_search"] = getattr(request, "console_search", None)
        return response

    @admin.display(description="User id")
    def user_id(self, customer):
        return customer.pk

    @admin.display(description="Name")
    def name(self, customer):
        return console_display.display_name(list(customer.profiles.all())) or "(no name)"

    @admin.display(description="Identifiers")
    def identifiers(self, customer):
        rows = console_display.identifier_rows(
            list(customer.identifiers.all()), can_view_pii=customer.console_pii
        )
        if not rows:
            return "–"
        return format_html_join(
            mark_safe("<br>"),
            '<span class="console-identifier"><small>{}</small> {}</span>',
            ((row["label"], row["value"]) for row in rows),
        )

    @admin.display(description="Sources")
    def sources(self, customer):
        names = sorted({profile.source for profile in customer.profiles.all()})
        return ", ".join(names) or "–"

    @admin.display(description="Status")
    def status_badges(self, customer):
        badges = format_html_join(
            " ",
            '<span class="console-badge console-badge-{}">{}</span>',
            (
                (badge["tone"], badge["label"])
                for badge in console_display.status_badges(customer)
                if not badge.get("merged")
            ),
        )
        if customer.merged_into_id:
            survivor = reverse(
                "admin:customers_customer_single_view", args=[customer.merged_into_id]
            )
            badges = format_html(
                '{} <a class="console-badge console-badge-info console-survivor" href="{}">'
                "merged → {}</a>",
                badges,
                survivor,
                customer.merged_into_id,
            )
        return badges

    # --- workflow pages ------------------------------------------------------------------

    def has_add_permission(self, request):
        return False  # customers are registered through the API (or a store)

    def has_delete_permission(self, request, obj=None):
        return False  # status DELETED is set through the status form

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path(
                "<int:customer_id>/view/",
                view(self.single_view),
                name="customers_customer_single_view",
            ),
            *self.edit_urls(view),
            *super().get_urls(),
        ]

    def edit_urls(self, view) -> list:
        return console_edit.urls(self, view)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The generic change form would write around the services: show the single view.
        if not str(object_id).isdigit():
            raise Http404(object_id)  # not a customer id (a mistyped or crafted path)
        return HttpResponseRedirect(
            reverse("admin:customers_customer_single_view", args=[object_id])
        )

    def single_view(self, request, customer_id: int):
        if not self.has_view_permission(request):
            raise Http404
        context = single_view_context(customer_id=customer_id, request=request)
        if context is None:
            raise Http404(f"No customer {customer_id}")
        customer = context["customer"]
        return TemplateResponse(
            request,
            "admin/customers/customer/single_view.html",
            {
                **self.admin_site.each_context(request),
                **context,
                "opts": self.opts,
                "title": context["name"] or f"Customer {customer.pk}",
                "subtitle": f"user id {customer.pk}",
                "can_change": self.has_change_permission(request),
                "actions": console_edit.actions(customer=customer, request=request),
            },
        )


def single_view_context(*, customer_id: int, request) -> dict | None:
    """Everything the single view shows. Queries: customer (1), profiles with their
    identifiers and channels (3), merge victims (1), status changes (1), audit trail (1),
    then each registered section's own fixed number."""
    customer = (
        Customer.objects.select_related(
            "created_by_till", "created_by_user", "modified_by_till", "modified_by_user"
        )
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        return None
    can_view_pii = request_can_view_pii(request)
    profiles = list(
        SourceProfile.objects.filter(customer=customer)
        .select_related("account")
        .prefetch_related(
            Prefetch("identifiers", queryset=Identifier.objects.order_by("type", "pk")),
            Prefetch("comm_channels", queryset=CommChannel.objects.order_by("type", "pk")),
        )
        .order_by("pk")
    )
    profile_rows: list[dict[str, Any]] = [
        {
            "profile": profile,
            "identifiers": console_display.identifier_rows(
                list(profile.identifiers.all()),
                can_view_pii=can_view_pii,
                types=tuple(identifier.type for identifier in profile.identifiers.all()),
            ),
            "channels": [
                {
                    "channel": channel,
                    "value": console_display.channel_value(channel, can_view_pii=can_view_pii),
                }
                for channel in profile.comm_channels.all()
            ],
        }
        for profile in profiles
    ]
    edit_urls = console_edit.profile_actions(customer=customer, profiles=profiles, request=request)
    for row in profile_rows:
        row["edit_url"] = edit_urls.get(row["profile"].pk)
    victims = list(customer.merge_victims.order_by("pk").values_list("pk", flat=True)[:50])
    status_changes = list(
        customer.status_changes.select_related("changed_by_user", "changed_by_till").order_by(
            "-changed_at"
        )[:20]
    )
    return {
        "customer": customer,
        "name": console_display.display_name(profiles),
        "badges": console_display.status_badges(customer),
        "can_view_pii": can_view_pii,
        "profile_rows": profile_rows,
        "merge_victims": victims,
        "status_changes": status_changes,
        "sections": _sections(customer=customer, request=request, can_view_pii=can_view_pii),
        "audit_trail": audit_trail(customer=customer, can_view_pii=can_view_pii),
    }


def _sections(*, customer: Customer, request, can_view_pii: bool) -> list[dict]:
    from django.template.loader import render_to_string

    rendered = []
    for key, section in registry.single_view_sections:
        html: str
        try:
            data = section.load(customer=customer, request=request)
            html = render_to_string(
                section.template,
                {**data, "customer": customer, "can_view_pii": can_view_pii},
                request=request,
            )
        except Exception:  # one broken section must not hide the rest of the customer
            logger.exception("single view section %s failed for customer %s", key, customer.pk)
            html, failed = "", True
        else:
            failed = False
        rendered.append({"key": key, "title": section.title, "html": html, "failed": failed})
    return rendered


AUDIT_ROWS = 50
_PII_FIELDS = {"value"}
# Bookkeeping columns every event carries; the trail shows what a person changed.
_QUIET_FIELDS = {
    "id",
    "customer_id",
    "profile_id",
    "created_at",
    "modified_at",
    "created_by_till_id",
    "created_by_user_id",
    "modified_by_till_id",
    "modified_by_user_id",
    "auto_update_time",
}


def audit_trail(*, customer: Customer, can_view_pii: bool, limit: int = AUDIT_ROWS) -> list[dict]:
    """The newest history events of the customer, its profiles, identifiers and channels
    (`customers.selectors.customer_audit_trail`, a fixed number of queries), and the rows
    other apps add through `audit_trail_entries` (requests made and decided)."""
    rows = []
    for event in customer_audit_trail(customer_id=customer.pk, limit=limit):
        changes = []
        for field, change in sorted(event["changes"].items()):
            old, new = change
            if field in _QUIET_FIELDS or (event["label"] == "insert" and new in (None, "", {})):
                continue
            if field in _PII_FIELDS and not can_view_pii:
                # The one rule (config.masking), as a pair a reader can tell apart.
                old_shown, new_shown = console_display.mask_pair("", old or "", new or "")
                old, new = old_shown if old else old, new_shown if new else new
            changes.append({"field": field, "old": old, "new": new})
        rows.append(
            {
                "at": event["at"],
                "what": event["model"],
                "label": event["label"],
                "object_id": event["objectId"],
                "actor": event["actor"] or "",
                "changes": changes,
            }
        )
    for _, load in registry.audit_trail_entries:
        entries = load(customer=customer, limit=limit)
        if not can_view_pii:  # other apps' rows carry free text (a request's reason)
            for change in (change for row in entries for change in row["changes"]):
                for side in ("old", "new"):
                    if isinstance(change[side], str):
                        change[side] = mask_text(change[side])
        rows += entries
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]
