"""Requests (goodwill, retro, identifier change, merge, mobile reallocation, erasure) and their workflow configuration.

One `Request` table holds every type; what differs per type is the JSON `payload` (validated
by `loyalty.workflow.services`) and the effect applied when the request is approved. A
request is made by a till (with its store) or a staff user and decided by a staff user
holding the type's check permission; the database refuses a decider equal to the requester
unless the request was a one-step issue.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from customers.models import Customer, CustomerMerge, Store, Till, live_customer_trigger
from loyalty.models.core import POINTS, Coupon, Program
from loyalty.models.core import Transaction as Bill

__all__ = [
    "BASE_TYPES_OF",
    "PERMISSION_GROUP_OF",
    "Request",
    "RequestBaseType",
    "RequestStatus",
    "RequestType",
    "RequestTypeConfig",
]


class RequestType(models.TextChoices):
    GOODWILL = "GOODWILL"
    TRANSACTION_UPDATE = "TRANSACTION_UPDATE"
    CHANGE_IDENTIFIER = "CHANGE_IDENTIFIER"
    # Erasure of a customer's personal data (customers.erasure); never one-step or automatic.
    ERASURE = "ERASURE"


class RequestBaseType(models.TextChoices):
    POINTS = "POINTS"
    COUPON = "COUPON"
    RETRO = "RETRO"
    MOBILE = "MOBILE"
    EMAIL = "EMAIL"
    EXTERNAL_ID = "EXTERNAL_ID"
    MERGE = "MERGE"
    MOBILE_REALLOC = "MOBILE_REALLOC"
    ERASE = "ERASE"


class RequestStatus(models.TextChoices):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"  # approved, but the effect could not be applied; nothing was written


BASE_TYPES_OF: dict[str, tuple[str, ...]] = {
    RequestType.GOODWILL: (RequestBaseType.POINTS, RequestBaseType.COUPON),
    RequestType.TRANSACTION_UPDATE: (RequestBaseType.RETRO,),
    RequestType.CHANGE_IDENTIFIER: (
        RequestBaseType.MOBILE,
        RequestBaseType.EMAIL,
        RequestBaseType.EXTERNAL_ID,
        RequestBaseType.MERGE,
        RequestBaseType.MOBILE_REALLOC,
    ),
    RequestType.ERASURE: (RequestBaseType.ERASE,),
}

# The permission family of each type: `make_<family>_request`, `check_<family>_request`,
# `one_step_<family>_request`. Merge and mobile reallocation are identifier changes.
PERMISSION_GROUP_OF: dict[str, str] = {
    RequestType.GOODWILL: "goodwill",
    RequestType.TRANSACTION_UPDATE: "retro",
    RequestType.CHANGE_IDENTIFIER: "identifier_change",
    RequestType.ERASURE: "erasure",
}


class RequestTypeConfig(models.Model):
    """How one (type, baseType) of request behaves; edited by operations in the admin."""

    type = models.CharField(max_length=24, choices=RequestType.choices)
    base_type = models.CharField(max_length=16, choices=RequestBaseType.choices)
    auto_approve = models.BooleanField(
        default=False,
        help_text="Approve every new request of this type at once, without a checker.",
    )
    allow_caller_auto_approve = models.BooleanField(
        default=False,
        help_text=(
            "Callers may ask for auto-approval (`autoApprove: true`) of a single request. "
            "When off, such a request waits for a checker and answers warning 9025."
        ),
    )
    goodwill_points_cap = models.DecimalField(
        **POINTS,
        null=True,
        blank=True,
        help_text="Goodwill points: the most one request may ask for (above it: 9016). Empty: no cap.",
    )
    allowed_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            'Reasons a request may give, as a JSON list such as ["POINTS_ISSUE", '
            '"BILL_ISSUE"]. Another reason is refused (9015). Empty list: any reason.'
        ),
    )
    default_till = models.ForeignKey(
        Till,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Goodwill: the till recorded on the ledger credit. Empty: the decider.",
    )
    notification_emails = models.TextField(
        blank=True,
        help_text=(
            "Addresses told of every new request and decision of this type, "
            "separated by commas or new lines."
        ),
    )
    retro_enabled = models.BooleanField(
        default=True,
        help_text="Retro: whether not-interested bills may be claimed at all (off: 1631).",
    )
    retro_max_bill_age_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Retro: the oldest bill that may be claimed, in days before today (older: 1632).",
    )
    retro_hours_before_registration = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Retro: how many hours before the customer's registration a claimed bill may be "
            "dated (earlier: 1633). Empty: no limit."
        ),
    )

    class Meta:
        verbose_name = "request type configuration"
        constraints = [
            models.UniqueConstraint(fields=["type", "base_type"], name="request_config_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.type} / {self.base_type}"

    @property
    def notification_addresses(self) -> list[str]:
        raw = self.notification_emails.replace("\n", ",").replace(";", ",")
        return [address.strip() for address in raw.split(",") if address.strip()]


class Request(models.Model):
    """One request of any type, from its making to its decision and effect."""

    type = models.CharField(max_length=24, choices=RequestType.choices)
    base_type = models.CharField(max_length=16, choices=RequestBaseType.choices)
    status = models.CharField(
        max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="requests")
    # The other customer a merge (victim) or a mobile reallocation (from) involves.
    other_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    comments = models.TextField(blank=True)
    reference_id = models.CharField(max_length=100, blank=True)

    requested_at = models.DateTimeField(default=timezone.now)
    requested_by_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The till's store when the request was made (the API's `addedByParent`).
    requested_at_store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_comments = models.TextField(blank=True)
    approved_value = models.DecimalField(**POINTS, null=True, blank=True)
    one_step = models.BooleanField(default=False)
    auto_approved = models.BooleanField(default=False)
    failure_code = models.IntegerField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)

    # What the effect wrote. Ledger entries point here by `LedgerEntry.source_request_id`.
    coupon = models.ForeignKey(
        Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merge = models.ForeignKey(
        CustomerMerge, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        permissions = [
            ("make_goodwill_request", "Can make goodwill requests"),
            ("check_goodwill_request", "Can approve or reject goodwill requests"),
            ("one_step_goodwill_request", "Can issue goodwill in one step (make and approve)"),
            ("make_retro_request", "Can make retro (bill claim) requests"),
            ("check_retro_request", "Can approve or reject retro requests"),
            ("one_step_retro_request", "Can claim a bill in one step (make and approve)"),
            (
                "make_identifier_change_request",
                "Can make identifier change, merge and reallocation requests",
            ),
            (
                "check_identifier_change_request",
                "Can approve or reject identifier change, merge and reallocation requests",
            ),
            (
                "one_step_identifier_change_request",
                "Can change identifiers, merge and reallocate in one step",
            ),
            # No one-step permission: an erasure always needs a second person.
            ("make_erasure_request", "Can request the erasure of a customer's personal data"),
            (
                "check_erasure_request",
                "Can approve or reject the erasure of a customer's personal data",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(requested_by_till__isnull=False, requested_by_user__isnull=True)
                    | Q(requested_by_till__isnull=True, requested_by_user__isnull=False)
                ),
                name="request_has_one_requester",
            ),
            # Four eyes: the decider is not the requester, unless it was a one-step issue.
            models.CheckConstraint(
                condition=(
                    Q(one_step=True)
                    | Q(decided_by_user__isnull=True)
                    | Q(requested_by_user__isnull=True)
                    | ~Q(decided_by_user=F("requested_by_user"))
                ),
                name="request_decider_is_not_requester",
            ),
            models.CheckConstraint(
                condition=Q(status="PENDING") | Q(decided_at__isnull=False),
                name="request_decided_has_time",
            ),
        ]
        triggers = [
            # I2: an open request is about live customers (a merge moves them on).
            live_customer_trigger(
                "pending_request_of_live_customer",
                operation=pgtrigger.Insert | pgtrigger.Update,
                condition="NEW.status = 'PENDING'",
            ),
            live_customer_trigger(
                "pending_request_other_customer_live",
                operation=pgtrigger.Insert | pgtrigger.Update,
                condition="NEW.status = 'PENDING' AND NEW.other_customer_id IS NOT NULL",
                column="other_customer_id",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="request_queue"),
            models.Index(fields=["customer", "-id"], name="request_by_customer"),
            models.Index(fields=["other_customer", "status"], name="request_by_other_customer"),
        ]

    def __str__(self) -> str:
        return f"Request {self.pk} {self.type}/{self.base_type} {self.status}"

    @property
    def permission_group(self) -> str:
        return PERMISSION_GROUP_OF[self.type]

    @property
    def requester(self):
        return self.requested_by_till or self.requested_by_user
