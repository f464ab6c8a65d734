"""I5 for requests: the locks a request needs, in the global order (identifier values,
then customers by primary key, then requests by primary key), and the advisory keys that
serialise makers of requests on the same value."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from customers.models import (
    Customer,
    IdentifierType,
)
from customers.normalise import InvalidIdentifier, as_text, normalise_identifier
from customers.selectors import (
    customers_lock,
    identifier_values_lock,
)
from loyalty.models import (
    Request,
    RequestBaseType,
)
from loyalty.workflow.commands import (
    IdentifierChange,
    MobileReallocation,
    RequestDetails,
)
from loyalty.workflow.parsers import (
    IDENTIFIER_TYPE_OF,
)
from loyalty.workflow.parsers import (
    field as payload_field,
)


def lock_keys(keys: list[str]) -> None:
    """Serialise makers of requests on the same identifier value or customer (so two
    concurrent makes cannot both pass the "no other pending request" check); sorted so
    two makers never deadlock. Released at the end of the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
            "FROM (SELECT unnest(%s::text[]) AS k ORDER BY 1) AS keys",
            [sorted(set(keys))],
        )


def requests_lock(condition: Q) -> list[Request]:
    """I5: the one way a service locks requests: in primary-key order, after the locks of
    the customers they name (and of their identifier values), never before them."""
    return list(
        Request.objects.select_for_update(of=("self",))
        .select_related("requested_by_user")
        .filter(condition)
        .order_by("pk")
    )


# Payload keys naming customers, and those holding the identifier values a request writes.
CUSTOMER_KEYS = ("victimId", "survivorId", "fromCustomerId", "toCustomerId")
_VALUE_KEYS: dict[str, tuple[str, str]] = {
    RequestBaseType.MOBILE: ("oldValue", "newValue"),
    RequestBaseType.EMAIL: ("oldValue", "newValue"),
    RequestBaseType.EXTERNAL_ID: ("oldValue", "newValue"),
    RequestBaseType.MOBILE_REALLOC: ("mobile", "value"),
}


def payload_customer_ids(payload: dict) -> list[int]:
    ids = []
    for key in CUSTOMER_KEYS:
        try:
            ids.append(int(as_text(payload.get(key))))
        except (TypeError, ValueError):
            continue
    return ids


def _payload_identifiers(base_type: str, payload: dict) -> list[tuple[str, str]]:
    """The (type, value) pairs an identifier change or reallocation writes, as far as they
    read as valid values (the validator refuses the others)."""
    type_ = IDENTIFIER_TYPE_OF.get(base_type) or (
        IdentifierType.MOBILE if base_type == RequestBaseType.MOBILE_REALLOC else None
    )
    pairs: list[tuple[str, str]] = []
    if type_ is None:
        return pairs  # no identifier (and no _VALUE_KEYS entry)
    for key in _VALUE_KEYS.get(base_type, ()):
        try:
            pairs.append((type_, normalise_identifier(type_, payload_field(payload, key))))
        except InvalidIdentifier:
            continue
    return pairs


def identifiers_written(details: RequestDetails) -> list[tuple[str, str]]:
    """The (type, value) pairs a request being made writes: its lock keys (I5)."""
    if isinstance(details, IdentifierChange):
        return [
            (details.identifier_type, details.old_value),
            (details.identifier_type, details.new_value),
        ]
    if isinstance(details, MobileReallocation):
        return [(details.identifier_type, details.mobile)]
    return []


def customers_named(details: RequestDetails) -> dict[str, int]:
    """The customers a request's details name, by field."""
    named = {name: getattr(details, name) for name in details.customer_fields}
    return {name: pk for name, pk in named.items() if pk is not None}


def request_locks(*, base_type: str, payload: dict, customer_ids: list[int]) -> dict[int, Customer]:
    """I5 for a request: the locks its effect will need, in the global order, before the
    request row's: the identifier values it writes (advisory), then every customer it
    names (primary-key order). A merge victim named by a request other than a merge is
    followed to its survivor (I2)."""
    identifier_values_lock(_payload_identifiers(base_type, payload))
    return customers_lock(
        customer_ids=[*customer_ids, *payload_customer_ids(payload)],
        follow_merges=base_type != RequestBaseType.MERGE,
    )
