"""Admin for the per-type request configuration. The queues and approve / reject screens
are the staff console's; they call `loyalty.request_services`."""

from django.contrib import admin

from loyalty.models import RequestTypeConfig


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
