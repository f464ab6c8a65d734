"""The staff console's request screens: the approval queue (status tabs, oldest pending
first, bulk approve / reject with one comment), the request page (approve with an optional
lower value, reject with a required reason), the forms that raise requests from the single
view, and the home page's dashboard panel.

Every write calls `loyalty.request_services` (the API's functions); the permission and
four-eyes rules are the service's, the screens only hide the buttons a user may not use.
Registered from `loyalty/admin.py`.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Prefetch
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
from config.masking import mask_text, request_can_view_pii, shown_text
from customers import console_display, registry
from customers.console_search import EstimatingPaginator
from customers.models import (
    MULTI_ACCOUNT_SOURCES,
    Customer,
    Identifier,
    Source,
    SourceAccount,
    SourceProfile,
    Store,
)
from loyalty import request_parsers, request_services
from loyalty.models import (
    CouponSeries,
    Enrollment,
    Program,
    Request,
    RequestBaseType,
    RequestStatus,
    RequestType,
)
from loyalty.request_commands import (
    Decision,
    Erasure,
    GoodwillCoupon,
    GoodwillPoints,
    IdentifierChange,
    MergeInto,
    MobileReallocation,
    RaiseRequest,
    RequestDetails,
    RetroClaim,
)
from loyalty.request_parsers import DecisionItem

STATUS_TONES = {
    RequestStatus.PENDING: "warn",
    RequestStatus.APPROVED: "ok",
    RequestStatus.REJECTED: "muted",
    RequestStatus.FAILED: "danger",
}
REQUEST_TYPES = tuple(RequestType.values)


def may(user, request_type: str, action: str) -> bool:
    return request_services.actor_may(user, request_type, action)


def may_read_requests(user) -> bool:
    """Any request permission opens the queue (auditors hold view_request)."""
    return user.has_perm("loyalty.view_request") or any(
        may(user, request_type, action)
        for request_type in REQUEST_TYPES
        for action in ("make", "check")
    )


def may_check_any(user) -> bool:
    return any(may(user, request_type, "check") for request_type in REQUEST_TYPES)


def may_decide(user, request: Request) -> bool:
    """Show the decision buttons? The service enforces the same rules under its lock."""
    return (
        request.status == RequestStatus.PENDING
        and may(user, request.type, "check")
        and request.requested_by_user_id != user.pk
    )


def _error_text(error: DomainError, kind: str = "", **context) -> str:
    return console_display.error_text(error, kind, **context)


def _failure_text(request: Request) -> str:
    """Why an approved request FAILED, in the console's words (the stored reason is the
    service's message, which the API answers)."""
    if not request.failure_code:
        return mask_text(request.failure_reason)
    plain = codes.staff_message(request.failure_code) or mask_text(request.failure_reason)
    return f"{plain} (code {request.failure_code})"


def _customer_link(customer_id: int | None, label: str = "") -> str:
    if not customer_id:
        return "–"
    url = reverse("admin:customers_customer_single_view", args=[customer_id])
    return format_html('<a href="{}">{}</a>', url, label or customer_id)


def request_value(request: Request, *, can_view_pii: bool) -> str:
    """What the request is worth or changes, in one line."""
    payload = request.payload or {}
    base = request.base_type
    if base == RequestBaseType.POINTS:
        asked = payload.get("points")
        if request.approved_value is not None and request.approved_value != Decimal(str(asked)):
            return f"{asked} → {request.approved_value.normalize():f} pts"
        return f"{asked} pts (program {payload.get('programId')})"
    if base == RequestBaseType.COUPON:
        return f"coupon series {payload.get('seriesId')}"
    if base == RequestBaseType.RETRO:
        return f"bill {payload.get('billNumber')} · {payload.get('storeCode')} · {payload.get('billDate')}"
    if base == RequestBaseType.MERGE:
        return f"merge {payload.get('victimId')} into {payload.get('survivorId')}"
    if base == RequestBaseType.ERASE:
        return "erase personal data"
    if base == RequestBaseType.MOBILE_REALLOC:
        mobile = console_display.shown_value(
            "mobile", str(payload.get("mobile", "")), can_view_pii=can_view_pii
        )
        return f"mobile {mobile} from {payload.get('fromCustomerId')}"
    kind = payload.get("identifierType", "")
    old, new = console_display.shown_pair(
        kind,
        str(payload.get("oldValue", "")),
        str(payload.get("newValue", "")),
        can_view_pii=can_view_pii,
    )
    return f"{kind} {old} → {new}"


