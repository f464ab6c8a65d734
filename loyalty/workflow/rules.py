"""What each base type of request must satisfy: the type's configuration and who may make,
check or one-step it (`actor_may`), and the validators of the details (`VALIDATORS`), run
under the request's locks when it is made. The effects (`effects`) check again, at
approval, what may have changed since."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import TypeIs

from django.db.models import Q
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError
from customers.audit import Actor
from customers.erasure import is_erased
from customers.models import (
    Customer,
    Identifier,
    IdentifierType,
    LoyaltyType,
    Source,
    Till,
)
from customers.selectors import (
    SourceRef,
    customer_get,
    source_resolve,
)
from loyalty.models import (
    CouponSeries,
    Program,
    Request,
    RequestBaseType,
    RequestStatus,
    RequestType,
    RequestTypeConfig,
    TransactionType,
)
from loyalty.models import Transaction as Bill
from loyalty.workflow.commands import (
    Erasure,
    GoodwillCoupon,
    GoodwillPoints,
    IdentifierChange,
    MergeInto,
    MobileReallocation,
    RetroClaim,
)
from loyalty.workflow.locks import (
    lock_keys,
)
from loyalty.workflow.parsers import (
    IDENTIFIER_TYPE_OF,
)

BASE_TYPE_OF_IDENTIFIER: dict[str, str] = {
    type_: base for base, type_ in IDENTIFIER_TYPE_OF.items()
}
# New value already held by a customer.
IN_USE_CODE: dict[str, Code] = {
    RequestBaseType.MOBILE: Code.NEW_MOBILE_IN_USE,
    RequestBaseType.EMAIL: Code.NEW_EMAIL_IN_USE,
    RequestBaseType.EXTERNAL_ID: Code.NEW_EXTERNAL_ID_IN_USE,
}


def request_type_config(*, request_type: str, base_type: str) -> RequestTypeConfig:
    """The saved configuration of a type, or the defaults (unsaved) when none is saved."""
    config = RequestTypeConfig.objects.filter(type=request_type, base_type=base_type).first()
    return config or RequestTypeConfig(type=request_type, base_type=base_type)


def is_till(actor: Actor) -> TypeIs[Till]:
    return isinstance(actor, Till)


def permission_codename(request_type: str, action: str) -> str:
    """`loyalty.<action>_<family>_request`, e.g. `loyalty.check_goodwill_request`; the API,
    the admin and the demo groups use the same codenames."""
    from loyalty.models import PERMISSION_GROUP_OF

    return f"loyalty.{action}_{PERMISSION_GROUP_OF[request_type]}_request"


def actor_may(actor: Actor, request_type: str, action: str) -> bool:
    if is_till(actor):
        # Tills raise requests (not erasures); only staff decide.
        return action == "make" and request_type != RequestType.ERASURE
    if request_type == RequestType.ERASURE and action == "one_step":
        return False  # four eyes, always (even for a superuser)
    return bool(actor.has_perm(permission_codename(request_type, action)))


def require_permission(actor: Actor, request_type: str, action: str) -> None:
    if not actor_may(actor, request_type, action):
        raise DomainError(Code.REQUEST_PERMISSION_MISSING, x=action.replace("_", "-"))


@dataclass
class Validated:
    """A validated payload and the rows it names."""

    payload: dict[str, Any]
    program: Program | None = None
    bill: Bill | None = None
    other_customer: Customer | None = None


def require_loyalty(customer: Customer) -> None:
    if customer.loyalty_type != LoyaltyType.LOYALTY:
        raise DomainError(Code.NOT_LOYALTY_CUSTOMER)


def _validate_goodwill_points(
    *, customer: Customer, details: GoodwillPoints, config: RequestTypeConfig, actor: Actor
) -> Validated:
    require_loyalty(customer)
    program = goodwill_program(details.program_id)
    goodwill_cap(details.points, config)
    return Validated(
        payload={"programId": program.pk, "points": as_number(details.points)}, program=program
    )


def goodwill_program(program_id: int | None) -> Program:
    """The active program named, or the default one: 895 when there is none."""
    programs = Program.objects.filter(is_active=True)
    if program_id is None:
        program = programs.filter(is_default=True).first()
    else:
        program = programs.filter(pk=program_id).first()
    if program is None:
        raise DomainError(Code.PROGRAM_NOT_CONFIGURED)
    return program


def goodwill_cap(points: Decimal, config: RequestTypeConfig) -> None:
    if config.goodwill_points_cap is not None and points > config.goodwill_points_cap:
        raise DomainError(Code.GOODWILL_OVER_LIMIT, x=as_number(config.goodwill_points_cap))


def _validate_goodwill_coupon(
    *, customer: Customer, details: GoodwillCoupon, config: RequestTypeConfig, actor: Actor
) -> Validated:
    if not CouponSeries.objects.filter(pk=details.series_id, is_active=True).exists():
        raise DomainError(Code.COUPON_SERIES_INVALID)
    return Validated(payload={"seriesId": details.series_id})


def retro_rules(*, bill: Bill, customer: Customer, config: RequestTypeConfig) -> None:
    """The retro window: enabled (1631), bill still not-interested (1627), not too old
    (1632), not too long before the customer registered (1633)."""
    if not config.retro_enabled:
        raise DomainError(Code.RETRO_NOT_ENABLED)
    if bill.type != TransactionType.NOT_INTERESTED or bill.customer_id is not None:
        raise DomainError(Code.RETRO_ALREADY_MARKED)
    now = timezone.now()
    if config.retro_max_bill_age_days is not None and bill.billed_at < now - timedelta(
        days=config.retro_max_bill_age_days
    ):
        raise DomainError(Code.RETRO_REGISTRATION_TOO_OLD)
    if (
        config.retro_hours_before_registration is not None
        and bill.billed_at
        < customer.registered_at - timedelta(hours=config.retro_hours_before_registration)
    ):
        raise DomainError(Code.RETRO_MAPPING_WINDOW_EXCEEDED)


def _validate_retro(
    *, customer: Customer, details: RetroClaim, config: RequestTypeConfig, actor: Actor
) -> Validated:
    if not config.retro_enabled:
        raise DomainError(Code.RETRO_NOT_ENABLED)
    require_loyalty(customer)
    bills = Bill.objects.filter(number=details.bill_number).exclude(type=TransactionType.RETURN)
    if details.store_code:
        bills = bills.filter(store__code=details.store_code)
    elif is_till(actor):
        bills = bills.filter(store_id=actor.store_id)
    else:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="storeCode")
    bill = bills.select_related("store").first()
    if bill is None:
        raise DomainError(Code.RETRO_TRANSACTION_ID_INVALID)
    bill_date = details.bill_date
    if bill_date and timezone.localtime(bill.billed_at).date().isoformat() != bill_date[:10]:
        raise DomainError(Code.RETRO_TRANSACTION_ID_INVALID)
    retro_rules(bill=bill, customer=customer, config=config)
    return Validated(
        payload={
            "billNumber": bill.number,
            "storeCode": bill.store.code,
            "billDate": timezone.localtime(bill.billed_at).date().isoformat(),
            "billId": bill.pk,
        },
        bill=bill,
    )


def source_ref(source: str, account_id: str) -> SourceRef:
    return source_resolve(
        source=source or Source.INSTORE,
        account_id=account_id,
        missing_code=Code.ADD_SOURCE_MISSING,
        unknown_account_code=Code.WRITE_SOURCE_OR_ACCOUNT_INVALID,
    )


def holds(customer_id: int, type_: str, value: str, ref: SourceRef) -> bool:
    return Identifier.objects.filter(
        customer_id=customer_id, type=type_, value=value, source=ref.source, account=ref.account
    ).exists()


def identifier_rules(
    *, customer: Customer, base_type: str, ref: SourceRef, old: str, new: str
) -> None:
    type_ = IDENTIFIER_TYPE_OF[base_type]
    if not holds(customer.pk, type_, old, ref):
        raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS)
    if Identifier.objects.filter(type=type_, value=new).exists():
        raise DomainError(IN_USE_CODE[base_type])


def _validate_identifier(
    *, customer: Customer, details: IdentifierChange, config: RequestTypeConfig, actor: Actor
) -> Validated:
    base_type = BASE_TYPE_OF_IDENTIFIER[details.identifier_type]
    ref = source_ref(details.source, details.account_id)
    old, new = details.old_value, details.new_value
    identifier_rules(customer=customer, base_type=base_type, ref=ref, old=old, new=new)
    lock_keys([f"request:{details.identifier_type}:{new}"])
    if Request.objects.filter(
        status=RequestStatus.PENDING, base_type=base_type, payload__newValue=new
    ).exists():
        raise DomainError(Code.IDENTIFIER_REQUEST_PENDING)
    return Validated(
        payload={
            "source": ref.source,
            "accountId": ref.account_code,
            "identifierType": details.identifier_type,
            "oldValue": old,
            "newValue": new,
        }
    )


def _pending_merge_with(customer_id: int) -> bool:
    return Request.objects.filter(
        Q(customer_id=customer_id) | Q(other_customer_id=customer_id),
        status=RequestStatus.PENDING,
        base_type=RequestBaseType.MERGE,
    ).exists()


def merge_rules(*, victim: Customer, survivor: Customer) -> None:
    if victim.pk == survivor.pk:
        raise DomainError(Code.MERGE_WITH_ITSELF)
    if victim.merged_into_id:
        raise DomainError(Code.VICTIM_ALREADY_MERGED)
    if survivor.merged_into_id:
        raise DomainError(Code.SURVIVOR_IS_VICTIM)


def merge_request_check(*, survivor: Customer, victim_id: int) -> Customer:
    """The duplicate `victim_id` if a merge request into `survivor` could be raised now, else
    the refusal it would meet (816, 9029, 9027, 9023, 9018, 9026): for the console's preview.
    Read-only; `request_create` checks everything again under its locks."""
    victim = customer_get(customer_id=victim_id)
    merge_rules(victim=victim, survivor=survivor)
    if _pending_merge_with(victim.pk):
        raise DomainError(Code.VICTIM_MERGE_PENDING)
    if _pending_merge_with(survivor.pk):
        raise DomainError(Code.SURVIVOR_MERGE_PENDING)
    return victim


def _validate_merge(
    *, customer: Customer, details: MergeInto, config: RequestTypeConfig, actor: Actor
) -> Validated:
    survivor_id = details.survivor_id or customer.pk
    victim_id = details.victim_id
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=[victim_id, survivor_id])}
    if victim_id not in customers or survivor_id not in customers:
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
    victim, survivor = customers[victim_id], customers[survivor_id]
    merge_rules(victim=victim, survivor=survivor)
    lock_keys([f"request:merge:{victim.pk}", f"request:merge:{survivor.pk}"])
    if _pending_merge_with(victim.pk):
        raise DomainError(Code.VICTIM_MERGE_PENDING)
    if _pending_merge_with(survivor.pk):
        raise DomainError(Code.SURVIVOR_MERGE_PENDING)
    return Validated(
        payload={"victimId": victim.pk, "survivorId": survivor.pk}, other_customer=victim
    )


def _validate_mobile_realloc(
    *, customer: Customer, details: MobileReallocation, config: RequestTypeConfig, actor: Actor
) -> Validated:
    ref = source_ref(details.source, details.account_id)
    mobile = details.mobile
    to_id = details.to_customer_id or customer.pk
    from_id = details.from_customer_id
    if to_id != customer.pk:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="toCustomerId")
    if from_id == to_id:
        raise DomainError(
            Code.MERGE_WITH_ITSELF, "The mobile is already the customer's: from and to are the same"
        )
    from_customer = Customer.objects.filter(pk=from_id).first()
    if from_customer is None:
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
    if not holds(from_id, IdentifierType.MOBILE, mobile, ref):
        raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS)
    lock_keys([f"request:{IdentifierType.MOBILE}:{mobile}"])
    if (
        Request.objects.filter(
            status=RequestStatus.PENDING,
            base_type__in=[RequestBaseType.MOBILE_REALLOC, RequestBaseType.MOBILE],
        )
        .filter(Q(payload__mobile=mobile) | Q(payload__newValue=mobile))
        .exists()
    ):
        raise DomainError(Code.IDENTIFIER_REQUEST_PENDING)
    return Validated(
        payload={
            "source": ref.source,
            "accountId": ref.account_code,
            "mobile": mobile,
            "fromCustomerId": from_id,
            "toCustomerId": to_id,
        },
        other_customer=from_customer,
    )


def _validate_erasure(
    *, customer: Customer, details: Erasure, config: RequestTypeConfig, actor: Actor
) -> Validated:
    """Erasure of the customer's personal data: staff only, once, one pending at a time."""
    if is_erased(customer):
        raise DomainError(Code.ALREADY_ERASED)
    lock_keys([f"request:erasure:{customer.pk}"])
    if Request.objects.filter(
        status=RequestStatus.PENDING, base_type=RequestBaseType.ERASE, customer=customer
    ).exists():
        raise DomainError(Code.ERASURE_PENDING)
    return Validated(payload={})


VALIDATORS: dict[str, Callable[..., Validated]] = {
    RequestBaseType.POINTS: _validate_goodwill_points,
    RequestBaseType.COUPON: _validate_goodwill_coupon,
    RequestBaseType.RETRO: _validate_retro,
    RequestBaseType.MOBILE: _validate_identifier,
    RequestBaseType.EMAIL: _validate_identifier,
    RequestBaseType.EXTERNAL_ID: _validate_identifier,
    RequestBaseType.MERGE: _validate_merge,
    RequestBaseType.MOBILE_REALLOC: _validate_mobile_realloc,
    RequestBaseType.ERASE: _validate_erasure,
}


def as_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
