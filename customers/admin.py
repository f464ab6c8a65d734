from django.contrib import admin, messages

from customers.models import (
    ApiKey,
    CustomFieldDefinition,
    ExtendedFieldDefinition,
    SourceAccount,
    Store,
    Till,
)


class TillInline(admin.TabularInline):
    model = Till
    fields = ["code", "name", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active", "throttle_rate"]
    search_fields = ["code", "name"]
    inlines = [TillInline]


@admin.register(Till)
class TillAdmin(admin.ModelAdmin):
    list_display = ["code", "store", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    exclude = ["secret_hash"]
    actions = ["issue_api_key"]

    @admin.action(description="Issue an API key (shown once)")
    def issue_api_key(self, request, queryset):
        for till in queryset:
            _, raw_key = ApiKey.issue(till=till, name=f"issued by {request.user}")
            self.message_user(
                request,
                f"API key for {till.code} (copy it now, it is not shown again): {raw_key}",
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "till", "user", "name", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "till", "user", "created_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are issued from the till page or `manage.py create_api_key`

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} key(s) revoked.")


@admin.register(SourceAccount)
class SourceAccountAdmin(admin.ModelAdmin):
    list_display = ["source", "account_id", "name", "is_active"]
    list_filter = ["source"]


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "data_type", "is_active"]


@admin.register(ExtendedFieldDefinition)
class ExtendedFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "data_type", "allowed_values", "is_active"]


from customers import console  # noqa: F401,E402  (the staff console: customer search and single view)
