import threading
from decimal import Decimal

import pytest
from django.db import connection

from config.errors import DomainError
from loyalty.models import LedgerEntry, Request, RequestStatus
from tests.requests.conftest import CHECK, MAKE, staff
from tests.requests.workflow import approve, raise_request


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_credit_once(program, make_customer, till):
    # given: a pending goodwill request and twenty supervisors
    customer = make_customer()
    made = raise_request(
        request_type="GOODWILL",
        base_type="POINTS",
        customer=customer,
        payload={"points": 300},
        actor=till,
    )
    supervisors = [staff(f"supervisor{n}", MAKE + CHECK) for n in range(20)]
    barrier = threading.Barrier(len(supervisors))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve_at_once(user):
        try:
            barrier.wait()
            result = approve(request_id=made.request.pk, actor=user)
            answer = result.request.status
        except DomainError as error:
            answer = str(error.code)
        finally:
            connection.close()
        with lock:
            outcomes.append(answer)

    # when: all approve at the same moment, each on its own connection
    threads = [threading.Thread(target=approve_at_once, args=(user,)) for user in supervisors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: one approval, nineteen "already processed", one credit
    assert sorted(outcomes) == ["9014"] * 19 + [RequestStatus.APPROVED]
    assert list(LedgerEntry.objects.values_list("points", "source_request_id")) == [
        (Decimal("300.00"), made.request.pk)
    ]
    assert Request.objects.get().status == RequestStatus.APPROVED
