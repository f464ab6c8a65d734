from django.contrib import admin

from config.codes import Code
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
    readonly_fields = fields  # type: ignore[assignment]  # plain names: a list[str]

    @admin.display(description="response body")
    def response_preview(self, obj: IdempotencyKey) -> str:
        return bytes(obj.response_body or b"")[:2000].decode("utf-8", "replace")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def permission_denied(request, exception=None):
    """The 403 page (`handler403`). Staff see the console's frame, what happened and the
    way back; the API keeps its JSON envelope."""
    from django.http import JsonResponse
    from django.template.response import TemplateResponse
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    from config.errors import status_item
    from config.exceptions import error_body

    if request.path.startswith("/v2/"):
        return JsonResponse(error_body([status_item(Code.PERMISSION_DENIED)]), status=403)
    user = getattr(request, "user", None)
    is_staff = bool(user and user.is_active and user.is_staff)
    referer = request.META.get("HTTP_REFERER", "")
    back = (
        referer
        if referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and referer != request.build_absolute_uri()
        else ""
    )
    context = {
        **(
            admin.site.each_context(request)
            if is_staff
            else {"site_header": admin.site.site_header}
        ),
        "title": "Not allowed",
        "back_url": back,
        "index_url": reverse("admin:index"),
        "roles_url": reverse("admin:auth_group_roles") if is_staff else "",
        "is_nav_sidebar_enabled": is_staff,
    }
    response = TemplateResponse(request, "admin/forbidden.html", context, status=403)
    return response.render()
