"""What the staff console's request screens share: who may do what (the buttons a user sees;
the service enforces the same rules), the console's wording of a refusal or a failure, and a
request's value in one line. The screens: `admin` (queue, request page, decisions), `forms`
(raising requests from the single view), `dashboard` and `audit_trail` (home page panel,
the customer's trail)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.html import format_html

from config import codes
from config.errors import DomainError
from config.masking import mask_text
from customers import console_display
from loyalty.models import (
    Request,
    RequestBaseType,
    RequestStatus,
    RequestType,
)
from loyalty.workflow import rules

STATUS_TONES: dict[str, str] = {
    RequestStatus.PENDING: "warn",
    RequestStatus.APPROVED: "ok",
    RequestStatus.REJECTED: "muted",
    RequestStatus.FAILED: "danger",
}
REQUEST_TYPES = tuple(RequestType.values)


def may(user, request_type: str, action: str) -> bool:
    return rules.actor_may(user, request_type, action)


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


def error_text(error: DomainError, kind: str = "", **context) -> str:
    return console_display.error_text(error, kind, **context)


def failure_text(request: Request) -> str:
    """Why an approved request FAILED, in the console's words (the stored reason is the
    service's message, which the API answers)."""
    if not request.failure_code:
        return mask_text(request.failure_reason)
    plain = codes.staff_message(request.failure_code) or mask_text(request.failure_reason)
    return f"{plain} (code {request.failure_code})"


def customer_link(customer_id: int | None, label: str = "") -> str:
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