# --- The queue ------------------------------------------------------------------------


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
    sortable_by: list[str] = []
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
        who = obj.decided_by_user.get_username() if obj.decided_by_user_id else "auto"
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
        if obj.requested_by_till_id:
            return f"till {obj.requested_by_till.code}"
        return obj.requested_by_user.get_username() if obj.requested_by_user_id else "–"

    @admin.display(description="Store")
    def store(self, obj: Request):
        return obj.requested_at_store.code if obj.requested_at_store_id else "–"

    @admin.display(description="Customer")
    def customer_link(self, obj: Request):
        name = console_display.display_name(list(obj.customer.profiles.all()))
        return _customer_link(obj.customer_id, f"{name} ({obj.customer_id})" if name else "")

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
        error = ""
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
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                    "comments": comments,
                    "error": error,
                },
            )
        results = request_services.requests_decide(
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
                messages.error(request, f"Request {result.request_id}: {_error_text(result.error)}")
            elif result.outcome.failure is not None:
                messages.warning(
                    request,
                    f"Request {result.request_id} FAILED: {_error_text(result.outcome.failure)}",
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
                "failure_text": _failure_text(obj),
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
                decision = request_parsers.decision(
                    request_id=request_id, status=RequestStatus.REJECTED, comments=comments
                )
                outcome = request_services.request_reject(decision=decision, actor=request.user)
            else:
                decision = request_parsers.decision(
                    request_id=request_id,
                    status=RequestStatus.APPROVED,
                    comments=comments,
                    approved_value=form.cleaned_data["approved_value"],
                )
                outcome = request_services.request_approve(decision=decision, actor=request.user)
        except DomainError as error:
            form.add_error(None, _error_text(error))
            return self.request_page(request, request_id, form=form)
        if outcome.failure is not None:
            messages.warning(
                request, f"Request {request_id} FAILED: {_error_text(outcome.failure)}"
            )
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
                    outcome = request_services.request_create(
                        command=form.command(), customer=customer, actor=request.user
                    )
                except DomainError as error:
                    form.add_error(None, _error_text(error, kind, **form.message_context()))
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


# --- Raise forms ----------------------------------------------------------------------


def _reason_field(request_type: str, base_type: str) -> forms.Field:
    config = request_services.request_type_config(request_type=request_type, base_type=base_type)
    if config.allowed_reasons:
        choices = [(reason, reason) for reason in config.allowed_reasons]
        return forms.ChoiceField(choices=choices, help_text="From the configured list.")
    return forms.CharField(max_length=200, required=False)


class RaiseForm(forms.Form):
    request_type = ""
    fixed_base_type = ""

    def __init__(self, *args, customer: Customer, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.user = user
        if self.fixed_base_type:
            self.fields["reason"] = _reason_field(self.request_type, self.fixed_base_type)
        else:
            self.fields["reason"] = forms.CharField(max_length=200, required=False)
        self.fields["comments"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}), required=False
        )

    def base_type(self) -> str:
        return self.fixed_base_type

    def details(self) -> RequestDetails:
        raise NotImplementedError

    def command(self) -> RaiseRequest:
        """The request the form raises (its details may refuse: an identifier that does
        not normalise answers the base type's code, as on the API)."""
        return RaiseRequest(
            request_type=self.request_type,
            base_type=self.base_type(),
            details=self.details(),
            reason=self.cleaned_data.get("reason", ""),
            comments=self.cleaned_data.get("comments", ""),
        )

    def message_context(self) -> dict:
        """What the console's wording of a refusal may name (`config.codes.STAFF_MESSAGES_ON`)."""
        return {}

    def preview(self) -> dict | None:
        """What the request would do, shown before it is raised; None: raised at once."""
        return None

    def confirmed(self) -> bool:
        return True


def profile_label(profile: SourceProfile) -> str:
    if profile.account_id:
        return profile_label_of(profile.account)
    return profile.source


def profile_label_of(account: SourceAccount) -> str:
    return f"{account.source} · account {account.account_id}"


class GoodwillPointsForm(RaiseForm):
    request_type = RequestType.GOODWILL
    fixed_base_type = RequestBaseType.POINTS
    program = forms.ChoiceField()
    points = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        enrolled = Enrollment.objects.filter(customer=self.customer).values("program_id")
        programs = Program.objects.filter(is_active=True, pk__in=enrolled).order_by(
            "-is_default", "pk"
        )
        self.fields["program"].choices = [(p.pk, f"{p.pk} {p.name}") for p in programs]

    def details(self) -> GoodwillPoints:
        return GoodwillPoints(
            points=self.cleaned_data["points"], program_id=int(self.cleaned_data["program"])
        )


class GoodwillCouponForm(RaiseForm):
    request_type = RequestType.GOODWILL
    fixed_base_type = RequestBaseType.COUPON
    series = forms.ModelChoiceField(queryset=CouponSeries.objects.filter(is_active=True))

    def details(self) -> GoodwillCoupon:
        return GoodwillCoupon(series_id=self.cleaned_data["series"].pk)


class RetroForm(RaiseForm):
    request_type = RequestType.TRANSACTION_UPDATE
    fixed_base_type = RequestBaseType.RETRO
    bill_number = forms.CharField(max_length=64, help_text="The not-interested bill's number.")
    store = forms.ModelChoiceField(queryset=Store.objects.filter(is_active=True).order_by("code"))
    bill_date = forms.DateField(help_text="YYYY-MM-DD, as printed on the bill.")

    def details(self) -> RetroClaim:
        return RetroClaim(
            bill_number=self.cleaned_data["bill_number"].strip(),
            store_code=self.cleaned_data["store"].code,
            bill_date=self.cleaned_data["bill_date"].isoformat(),
        )


class IdentifierChangeForm(RaiseForm):
    request_type = RequestType.CHANGE_IDENTIFIER
    identifier = forms.ChoiceField(
        choices=[
            (RequestBaseType.MOBILE, "Mobile"),
            (RequestBaseType.EMAIL, "E-mail"),
            (RequestBaseType.EXTERNAL_ID, "External id"),
        ]
    )
    profile = forms.TypedChoiceField(
        coerce=int,
        label="Profile",
        help_text="The customer's source profile (and account) that holds the old value.",
    )
    old_value = forms.CharField(max_length=200)
    new_value = forms.CharField(max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profiles = {
            profile.pk: profile
            for profile in SourceProfile.objects.filter(customer=self.customer)
            .select_related("account")
            .order_by("pk")
        }
        self.fields["profile"].choices = [
            (pk, profile_label(profile)) for pk, profile in self.profiles.items()
        ]
        self.fields["profile"].initial = next(iter(self.profiles), None)

    def base_type(self) -> str:
        return self.cleaned_data["identifier"]

    def details(self) -> IdentifierChange:
        profile = self.profiles[self.cleaned_data["profile"]]
        return request_parsers.identifier_change(
            request_parsers.IDENTIFIER_TYPE_OF[self.base_type()],
            self.cleaned_data["old_value"],
            self.cleaned_data["new_value"],
            source=profile.source,
            account_id=profile.account.account_id if profile.account_id else "",
        )


class MergeForm(RaiseForm):
    request_type = RequestType.CHANGE_IDENTIFIER
    fixed_base_type = RequestBaseType.MERGE
    victim_id = forms.IntegerField(
        label="User id of the duplicate",
        min_value=1,
        help_text="The duplicate is merged into this customer, which survives: its profiles, "
        "points, subscriptions and requests move here, and it points here afterwards.",
    )
    # The id whose preview was shown: confirming raises this pair, nothing else.
    previewed_victim_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_victim_id(self) -> int:
        """The refusals a preview can already tell (the service checks them all again)."""
        victim_id = self.cleaned_data["victim_id"]
        try:
            request_services.merge_request_check(survivor=self.customer, victim_id=victim_id)
        except DomainError as refusal:
            raise forms.ValidationError(_error_text(refusal, "merge", victim=victim_id)) from None
        return victim_id

    def message_context(self) -> dict:
        return {"victim": self.cleaned_data.get("victim_id")}

    def confirmed(self) -> bool:
        return "confirm" in self.data and self.cleaned_data["previewed_victim_id"] == str(
            self.cleaned_data["victim_id"]
        )

    def details(self) -> MergeInto:
        return MergeInto(victim_id=self.cleaned_data["victim_id"], survivor_id=self.customer.pk)

    def preview(self) -> dict:
        """What would move (read-only; the service checks again when it is decided). The
        id is fixed from here on: the page carries it as the previewed one."""
        victim_id = self.cleaned_data["victim_id"]
        self.data = self.data.copy()
        self.data["previewed_victim_id"] = str(victim_id)
        self.fields["victim_id"].widget.attrs["readonly"] = True
        can_view_pii = self.user.has_perm(console_display.PII_PERMISSION)
        profiles = list(SourceProfile.objects.filter(customer_id=victim_id).order_by("pk"))
        identifiers = list(Identifier.objects.filter(customer_id=victim_id).order_by("type", "pk"))
        survivor_profiles = list(self.customer.profiles.order_by("pk"))
        return {
            "confirm_label": f"Raise the request: merge {victim_id} into {self.customer.pk}",
            "survivor_id": self.customer.pk,
            "survivor_name": console_display.display_name(survivor_profiles),
            "victim_id": victim_id,
            "victim_name": console_display.display_name(profiles),
            "profiles": profiles,
            "identifiers": console_display.identifier_rows(
                identifiers,
                can_view_pii=can_view_pii,
                types=tuple(identifier.type for identifier in identifiers),
            ),
            "enrollments": list(
                Enrollment.objects.filter(customer_id=victim_id).select_related("program")
            ),
            "pending_requests": Request.objects.filter(
                customer_id=victim_id, status=RequestStatus.PENDING
            ).count(),
        }


class MobileReallocForm(RaiseForm):
    request_type = RequestType.CHANGE_IDENTIFIER
    fixed_base_type = RequestBaseType.MOBILE_REALLOC
    mobile = forms.CharField(max_length=32)
    from_customer_id = forms.IntegerField(help_text="The user id that holds the mobile now.")
    source = forms.ChoiceField(
        help_text="Where the holder has the mobile: a source, or a source's account."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every configured place a mobile can be held: single-account sources, and each
        # account of the multi-account ones (which the service needs as `accountId`).
        accounts = SourceAccount.objects.filter(is_active=True).order_by("source", "account_id")
        self.fields["source"].choices = [
            (source, source) for source in Source.values if source not in MULTI_ACCOUNT_SOURCES
        ] + [
            (f"{account.source}|{account.account_id}", profile_label_of(account))
            for account in accounts
        ]
        self.fields["source"].initial = Source.INSTORE

    def _source_and_account(self) -> tuple[str, str]:
        source, _, account_id = self.cleaned_data.get("source", "").partition("|")
        return source, account_id

    def message_context(self) -> dict:
        source, account_id = self._source_and_account()
        return {
            "from_customer": self.cleaned_data.get("from_customer_id"),
            "source": f"{source} account {account_id}" if account_id else source,
        }

    def details(self) -> MobileReallocation:
        source, account_id = self._source_and_account()
        return request_parsers.mobile_reallocation(
            self.cleaned_data["mobile"],
            from_customer_id=self.cleaned_data["from_customer_id"],
            to_customer_id=self.customer.pk,
            source=source,
            account_id=account_id,
        )


class ErasureForm(RaiseForm):
    request_type = RequestType.ERASURE
    fixed_base_type = RequestBaseType.ERASE
    understood = forms.BooleanField(
        label="Names, identifiers, channels and fields are erased for good",
        help_text="Points, bills and the customer id stay, no longer linked to a person. "
        "A second person approves the request; it cannot be undone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            max_length=200, help_text="Why, e.g. the reference of the customer's request."
        )

    def details(self) -> Erasure:
        return Erasure()


RAISE_KINDS = {
    "goodwill-points": {
        "type": RequestType.GOODWILL,
        "form": GoodwillPointsForm,
        "title": "Goodwill points",
        "intro": "Points credited to the program once a supervisor approves (perhaps fewer).",
    },
    "goodwill-coupon": {
        "type": RequestType.GOODWILL,
        "form": GoodwillCouponForm,
        "title": "Goodwill coupon",
        "intro": "A coupon of the series issued once a supervisor approves.",
    },
    "retro": {
        "type": RequestType.TRANSACTION_UPDATE,
        "form": RetroForm,
        "title": "Retro claim of a bill",
        "intro": "A not-interested bill becomes the customer's, and earns its points, on approval.",
    },
    "identifier": {
        "type": RequestType.CHANGE_IDENTIFIER,
        "form": IdentifierChangeForm,
        "title": "Identifier change",
        "intro": "Replace a mobile, e-mail or external id of one source profile.",
    },
    "merge": {
        "type": RequestType.CHANGE_IDENTIFIER,
        "form": MergeForm,
        "title": "Merge a duplicate into this customer",
        "intro": "Customer {customer} survives: the duplicate you name moves into it and "
        "then points to it. You see what moves before the request is raised.",
    },
    "mobile-realloc": {
        "type": RequestType.CHANGE_IDENTIFIER,
        "form": MobileReallocForm,
        "title": "Mobile reallocation",
        "intro": "Move a mobile number from another customer to this one.",
    },
    "erasure": {
        "type": RequestType.ERASURE,
        "form": ErasureForm,
        "title": "Request erasure",
        "intro": "Erase the customer's personal data, once a supervisor approves.",
    },
}


def single_view_actions(*, customer: Customer, request) -> list[dict]:
    """ "Raise …" buttons for the request types the user may make."""
    if customer.merged_into_id:
        return []
    return [
        {
            "label": spec["title"],
            "url": reverse("admin:loyalty_request_raise", args=[customer.pk, kind]),
        }
        for kind, spec in RAISE_KINDS.items()
        if may(request.user, spec["type"], "make")
    ]


# --- Audit trail ----------------------------------------------------------------------


def _actor_label(*, till=None, user=None) -> str:
    if till is not None:
        return f"till:{till.code}"
    return f"user:{user.get_username()}" if user is not None else ""


def audit_entries(*, customer: Customer, limit: int) -> list[dict]:
    """Requests made for the customer and their decisions, for the audit trail (one query)."""
    from django.db.models import Q

    requests = (
        Request.objects.filter(Q(customer=customer) | Q(other_customer=customer))
        .select_related("requested_by_till", "requested_by_user", "decided_by_user")
        .order_by("-pk")[:limit]
    )
    rows = []
    for made in requests:
        what = f"Request {made.type}/{made.base_type}"
        rows.append(
            {
                "at": made.requested_at,
                "actor": _actor_label(till=made.requested_by_till, user=made.requested_by_user),
                "what": what,
                "object_id": made.pk,
                "label": "made",
                "changes": [{"field": "reason", "old": None, "new": made.reason or "–"}],
            }
        )
        if made.decided_at:
            rows.append(
                {
                    "at": made.decided_at,
                    "actor": _actor_label(user=made.decided_by_user) or "auto",
                    "what": what,
                    "object_id": made.pk,
                    "label": made.status.lower(),
                    "changes": [
                        {"field": "status", "old": "PENDING", "new": made.status},
                        *(
                            [{"field": "approved", "old": None, "new": made.approved_value}]
                            if made.approved_value is not None
                            else []
                        ),
                    ],
                }
            )
    return rows


# --- Dashboard ------------------------------------------------------------------------


def dashboard(*, request) -> dict | None:
    """Pending requests per type with the oldest's age, and today's decisions (two
    queries; the pending rows are found through the (status, requested_at) index)."""
    if not may_read_requests(request.user):
        return None
    now = timezone.now()
    pending = {
        row["type"]: row
        for row in Request.objects.filter(status=RequestStatus.PENDING)
        .values("type")
        .annotate(count=Count("pk"), oldest=Min("requested_at"))
    }
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    decided = {
        row["status"]: row["count"]
        for row in Request.objects.filter(decided_at__gte=start_of_day)
        .values("status")
        .annotate(count=Count("pk"))
    }
    queue = reverse("admin:loyalty_request_changelist")
    return {
        "pending": [
            {
                "type": request_type,
                "label": RequestType(request_type).label,
                "count": pending.get(request_type, {}).get("count", 0),
                "oldest": timesince(pending[request_type]["oldest"], now).split(",")[0]
                if request_type in pending
                else "",
                "url": f"{queue}?status=PENDING&type__exact={request_type}",
            }
            for request_type in REQUEST_TYPES
        ],
        "decided_today": [
            {"status": status, "count": decided.get(status, 0)}
            for status in (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.FAILED)
        ],
        "queue_url": queue,
        "configuration_url": reverse("admin:loyalty_requesttypeconfig_changelist")
        if request.user.has_perm("loyalty.view_requesttypeconfig")
        else "",
    }


admin.site.register(Request, RequestConsoleAdmin)
registry.single_view_actions.register("requests", single_view_actions, order=10)
registry.audit_trail_entries.register("requests", audit_entries, order=10)
registry.dashboard_panels.register(
    "requests",
    registry.DashboardPanel(
        key="requests",
        title="Requests",
        template="admin/loyalty/request/dashboard_panel.html",
        load=dashboard,
    ),
    order=10,
)
