"""Opt-in / opt-out per customer, channel, priority and account, with an append-only log."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from customers.models import Attributed, Customer, Till, live_customer_trigger


class Channel(models.TextChoices):
    # Declaration order is the order answers list channels in (EMAIL, SMS, ANDROID, IOS as
    # the seed's embed sample shows). `MOBILE` is accepted on input and stored as SMS.
    EMAIL = "EMAIL"
    SMS = "SMS"
    ANDROID = "ANDROID"
    IOS = "IOS"
    WECHAT = "WECHAT"
    LINE = "LINE"
    MOBILE_PUSH = "MOBILE_PUSH"


class Priority(models.TextChoices):
    # TRANS before BULK: the order of the seed's GET sample.
    TRANS = "TRANS"
    BULK = "BULK"


class SubscriptionStatus(models.TextChoices):
    OPTIN = "OPTIN"
    OPTOUT = "OPTOUT"


class Scope(models.TextChoices):
    USER = "USER"


class SubScope(models.TextChoices):
    NONE = "NONE"


class ChangeSource(models.TextChoices):
    """Through what a choice was recorded."""

    API = "API", "Store API"
    ADMIN = "ADMIN", "Staff console"
    MERGE = "MERGE", "Customer merge"
    DEMO = "DEMO", "Demo data"


def _default_listed_channels() -> list[str]:
    return [Channel.EMAIL, Channel.SMS]


class SubscriptionSettings(models.Model):
    """The org's subscription configuration: one row (pk 1), edited in the admin.

    A channel without a recorded choice answers the default of its priority. BULK defaults
    to OPTOUT so that registering a customer (with or without `commChannels`) never opts
    them in to campaigns silently; an org whose customers consent at sign-up sets it to
    OPTIN, which reproduces the seed's all-OPTIN samples.
    """

    SINGLETON_PK = 1

    default_trans_status = models.CharField(
        max_length=8,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.OPTIN,
        help_text="Status of TRANS (transactional) messages for channels with no recorded choice.",
    )
    default_bulk_status = models.CharField(
        max_length=8,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.OPTOUT,
        help_text=(
            "Status of BULK (campaign) messages for channels with no recorded choice. "
            "OPTOUT means a customer receives campaigns only after an explicit opt-in."
        ),
    )
    listed_channels = ArrayField(
        models.CharField(max_length=16, choices=Channel.choices),
        default=_default_listed_channels,
        help_text="Channels always listed (with their default) even without a recorded choice.",
    )
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "subscription settings"
        verbose_name_plural = "subscription settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="subscription_settings_singleton")
        ]

    def __str__(self) -> str:
        return "Subscription settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON_PK
        self.modified_at = timezone.now()
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> SubscriptionSettings:
        """The org's settings, or the defaults (unsaved) when never edited."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)

    def default_status(self, priority: str) -> str:
        if priority == Priority.BULK:
            return self.default_bulk_status
        return self.default_trans_status


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Subscription(Attributed):
    """The current recorded choice of one customer for a channel, priority and account."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices)
    # The seed's `accountId`: free text ("" = no account); not checked against source
    # accounts because the seed's sample sends "123".
    account_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=8, choices=SubscriptionStatus.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "channel", "priority", "account_id"],
                name="one_subscription_per_customer_channel_priority_account",
            )
        ]
        # I2: a merge victim keeps no subscription (the merge step moves them).
        triggers = [
            live_customer_trigger(
                "subscription_of_live_customer", operation=pgtrigger.Insert | pgtrigger.Update
            )
        ]

    def __str__(self) -> str:
        account = f"/{self.account_id}" if self.account_id else ""
        return f"{self.customer_id} {self.channel}{account}/{self.priority}: {self.status}"


@pgtrigger.register(
    pgtrigger.Protect(
        name="subscription_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete
    )
)
class SubscriptionLog(models.Model):
    """One expressed choice: append-only (a database trigger refuses UPDATE and DELETE)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="subscription_log"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices)
    account_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=8, choices=SubscriptionStatus.choices)
    # The recorded status before this change; empty when the org default applied.
    previous_status = models.CharField(
        max_length=8, choices=SubscriptionStatus.choices, blank=True, default=""
    )
    reason = models.TextField(blank=True)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    communication_id = models.BigIntegerField(null=True, blank=True)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.USER)
    sub_scope = models.CharField(max_length=16, choices=SubScope.choices, default=SubScope.NONE)
    source = models.CharField(max_length=8, choices=ChangeSource.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set on the survivor's copy of a merge victim's row (the victim keeps its own).
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-changed_at", "-id"], name="subscription_log_newest")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}/{self.priority} -> {self.status}"

    @property
    def actor_label(self) -> str:
        if self.changed_by_till is not None:
            return f"till:{self.changed_by_till.code}"
        if self.changed_by_user is not None:
            return f"user:{self.changed_by_user.get_username()}"
        return ""
