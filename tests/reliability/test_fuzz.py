"""Fuzz the served /v2/ API with schemathesis, in-process through the WSGI application.

Every operation of the OpenAPI schema (the one `/v2/schema/` serves) gets a bounded number
of generated requests, valid and invalid (schemathesis' positive and negative modes), sent
as a till (HTTP Basic) and, for the staff-only decision endpoint, as a staff user holding
every permission (Bearer API key). Each answer must

- not be a server error (`not_a_server_error`),
- match the schema documented for its status (`response_schema_conformance`),
- after a 4xx to a POST/PUT, leave the main tables as they were (`refusal_writes_nothing`).

Every other case is steered: its path ids become those of a real customer (or request) and
its `source` query parameter a real source, so the fuzzer reaches the code behind the 404
and the 8004 "no source"; a generated `Idempotency-Key` is made unique per case (else the
second write with the same short key answers 422 without reaching the view). Derandomized:
a run is reproducible. `FUZZ_REPORT=<file>` writes the statuses per operation (the figures
in docs/reliability.md).
"""

from __future__ import annotations

import itertools
import json
import os
import traceback
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from tests.conftest import basic_auth
from tests.reliability.conftest import row_counts

MAX_EXAMPLES = 20

# Staff-only operations, fuzzed as a staff user with every permission.
STAFF_OPERATIONS = {("PUT", "/v2/requests")}


def generated_schema() -> dict:
    """The schema `/v2/schema/` serves (`test_served_schema_is_the_fuzzed_one` checks it)."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(generated_schema())
schema.app = application


@pytest.fixture
def keep_test_connection(world):
    """The WSGI handler closes the database connection after each request; inside a test
    that would close the test's transaction, so do what Django's test client does (after
    `world`, whose test client calls connect the handler again)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Statuses answered per operation; written to $FUZZ_REPORT (JSON) when set, for the docs.
TALLY: dict[str, Counter] = defaultdict(Counter)


@pytest.fixture(scope="module", autouse=True)
def fuzz_report():
    yield
    target = os.environ.get("FUZZ_REPORT")
    if target:
        Path(target).write_text(
            json.dumps({"tally": TALLY, "samples": SAMPLE_BODIES}, indent=1, sort_keys=True)
        )


SAMPLE_BODIES: dict[str, str] = {}


def record(case, response) -> None:
    """Count per documented operation; a request sent with another method (schemathesis
    probes unsupported methods) counts as `<status> <METHOD>`."""
    status = str(response.status_code)
    if case.method.upper() != case.operation.method.upper():
        status = f"{status} {case.method.upper()}"
    TALLY[case.operation.label][status] += 1
    SAMPLE_BODIES.setdefault(f"{case.operation.label} {status}", response.text[:300])


_turn = itertools.count()


_keys = itertools.count()


def fresh_idempotency_key(case) -> None:
    """A generated `Idempotency-Key` is often the same short value, so every later write
    would answer 422 (key reused) without reaching its view: make each one unique."""
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key":
            case.headers[name] = f"fuzz-{next(_keys)}"


def steer_to_real_rows(case, world: dict) -> None:
    """Every other case names the seeded customer / request instead of a random id, and a
    real `source` (most customer operations stop at 8004/8001 without one)."""
    if next(_turn) % 2:
        return
    for name in ("customer_id", "request_id"):
        if name in (case.path_parameters or {}) and world.get(name):
            case.path_parameters[name] = str(world[name])
    if any(p.name == "source" and p.location == "query" for p in case.operation.query):
        case.query = {**(case.query or {}), "source": "INSTORE"}


def check_refusal_writes_nothing(case, response, before: dict[str, int]) -> None:
    if case.method.upper() not in ("POST", "PUT") or not 400 <= response.status_code < 500:
        return
    after = row_counts()
    assert after == before, (
        f"{case.method} {case.formatted_path} answered {response.status_code} but changed "
        f"rows: {before} -> {after}\n{response.text[:500]}"
    )


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.django_db
@schema.exclude(method="PUT", path="/v2/requests").parametrize()
@FUZZ_SETTINGS
def test_api_as_a_till(case, world, keep_test_connection):
    steer_to_real_rows(case, world)
    fresh_idempotency_key(case)
    before = row_counts()
    headers = {"Authorization": basic_auth("test.till", "test-secret")}
    response = case.call(headers=headers)
    record(case, response)
    case.validate_response(
        response, checks=[not_a_server_error, response_schema_conformance], headers=headers
    )
    check_refusal_writes_nothing(case, response, before)


@pytest.mark.django_db
@schema.include(method="PUT", path="/v2/requests").parametrize()
@FUZZ_SETTINGS
def test_staff_only_api_as_staff(case, world, staff_headers, keep_test_connection):
    steer_to_real_rows(case, world)
    fresh_idempotency_key(case)
    before = row_counts()
    response = case.call(headers=staff_headers)
    record(case, response)
    case.validate_response(
        response, checks=[not_a_server_error, response_schema_conformance], headers=staff_headers
    )
    check_refusal_writes_nothing(case, response, before)


def test_served_schema_is_the_fuzzed_one(till_client):
    response = till_client.get("/v2/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content) == generated_schema()


@pytest.mark.django_db
def test_the_conformance_check_is_not_vacuous(world, keep_test_connection):
    """The same check on a schema whose error envelope demands a missing property fails."""
    wrong = generated_schema()
    wrong["components"]["schemas"]["ErrorEnvelope"]["required"].append("notThere")
    strict = schemathesis.openapi.from_dict(wrong)
    strict.app = application
    case = strict["/v2/customers/{customer_id}"]["GET"].Case(path_parameters={"customer_id": "0"})
    headers = {"Authorization": basic_auth("test.till", "test-secret")}
    response = case.call(headers=headers)
    assert response.status_code == 404
    with pytest.raises(BaseException) as failure:  # a FailureGroup (BaseExceptionGroup)
        case.validate_response(response, checks=[response_schema_conformance], headers=headers)
    assert "notThere" in "".join(traceback.format_exception(failure.value))
