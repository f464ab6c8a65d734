"""Random sequences of the services, with I1-I4 checked after every step (hypothesis
`RuleBasedStateMachine` on the real PostgreSQL): registrations in several sources and
accounts, identifier changes, approved merges, identifier changes and reallocations, bills,
goodwill and transfers, including ones addressed to merge victims.

Bounded for CI (`STATEFUL_EXAMPLES`, default 20 sequences of up to 20 steps, derandomized
so a failure replays); `STATEFUL_EXAMPLES=500 STATEFUL_RANDOM=1` explores further. Each
sequence runs in a savepoint rolled back at its end, so sequences start from the same
empty registry."""

import contextlib
import os
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from config.errors import DomainError, Warnings
from customers.invariants import invariant_findings
from customers.models import Customer, Identifier, Store
from customers.parsers import change_identifiers_command, register_command, update_command
from customers.selectors import customer_resolve
from customers.services import customer_change_identifiers, customer_register, customer_update
from loyalty import services
from loyalty.models import Enrollment, Program
from tests.invariants.conftest import CHECK, MAKE, staff
from tests.requests.workflow import approve, raise_request

SOURCES = [
    ("INSTORE", ""),
    ("ECOMMERCE", ""),
    ("WEBSITE", ""),
    ("MOBILE_APP", "400"),
    ("WECHAT", "1234"),
]
MOBILES = [f"91984560000{n}" for n in range(5)]
EMAILS = [f"p{n}@example.com" for n in range(4)]
EXTERNALS = [f"EXT-{n}" for n in range(3)]

sources = st.sampled_from(SOURCES)
identifiers = st.lists(
    st.one_of(
        st.tuples(st.just("mobile"), st.sampled_from(MOBILES)),
        st.tuples(st.just("email"), st.sampled_from(EMAILS)),
        st.tuples(st.just("externalId"), st.sampled_from(EXTERNALS)),
    ),
    min_size=1,
    max_size=3,
    unique=True,
)
points = st.integers(min_value=1, max_value=200)
# What the sequences did (register new / combined, MERGE APPROVED, ... refused with a code):
# printed with `pytest -s` so a change that makes every step a refusal shows.
OUTCOMES: Counter[str] = Counter()


def event(outcome: str) -> None:
    OUTCOMES[outcome] += 1


