"""Org structure for attribution (stores, tills, API keys) and the customer registry."""

from __future__ import annotations

import secrets

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import Deferrable, Q
from django.db.models.functions import Lower
from django.utils import timezone

from config.access import Level, Resource
from config.credentials import api_key_hash, till_secret_hash

# --- Who is calling -------------------------------------------------------------------


class Store(models.Model):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    # e.g. "600/min"; empty means the default till rate (settings.TILL_THROTTLE_RATE).
    throttle_rate = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return self.code


class AccessLevel(models.IntegerChoices):
    NONE = Level.NONE, "none"
    READ = Level.READ, "read"
    WRITE = Level.WRITE, "read and write"


class TillAccessGroup(models.Model):
    """What a till may do, per API resource (Capillary's access groups): none, read (GET)
    or read and write. The endpoints' resources are declared in `config.access.API`."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    customer = models.PositiveSmallIntegerField(
        choices=AccessLevel.choices,
        default=AccessLevel.READ,
        help_text="Customers: register, look up, read, update, change identifiers, status, "
        "subscriptions.",
    )
    loyalty = models.PositiveSmallIntegerField(
        choices=AccessLevel.choices,
        default=AccessLevel.READ,
        help_text="Loyalty: points, ledger, coupons, bills; writing adds bills and transfers points.",
    )
    request = models.PositiveSmallIntegerField(
        choices=AccessLevel.choices,
        default=AccessLevel.READ,
        help_text="Requests: read them; writing raises goodwill, retro and change requests.",
    )

    def __str__(self) -> str:
        return self.name

    def level(self, resource: Resource) -> Level:
        return Level(getattr(self, resource.value))


# The built-in groups (made by migration customers 0006, again here when missing): code,
# name, customer, loyalty, request levels. A till saved without a group gets POS, what
# every till could do before groups existed.
POS_ACCESS_GROUP = "pos"
BUILT_IN_ACCESS_GROUPS = {
    "read_only": ("Read only", Level.READ, Level.READ, Level.READ),
    "customer_write": ("Customer read/write", Level.WRITE, Level.READ, Level.READ),
    "loyalty_write": ("Loyalty write", Level.READ, Level.WRITE, Level.READ),
    "requests_raise": ("Requests raise", Level.READ, Level.READ, Level.WRITE),
    POS_ACCESS_GROUP: ("POS (full access)", Level.WRITE, Level.WRITE, Level.WRITE),
}


def access_group_built_in(code: str) -> TillAccessGroup:
    name, customer, loyalty, request = BUILT_IN_ACCESS_GROUPS[code]
    group, _ = TillAccessGroup.objects.get_or_create(
        code=code,
        defaults={"name": name, "customer": customer, "loyalty": loyalty, "request": request},
    )
    return group


def default_access_group() -> int:
    return access_group_built_in(POS_ACCESS_GROUP).pk


class Till(models.Model):
    """A point-of-sale till (or an integration) calling the API."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="tills")
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    secret_hash = models.CharField(max_length=256, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    access_group = models.ForeignKey(
        TillAccessGroup,
        on_delete=models.PROTECT,
        related_name="tills",
        help_text="What the till may call (Customers › Till access groups).",
    )

    # DRF treats the authenticated principal like a user.
    is_authenticated = True
    is_anonymous = False
    is_staff = False

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        if self.access_group_id is None:  # made in code without a group: a POS till
            self.access_group_id = default_access_group()
        super().save(*args, **kwargs)

    def set_secret(self, raw_secret: str) -> None:
        self.secret_hash = till_secret_hash(raw_secret)

    def has_perm(self, perm: str, obj=None) -> bool:  # tills hold no staff permissions
        return False


class ApiKey(models.Model):
    """A bearer key of a till or a staff user: shown once, stored as a keyed hash
    (`config.credentials`). A till's key may do what its till's access group allows,
    narrowed by `scope` when one is set."""

    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=128)
    till = models.ForeignKey(Till, null=True, blank=True, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    name = models.CharField(max_length=200, blank=True)
    scope = models.ForeignKey(
        TillAccessGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Narrows the key to this group's levels (never widens its till's). Empty: "
        "the till's group (or the user's permissions).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(till__isnull=False, user__isnull=True)
                    | Q(till__isnull=True, user__isnull=False)
                ),
                name="api_key_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.till or self.user})"

    @classmethod
    def issue(
        cls,
        *,
        till: Till | None = None,
        user=None,
        name: str = "",
        scope: TillAccessGroup | None = None,
        expires_at=None,
    ) -> tuple[ApiKey, str]:
        """Create a key and return it with its raw value, which is not stored."""
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        api_key = cls.objects.create(
            prefix=prefix,
            key_hash=api_key_hash(secret),
            till=till,
            user=user,
            name=name,
            scope=scope,
            expires_at=expires_at,
        )
        return api_key, f"{prefix}.{secret}"


