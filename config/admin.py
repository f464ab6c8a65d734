from django.contrib import admin

from config.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the API and deleted by `purge_idempotency_keys`."""

    list_display = ["key", "principal", "method", "path", "response_status", "created_at"]
    list_filter = ["method", "response_status"]
    search_fields = ["=principal", "=key"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "principal",
        "key",
        "method",
        "path",
        "request_hash",
        "response_status",
        "response_content_type",
        "response_preview",
        "created_at",
        "expires_at",
    ]
    readonly_fields = fields

    @admin.display(description="response body")
    def response_preview(self, obj: IdempotencyKey) -> str:
        return bytes(obj.response_body or b"")[:2000].decode("utf-8", "replace")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
