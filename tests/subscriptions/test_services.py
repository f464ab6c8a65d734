import pytest

from config.errors import DomainError
from tests.subscriptions.conftest import row_counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("FAX", "BULK", "OPTIN"), 1101),
        (("SMS", "URGENT", "OPTIN"), 1102),
        (("SMS", "BULK", "MAYBE"), 1106),
    ],
)
def test_service_refuses_invalid_values_from_any_caller(till, customer, change, code):
    from subscriptions.commands import SubscriptionChange
    from subscriptions.services import subscription_update

    with pytest.raises(DomainError) as refusal:
        subscription_update(
            customer_id=customer.pk,
            changes=[SubscriptionChange("EMAIL", "BULK", "OPTOUT"), SubscriptionChange(*change)],
            actor=till,
        )

    assert refusal.value.code == code
    assert row_counts() == (0, 0)


def test_service_refuses_an_empty_update_and_a_bad_scope(till, customer):
    from subscriptions.commands import SubscriptionChange
    from subscriptions.services import subscription_update

    with pytest.raises(DomainError) as empty:
        subscription_update(customer_id=customer.pk, changes=[], actor=till)
    with pytest.raises(DomainError) as scope:
        subscription_update(
            customer_id=customer.pk,
            changes=[SubscriptionChange("EMAIL", "BULK", "OPTOUT")],
            actor=till,
            scope="ORG",
        )

    assert (empty.value.code, scope.value.code) == (1110, 1103)
    assert row_counts() == (0, 0)


def test_repeated_choice_is_logged_but_state_keeps_one_row(till, customer):
    from subscriptions.commands import SubscriptionChange
    from subscriptions.selectors import subscription_log
    from subscriptions.services import subscription_update

    for campaign in (11, 12):
        subscription_update(
            customer_id=customer.pk,
            changes=[SubscriptionChange("EMAIL", "BULK", "OPTOUT")],
            actor=till,
            campaign_id=campaign,
            reason="unsubscribe link",
        )

    assert row_counts() == (1, 2)
    newest, oldest = subscription_log(customer_id=customer.pk)
    assert (newest.campaign_id, newest.previous_status) == (12, "OPTOUT")
    assert (oldest.campaign_id, oldest.previous_status) == (11, "")


def test_no_campaign_markers_are_stored_as_empty(till, customer):
    from subscriptions.commands import SubscriptionChange
    from subscriptions.models import SubscriptionLog
    from subscriptions.services import subscription_update

    subscription_update(
        customer_id=customer.pk,
        changes=[SubscriptionChange("EMAIL", "BULK", "OPTOUT")],
        actor=till,
        campaign_id=-1,
        communication_id=0,
    )

    entry = SubscriptionLog.objects.get()
    assert entry.campaign_id is None and entry.communication_id is None