class Attributed(models.Model):
    """Created / modified by a till or a staff user, and when."""

    created_at = models.DateTimeField(default=timezone.now)
    created_by_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modified_at = models.DateTimeField(default=timezone.now)
    modified_by_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modified_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


# --- Configuration --------------------------------------------------------------------


class Source(models.TextChoices):
    INSTORE = "INSTORE"
    FACEBOOK = "FACEBOOK"
    WEB_ENGAGE = "WEB_ENGAGE"
    WECHAT = "WECHAT"
    MARTJACK = "MARTJACK"
    TMALL = "TMALL"
    TAOBAO = "TAOBAO"
    JD = "JD"
    ECOMMERCE = "ECOMMERCE"
    WEBSITE = "WEBSITE"
    LINE = "LINE"
    MOBILE_APP = "MOBILE_APP"


MULTI_ACCOUNT_SOURCES = frozenset(
    {Source.FACEBOOK, Source.WEB_ENGAGE, Source.WECHAT, Source.MOBILE_APP, Source.LINE}
)


class SourceAccount(models.Model):
    """A configured account of a multi-account source (the API's `accountId`)."""

    source = models.CharField(max_length=16, choices=Source.choices)
    account_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "account_id"], name="source_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.account_id}"


class FieldDataType(models.TextChoices):
    STRING = "string"
    INTEGER = "integer"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"


class CustomFieldDefinition(models.Model):
    """An org's custom profile field (the API's `fields`); unknown keys answer 1017."""

    name = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=200, blank=True)
    data_type = models.CharField(
        max_length=16, choices=FieldDataType.choices, default=FieldDataType.STRING
    )
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class ExtendedFieldDefinition(models.Model):
    """A standard extended field (the API's `extendedFields`); bad values answer 91015."""

    name = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=200, blank=True)
    data_type = models.CharField(
        max_length=16, choices=FieldDataType.choices, default=FieldDataType.STRING
    )
    allowed_values = models.JSONField(
        default=list, blank=True, help_text="Empty means any value of the data type."
    )
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


# --- Customers ------------------------------------------------------------------------


class LoyaltyType(models.TextChoices):
    LOYALTY = "loyalty"
    NON_LOYALTY = "non_loyalty"


class CustomerStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"
    FRAUD_MARKED = "FRAUD_MARKED"
    FRAUD_CONFIRMED = "FRAUD_CONFIRMED"


FRAUD_STATUSES = frozenset({CustomerStatus.FRAUD_MARKED, CustomerStatus.FRAUD_CONFIRMED})


# --- Invariants the database keeps (docs/invariants.md) -------------------------------


