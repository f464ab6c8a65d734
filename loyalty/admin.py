"""Admin for loyalty configuration (programs, tiers, coupon series) and read-only views of
enrollments and the ledger: figures only change through the services (ledger postings)."""

from django.contrib import admin

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
    list_display = ("id", "created_at", "customer_id", "program_id", "kind", "points", "reason")
    list_filter = ("kind", "program")
    search_fields = ("=customer__id",)
    raw_id_fields = ("customer", "enrollment", "bill", "transfer")
    show_full_result_count = False


import loyalty.console_requests  # noqa: E402, F401  (staff console: queue, decisions, raise forms)
from loyalty import request_admin  # noqa: E402, F401  (request type configuration)
