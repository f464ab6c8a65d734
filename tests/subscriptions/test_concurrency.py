import threading

import pytest
from django.db import connection


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_of_one_new_choice_both_succeed_with_one_state_row(till, customer):
    from subscriptions.commands import SubscriptionChange
    from subscriptions.models import Subscription, SubscriptionLog
    from subscriptions.services import subscription_update

    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def record(status: str) -> None:
        try:
            barrier.wait()
            subscription_update(
                customer_id=customer.pk,
                changes=[SubscriptionChange("EMAIL", "BULK", status)],
                actor=till,
                reason=status,
            )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(status,)) for status in ("OPTIN", "OPTOUT")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Subscription.objects.filter(customer=customer).count() == 1
    log = list(SubscriptionLog.objects.filter(customer=customer).order_by("changed_at", "pk"))
    assert len(log) == 2
    # the customer lock serialises them: the later one saw the earlier one's choice
    assert log[1].previous_status == log[0].status
    assert Subscription.objects.get(customer=customer).status == log[1].status