def live_customer_trigger(
    name: str, *, operation=None, condition: str = "", column: str = "customer_id"
) -> pgtrigger.Trigger:
    """I2 / I4: a row may not be given to a merge victim (its profiles, identifiers,
    channels, points, requests and subscriptions moved to the survivor). `column` names the
    customer; by default the trigger runs on insert and on a change of that column. The
    customer row is read FOR KEY SHARE, so a merge committing meanwhile (which holds it
    FOR UPDATE) is waited for and then seen. Other apps put it on their tables too."""
    return pgtrigger.Trigger(
        name=name,
        operation=operation or pgtrigger.Insert | pgtrigger.UpdateOf(column),
        when=pgtrigger.Before,
        condition=pgtrigger.Condition(condition) if condition else None,
        declare=[("survivor", "bigint")],
        func=f"""
            SELECT merged_into_id INTO survivor FROM customers_customer
             WHERE id = NEW.{column} FOR KEY SHARE;
            IF survivor IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation',
                    MESSAGE = format('I2: customer %s is merged into %s; %s rows go to the survivor',
                                     NEW.{column}, survivor, TG_TABLE_NAME);
            END IF;
            RETURN NEW;
        """,
    )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Customer(Attributed):
    """A person; `id` is the API's `userId`."""

    loyalty_type = models.CharField(
        max_length=16, choices=LoyaltyType.choices, default=LoyaltyType.LOYALTY
    )
    status = models.CharField(
        max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    extended_fields = models.JSONField(default=dict, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)
    associated_with = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merge_victims"
    )
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("view_pii", "Can see customers' identifiers in full")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="customer_not_merged_into_self"
            )
        ]
        triggers = [
            # I2: a customer becomes a merge victim only once it holds no profile,
            # identifier or channel, into a live survivor, and once its own victims point
            # at that survivor: every victim is one hop from a live customer.
            pgtrigger.Trigger(
                name="victim_holds_nothing",
                operation=pgtrigger.UpdateOf("merged_into_id"),
                when=pgtrigger.Before,
                condition=pgtrigger.Condition("NEW.merged_into_id IS NOT NULL"),
                func="""
                    IF EXISTS (SELECT 1 FROM customers_identifier WHERE customer_id = NEW.id)
                       OR EXISTS (SELECT 1 FROM customers_sourceprofile WHERE customer_id = NEW.id)
                       OR EXISTS (SELECT 1 FROM customers_commchannel WHERE customer_id = NEW.id)
                    THEN
                        RAISE EXCEPTION USING ERRCODE = 'check_violation',
                            MESSAGE = format('I2: customer %s still holds profiles, identifiers '
                                             'or channels and cannot be a merge victim', NEW.id);
                    END IF;
                    IF (SELECT merged_into_id FROM customers_customer
                         WHERE id = NEW.merged_into_id) IS NOT NULL THEN
                        RAISE EXCEPTION USING ERRCODE = 'check_violation',
                            MESSAGE = format('I2: survivor %s of customer %s is itself merged',
                                             NEW.merged_into_id, NEW.id);
                    END IF;
                    IF EXISTS (SELECT 1 FROM customers_customer WHERE merged_into_id = NEW.id) THEN
                        RAISE EXCEPTION USING ERRCODE = 'check_violation',
                            MESSAGE = format('I2: customer %s has victims of its own; they are '
                                             'moved to the new survivor first', NEW.id);
                    END IF;
                    RETURN NEW;
                """,
            )
        ]

    def __str__(self) -> str:
        return f"Customer {self.pk}"

    @property
    def is_fraud(self) -> bool:
        return self.status in FRAUD_STATUSES


