from django.contrib import admin, messages

from customers.models import (
    ApiKey,
    CustomFieldDefinition,
    ExtendedFieldDefinition,
    SourceAccount,
    Store,
    Till,
    TillAccessGroup,
)


class TillInline(admin.TabularInline):
    model = Till
    fields = ["code", "name", "access_group", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active", "throttle_rate"]
    search_fields = ["code", "name"]
    inlines = [TillInline]


@admin.register(TillAccessGroup)
class TillAccessGroupAdmin(admin.ModelAdmin):
    """Capillary's access groups: what a till may do per resource (config.access.API)."""

    list_display = ["name", "code", "customer", "loyalty", "request", "till_count"]
    search_fields = ["name", "code"]

    @admin.display(description="tills")
    def till_count(self, group: TillAccessGroup) -> int:
        return group.tills.count()


@admin.register(Till)
class TillAdmin(admin.ModelAdmin):
    list_display = ["code", "store", "access_group", "is_active", "created_at"]
    list_filter = ["is_active", "access_group"]
    list_select_related = ["store", "access_group"]
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
    list_display = [
        "prefix",
        "till",
        "user",
        "name",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["till", "user", "scope"]
    fields = list_display  # type: ignore[assignment]  # never the hash (callables: read-only)
    readonly_fields = ["prefix", "till", "user", "created_at", "last_used_at"]
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
