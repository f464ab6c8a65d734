"""I5 with real concurrent connections: a ring of three merges (A<-B, B<-C, C<-A) and
transfers racing a merge. Every answer is a 200 or a documented refusal, never a 5xx; the
invariants hold afterwards (the autouse check of this package)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from loyalty.models import Enrollment, LedgerKind
from tests.concurrency import at_once
from tests.conftest import basic_auth
from tests.invariants.conftest import created, holders, register

ROUNDS = 6


def till_api() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "test-secret"))
    return client


def add_identifier(customer_id, source, type_, value):
    def call():
        return till_api().post(
            f"/v2/customers/{customer_id}/changeIdentifier?source={source}",
            {"add": [{"type": type_, "value": value}]},
            format="json",
        )

    return call


@pytest.mark.django_db(transaction=True)
def test_a_ring_of_three_merges_never_answers_a_server_error(till, org_config):
    client = till_api()
    for round_ in range(ROUNDS):
        mobile, email, external = f"91984510{round_:04d}", f"b{round_}@example.com", f"C-{round_}"
        a = created(register(client, ("mobile", mobile)))
        b = created(register(client, ("email", email), source="ECOMMERCE"))
        c = created(register(client, ("externalId", external), source="WEBSITE"))

        # B takes A's mobile (B into A), C takes B's e-mail (C into B), A takes C's id (A into C)
        responses = at_once(
            [
                add_identifier(b, "ECOMMERCE", "mobile", mobile),
                add_identifier(c, "WEBSITE", "email", email),
                add_identifier(a, "INSTORE", "externalId", external),
            ]
        )

        statuses = [response.status_code for response in responses]
        assert all(status < 500 for status in statuses), [r.json() for r in responses]
        assert statuses == [200, 200, 200], [r.json() for r in responses]
        live = Customer.objects.filter(pk__in=[a, b, c], merged_into__isnull=True)
        assert live.count() == 1  # the three are one person now
        survivor = live.get().pk
        assert holders("mobile", mobile) == holders("email", email) == {survivor}
        assert holders("externalId", external) == {survivor}


def transfer(from_id, to_id, points):
    def call():
        return till_api().post(
            "/v2/points/transfer",
            {"fromUserId": from_id, "toUserId": to_id, "points": points},
            format="json",
        )

    return call


def merge_call(victim, survivor):
    def call():
        from customers.services import customer_merge

        customer_merge(victim_id=victim, survivor_id=survivor, actor=till_actor())
        return "merged"

    return call


def till_actor():
    from customers.models import Till

    return Till.objects.get(code="test.till")


@pytest.mark.django_db(transaction=True)
def test_transfers_racing_a_merge_never_land_on_the_victim(till, org_config, program):
    from loyalty.services import enrollment_enroll, points_credit

    client = till_api()
    for round_ in range(3):
        victim = created(register(client, ("mobile", f"91984520{round_:04d}")))
        survivor = created(register(client, ("mobile", f"91984530{round_:04d}")))
        friend = created(register(client, ("mobile", f"91984540{round_:04d}")))
        for customer_id in (victim, friend):
            enrollment, _ = enrollment_enroll(
                customer=Customer.objects.get(pk=customer_id), program=program, actor=till
            )
            enrollment.program = program
            points_credit(enrollment=enrollment, kind=LedgerKind.GOODWILL, points=100, actor=till)

        outcomes = at_once(
            [
                transfer(friend, victim, 10),
                transfer(victim, friend, 15),
                merge_call(victim, survivor),
                transfer(friend, victim, 5),
                transfer(victim, friend, 20),
            ]
        )

        assert outcomes[2] == "merged"
        for response in outcomes[:2] + outcomes[3:]:
            assert response.status_code == 200, response.json()
        balances = dict(
            Enrollment.objects.filter(program=program).values_list("customer_id", "loyalty_points")
        )
        assert balances.get(victim, Decimal(0)) == 0
        assert sum(balances.get(pk, Decimal(0)) for pk in (victim, survivor, friend)) == 200
        assert balances[friend] == 100 - 10 + 15 - 5 + 20