def machine_for(till, supervisor, program):
    class RegistryAndLedger(RuleBasedStateMachine):
        """Customer ids in the bundle stay in it after a merge: a victim's id is what a
        store holds, and every operation must treat it right."""

        customers = Bundle("customers")

        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.bills = 0

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        @rule(target=customers, source=sources, ids=identifiers, channel=st.booleans())
        def register(self, source, ids, channel):
            name, account = source
            profile = {"identifiers": [{"type": t, "value": v} for t, v in ids]}
            mobiles = [v for t, v in ids if t == "mobile"]
            if channel and mobiles:
                profile["commChannels"] = [
                    {"type": "mobile", "value": mobiles[0], "primary": True, "verified": True}
                ]
            try:
                command = register_command(
                    source=name,
                    account_id=account,
                    body={"loyaltyInfo": {"loyaltyType": "loyalty"}, "profiles": [profile]},
                )
                result = customer_register(command=command, actor=till)
            except DomainError as error:
                event(f"register refused {error.code}")
                return multiple()
            event(f"register {'new' if result.created else 'combined'}")
            return result.customer.pk

        @rule(customer=customers, source=sources, add=identifiers, remove=identifiers)
        def change_identifiers(self, customer, source, add, remove):
            name, account = source
            with contextlib.suppress(DomainError):
                command = change_identifiers_command(
                    customer_id=customer,
                    source=name,
                    account_id=account,
                    add=[{"type": t, "value": v} for t, v in add],
                    remove=[{"type": t, "value": v} for t, v in remove],
                )
                customer_change_identifiers(command=command, actor=till)

        @rule(customer=customers, source=sources, mobile=st.sampled_from(MOBILES))
        def primary_channel(self, customer, source, mobile):
            name, account = source
            with contextlib.suppress(DomainError):
                command = update_command(
                    customer_id=customer,
                    source=name,
                    account_id=account,
                    body={
                        "profiles": [
                            {"commChannels": [{"type": "mobile", "value": mobile, "primary": True}]}
                        ]
                    },
                )
                customer_update(command=command, actor=till)

        def _approved(self, customer, request_type, base_type, **payload):
            """A request made by the till and approved by the supervisor at once; a refusal
            (of the making, or of the effect: FAILED) is one of the outcomes."""
            try:
                made = raise_request(
                    request_type=request_type,
                    base_type=base_type,
                    customer=Customer.objects.get(pk=customer),
                    payload=payload,
                    actor=till,
                )
                decided = approve(request_id=made.request.pk, actor=supervisor)
            except DomainError as error:
                event(f"{base_type} refused {error.code}")
            else:
                event(f"{base_type} {decided.request.status}")

        @rule(survivor=customers, data=st.data())
        def merge(self, survivor, data):
            # The victim drawn from the other customers (merged ones too: 9027), not from
            # the bundle with an `assume`, so that a chosen merge always runs.
            others = sorted(Customer.objects.exclude(pk=survivor).values_list("pk", flat=True))
            assume(others)
            victim = data.draw(st.sampled_from(others))
            self._approved(survivor, "CHANGE_IDENTIFIER", "MERGE", victimId=victim)

        def _mobile_of(self, data, customer) -> dict:
            """One of the customer's mobiles with the source holding it (as a store would
            name it: requests address one source), else any mobile in INSTORE."""
            held = sorted(
                Identifier.objects.filter(
                    customer=customer_resolve(customer_id=customer, warnings=Warnings()),
                    type="mobile",
                ).values_list("value", "source", "account__account_id")
            )
            value, source, account = data.draw(
                st.sampled_from(held or [(m, "INSTORE", None) for m in MOBILES])
            )
            return {"value": value, "source": source, "accountId": account or ""}

        @rule(receiver=customers, holder=customers, data=st.data())
        def reallocate(self, receiver, holder, data):
            # Between live customers (a merge victim holds nothing to give).
            receiver = customer_resolve(customer_id=receiver, warnings=Warnings()).pk
            holder = customer_resolve(customer_id=holder, warnings=Warnings()).pk
            assume(receiver != holder)
            mobile = self._mobile_of(data, holder)
            self._approved(
                receiver,
                "CHANGE_IDENTIFIER",
                "MOBILE_REALLOC",
                mobile=mobile["value"],
                source=mobile["source"],
                accountId=mobile["accountId"],
                fromCustomerId=holder,
            )

        @rule(customer=customers, new=st.sampled_from(MOBILES), data=st.data())
        def change_mobile(self, customer, new, data):
            old = self._mobile_of(data, customer)
            assume(old["value"] != new)
            self._approved(
                customer,
                "CHANGE_IDENTIFIER",
                "MOBILE",
                oldValue=old["value"],
                newValue=new,
                source=old["source"],
                accountId=old["accountId"],
            )

        @rule(customer=customers, amount=points)
        def goodwill(self, customer, amount):
            self._approved(customer, "GOODWILL", "POINTS", points=amount)

        @rule(customer=customers, amount=points)
        def bill(self, customer, amount):
            self.bills += 1
            with contextlib.suppress(DomainError):
                services.bill_add(
                    store=till.store,
                    till=till,
                    number=f"S-{self.bills}",
                    amount=Decimal(amount),
                    bill_type="REGULAR",
                    customer=Customer.objects.get(pk=customer),
                    actor=till,
                )

        @rule(sender=customers, receiver=customers, amount=points)
        def transfer(self, sender, receiver, amount):
            with contextlib.suppress(DomainError):
                services.points_transfer(
                    from_customer=Customer.objects.get(pk=sender),
                    to_customer=Customer.objects.get(pk=receiver),
                    program=program,
                    points=amount,
                    actor=till,
                )

        @invariant()
        def invariants_hold(self):
            assert [str(finding) for finding in invariant_findings()] == []

        @invariant()
        def every_id_reaches_a_live_customer_and_victims_hold_no_points(self):
            victims = Customer.objects.filter(merged_into__isnull=False)
            for customer in Customer.objects.all():
                assert (
                    customer_resolve(customer_id=customer.pk, warnings=Warnings()).merged_into_id
                    is None
                )
            assert not Enrollment.objects.filter(customer__in=victims).exclude(loyalty_points=0)

    return RegistryAndLedger


@pytest.mark.django_db
def test_random_sequences_keep_the_invariants(org_config, program, till):
    supervisor = staff("state.supervisor", MAKE + CHECK)
    assert Store.objects.exists() and Program.objects.get().is_default
    run_state_machine_as_test(
        machine_for(till, supervisor, program),
        settings=settings(
            max_examples=int(os.environ.get("STATEFUL_EXAMPLES", "20")),
            stateful_step_count=20,
            deadline=None,
            derandomize=not os.environ.get("STATEFUL_RANDOM"),
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print("\n".join(f"{count:5} {outcome}" for outcome, count in sorted(OUTCOMES.items())))
    # the sequences reach the interesting paths, not only refusals
    assert OUTCOMES["register combined"] and OUTCOMES["MERGE APPROVED"]
    assert OUTCOMES["MOBILE_REALLOC APPROVED"] and OUTCOMES["POINTS APPROVED"]
