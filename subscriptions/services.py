"""Write operations on subscriptions: update (API and staff), merge step, request parsing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config import codes
from config.codes import Code
from config.errors import DomainError, DomainErrors, Warnings
from config.transactions import atomic_with_retry
from customers.audit import Actor, audit_context, created_by, modified_by
from customers.models import Customer, Till
from customers.selectors import customer_lock, customer_resolve, ensure_writable
from subscriptions.models import (
    ChangeSource,
    Channel,
    Priority,
    Scope,
    SubScope,
    Subscription,
    SubscriptionLog,
    SubscriptionSettings,
    SubscriptionStatus,
)

# Names a store may send for a channel (compared upper-cased, without "_"): the seed's
# request says MOBILE where its responses say SMS; both mean the SMS channel.
CHANNEL_ALIASES: dict[str, str] = {
    "EMAIL": Channel.EMAIL,
    "SMS": Channel.SMS,
    "MOBILE": Channel.SMS,
    "ANDROID": Channel.ANDROID,
    "IOS": Channel.IOS,
    "WECHAT": Channel.WECHAT,
    "LINE": Channel.LINE,
    "MOBILEPUSH": Channel.MOBILE_PUSH,
}
ACCOUNT_ID_MAX_LENGTH = 64
# SubscriptionLog.campaign_id / communication_id are bigint columns.
MESSAGE_ID_MAX = 2**63 - 1


@dataclass(frozen=True)
class SubscriptionChange:
    """One requested choice, already normalised (channel SMS for MOBILE, upper case)."""

    channel: str
    priority: str
    status: str
    account_id: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.channel, self.priority, self.account_id)

    def as_item(self) -> dict[str, str]:
        return {
            "channel": self.channel,
            "accountId": self.account_id,
            "priority": self.priority,
            "type": self.status,
        }


@dataclass
class SubscriptionRequest:
    """The parsed body of `POST /v2/customers/{id}/subscriptions`."""

    changes: list[SubscriptionChange]
    reason: str = ""
    campaign_id: int = -1  # -1 (or 0): not sent for a campaign
    communication_id: int = -1
    scope: str = Scope.USER
    sub_scope: str = SubScope.NONE


@dataclass
class SubscriptionUpdateResult:
    customer: Customer
    changes: list[SubscriptionChange]
    log_rows: list[SubscriptionLog]
    warnings: Warnings = field(default_factory=Warnings)


# --- Parsing the store's request ------------------------------------------------------


def _error(code: int, detail: str) -> DomainError:
    return DomainError(code, f"{codes.get(code).message} ({detail})")


def _choice(raw: Any, allowed: dict[str, str]) -> str | None:
    if not isinstance(raw, str):
        return None
    return allowed.get(raw.strip().upper().replace("_", "").replace("-", ""))


def _message_id(raw: Any, code: int, name: str) -> int:
    """campaignId / communicationId: an integer from -1 to `MESSAGE_ID_MAX` (a JSON number
    or a numeric string); anything else, a larger number included, answers `code`."""
    if raw is None or raw == "":
        return -1
    if isinstance(raw, bool):
        raise _error(code, f"{name}={raw!r}")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        try:
            raw = int(raw.strip())
        except ValueError:
            raise _error(code, f"{name}={raw!r}") from None
    if not isinstance(raw, int) or not -1 <= raw <= MESSAGE_ID_MAX:
        raise _error(code, f"{name}={raw!r}")
    return raw


def _scope(raw: Any) -> tuple[str, str]:
    """`scope` is an object {scope, subScope}; a list of more than one answers 1105."""
    if raw is None:
        return Scope.USER, SubScope.NONE
    if isinstance(raw, list):
        if len(raw) > 1:
            raise DomainError(Code.SUBSCRIPTION_SCOPES_MULTIPLE)
        if not raw:
            return Scope.USER, SubScope.NONE
        raw = raw[0]
    if not isinstance(raw, dict):
        raise _error(Code.SUBSCRIPTION_SCOPE_INVALID, f"scope={raw!r}")
    scope_value = raw.get("scope", Scope.USER)
    if isinstance(scope_value, list):
        if len(scope_value) > 1:
            raise DomainError(Code.SUBSCRIPTION_SCOPES_MULTIPLE)
        scope_value = scope_value[0] if scope_value else Scope.USER
    scope = _choice(scope_value, {value: value for value in Scope.values})
    sub_scope = _choice(
        raw.get("subScope", SubScope.NONE) or SubScope.NONE,
        {value: value for value in SubScope.values},
    )
    if scope is None:
        raise _error(Code.SUBSCRIPTION_SCOPE_INVALID, f"scope.scope={scope_value!r}")
    if sub_scope is None:
        raise _error(Code.SUBSCRIPTION_SCOPE_INVALID, f"scope.subScope={raw.get('subScope')!r}")
    return scope, sub_scope


def _change(raw: Any, index: int) -> tuple[SubscriptionChange | None, list[DomainError]]:
    where = f"subscriptions[{index}]"
    if not isinstance(raw, dict):
        return None, [_error(Code.SUBSCRIPTION_UPDATE_FAILED, f"{where} is not an object")]
    errors: list[DomainError] = []
    channel = _choice(raw.get("channel"), CHANNEL_ALIASES)
    if channel is None:
        errors.append(
            _error(Code.SUBSCRIPTION_CHANNEL_INVALID, f"{where}.channel={raw.get('channel')!r}")
        )
    priority = _choice(raw.get("priority"), {value: value for value in Priority.values})
    if priority is None:
        errors.append(
            _error(Code.SUBSCRIPTION_PRIORITY_INVALID, f"{where}.priority={raw.get('priority')!r}")
        )
    status = _choice(raw.get("type"), {value: value for value in SubscriptionStatus.values})
    if status is None:
        errors.append(_error(Code.SUBSCRIPTION_STATUS_INVALID, f"{where}.type={raw.get('type')!r}"))
    account = raw.get("accountId")
    if account is None:
        account = ""
    if isinstance(account, bool) or not isinstance(account, (str, int)):
        errors.append(
            _error(
                Code.SUBSCRIPTION_UPDATE_FAILED, f"{where}.accountId={account!r} is not a string"
            )
        )
        account = ""
    account = str(account).strip()
    if len(account) > ACCOUNT_ID_MAX_LENGTH:
        errors.append(
            _error(
                Code.SUBSCRIPTION_UPDATE_FAILED,
                f"{where}.accountId is longer than {ACCOUNT_ID_MAX_LENGTH}",
            )
        )
    if errors:
        return None, errors
    return SubscriptionChange(channel, priority, status, account), []


def subscription_request_parse(*, payload: Any) -> SubscriptionRequest:
    """Validate the store's body; every problem is reported at once and nothing is written.

    Request-level problems answer their own code (1103, 1105, 1107, 1108). Problems with
    entries of `subscriptions` answer each entry's code (1101, 1102, 1106) followed by 1110
    ("Unable to update subscription details."): the whole update is refused. 1110 alone
    when `subscriptions` is missing or empty, or names one channel, priority and account
    twice with different types.
    """
    if not isinstance(payload, dict):
        raise _error(Code.SUBSCRIPTION_UPDATE_FAILED, "the body must be a JSON object")
    errors: list[DomainError] = []
    scope, sub_scope = Scope.USER, SubScope.NONE
    try:
        scope, sub_scope = _scope(payload.get("scope"))
    except DomainError as error:
        errors.append(error)
    campaign_id = communication_id = -1
    try:
        campaign_id = _message_id(
            payload.get("campaignId"), Code.SUBSCRIPTION_CAMPAIGN_ID_INVALID, "campaignId"
        )
    except DomainError as error:
        errors.append(error)
    try:
        communication_id = _message_id(
            payload.get("communicationId"), Code.SUBSCRIPTION_OUTBOX_ID_INVALID, "communicationId"
        )
    except DomainError as error:
        errors.append(error)
    reason = payload.get("reason")
    if isinstance(reason, (dict, list)):  # no text: its repr would be logged as the reason
        errors.append(DomainError(Code.BAD_REQUEST, "reason must be a string"))
        reason = None
    reason = "" if reason is None else str(reason).strip()

    raw_changes = payload.get("subscriptions")
    item_errors: list[DomainError] = []
    changes: dict[tuple[str, str, str], SubscriptionChange] = {}
    if not isinstance(raw_changes, list) or not raw_changes:
        item_errors.append(_error(Code.SUBSCRIPTION_UPDATE_FAILED, "no subscriptions given"))
    else:
        for index, raw in enumerate(raw_changes):
            change, change_errors = _change(raw, index)
            item_errors += change_errors
            if change is None:
                continue
            earlier = changes.get(change.key)
            if earlier is not None and earlier.status != change.status:
                item_errors.append(
                    _error(
                        Code.SUBSCRIPTION_UPDATE_FAILED,
                        f"{change.channel}/{change.priority} given twice, both ways",
                    )
                )
            changes.setdefault(change.key, change)
    if item_errors:
        if item_errors[-1].code != 1110:
            item_errors.append(DomainError(Code.SUBSCRIPTION_UPDATE_FAILED))
        errors += item_errors
    if errors:
        raise DomainErrors(errors)
    return SubscriptionRequest(
        changes=list(changes.values()),
        reason=reason,
        campaign_id=campaign_id,
        communication_id=communication_id,
        scope=scope,
        sub_scope=sub_scope,
    )


# --- Writes ---------------------------------------------------------------------------


def _changed_by(actor: Actor) -> dict:
    if isinstance(actor, Till):
        return {"changed_by_till": actor}
    return {"changed_by_user": actor}


def _lock_addressed_customer(customer_id: int | str, warnings: Warnings) -> Customer:
    """Lock the customer, following merges (I2): a victim's choice is recorded on its
    survivor, answered with 8069 and 91009 as reading it is (the answer shows the
    survivor's state)."""
    customer = customer_resolve(customer_id=customer_id, warnings=warnings)
    return customer_lock(customer_id=customer.pk, follow_merges=True, warnings=warnings)


def _validate_changes(changes: Sequence[SubscriptionChange]) -> None:
    if not changes:
        raise DomainError(Code.SUBSCRIPTION_UPDATE_FAILED)
    for change in changes:
        if change.channel not in Channel.values:
            raise DomainError(Code.SUBSCRIPTION_CHANNEL_INVALID)
        if change.priority not in Priority.values:
            raise DomainError(Code.SUBSCRIPTION_PRIORITY_INVALID)
        if change.status not in SubscriptionStatus.values:
            raise DomainError(Code.SUBSCRIPTION_STATUS_INVALID)


@atomic_with_retry
def subscription_update(
    *,
    customer_id: int | str,
    changes: Sequence[SubscriptionChange],
    actor: Actor,
    reason: str = "",
    campaign_id: int | None = None,
    communication_id: int | None = None,
    scope: str = Scope.USER,
    sub_scope: str = SubScope.NONE,
    source: str = ChangeSource.API,
    note: str = "",
) -> SubscriptionUpdateResult:
    """Record several choices of one customer at once: all of them, or none (1110).

    Every requested choice is logged (with the previous recorded status), even when it
    repeats the current one: the log is the customer's consent trail.
    """
    _validate_changes(changes)
    if scope not in Scope.values or sub_scope not in SubScope.values:
        raise DomainError(Code.SUBSCRIPTION_SCOPE_INVALID)
    # -1 and 0 are the seed's "no campaign / no communication" markers.
    campaign_id = campaign_id if campaign_id and campaign_id > 0 else None
    communication_id = communication_id if communication_id and communication_id > 0 else None
    warnings = Warnings()
    try:
        with audit_context(actor, operation="subscription_update"):
            customer = _lock_addressed_customer(customer_id, warnings)
            ensure_writable(customer)
            now = timezone.now()  # taken under the lock, so the log's order is the lock's
            current = {
                (row.channel, row.priority, row.account_id): row
                for row in Subscription.objects.select_for_update()
                .filter(customer=customer)
                .order_by("pk")
            }
            to_create: list[Subscription] = []
            to_update: list[Subscription] = []
            log_rows: list[SubscriptionLog] = []
            for change in changes:
                row = current.get(change.key)
                previous = row.status if row is not None else ""
                if row is None:
                    row = Subscription(
                        customer=customer,
                        channel=change.channel,
                        priority=change.priority,
                        account_id=change.account_id,
                        status=change.status,
                        created_at=now,
                        modified_at=now,
                        **created_by(actor),
                    )
                    current[change.key] = row
                    to_create.append(row)
                elif row.status != change.status:
                    row.status = change.status
                    row.modified_at = now
                    for name, value in modified_by(actor).items():
                        setattr(row, name, value)
                    to_update.append(row)
                log_rows.append(
                    SubscriptionLog(
                        customer=customer,
                        channel=change.channel,
                        priority=change.priority,
                        account_id=change.account_id,
                        status=change.status,
                        previous_status=previous,
                        reason=reason,
                        campaign_id=campaign_id,
                        communication_id=communication_id,
                        scope=scope,
                        sub_scope=sub_scope,
                        source=source,
                        changed_at=now,
                        note=note,
                        **_changed_by(actor),
                    )
                )
            Subscription.objects.bulk_create(to_create)
            if to_update:
                Subscription.objects.bulk_update(
                    to_update,
                    ["status", "modified_at", "modified_by_till", "modified_by_user"],
                )
            SubscriptionLog.objects.bulk_create(log_rows)
    except IntegrityError:
        # Only a concurrent writer bypassing the customer lock can get here: refuse whole.
        raise DomainError(Code.SUBSCRIPTION_UPDATE_FAILED) from None
    return SubscriptionUpdateResult(
        customer=customer, changes=list(changes), log_rows=log_rows, warnings=warnings
    )


def subscription_settings_update(
    *,
    actor: Actor,
    default_trans_status: str | None = None,
    default_bulk_status: str | None = None,
    listed_channels: Sequence[str] | None = None,
) -> SubscriptionSettings:
    """Change the org's defaults (used by the admin and the demo loader)."""
    with transaction.atomic(), audit_context(actor, operation="subscription_settings_update"):
        settings, _ = SubscriptionSettings.objects.select_for_update().get_or_create(
            pk=SubscriptionSettings.SINGLETON_PK
        )
        if default_trans_status is not None:
            settings.default_trans_status = default_trans_status
        if default_bulk_status is not None:
            settings.default_bulk_status = default_bulk_status
        if listed_channels is not None:
            settings.listed_channels = list(listed_channels)
        settings.full_clean()
        settings.save()
    return settings


# --- Merge ----------------------------------------------------------------------------


def subscriptions_merge(
    *, victim: Customer, survivor: Customer, actor: Actor, warnings: Warnings
) -> None:
    """Merge step (inside the customer merge's transaction, both customers locked).

    Per channel, priority and account the survivor keeps the most restrictive recorded
    choice: an opt-out recorded on either side stays an opt-out; a choice recorded only on
    the victim is carried over. Histories: the victim keeps its own log rows (they are
    append-only) and the survivor gets a copy of each, pointing back (`copied_from`) with a
    note, so the survivor's log alone tells the whole story. The victim's state rows move.
    """
    rows = list(
        Subscription.objects.select_for_update()
        .filter(customer__in=[victim, survivor])
        .order_by("pk")
    )
    victim_rows = [row for row in rows if row.customer_id == victim.pk]
    survivor_rows = {
        (row.channel, row.priority, row.account_id): row
        for row in rows
        if row.customer_id == survivor.pk
    }
    now = timezone.now()
    note = f"merge of customer {victim.pk} into {survivor.pk}"

    copies = [
        SubscriptionLog(
            customer=survivor,
            channel=entry.channel,
            priority=entry.priority,
            account_id=entry.account_id,
            status=entry.status,
            previous_status=entry.previous_status,
            reason=entry.reason,
            campaign_id=entry.campaign_id,
            communication_id=entry.communication_id,
            scope=entry.scope,
            sub_scope=entry.sub_scope,
            source=entry.source,
            changed_at=entry.changed_at,
            changed_by_till_id=entry.changed_by_till_id,
            changed_by_user_id=entry.changed_by_user_id,
            copied_from=entry,
            note=f"copied from customer {victim.pk} on {note}"[:200],
        )
        for entry in SubscriptionLog.objects.filter(customer=victim).order_by("changed_at", "pk")
    ]

    to_create: list[Subscription] = []
    to_update: list[Subscription] = []
    merge_log: list[SubscriptionLog] = []
    for victim_row in victim_rows:
        key = (victim_row.channel, victim_row.priority, victim_row.account_id)
        survivor_row = survivor_rows.get(key)
        if survivor_row is None:
            survivor_row = Subscription(
                customer=survivor,
                channel=victim_row.channel,
                priority=victim_row.priority,
                account_id=victim_row.account_id,
                status=victim_row.status,
                created_at=now,
                modified_at=now,
                **created_by(actor),
            )
            to_create.append(survivor_row)
            previous = ""
        elif (
            victim_row.status == SubscriptionStatus.OPTOUT
            and survivor_row.status != SubscriptionStatus.OPTOUT
        ):
            previous = survivor_row.status
            survivor_row.status = SubscriptionStatus.OPTOUT
            survivor_row.modified_at = now
            for name, value in modified_by(actor).items():
                setattr(survivor_row, name, value)
            to_update.append(survivor_row)
        else:
            continue  # the survivor's choice is already as restrictive
        merge_log.append(
            SubscriptionLog(
                customer=survivor,
                channel=survivor_row.channel,
                priority=survivor_row.priority,
                account_id=survivor_row.account_id,
                status=survivor_row.status,
                previous_status=previous,
                reason=f"Most restrictive choice kept on {note}",
                source=ChangeSource.MERGE,
                changed_at=now,
                note=note,
                **_changed_by(actor),
            )
        )
    Subscription.objects.filter(pk__in=[row.pk for row in victim_rows]).delete()
    Subscription.objects.bulk_create(to_create)
    if to_update:
        Subscription.objects.bulk_update(
            to_update, ["status", "modified_at", "modified_by_till", "modified_by_user"]
        )
    SubscriptionLog.objects.bulk_create(copies + merge_log)
