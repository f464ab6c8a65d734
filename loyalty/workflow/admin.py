"""The staff console's request screens: the approval queue (status tabs, oldest pending
first, bulk approve / reject with one comment), the request page (approve with an optional
lower value, reject with a required reason), the raise views of the single view's forms,
and the per-type configuration.

Every write calls `loyalty.workflow.services` (the API's functions); the permission and
four-eyes rules are the service's, the screens only hide the buttons a user may not use.
Imported by `loyalty/admin.py`, so admin autodiscovery registers them."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from config import codes
from config.codes import Code
from config.errors import DomainError
from config.masking import request_can_view_pii, shown_text
from customers import console_display
from customers.console_search import EstimatingPaginator
from customers.models import (
    Customer,
    SourceProfile,
)
from loyalty.models import (
    Request,
    RequestBaseType,
    RequestStatus,
    RequestTypeConfig,
)
from loyalty.workflow import parsers, services
from loyalty.workflow.commands import (
    Decision,
)
from loyalty.workflow.console import (
    STATUS_TONES,
    customer_link,
    error_text,
    failure_text,
    may,
    may_check_any,
    may_decide,
    may_read_requests,
    request_value,
)
from loyalty.workflow.forms import RAISE_KINDS
from loyalty.workflow.parsers import DecisionItem


class StatusTabFilter(admin.SimpleListFilter):
    """Status tabs; the queue opens on PENDING."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, status.title()) for status in RequestStatus.values] + [("ALL", "All")]

    def value(self):
        return super().value() or RequestStatus.PENDING

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() in RequestStatus.values:
            return queryset.filter(status=self.value())
        return queryset


class DecisionForm(forms.Form):
    comments = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required to reject: it is the reason the requester sees.",
    )
    approved_value = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        help_text="Goodwill points only: approve fewer points than asked. Empty: as asked.",
    )


