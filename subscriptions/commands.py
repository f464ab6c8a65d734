"""Typed commands of the subscriptions app: what `subscription_update` takes. Read from
the v2 body by `subscriptions.parsers`; the console's form and the demo build them."""

from __future__ import annotations

from dataclasses import dataclass

from subscriptions.models import Scope, SubScope


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
