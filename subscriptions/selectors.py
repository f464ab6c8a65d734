"""Read queries: the current subscription state (with the org's defaults) and the log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from config.rows import fetchall, table
from customers.models import Customer
from customers.registry import DetailColumn
from subscriptions.models import (
    Channel,
    Priority,
    Subscription,
    SubscriptionLog,
    SubscriptionSettings,
)

_CHANNEL_ORDER = {channel: index for index, channel in enumerate(Channel.values)}
_PRIORITY_ORDER = {priority: index for index, priority in enumerate(Priority.values)}


@dataclass(frozen=True)
class SubscriptionState:
    channel: str
    priority: str
    account_id: str
    status: str
    recorded: bool  # False: the org default answers, no choice was ever recorded

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.channel, self.priority, self.account_id)

    def as_item(self) -> dict[str, str]:
        """The seed's item shape; `accountId` only when the choice is for an account."""
        item = {"channel": self.channel, "priority": self.priority, "type": self.status}
        if self.account_id:
            item["accountId"] = self.account_id
        return item


def _sort_key(state: SubscriptionState) -> tuple[int, int, str]:
    return (
        _PRIORITY_ORDER.get(state.priority, 99),
        _CHANNEL_ORDER.get(state.channel, 99),
        state.account_id,
    )


def subscription_states_from(
    *, recorded: Iterable[Subscription], settings: SubscriptionSettings
) -> list[SubscriptionState]:
    """One customer's state: recorded choices plus the defaults of the listed channels."""
    states: dict[tuple[str, str, str], SubscriptionState] = {}
    for priority in Priority.values:
        for channel in settings.listed_channels:
            states[(channel, priority, "")] = SubscriptionState(
                channel, priority, "", settings.default_status(priority), recorded=False
            )
    for subscription in recorded:
        state = SubscriptionState(
            subscription.channel,
            subscription.priority,
            subscription.account_id,
            subscription.status,
            recorded=True,
        )
        states[state.key] = state
    return sorted(states.values(), key=_sort_key)


# One row per recorded choice of the customers given, each with the org's settings (null
# when never saved); one row of settings alone when there is no choice.
_STATE_SQL = f"""
SELECT st.default_trans_status, st.default_bulk_status, st.listed_channels,
       sub.customer_id, sub.channel, sub.priority, sub.account_id, sub.status
FROM (SELECT 1) one
LEFT JOIN {table(SubscriptionSettings)} st ON st.id = %s
LEFT JOIN {table(Subscription)} sub ON sub.customer_id = ANY(%s)
"""


def _settings(saved: tuple | list | None) -> SubscriptionSettings:
    """The org's settings from their (trans, bulk, listed channels) as read, or the unsaved
    defaults when never saved (as `SubscriptionSettings.load`)."""
    settings = SubscriptionSettings(pk=SubscriptionSettings.SINGLETON_PK)
    if saved is not None:
        settings.default_trans_status, settings.default_bulk_status, listed = saved
        settings.listed_channels = listed
    return settings


def subscription_state_for_customers(
    customer_ids: Iterable[int],
) -> dict[int, list[SubscriptionState]]:
    """Current state of every customer given, in one query whatever their number."""
    ids = list(dict.fromkeys(customer_ids))
    recorded: dict[int, list[Subscription]] = {customer_id: [] for customer_id in ids}
    rows = fetchall(_STATE_SQL, [SubscriptionSettings.SINGLETON_PK, ids])
    trans, bulk, listed = rows[0][:3]
    settings = _settings(None if listed is None else (trans, bulk, listed))
    for *_, customer_id, channel, priority, account_id, status in rows:
        if customer_id is not None:
            recorded[customer_id].append(
                Subscription(
                    customer_id=customer_id,
                    channel=channel,
                    priority=priority,
                    account_id=account_id,
                    status=status,
                )
            )
    return {
        customer_id: subscription_states_from(recorded=choices, settings=settings)
        for customer_id, choices in recorded.items()
    }


def subscription_state(*, customer_id: int) -> list[SubscriptionState]:
    return subscription_state_for_customers([customer_id])[customer_id]


def subscription_log(*, customer_id: int, limit: int | None = None) -> list[SubscriptionLog]:
    """Every recorded choice of the customer, newest first, with who made it."""
    rows = (
        SubscriptionLog.objects.filter(customer_id=customer_id)
        .select_related("changed_by_till", "changed_by_user")
        .order_by("-changed_at", "-id")
    )
    if limit is not None:
        rows = rows[:limit]
    return list(rows)


def subscription_log_count(*, customer_id: int) -> int:
    return SubscriptionLog.objects.filter(customer_id=customer_id).count()


def _subscriptions_load(value: dict) -> list[SubscriptionState]:
    settings = _settings(value["settings"])
    recorded = [
        Subscription(channel=channel, priority=priority, account_id=account_id, status=status)
        for channel, priority, account_id, status in value["choices"] or []
    ]
    return subscription_states_from(recorded=recorded, settings=settings)


def _subscriptions_fragment(states: list[SubscriptionState], *, customer: Customer) -> dict:
    return {"subscriptionInfo": {"subscriptions": [state.as_item() for state in states]}}


# `embed=subscriptions` on customer details: the customer's choices and the org's settings,
# read by the details query (customers.registry.DetailColumn).
EMBED_SUBSCRIPTIONS = DetailColumn(
    "subscriptions.state",
    "SELECT json_build_object("
    "'settings', (SELECT json_build_array(st.default_trans_status, st.default_bulk_status, "
    f"st.listed_channels) FROM {table(SubscriptionSettings)} st "
    f"WHERE st.id = {SubscriptionSettings.SINGLETON_PK}), "
    "'choices', (SELECT json_agg(json_build_array(sub.channel, sub.priority, sub.account_id, "
    f"sub.status)) FROM {table(Subscription)} sub WHERE sub.customer_id = {{customer}}))",
    _subscriptions_fragment,
    _subscriptions_load,
)