@admin.register(Request)
class RequestConsoleAdmin(admin.ModelAdmin):
    list_display = [
        "request_id",
        "kind",
        "status_badge",
        "age",
        "requester",
        "store",
        "customer_link",
        "value",
        "reason_text",
    ]
    list_display_links = ["request_id"]
    list_filter = [StatusTabFilter, "type", "base_type"]
    list_per_page = 50
    list_max_show_all = 50
    search_fields = ["pk"]
    search_help_text = "Request id or customer user id."
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    paginator = EstimatingPaginator
    sortable_by = []
    actions = ["approve_selected", "reject_selected"]
    change_list_template = "admin/loyalty/request/queue.html"

    # --- permissions ---------------------------------------------------------------------

    def has_view_permission(self, request, obj=None):
        return may_read_requests(request.user)

    def has_module_permission(self, request):
        return may_read_requests(request.user)

    def has_add_permission(self, request):
        return False  # raised from the customer's single view

    def has_change_permission(self, request, obj=None):
        return False  # decided through the approve / reject pages

    def has_delete_permission(self, request, obj=None):
        return False

    def has_check_permission(self, request):
        return may_check_any(request.user)

    # --- the list -----------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "requested_by_till", "requested_by_user", "requested_at_store", "decided_by_user"
            )
            .prefetch_related(
                Prefetch("customer__profiles", queryset=SourceProfile.objects.order_by("pk"))
            )
        )

    def get_ordering(self, request):
        status = request.GET.get("status") or RequestStatus.PENDING
        if status == RequestStatus.PENDING:
            return ["requested_at", "pk"]  # oldest pending first
        return ["-decided_at", "-pk"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        number = int(term)
        from django.db.models import Q

        return queryset.filter(Q(pk=number) | Q(customer_id=number)), False

    def get_list_display(self, request):
        # The queue sits between two sidebars: the pending tab leaves out the status (the
        # same on every row); the other tabs show the status with the decision, not the age.
        status = request.GET.get("status") or RequestStatus.PENDING
        left_out = "status_badge" if status == RequestStatus.PENDING else "age"
        return [name for name in self.list_display if name != left_out]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not may_check_any(request.user):
            return {}
        return actions

    def changelist_view(self, request, extra_context=None):
        status = request.GET.get("status") or RequestStatus.PENDING
        extra_context = {
            "title": "Request queue",
            "status_tabs": [
                {
                    "status": value,
                    "label": value.title() if value != "ALL" else "All",
                    "selected": value == status,
                }
                for value in [*RequestStatus.values, "ALL"]
            ],
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="Id")
    def request_id(self, obj: Request):
        return obj.pk

    @admin.display(description="Type")
    def kind(self, obj: Request):
        return f"{obj.get_type_display()} / {obj.get_base_type_display()}"

    @admin.display(description="Status")
    def status_badge(self, obj: Request):
        extra = " (auto)" if obj.auto_approved else " (one step)" if obj.one_step else ""
        badge = format_html(
            '<span class="console-badge console-badge-{}">{}</span>{}',
            STATUS_TONES.get(obj.status, "muted"),
            obj.status.lower(),
            extra,
        )
        if not obj.decided_at:
            return badge
        who = obj.decided_by_user.get_username() if obj.decided_by_user is not None else "auto"
        return format_html(
            '{}<br><span class="console-decided">{}<br>{}</span>',
            badge,
            who,
            f"{timezone.localtime(obj.decided_at):%Y-%m-%d %H:%M}",
        )

    @admin.display(description="Age")
    def age(self, obj: Request):
        return timesince(obj.requested_at, timezone.now()).split(",")[0]

    @admin.display(description="Requester")
    def requester(self, obj: Request):
        if obj.requested_by_till is not None:
            return f"till {obj.requested_by_till.code}"
        return obj.requested_by_user.get_username() if obj.requested_by_user is not None else "–"

    @admin.display(description="Store")
    def store(self, obj: Request):
        return obj.requested_at_store.code if obj.requested_at_store is not None else "–"

    @admin.display(description="Customer")
    def customer_link(self, obj: Request):
        name = console_display.display_name(list(obj.customer.profiles.all()))
        return customer_link(obj.customer_id, f"{name} ({obj.customer_id})" if name else "")

    @admin.display(description="Value")
    def value(self, obj: Request):
        # Set per row by the page's ChangeList from its request: the ModelAdmin instance is
        # shared by every request the process serves at once.
        return request_value(obj, can_view_pii=getattr(obj, "console_pii", False))

    @admin.display(description="Reason")
    def reason_text(self, obj: Request):
        # Configured reasons are codes (POINTS_ISSUE): they may wrap after an underscore.
        if not obj.reason:
            return "–"
        reason = shown_text(obj.reason, can_view_pii=getattr(obj, "console_pii", False))
        return format_html_join(mark_safe("_<wbr>"), "{}", ((part,) for part in reason.split("_")))

    # --- bulk decisions -------------------------------------------------------------------

    def _bulk(self, request, queryset, status: str):
        comments = request.POST.get("comments", "").strip()
        error: str | None = ""
        if "apply" in request.POST and status == RequestStatus.REJECTED and not comments:
            # One message on the confirmation instead of one refusal (9017) per request.
            error = codes.staff_message(Code.REJECTION_REASON_REQUIRED)
        if "apply" not in request.POST or error:
            return TemplateResponse(
                request,
                "admin/loyalty/request/bulk_decision.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": f"{'Approve' if status == RequestStatus.APPROVED else 'Reject'} "
                    f"{queryset.count()} request(s)",
                    "requests": queryset,
                    "status": status,
                    "action": request.POST.get("action"),
                    "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                    "comments": comments,
                    "error": error,
                },
            )
        results = services.requests_decide(
            items=[
                DecisionItem(
                    sent_id=pk, decision=Decision(request_id=pk, status=status, comments=comments)
                )
                for pk in queryset.order_by("pk").values_list("pk", flat=True)
            ],
            actor=request.user,
        )
        done = [result for result in results if result.error is None]
        for result in results:
            if result.error is not None:
                messages.error(request, f"Request {result.request_id}: {error_text(result.error)}")
            elif result.outcome is not None and result.outcome.failure is not None:
                messages.warning(
                    request,
                    f"Request {result.request_id} FAILED: {error_text(result.outcome.failure)}",
                )
        if done:
            messages.success(request, f"{len(done)} request(s) {status.lower()}.")
        return None

    @admin.action(description="Approve selected requests", permissions=["check"])
    def approve_selected(self, request, queryset):
        return self._bulk(request, queryset, RequestStatus.APPROVED)

    @admin.action(
        description="Reject selected requests (one reason for all)", permissions=["check"]
    )
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, RequestStatus.REJECTED)

    # --- the request page -----------------------------------------------------------------

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("<int:request_id>/view/", view(self.request_page), name="loyalty_request_page"),
            path(
                "<int:request_id>/decide/",
                view(self.decide_view),
                name="loyalty_request_decide",
            ),
            path(
                "raise/<int:customer_id>/<str:kind>/",
                view(self.raise_view),
                name="loyalty_request_raise",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:loyalty_request_page", args=[object_id]))

    def get_changelist(self, request, **kwargs):
        from django.contrib.admin.views.main import ChangeList

        class QueueChangeList(ChangeList):
            def get_results(self, request):
                super().get_results(request)
                can_view_pii = request_can_view_pii(request)
                for result in self.result_list:
                    result.console_pii = can_view_pii

            def url_for_result(self, result):
                return reverse("admin:loyalty_request_page", args=[result.pk])

        return QueueChangeList

    def request_page(self, request, request_id: int, form=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(
            self.get_queryset(request).select_related("program", "other_customer"), pk=request_id
        )
        can_view_pii = request_can_view_pii(request)
        return TemplateResponse(
            request,
            "admin/loyalty/request/request_page.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Request {obj.pk}: {obj.get_type_display()} / {obj.get_base_type_display()}",
                "req": obj,
                "value": request_value(obj, can_view_pii=can_view_pii),
                "can_view_pii": can_view_pii,
                "tone": STATUS_TONES.get(obj.status, "muted"),
                "customer_name": console_display.display_name(list(obj.customer.profiles.all())),
                "failure_text": failure_text(obj),
                "may_decide": may_decide(request.user, obj),
                "own_request": obj.requested_by_user_id == request.user.pk,
                "form": form or DecisionForm(),
                "is_points": obj.base_type == RequestBaseType.POINTS,
            },
        )

    def decide_view(self, request, request_id: int):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:loyalty_request_page", args=[request_id]))
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.request_page(request, request_id, form=form)
        comments = form.cleaned_data["comments"].strip()
        try:
            # Read as the API reads a decision: a rejection's reason, the approved points.
            if "reject" in request.POST:
                decision = parsers.decision(
                    request_id=request_id, status=RequestStatus.REJECTED, comments=comments
                )
                outcome = services.request_reject(decision=decision, actor=request.user)
            else:
                decision = parsers.decision(
                    request_id=request_id,
                    status=RequestStatus.APPROVED,
                    comments=comments,
                    approved_value=form.cleaned_data["approved_value"],
                )
                outcome = services.request_approve(decision=decision, actor=request.user)
        except DomainError as error:
            form.add_error(None, error_text(error))
            return self.request_page(request, request_id, form=form)
        if outcome.failure is not None:
            messages.warning(request, f"Request {request_id} FAILED: {error_text(outcome.failure)}")
        else:
            messages.success(request, f"Request {request_id} {outcome.request.status.lower()}.")
        return HttpResponseRedirect(reverse("admin:loyalty_request_page", args=[request_id]))

    # --- raising requests from the single view ---------------------------------------------

    def raise_view(self, request, customer_id: int, kind: str):
        spec = RAISE_KINDS.get(kind)
        if spec is None:
            from django.http import Http404

            raise Http404(kind)
        if not may(request.user, spec["type"], "make"):
            raise PermissionDenied
        customer = get_object_or_404(Customer, pk=customer_id)
        form = spec["form"](request.POST or None, customer=customer, user=request.user)
        preview = None
        if request.method == "POST" and form.is_valid():
            # A form with a preview raises only what was previewed and confirmed; anything
            # else (a first post, a changed id) shows the preview (again).
            confirmed = form.confirmed()
            preview = form.preview()
            if preview is None or confirmed:
                try:
                    outcome = services.request_create(
                        command=form.command(), customer=customer, actor=request.user
                    )
                except DomainError as error:
                    form.add_error(None, error_text(error, kind, **form.message_context()))
                else:
                    for warning in outcome.warnings:
                        messages.warning(request, f"{warning['message']} (code {warning['code']})")
                    made = outcome.request
                    messages.success(request, f"Request {made.pk} raised: {made.status.lower()}.")
                    return HttpResponseRedirect(
                        reverse("admin:loyalty_request_page", args=[made.pk])
                    )
        return TemplateResponse(
            request,
            "admin/customers/customer/console_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": Customer._meta,
                "customer": customer,
                "form": form,
                "title": spec["title"],
                "intro": spec["intro"].format(customer=customer.pk),
                "back_url": reverse("admin:customers_customer_single_view", args=[customer.pk]),
                "preview_template": "admin/loyalty/request/merge_preview.html" if preview else "",
                "preview": preview,
                "submit_label": preview["confirm_label"] if preview else "Raise the request",
                "submit_name": "confirm" if preview else "",
            },
        )


@admin.register(RequestTypeConfig)
class RequestTypeConfigAdmin(admin.ModelAdmin):
    list_display = (
        "type",
        "base_type",
        "auto_approve",
        "allow_caller_auto_approve",
        "goodwill_points_cap",
        "retro_enabled",
        "retro_max_bill_age_days",
        "retro_hours_before_registration",
    )
    list_filter = ("type",)
    autocomplete_fields = ()
    raw_id_fields = ("default_till",)
    fieldsets = (
        (None, {"fields": ("type", "base_type")}),
        (
            "Approval",
            {"fields": ("auto_approve", "allow_caller_auto_approve", "allowed_reasons")},
        ),
        ("Goodwill", {"fields": ("goodwill_points_cap", "default_till")}),
        (
            "Retro claims",
            {
                "fields": (
                    "retro_enabled",
                    "retro_max_bill_age_days",
                    "retro_hours_before_registration",
                )
            },
        ),
        ("Notifications", {"fields": ("notification_emails",)}),
    )