class CustomerStatusChange(models.Model):
    """History of status changes (fraud, suspension, deletion) with label and reason."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=16, choices=CustomerStatus.choices)
    new_status = models.CharField(max_length=16, choices=CustomerStatus.choices)
    label = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-changed_at"], name="status_change_by_customer")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.old_status} -> {self.new_status}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class SourceProfile(Attributed):
    """What one source (and account) knows of a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="profiles")
    source = models.CharField(max_length=16, choices=Source.choices)
    account = models.ForeignKey(
        SourceAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="profiles"
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    auto_update_time = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "source", "account"],
                name="one_profile_per_customer_source_account",
                nulls_distinct=False,
            )
        ]
        triggers = [live_customer_trigger("profile_of_live_customer")]
        indexes = [
            # Prefix search on names: `lower(first_name) LIKE 'tom%'` uses these whatever
            # the database collation is.
            models.Index(
                OpClass(Lower("first_name"), name="text_pattern_ops"),
                name="profile_first_name_prefix",
                # Covering, so a prefix search is an index-only scan (bench: p95 323 -> 17 ms at 1M).
                include=["customer_id", "first_name"],
            ),
            models.Index(
                OpClass(Lower("last_name"), name="text_pattern_ops"),
                name="profile_last_name_prefix",
                include=["customer_id", "last_name"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} profile of {self.customer_id}"


class IdentifierType(models.TextChoices):
    MOBILE = "mobile"
    EMAIL = "email"
    EXTERNAL_ID = "externalId"
    WECHAT = "wechat"
    MARTJACK_ID = "martjackId"
    FB_ID = "fbId"
    TMALL_UNAME = "tmall_uname"
    CUID = "cuid"
    ALI_UNAME = "ali_uname"
    JD_UNAME = "jd_uname"
    VIP_UNAME = "vip_uname"
    MOBILE_PUSH = "mobilePush"
    LINE = "line"
    CARD_NUMBER = "cardNumber"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Identifier(models.Model):
    """(type, value) on a source profile; value normalised before storing.

    `customer`, `source` and `account` repeat the profile's so that uniqueness is one
    database constraint and a lookup is one index probe.
    """

    profile = models.ForeignKey(SourceProfile, on_delete=models.CASCADE, related_name="identifiers")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="identifiers")
    source = models.CharField(max_length=16, choices=Source.choices)
    account = models.ForeignKey(
        SourceAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField(max_length=16, choices=IdentifierType.choices)
    value = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # I1: unique inside its source (single-account) or account.
            models.UniqueConstraint(
                fields=["source", "account", "type", "value"],
                name="identifier_unique_in_source_account",
                nulls_distinct=False,
            ),
            # I1: one holder across sources: every row of a (type, value) names the same
            # customer. Checked at the end of each statement, so a merge can move a
            # victim's rows of one value in several sources with one UPDATE.
            ExclusionConstraint(
                name="identifier_one_holder",
                expressions=[
                    ("type", RangeOperators.EQUAL),
                    ("value", RangeOperators.EQUAL),
                    ("customer", RangeOperators.NOT_EQUAL),
                ],
                deferrable=Deferrable.IMMEDIATE,
            ),
        ]
        triggers = [live_customer_trigger("identifier_of_live_customer")]
        indexes = [
            models.Index(fields=["type", "value"], name="identifier_type_value"),
            models.Index(fields=["customer"], name="identifier_customer"),
            # Prefix search on any identifier value, case-insensitive.
            models.Index(
                OpClass(Lower("value"), name="text_pattern_ops"),
                name="identifier_value_prefix",
                include=["customer_id", "value"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}={self.value}"


class CommChannelType(models.TextChoices):
    MOBILE = "mobile"
    EMAIL = "email"
    WECHAT = "wechat"
    MOBILE_PUSH = "mobilePush"
    LINE = "line"
    ANDROID = "android"
    IOS = "ios"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CommChannel(models.Model):
    profile = models.ForeignKey(
        SourceProfile, on_delete=models.CASCADE, related_name="comm_channels"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="comm_channels")
    type = models.CharField(max_length=16)
    value = models.CharField(max_length=200)
    primary = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer"], name="comm_channel_customer")]
        constraints = [
            # I3: at most one primary value per channel type and customer (the same number
            # may be primary in several source profiles; two numbers may not).
            ExclusionConstraint(
                name="comm_channel_one_primary_value",
                expressions=[
                    ("customer", RangeOperators.EQUAL),
                    ("type", RangeOperators.EQUAL),
                    ("value", RangeOperators.NOT_EQUAL),
                ],
                condition=Q(primary=True),
                deferrable=Deferrable.IMMEDIATE,
            )
        ]
        triggers = [live_customer_trigger("channel_of_live_customer")]

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


class CustomerMerge(models.Model):
    """One merge: the victim's profiles, identifiers (and other apps' rows) moved to the survivor."""

    victim = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_as_victim")
    survivor = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="merges_as_survivor"
    )
    reason = models.CharField(max_length=200, blank=True)
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by_till = models.ForeignKey(
        Till, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["victim"], name="customer_merged_once"),
            models.CheckConstraint(
                condition=~Q(victim=models.F("survivor")), name="merge_victim_is_not_survivor"
            ),
        ]
        indexes = [models.Index(fields=["survivor"], name="merge_by_survivor")]

    def __str__(self) -> str:
        return f"{self.victim_id} merged into {self.survivor_id}"
