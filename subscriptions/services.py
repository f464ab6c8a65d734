"""Write operations on subscriptions: update (API and staff) and the merge step. The body of
the update is read by `subscriptions.parsers`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError, Warnings
from config.transactions import atomic_with_retry
from customers.audit import Actor, audit_context, created_by, modified_by
from customers.models import Customer, Till
from customers.selectors import customer_lock, customer_resolve, ensure_writable
from subscriptions.commands import SubscriptionChange
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


@dataclass
class SubscriptionUpdateResult:
    customer: Customer
    changes: list[SubscriptionChange]
    log_rows: list[SubscriptionLog]
    warnings: Warnings = field(default_factory=Warnings)


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
