"""The request workflow: make a request, approve or reject it, apply its effect exactly once.

Every type shares one flow (`request_create`, `request_approve`, `request_reject`,
`requests_decide`), taking the typed commands of `loyalty.request_commands` (read from the
wire by `loyalty.request_parsers`, built by the console's forms). What differs per base type
is the validation of the details (`_VALIDATORS`, under the request's locks when it is made)
and the effect (`_EFFECTS`), which checks again what may have changed since (the identifier
rules, the retro window, the goodwill program and cap) and calls the owning app's service
(ledger credit, coupon issue, identifier change, merge), never re-implementing it.

Deciding locks the request row, re-checks that it is still PENDING (else 9014), checks the
checker's permission and the four-eyes rule, and applies the effect in a savepoint: when the
effect is refused (a `DomainError`, e.g. the new mobile was taken meanwhile) the request ends
FAILED with the reason and nothing of the effect is written. E-mails go after the commit.

Codes chosen where the specification left a choice (project codes in `config/codes.py`):
9014 already decided, 9015 reason not allowed, 9016 goodwill points above the cap,
9017 rejection without a reason, 9019 decider is the requester, 9020 decision status not
APPROVED/REJECTED, 9021 missing make/check/one-step permission, 9025 (warning) auto-approval
asked for but not allowed, 9030 a payload field missing or invalid, 9033 approved value above
the requested points; 895 unknown program, 707 unknown coupon series, 1628 unknown bill.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError, Warnings
from config.masking import mask, mask_pair, mask_text
from config.transactions import atomic_with_retry
from customers.audit import Actor, audit_context
from customers.commands import ChangeIdentifiers
from customers.erasure import customer_erase, is_erased
from customers.models import (
    Customer,
    Identifier,
    IdentifierType,
    LoyaltyType,
    Source,
    Till,
)
from customers.normalise import InvalidIdentifier, as_text, normalise_identifier
from customers.selectors import (
    SourceRef,
    customer_get,
    customers_lock,
    ensure_writable,
    identifier_values_lock,
    source_resolve,
)
from customers.services import (
    customer_change_identifiers,
    customer_identifier_reallocate,
    customer_merge,
)
from loyalty.models import (
    CouponSeries,
    LedgerKind,
    Program,
    Request,
    RequestBaseType,
    RequestStatus,
    RequestType,
    RequestTypeConfig,
    TransactionType,
)
from loyalty.models import Transaction as Bill
from loyalty.request_commands import (
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
from loyalty.request_parsers import (
    IDENTIFIER_TYPE_OF,
    DecisionItem,
    request_type_checked,
)
from loyalty.request_parsers import (
    field as payload_field,
)
from loyalty.services import (
    bill_retro_claim,
    coupon_issue,
    enrollment_enroll,
    points_credit,
)

logger = logging.getLogger(__name__)

AUTO_APPROVED = "AUTO_APPROVED"

BASE_TYPE_OF_IDENTIFIER = {type_: base for base, type_ in IDENTIFIER_TYPE_OF.items()}
# New value already held by a customer.
IN_USE_CODE = {
    RequestBaseType.MOBILE: Code.NEW_MOBILE_IN_USE,
    RequestBaseType.EMAIL: Code.NEW_EMAIL_IN_USE,
    RequestBaseType.EXTERNAL_ID: Code.NEW_EXTERNAL_ID_IN_USE,
}


@dataclass
class RequestOutcome:
    """What a make or a decision produced: the request, its warnings, and the refusal of
    its effect when it ended FAILED."""

    request: Request
    warnings: Warnings = field(default_factory=Warnings)
    failure: DomainError | None = None


@dataclass
class DecisionResult:
    """One item of a batch decision: the outcome, or the refusal of that item."""

    request_id: Any
    outcome: RequestOutcome | None = None
    error: DomainError | None = None


# --- Configuration and permissions ----------------------------------------------------


def request_type_config(*, request_type: str, base_type: str) -> RequestTypeConfig:
    """The saved configuration of a type, or the defaults (unsaved) when none is saved."""
    config = RequestTypeConfig.objects.filter(type=request_type, base_type=base_type).first()
    return config or RequestTypeConfig(type=request_type, base_type=base_type)


def _is_till(actor: Actor) -> bool:
    return isinstance(actor, Till)


def permission_codename(request_type: str, action: str) -> str:
    """`loyalty.<action>_<family>_request`, e.g. `loyalty.check_goodwill_request`; the API,
    the admin and the demo groups use the same codenames."""
    from loyalty.models import PERMISSION_GROUP_OF

    return f"loyalty.{action}_{PERMISSION_GROUP_OF[request_type]}_request"


def actor_may(actor: Actor, request_type: str, action: str) -> bool:
    if _is_till(actor):
        # Tills raise requests (not erasures); only staff decide.
        return action == "make" and request_type != RequestType.ERASURE
    if request_type == RequestType.ERASURE and action == "one_step":
        return False  # four eyes, always (even for a superuser)
    return bool(actor.has_perm(permission_codename(request_type, action)))


def _require(actor: Actor, request_type: str, action: str) -> None:
    if not actor_may(actor, request_type, action):
        raise DomainError(Code.REQUEST_PERMISSION_MISSING, x=action.replace("_", "-"))


# --- Payload validation ---------------------------------------------------------------


@dataclass
class Validated:
    """A validated payload and the rows it names."""

    payload: dict[str, Any]
    program: Program | None = None
    bill: Bill | None = None
    other_customer: Customer | None = None


def _require_loyalty(customer: Customer) -> None:
    if customer.loyalty_type != LoyaltyType.LOYALTY:
        raise DomainError(Code.NOT_LOYALTY_CUSTOMER)


def _validate_goodwill_points(
    *, customer: Customer, details: GoodwillPoints, config: RequestTypeConfig, actor: Actor
) -> Validated:
    _require_loyalty(customer)
    program = _goodwill_program(details.program_id)
    _goodwill_cap(details.points, config)
    return Validated(
        payload={"programId": program.pk, "points": _number(details.points)}, program=program
    )


def _goodwill_program(program_id: int | None) -> Program:
    """The active program named, or the default one: 895 when there is none."""
    programs = Program.objects.filter(is_active=True)
    if program_id is None:
        program = programs.filter(is_default=True).first()
    else:
        program = programs.filter(pk=program_id).first()
    if program is None:
        raise DomainError(Code.PROGRAM_NOT_CONFIGURED)
    return program


def _goodwill_cap(points: Decimal, config: RequestTypeConfig) -> None:
    if config.goodwill_points_cap is not None and points > config.goodwill_points_cap:
        raise DomainError(Code.GOODWILL_OVER_LIMIT, x=_number(config.goodwill_points_cap))


def _validate_goodwill_coupon(
    *, customer: Customer, details: GoodwillCoupon, config: RequestTypeConfig, actor: Actor
) -> Validated:
    if not CouponSeries.objects.filter(pk=details.series_id, is_active=True).exists():
        raise DomainError(Code.COUPON_SERIES_INVALID)
    return Validated(payload={"seriesId": details.series_id})


def _retro_rules(*, bill: Bill, customer: Customer, config: RequestTypeConfig) -> None:
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
    _require_loyalty(customer)
    bills = Bill.objects.filter(number=details.bill_number).exclude(type=TransactionType.RETURN)
    if details.store_code:
        bills = bills.filter(store__code=details.store_code)
    elif _is_till(actor):
        bills = bills.filter(store_id=actor.store_id)
    else:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="storeCode")
    bill = bills.select_related("store").first()
    if bill is None:
        raise DomainError(Code.RETRO_TRANSACTION_ID_INVALID)
    bill_date = details.bill_date
    if bill_date and timezone.localtime(bill.billed_at).date().isoformat() != bill_date[:10]:
        raise DomainError(Code.RETRO_TRANSACTION_ID_INVALID)
    _retro_rules(bill=bill, customer=customer, config=config)
    return Validated(
        payload={
            "billNumber": bill.number,
            "storeCode": bill.store.code,
            "billDate": timezone.localtime(bill.billed_at).date().isoformat(),
            "billId": bill.pk,
        },
        bill=bill,
    )


def _source_ref(source: str, account_id: str) -> SourceRef:
    return source_resolve(
        source=source or Source.INSTORE,
        account_id=account_id,
        missing_code=Code.ADD_SOURCE_MISSING,
        unknown_account_code=Code.WRITE_SOURCE_OR_ACCOUNT_INVALID,
    )


def _holds(customer_id: int, type_: str, value: str, ref: SourceRef) -> bool:
    return Identifier.objects.filter(
        customer_id=customer_id, type=type_, value=value, source=ref.source, account=ref.account
    ).exists()


def _identifier_rules(
    *, customer: Customer, base_type: str, ref: SourceRef, old: str, new: str
) -> None:
    type_ = IDENTIFIER_TYPE_OF[base_type]
    if not _holds(customer.pk, type_, old, ref):
        raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS)
    if Identifier.objects.filter(type=type_, value=new).exists():
        raise DomainError(IN_USE_CODE[base_type])


def _validate_identifier(
    *, customer: Customer, details: IdentifierChange, config: RequestTypeConfig, actor: Actor
) -> Validated:
    base_type = BASE_TYPE_OF_IDENTIFIER[details.identifier_type]
    ref = _source_ref(details.source, details.account_id)
    old, new = details.old_value, details.new_value
    _identifier_rules(customer=customer, base_type=base_type, ref=ref, old=old, new=new)
    _lock_keys([f"request:{details.identifier_type}:{new}"])
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


def _merge_rules(*, victim: Customer, survivor: Customer) -> None:
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
    _merge_rules(victim=victim, survivor=survivor)
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
    _merge_rules(victim=victim, survivor=survivor)
    _lock_keys([f"request:merge:{victim.pk}", f"request:merge:{survivor.pk}"])
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
    ref = _source_ref(details.source, details.account_id)
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
    if not _holds(from_id, IdentifierType.MOBILE, mobile, ref):
        raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS)
    _lock_keys([f"request:{IdentifierType.MOBILE}:{mobile}"])
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
    _lock_keys([f"request:erasure:{customer.pk}"])
    if Request.objects.filter(
        status=RequestStatus.PENDING, base_type=RequestBaseType.ERASE, customer=customer
    ).exists():
        raise DomainError(Code.ERASURE_PENDING)
    return Validated(payload={})


_VALIDATORS: dict[str, Callable[..., Validated]] = {
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


def _lock_keys(keys: list[str]) -> None:
    """Serialise makers of requests on the same identifier value or customer (so two
    concurrent makes cannot both pass the "no other pending request" check); sorted so
    two makers never deadlock. Released at the end of the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
            "FROM (SELECT unnest(%s::text[]) AS k ORDER BY 1) AS keys",
            [sorted(set(keys))],
        )


