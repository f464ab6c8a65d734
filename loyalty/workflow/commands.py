"""Typed commands of the request workflow: making a request and deciding one.

`loyalty.workflow.parsers` reads them from the v2 bodies; the console's forms and the demo
build them directly. The services of `loyalty.workflow.services` take them and check
everything that needs the database under their locks (the customer holds the old value,
the program is active, the bill is claimable, ...).

The details of each base type hold the values as read (numbers parsed, identifiers
normalised); `customer_fields` names the fields that hold customer ids, which a request
for a merge victim's account re-points at its survivor (I2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from customers.models import IdentifierType


@dataclass(frozen=True)
class GoodwillPoints:
    points: Decimal
    program_id: int | None = None  # None: the default program

    customer_fields: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class GoodwillCoupon:
    series_id: int

    customer_fields: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class RetroClaim:
    bill_number: str
    store_code: str = ""  # "": the till's own store
    bill_date: str = ""  # "": not checked

    customer_fields: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class IdentifierChange:
    """Replace one identifier of the customer's profile of `source` / `account_id`."""

    identifier_type: str
    old_value: str
    new_value: str
    source: str = ""  # "": INSTORE
    account_id: str = ""

    customer_fields: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class MergeInto:
    """Merge `victim_id` into the request's customer (or into `survivor_id`)."""

    victim_id: int
    survivor_id: int | None = None

    customer_fields: ClassVar[tuple[str, ...]] = ("victim_id", "survivor_id")


@dataclass(frozen=True)
class MobileReallocation:
    """Move `mobile` from `from_customer_id` to the request's customer."""

    mobile: str
    from_customer_id: int
    to_customer_id: int | None = None
    source: str = ""
    account_id: str = ""
    identifier_type: ClassVar[str] = IdentifierType.MOBILE

    customer_fields: ClassVar[tuple[str, ...]] = ("from_customer_id", "to_customer_id")


@dataclass(frozen=True)
class Erasure:
    customer_fields: ClassVar[tuple[str, ...]] = ()


RequestDetails = (
    GoodwillPoints
    | GoodwillCoupon
    | RetroClaim
    | IdentifierChange
    | MergeInto
    | MobileReallocation
    | Erasure
)


@dataclass(frozen=True)
class RaiseRequest:
    request_type: str  # RequestType
    base_type: str  # RequestBaseType
    details: RequestDetails
    reason: str = ""
    comments: str = ""
    reference_id: str = ""
    one_step: bool = False
    auto_approve: bool = False


@dataclass(frozen=True)
class Decision:
    """Approve or reject one request; `sent_id` is the id as the caller sent it (answered
    back beside the item's result)."""

    request_id: int | None  # None: not a request id (9013)
    status: str  # RequestStatus APPROVED / REJECTED, or what was sent (9020)
    comments: str = ""
    approved_value: Decimal | None = None
    sent_id: object = None
