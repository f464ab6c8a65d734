"""Demo data: a few opt-outs with a log for demo customers, and the roles' view rights."""

from __future__ import annotations

from customers.models import Customer, Till
from subscriptions.commands import SubscriptionChange
from subscriptions.models import ChangeSource, Channel, Priority, SubscriptionLog
from subscriptions.models import SubscriptionStatus as Status
from subscriptions.services import subscription_update

DEMO_CUSTOMERS = 12

# (reason, campaign id, changes) applied in turn to the first demo customers.
DEMO_STORIES = [
    (
        "Unsubscribe link in campaign e-mail",
        7001,
        [SubscriptionChange(Channel.EMAIL, Priority.BULK, Status.OPTOUT)],
    ),
    (
        "Replied STOP to a promotional SMS",
        7002,
        [SubscriptionChange(Channel.SMS, Priority.BULK, Status.OPTOUT)],
    ),
    (
        "Asked at the till for offers by e-mail",
        None,
        [SubscriptionChange(Channel.EMAIL, Priority.BULK, Status.OPTIN)],
    ),
    (
        "Customer asked for no messages at all",
        None,
        [
            SubscriptionChange(Channel.EMAIL, Priority.BULK, Status.OPTOUT),
            SubscriptionChange(Channel.SMS, Priority.BULK, Status.OPTOUT),
            SubscriptionChange(Channel.SMS, Priority.TRANS, Status.OPTOUT),
        ],
    ),
]


def load_subscriptions(*, stdout) -> None:
    if SubscriptionLog.objects.filter(source=ChangeSource.DEMO).exists():
        return  # already loaded
    till = Till.objects.filter(code="demo.till").first()
    customers = list(
        Customer.objects.filter(merged_into__isnull=True)
        .exclude(status__in=["FRAUD_MARKED", "FRAUD_CONFIRMED"])
        .order_by("pk")[:DEMO_CUSTOMERS]
    )
    if till is None or not customers:
        return  # the customers demo loader has not created any customers yet
    for index, customer in enumerate(customers):
        reason, campaign_id, changes = DEMO_STORIES[index % len(DEMO_STORIES)]
        subscription_update(
            customer_id=customer.pk,
            changes=changes,
            actor=till,
            reason=reason,
            campaign_id=campaign_id,
            source=ChangeSource.DEMO,
        )
    stdout.write(f"subscriptions: choices recorded for {len(customers)} demo customers")