# --- Effects --------------------------------------------------------------------------


def _apply_retro(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    """The claimed not-interested bill becomes REGULAR, tagged to the customer, and earns
    its points as a RETRO ledger entry linked to the request (`bill_retro_claim`), once the
    retro window is checked again under the bill's lock."""
    bill = Bill.objects.select_for_update().get(pk=request.bill_id)
    customer = Customer.objects.get(pk=request.customer_id)
    _require_loyalty(customer)
    ensure_writable(customer)
    _retro_rules(bill=bill, customer=customer, config=config)
    bill_retro_claim(bill=bill, customer=customer, actor=actor, source_request_id=request.pk)


def _apply_goodwill_points(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    customer = Customer.objects.get(pk=request.customer_id)
    _require_loyalty(customer)
    ensure_writable(customer)
    # Checked again: the program may have been closed, or the cap lowered, since the make.
    program = _goodwill_program(request.program_id)
    _goodwill_cap(request.approved_value, config)
    ledger_actor = config.default_till or actor
    enrollment, _ = enrollment_enroll(customer=customer, program=program, actor=actor)
    enrollment.program = program
    points_credit(
        enrollment=enrollment,
        kind=LedgerKind.GOODWILL,
        points=request.approved_value,
        actor=ledger_actor,
        reason=f"Goodwill request {request.pk}: {request.reason}".strip(": "),
        source_request_id=request.pk,
    )


def _apply_goodwill_coupon(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    series = CouponSeries.objects.filter(pk=request.payload["seriesId"]).first()
    if series is None:
        raise DomainError(Code.COUPON_SERIES_INVALID)
    request.coupon = coupon_issue(
        customer=Customer.objects.get(pk=request.customer_id),
        series=series,
        actor=actor,
        source_request_id=request.pk,
    )


def _apply_identifier_change(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    payload = request.payload
    ref = _source_ref(as_text(payload.get("source")), as_text(payload.get("accountId")))
    customer = Customer.objects.get(pk=request.customer_id)
    old, new = payload["oldValue"], payload["newValue"]
    _identifier_rules(customer=customer, base_type=request.base_type, ref=ref, old=old, new=new)
    type_ = payload["identifierType"]
    # The values were normalised when the request was made.
    change = ChangeIdentifiers(
        ref=ref, customer_id=customer.pk, add=[(type_, new)], remove=[(type_, old)]
    )
    result = customer_change_identifiers(command=change, actor=actor)
    # A value taken in another source between the check and the write would merge the
    # customers; refuse instead (the savepoint undoes the change).
    if result.merged_into is not None:
        raise DomainError(IN_USE_CODE[request.base_type])
    if not _holds(customer.pk, type_, new, ref) or _holds(customer.pk, type_, old, ref):
        raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS)


def _apply_merge(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    request.merge = customer_merge(
        victim_id=request.payload["victimId"],
        survivor_id=request.payload["survivorId"],
        actor=actor,
        reason=f"Merge request {request.pk}",
    )


def _apply_mobile_realloc(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    """The mobile leaves every profile of its former holder for the receiver's profile of
    the request's source, with its channels (`customer_identifier_reallocate`, I1 / I3)."""
    payload = request.payload
    customer_identifier_reallocate(
        type_=IdentifierType.MOBILE,
        value=payload["mobile"],
        from_customer_id=payload["fromCustomerId"],
        to_customer_id=payload["toCustomerId"],
        source=payload.get("source") or Source.INSTORE,
        account_id=payload.get("accountId") or "",
        actor=actor,
    )


def _apply_erasure(*, request: Request, actor: Actor, config: RequestTypeConfig) -> None:
    customer_erase(
        customer_id=request.customer_id,
        actor=actor,
        reason=f"Erasure request {request.pk}: {request.reason}".strip(": "),
    )


_EFFECTS: dict[str, Callable[..., None]] = {
    RequestBaseType.POINTS: _apply_goodwill_points,
    RequestBaseType.COUPON: _apply_goodwill_coupon,
    RequestBaseType.RETRO: _apply_retro,
    RequestBaseType.MOBILE: _apply_identifier_change,
    RequestBaseType.EMAIL: _apply_identifier_change,
    RequestBaseType.EXTERNAL_ID: _apply_identifier_change,
    RequestBaseType.MERGE: _apply_merge,
    RequestBaseType.MOBILE_REALLOC: _apply_mobile_realloc,
    RequestBaseType.ERASE: _apply_erasure,
}


def requests_lock(condition: Q) -> list[Request]:
    """I5: the one way a service locks requests: in primary-key order, after the locks of
    the customers they name (and of their identifier values), never before them."""
    return list(
        Request.objects.select_for_update(of=("self",))
        .select_related("requested_by_user")
        .filter(condition)
        .order_by("pk")
    )


def requests_merge(
    *, victim: Customer, survivor: Customer, actor: Actor, warnings: Warnings
) -> None:
    """Merge step (I2: a victim holds no open request). The victim's PENDING requests, as
    subject or as the other customer, become the survivor's; one that then names the
    survivor twice (a merge or a reallocation between the two) has nothing left to do and
    ends FAILED (9029) with the merge as its reason. Decided requests keep their history."""
    pending = requests_lock(
        (Q(customer=victim) | Q(other_customer=victim)) & Q(status=RequestStatus.PENDING)
    )
    now = timezone.now()
    for request in pending:
        if request.customer_id == victim.pk:
            request.customer = survivor
        if request.other_customer_id == victim.pk:
            request.other_customer = survivor
        request.payload = {
            key: survivor.pk if key in _CUSTOMER_KEYS and value == victim.pk else value
            for key, value in request.payload.items()
        }
        if request.other_customer_id == request.customer_id:
            request.status = RequestStatus.FAILED
            request.failure_code = Code.MERGE_WITH_ITSELF
            request.failure_reason = (
                f"Superseded by the merge of customer {victim.pk} into {survivor.pk}"
            )
            request.decided_at = now
        request.save()


# Payload keys holding identifier values (identifier changes, mobile reallocations).
_PERSONAL_PAYLOAD_KEYS = ("oldValue", "newValue", "mobile")


def requests_erase_personal_data(*, customer: Customer, actor: Actor, reason: str) -> None:
    """Erasure step (`customers.registry.erasure_steps`): empty the identifier values copied
    into the payloads of the customer's requests (as maker's customer or as the other one).
    A pending identifier change then fails its re-check (9012) if approved."""
    requests = requests_lock(
        (Q(customer=customer) | Q(other_customer=customer))
        & Q(
            base_type__in=[
                RequestBaseType.MOBILE,
                RequestBaseType.EMAIL,
                RequestBaseType.EXTERNAL_ID,
                RequestBaseType.MOBILE_REALLOC,
            ]
        )
    )
    for request in requests:
        payload = dict(request.payload)
        for key in _PERSONAL_PAYLOAD_KEYS:
            if key in payload:
                payload[key] = ""
        if payload != request.payload:
            request.payload = payload
            request.save(update_fields=["payload"])


# --- E-mail ---------------------------------------------------------------------------


def _send_after_commit(subject: str, body: str, recipients: list[str]) -> None:
    recipients = sorted(set(recipients))
    if not recipients:
        return

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:  # a mail outage must not turn a committed decision into an error
            logger.exception("request notification e-mail failed: %s", subject)

    transaction.on_commit(send)


def _describe(request: Request) -> str:
    """The notification's text. Its recipients (configured addresses, the maker) may not
    see identifiers in full, so every value in it is masked (config.masking): the request
    page in the console shows them to those who may."""
    payload = dict(request.payload or {})
    if "oldValue" in payload or "newValue" in payload:
        payload["oldValue"], payload["newValue"] = mask_pair(
            str(payload.get("identifierType", "")),
            payload.get("oldValue", ""),
            payload.get("newValue", ""),
        )
    if "mobile" in payload:
        payload["mobile"] = mask("mobile", str(payload["mobile"]))
    return mask_text(
        f"Request {request.pk}: {request.type} / {request.base_type} for customer "
        f"{request.customer_id}\nStatus: {request.status}\nReason: {request.reason}\n"
        f"Comments: {request.comments}\nDetails: {payload}\n"
        f"In the console: /admin/loyalty/request/{request.pk}/view/\n"
    )


def _notify_made(request: Request, config: RequestTypeConfig) -> None:
    _send_after_commit(
        f"New {request.type.lower()} request {request.pk} ({request.status})",
        _describe(request),
        config.notification_addresses,
    )


def _notify_decided(request: Request, config: RequestTypeConfig) -> None:
    recipients = list(config.notification_addresses)
    maker = request.requested_by_user
    if maker is not None and maker.email:
        recipients.append(maker.email)
    body = _describe(request) + mask_text(f"Decision comments: {request.decision_comments}\n")
    if request.failure_reason:
        body += mask_text(f"Failure: {request.failure_reason}\n")
    _send_after_commit(f"Request {request.pk} {request.status}", body, recipients)


# --- The workflow ---------------------------------------------------------------------


def _approve_locked(
    *,
    request: Request,
    decider: Actor,
    config: RequestTypeConfig,
    comments: str,
    approved_value: Decimal | None,
) -> DomainError | None:
    """Apply the effect of a locked PENDING request and record the decision. The effect
    runs in a savepoint: refused, the request is FAILED and nothing of the effect stays."""
    if request.base_type == RequestBaseType.POINTS:
        requested = Decimal(str(request.payload["points"]))
        value = requested if approved_value is None else approved_value
        if value > requested:
            raise DomainError(Code.APPROVED_OVER_REQUESTED)
        request.approved_value = value
    request.decided_at = timezone.now()
    request.decision_comments = comments
    if not _is_till(decider) and not request.auto_approved:
        request.decided_by_user = decider
    failure = None
    try:
        with transaction.atomic():
            # Decided before its effect runs, so that the effect (a merge: I2, no open
            # request on a victim) finds it no longer pending; undone with the effect.
            request.status = RequestStatus.APPROVED
            request.save()
            _EFFECTS[request.base_type](request=request, actor=decider, config=config)
    except DomainError as error:
        failure = error
        request.coupon = request.merge = None
        request.status = RequestStatus.FAILED
        request.failure_code = error.code
        request.failure_reason = error.message
    request.save()
    return failure


# Payload keys naming customers, and those holding the identifier values a request writes.
_CUSTOMER_KEYS = ("victimId", "survivorId", "fromCustomerId", "toCustomerId")
_VALUE_KEYS = {
    RequestBaseType.MOBILE: ("oldValue", "newValue"),
    RequestBaseType.EMAIL: ("oldValue", "newValue"),
    RequestBaseType.EXTERNAL_ID: ("oldValue", "newValue"),
    RequestBaseType.MOBILE_REALLOC: ("mobile", "value"),
}


def _payload_customer_ids(payload: dict) -> list[int]:
    ids = []
    for key in _CUSTOMER_KEYS:
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
    pairs = []
    for key in _VALUE_KEYS.get(base_type, ()):
        try:
            pairs.append((type_, normalise_identifier(type_, payload_field(payload, key))))
        except InvalidIdentifier:
            continue
    return pairs


def _identifiers_written(details: RequestDetails) -> list[tuple[str, str]]:
    """The (type, value) pairs a request being made writes: its lock keys (I5)."""
    if isinstance(details, IdentifierChange):
        return [
            (details.identifier_type, details.old_value),
            (details.identifier_type, details.new_value),
        ]
    if isinstance(details, MobileReallocation):
        return [(details.identifier_type, details.mobile)]
    return []


def _customers_named(details: RequestDetails) -> dict[str, int]:
    """The customers a request's details name, by field."""
    named = {name: getattr(details, name) for name in details.customer_fields}
    return {name: pk for name, pk in named.items() if pk is not None}


def _request_locks(
    *, base_type: str, payload: dict, customer_ids: list[int]
) -> dict[int, Customer]:
    """I5 for a request: the locks its effect will need, in the global order, before the
    request row's: the identifier values it writes (advisory), then every customer it
    names (primary-key order). A merge victim named by a request other than a merge is
    followed to its survivor (I2)."""
    identifier_values_lock(_payload_identifiers(base_type, payload))
    return customers_lock(
        customer_ids=[*customer_ids, *_payload_customer_ids(payload)],
        follow_merges=base_type != RequestBaseType.MERGE,
    )


@atomic_with_retry
def request_create(*, command: RaiseRequest, customer: Customer, actor: Actor) -> RequestOutcome:
    """Make a request: validate its details for its type, record who made it, and approve
    it at once when it is a one-step issue (maker holding the one-step permission) or when
    the type auto-approves (or allows the caller's `auto_approve`). A request for a merge
    victim (or naming one as the other customer) is made for its survivor, warning 8069."""
    request_type, base_type = request_type_checked(command.request_type, command.base_type)
    one_step, auto_approve = command.one_step, command.auto_approve
    _require(actor, request_type, "make")
    if one_step:
        _require(actor, request_type, "one_step")
    reason, comments = command.reason, command.comments
    if request_type == RequestType.ERASURE and not reason.strip():
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="reason")
    warnings = Warnings()
    config = request_type_config(request_type=request_type, base_type=base_type)
    if config.allowed_reasons and reason not in config.allowed_reasons:
        raise DomainError(Code.REQUEST_REASON_NOT_ALLOWED, x=reason or '""')
    details = command.details

    with audit_context(actor, operation="request_create"):
        identifier_values_lock(_identifiers_written(details))
        locked = customers_lock(
            customer_ids=[customer.pk, *_customers_named(details).values()],
            follow_merges=base_type != RequestBaseType.MERGE,
        )
        if customer.pk not in locked:
            raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
        # I2: a request about a merge victim is a request about its survivor (8069); a
        # merge naming a victim answers 9027 / 9023 from the merge rules instead.
        for name, named in _customers_named(details).items():
            if named in locked and locked[named].pk != named:
                details = replace(details, **{name: locked[named].pk})
                warnings.add(Code.MERGED_CUSTOMER)
        if locked[customer.pk].pk != customer.pk:
            warnings.add(Code.MERGED_CUSTOMER)
        customer = locked[customer.pk]
        ensure_writable(customer)
        validated = _VALIDATORS[base_type](
            customer=customer, details=details, config=config, actor=actor
        )
        is_till = _is_till(actor)
        request = Request.objects.create(
            type=request_type,
            base_type=base_type,
            customer=customer,
            other_customer=validated.other_customer,
            payload=validated.payload,
            program=validated.program,
            bill=validated.bill,
            reason=reason,
            comments=comments,
            reference_id=command.reference_id,
            requested_by_till=actor if is_till else None,
            requested_by_user=None if is_till else actor,
            requested_at_store_id=actor.store_id if is_till else None,
            one_step=one_step,
        )
        auto = config.auto_approve or (auto_approve and config.allow_caller_auto_approve)
        if request_type == RequestType.ERASURE:
            auto = False  # an erasure is always decided by a second person
        if auto_approve and not auto and not one_step:
            warnings.add(Code.AUTO_APPROVAL_NOT_ALLOWED)
        failure = None
        if one_step or auto:
            request.auto_approved = not one_step
            decision = AUTO_APPROVED if request.auto_approved else "ONE_STEP"
            failure = _approve_locked(
                request=request,
                decider=actor,
                config=config,
                comments=decision,
                approved_value=None,
            )
        _notify_made(request, config)
        if request.status != RequestStatus.PENDING:
            _notify_decided(request, config)
    return RequestOutcome(request=request, warnings=warnings, failure=failure)


@atomic_with_retry
def _decide(*, decision: Decision, actor: Actor) -> RequestOutcome:
    pk, status, comments = decision.request_id, decision.status, decision.comments
    with audit_context(actor, operation="request_decide"):
        named = Request.objects.filter(pk=pk).first()
        if named is None:
            raise DomainError(Code.REQUEST_NOT_FOUND)
        _require(actor, named.type, "check")
        # I5: the effect's locks first (values, customers), then the request row's; the
        # row lock makes concurrent deciders queue, each re-reading the status after it.
        customer_ids = [named.customer_id, named.other_customer_id or named.customer_id]
        locked = _request_locks(
            base_type=named.base_type, payload=named.payload, customer_ids=customer_ids
        )
        request = requests_lock(Q(pk=pk))[0]
        # A merge committed meanwhile moved it to the survivor: lock that one as well
        # (rarely out of order; a deadlock then is retried whole).
        moved = {request.customer_id, *_payload_customer_ids(request.payload)} - {
            customer.pk for customer in locked.values()
        }
        if moved:
            customers_lock(customer_ids=moved)
        _require(actor, request.type, "check")
        if request.status != RequestStatus.PENDING:
            raise DomainError(Code.REQUEST_ALREADY_PROCESSED)
        if request.requested_by_user_id is not None and request.requested_by_user_id == actor.pk:
            raise DomainError(Code.OWN_REQUEST_DECISION)
        config = request_type_config(request_type=request.type, base_type=request.base_type)
        failure = None
        if status == RequestStatus.REJECTED:
            request.status = RequestStatus.REJECTED
            request.decided_at = timezone.now()
            request.decided_by_user = actor
            request.decision_comments = comments
            request.save()
        else:
            failure = _approve_locked(
                request=request,
                decider=actor,
                config=config,
                comments=comments,
                approved_value=decision.approved_value,
            )
        _notify_decided(request, config)
    return RequestOutcome(request=request, failure=failure)


def request_approve(*, decision: Decision, actor: Actor) -> RequestOutcome:
    """Approve a PENDING request and apply its effect once (FAILED if the effect is refused).
    Already decided 9014, unknown 9013, no check permission 9021, own request 9019."""
    if decision.status != RequestStatus.APPROVED:
        raise DomainError(Code.DECISION_STATUS_INVALID)
    return _decide(decision=decision, actor=actor)


def request_reject(*, decision: Decision, actor: Actor) -> RequestOutcome:
    """Reject a PENDING request; the reason (`comments`) is required (9017)."""
    if decision.status != RequestStatus.REJECTED:
        raise DomainError(Code.DECISION_STATUS_INVALID)
    if not decision.comments:
        raise DomainError(Code.REJECTION_REASON_REQUIRED)
    return _decide(decision=decision, actor=actor)


def requests_decide(*, items: list[DecisionItem], actor: Actor) -> list[DecisionResult]:
    """Decide several requests; each item in its own transaction, so one refused item does
    not undo the others (an item that did not read is answered with its refusal)."""
    results = []
    for item in items:
        if item.decision is None:
            results.append(DecisionResult(request_id=item.sent_id, error=item.refusal))
            continue
        try:
            outcome = _decide(decision=item.decision, actor=actor)
        except DomainError as error:
            results.append(DecisionResult(request_id=item.sent_id, error=error))
        else:
            results.append(DecisionResult(request_id=item.sent_id, outcome=outcome))
    return results


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
