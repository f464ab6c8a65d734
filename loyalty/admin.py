"""Admin for loyalty configuration (programs, tiers, coupon series) and read-only views of
enrollments and the ledger: figures only change through the services (ledger postings)."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from customers.console_search import EstimatingPaginator
from loyalty.models import CouponSeries, Enrollment, LedgerEntry, Program, Tier


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "is_default",
        "points_per_currency_unit",
        "registration_bonus_points",
        "welcome_coupon_series",
        "points_validity_days",
        "is_active",
    )
    inlines = [TierInline]


@admin.register(CouponSeries)
class CouponSeriesAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "coupon_type", "validity_days", "is_active")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ("customer_id", "program", "tier", "loyalty_points", "lifetime_points")
    list_select_related = ("program", "tier")
    list_filter = ("program",)
    search_fields = ("=customer__id", "=loyalty_id")
    raw_id_fields = ("customer",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    # Short columns that never wrap, the reason last and wrapping (console.css): the
    # table fits beside the two sidebars.
    list_display = (
        "id",
        "when",
        "customer_link",
        "program_number",
        "kind",
        "points",
        "request_link",
        "reason",
    )
    list_filter = ("kind", "program")
    search_fields = ("=customer__id",)
    search_help_text = "Customer user id."
    raw_id_fields = ("customer", "enrollment", "bill", "transfer")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatingPaginator  # the ledger is the biggest table: never COUNT(*) it
    change_list_template = "admin/loyalty/ledgerentry/change_list.html"

    @admin.display(description="When", ordering="created_at")
    def when(self, entry: LedgerEntry) -> str:
        return f"{timezone.localtime(entry.created_at):%Y-%m-%d %H:%M}"

    @admin.display(description="Customer")
    def customer_link(self, entry: LedgerEntry) -> str:
        url = reverse("admin:customers_customer_single_view", args=[entry.customer_id])
        return format_html('<a href="{}">{}</a>', url, entry.customer_id)

    @admin.display(description="Program")
    def program_number(self, entry: LedgerEntry) -> int:
        return entry.program_id

    @admin.display(description="Request")
    def request_link(self, entry: LedgerEntry) -> str:
        if not entry.source_request_id:
            return "–"
        url = reverse("admin:loyalty_request_page", args=[entry.source_request_id])
        return format_html('<a href="{}">{}</a>', url, entry.source_request_id)


from loyalty.workflow import admin as workflow_admin  # noqa: E402, F401  (request screens)
