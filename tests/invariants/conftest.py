"""Fixtures of the invariant tests (docs/invariants.md): every test here ends with the
whole database checked by `check_invariants`' own checks."""

from decimal import Decimal

import pytest

from tests.customers.conftest import bukl_till, org_config, register  # noqa: F401 (fixtures)
from tests.requests.conftest import CHECK, MAKE, client_for, program, staff  # noqa: F401

MOBILE_A = "919845000001"
MOBILE_B = "919845000002"
MOBILE_C = "919845000003"


@pytest.fixture(autouse=True)
def invariants_hold_after_each_test(request):
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or "planted" in request.fixturenames:
        yield
        return
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    from customers.invariants import invariant_findings

    assert [str(finding) for finding in invariant_findings()] == []


@pytest.fixture
def planted(db):
    """A test that plants violations on purpose (the check after it is skipped); the
    triggers and deferrable constraints are set aside for its transaction only."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "SET CONSTRAINTS identifier_one_holder, comm_channel_one_primary_value DEFERRED"
        )
        cursor.execute(
            "ALTER TABLE loyalty_enrollment DROP CONSTRAINT enrollment_points_not_negative"
        )
    yield


@pytest.fixture
def supervisor(db):
    return staff("supervisor", MAKE + CHECK)


@pytest.fixture
def supervisor_client(supervisor):
    return client_for(supervisor)


def codes_of(body: dict, key: str = "errors") -> list[int]:
    return [item["code"] for item in body[key]]


def created(response) -> int:
    assert response.status_code == 200, response.json()
    return response.json()["createdId"]


def holders(type_: str, value: str) -> set[int]:
    """The customers holding an identifier value, in any source."""
    from customers.models import Identifier

    return set(
        Identifier.objects.filter(type=type_, value=value).values_list("customer_id", flat=True)
    )


def merge(victim_id: int, survivor_id: int, actor) -> None:
    from customers.services import customer_merge

    customer_merge(victim_id=victim_id, survivor_id=survivor_id, actor=actor)


def made_request(client, **body) -> int:
    """A request made through `POST /v2/requests`; its id."""
    made = client.post("/v2/requests", body, format="json")
    assert made.status_code == 200, made.json()
    return made.json()["createdId"]


def enrolled(customer, in_program, points: int = 0):
    """An enrollment with `points` credited by one ledger entry, written directly (for
    tests of what the database and the checks see)."""
    from loyalty.models import Enrollment, LedgerEntry, LedgerKind

    enrollment = Enrollment.objects.create(customer=customer, program=in_program, loyalty_id=1)
    if points:
        LedgerEntry.objects.create(
            enrollment=enrollment,
            customer=customer,
            program=in_program,
            kind=LedgerKind.GOODWILL,
            points=Decimal(points),
        )
        Enrollment.objects.filter(pk=enrollment.pk).update(
            loyalty_points=Decimal(points), lifetime_points=Decimal(points)
        )
    return enrollment
