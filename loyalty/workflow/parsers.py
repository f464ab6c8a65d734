"""The v2 request bodies of the request workflow, read into the typed commands of
`loyalty.workflow.commands`.

`POST /v2/requests` (and the goodwill / retro / change paths) -> `RaiseRequest`;
`PUT /v2/requests` items -> `DecisionItem`s. A field that is missing or does not read as
its type answers 9030 naming it; an identifier value that is no valid value of its type
answers the code of the base type (9012 old value, 9024 new value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from config.codes import Code
from config.errors import DomainError
from customers.models import IdentifierType
from customers.normalise import InvalidIdentifier, as_bool, as_text, normalise_identifier
from loyalty.models import BASE_TYPES_OF, RequestBaseType, RequestStatus
from loyalty.services import points_amount
from loyalty.workflow.commands import (
    Decision,
    Erasure,
    GoodwillCoupon,
    GoodwillPoints,
    IdentifierChange,
    MergeInto,
    MobileReallocation,
    RaiseRequest,
    RequestDetails,
    RetroClaim,
)

IDENTIFIER_TYPE_OF: dict[str, IdentifierType] = {
    RequestBaseType.MOBILE: IdentifierType.MOBILE,
    RequestBaseType.EMAIL: IdentifierType.EMAIL,
    RequestBaseType.EXTERNAL_ID: IdentifierType.EXTERNAL_ID,
}
REASON_MAX_LENGTH = 200
REFERENCE_MAX_LENGTH = 100


def request_type_checked(request_type: Any, base_type: Any) -> tuple[str, str]:
    """(RequestType, RequestBaseType) from their names in any case: 9006 / 9008."""
    request_type = as_text(request_type).upper()
    base_type = as_text(base_type).upper()
    if request_type not in BASE_TYPES_OF:
        raise DomainError(Code.REQUEST_TYPE_INVALID)
    if base_type not in BASE_TYPES_OF[request_type]:
        raise DomainError(Code.REQUEST_BASE_TYPE_INVALID)
    return request_type, base_type


def points_checked(raw: Any, name: str) -> Decimal:
    """Requested or approved points: positive and exactly what the ledger can store
    (`points_amount`: 12.345 is refused, not rounded), else 9030 naming the field."""
    try:
        points = points_amount(raw)
    except ValueError:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x=name) from None
    if points <= 0:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x=name)
    return points


def field(payload: dict, *names: str) -> Any:
    """The first of `names` sent with a value (aliases: `points` or `value`)."""
    for name in names:
        if payload.get(name) not in (None, ""):
            return payload[name]
    return None


def int_field(payload: dict, name: str, *aliases: str, required: bool = True) -> int | None:
    raw = field(payload, name, *aliases)
    if raw is None:
        if required:
            raise DomainError(Code.REQUEST_FIELD_INVALID, x=name)
        return None
    try:
        return int(as_text(raw))
    except (TypeError, ValueError):
        raise DomainError(Code.REQUEST_FIELD_INVALID, x=name) from None


def text_field(body: dict, name: str) -> str:
    """A text field as sent (a number is read as its text); an object or a list is no
    text: 9030, rather than its repr stored."""
    value = body.get(name, "")
    if isinstance(value, (dict, list)):
        raise DomainError(Code.REQUEST_FIELD_INVALID, x=name)
    return as_text(value)


def _goodwill_points(payload: dict, base_type: str) -> GoodwillPoints:
    program_id = int_field(payload, "programId", required=False)
    raw = field(payload, "points", "value")
    if raw is None:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="points")
    return GoodwillPoints(points=points_checked(raw, "points"), program_id=program_id)


def _goodwill_coupon(payload: dict, base_type: str) -> GoodwillCoupon:
    series_id = int_field(payload, "seriesId", "couponSeriesId")
    assert series_id is not None  # required
    return GoodwillCoupon(series_id=series_id)


def _retro(payload: dict, base_type: str) -> RetroClaim:
    number = as_text(field(payload, "billNumber", "transactionNumber"))
    if not number:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="billNumber")
    return RetroClaim(
        bill_number=number,
        store_code=as_text(field(payload, "storeCode", "store")),
        bill_date=as_text(payload.get("billDate")),
    )


def identifier_change(
    identifier_type: str, old_value: Any, new_value: Any, *, source: str = "", account_id: str = ""
) -> IdentifierChange:
    """The values normalised: 9012 an old value, 9024 a new value that is no valid value of
    the type, 9031 the same value twice."""
    try:
        old = normalise_identifier(identifier_type, old_value)
    except InvalidIdentifier:
        raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS) from None
    try:
        new = normalise_identifier(identifier_type, new_value)
    except InvalidIdentifier:
        raise DomainError(Code.NEW_IDENTIFIER_INVALID) from None
    if old == new:
        raise DomainError(Code.NEW_VALUE_SAME_AS_OLD)
    return IdentifierChange(
        identifier_type=identifier_type,
        old_value=old,
        new_value=new,
        source=source,
        account_id=account_id,
    )


def _identifier_change(payload: dict, base_type: str) -> IdentifierChange:
    return identifier_change(
        IDENTIFIER_TYPE_OF[base_type],
        field(payload, "oldValue"),
        field(payload, "newValue"),
        source=as_text(payload.get("source")),
        account_id=as_text(payload.get("accountId")),
    )


def _merge(payload: dict, base_type: str) -> MergeInto:
    survivor_id = int_field(payload, "survivorId", required=False)
    victim_id = int_field(payload, "victimId")
    assert victim_id is not None  # required
    return MergeInto(victim_id=victim_id, survivor_id=survivor_id)


def _reallocated_mobile(value: Any) -> str:
    try:
        return normalise_identifier(IdentifierType.MOBILE, value)
    except InvalidIdentifier:
        raise DomainError(Code.NEW_IDENTIFIER_INVALID) from None


def mobile_reallocation(
    mobile: Any,
    *,
    from_customer_id: int,
    to_customer_id: int | None = None,
    source: str = "",
    account_id: str = "",
) -> MobileReallocation:
    """The mobile normalised: 9024 when it is no valid mobile."""
    return MobileReallocation(
        mobile=_reallocated_mobile(mobile),
        from_customer_id=from_customer_id,
        to_customer_id=to_customer_id,
        source=source,
        account_id=account_id,
    )


def _mobile_realloc(payload: dict, base_type: str) -> MobileReallocation:
    mobile = _reallocated_mobile(field(payload, "mobile", "value"))
    to_id = int_field(payload, "toCustomerId", required=False)
    from_id = int_field(payload, "fromCustomerId")
    assert from_id is not None  # required
    return MobileReallocation(
        mobile=mobile,
        from_customer_id=from_id,
        to_customer_id=to_id,
        source=as_text(payload.get("source")),
        account_id=as_text(payload.get("accountId")),
    )


def _erasure(payload: dict, base_type: str) -> Erasure:
    return Erasure()


_DETAILS: dict[str, Callable[[dict, str], RequestDetails]] = {
    RequestBaseType.POINTS: _goodwill_points,
    RequestBaseType.COUPON: _goodwill_coupon,
    RequestBaseType.RETRO: _retro,
    RequestBaseType.MOBILE: _identifier_change,
    RequestBaseType.EMAIL: _identifier_change,
    RequestBaseType.EXTERNAL_ID: _identifier_change,
    RequestBaseType.MERGE: _merge,
    RequestBaseType.MOBILE_REALLOC: _mobile_realloc,
    RequestBaseType.ERASE: _erasure,
}


def request_details(base_type: str, payload: dict) -> RequestDetails:
    """The base type's fields of a request body (or of a console form's values)."""
    return _DETAILS[base_type](payload if isinstance(payload, dict) else {}, base_type)


def raise_request_command(body: dict) -> RaiseRequest:
    """A request body: `type`, `baseType`, `reason`, `comments`, `referenceId`, `oneStep`,
    `autoApprove` and the fields of the base type."""
    reason = text_field(body, "reason")
    comments = text_field(body, "comments")
    reference_id = text_field(body, "referenceId")
    request_type, base_type = request_type_checked(body.get("type"), body.get("baseType"))
    return RaiseRequest(
        request_type=request_type,
        base_type=base_type,
        details=request_details(base_type, body),
        reason=reason[:REASON_MAX_LENGTH],
        comments=comments,
        reference_id=reference_id[:REFERENCE_MAX_LENGTH],
        one_step=as_bool(body.get("oneStep", False)),
        auto_approve=as_bool(body.get("autoApprove", False)),
    )


def decision(
    *, request_id: Any, status: Any, comments: Any = "", approved_value: Any = None
) -> Decision:
    """One decision: status APPROVED / REJECTED (9020), a rejection's reason (9017), the
    approved points (9030), the request id (9013 when it is no id)."""
    status = as_text(status).upper()
    if status not in (RequestStatus.APPROVED, RequestStatus.REJECTED):
        raise DomainError(Code.DECISION_STATUS_INVALID)
    comments = as_text(comments)
    if status == RequestStatus.REJECTED and not comments:
        raise DomainError(Code.REJECTION_REASON_REQUIRED)
    value = None
    if approved_value not in (None, ""):
        value = points_checked(approved_value, "approvedValue")
    try:
        pk = int(as_text(request_id))
    except (TypeError, ValueError):
        raise DomainError(Code.REQUEST_NOT_FOUND) from None
    return Decision(request_id=pk, status=status, comments=comments, approved_value=value)


@dataclass(frozen=True)
class DecisionItem:
    """One item of a batch decision as read: its decision, or why it cannot be one."""

    sent_id: Any
    decision: Decision | None = None
    refusal: DomainError | None = None


def decision_items(data: Any) -> list[DecisionItem]:
    """A `PUT /v2/requests` body: a list of `{id, status, comments, approvedValue}` (or
    `{"requests": [...]}`, or one such object). An item that does not read is refused alone
    (the others are still decided); an object or a list as a comment refuses the whole call
    (9030), rather than its repr stored."""
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        items = next(
            (data[key] for key in ("requests", "data") if isinstance(data.get(key), list)),
            [data],
        )
    else:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="requests")
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("comments"), (dict, list)):
            raise DomainError(Code.REQUEST_FIELD_INVALID, x=f"[{index}].comments")
    read = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        sent_id = item.get("id", item.get("requestId"))
        try:
            read.append(
                DecisionItem(
                    sent_id=sent_id,
                    decision=decision(
                        request_id=sent_id,
                        status=item.get("status"),
                        comments=item.get("comments", ""),
                        approved_value=item.get("approvedValue"),
                    ),
                )
            )
        except DomainError as error:
            read.append(DecisionItem(sent_id=sent_id, refusal=error))
    return read
