"""The request workflow: make a request, approve or reject it, apply its effect exactly once.

Every type shares one flow (`request_create`, `request_approve`, `request_reject`,
`requests_decide`), taking the typed commands of `loyalty.workflow.commands` (read from the
wire by `loyalty.workflow.parsers`, built by the console's forms). What differs per base type
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

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError, Warnings
from config.transactions import atomic_with_retry
from customers.audit import Actor, actor_columns, audit_context
from customers.models import (
    Customer,
)
from customers.selectors import (
    customers_lock,
    ensure_writable,
    identifier_values_lock,
)
from loyalty.models import (
    Request,
    RequestBaseType,
    RequestStatus,
    RequestType,
    RequestTypeConfig,
)
from loyalty.workflow.commands import (
    Decision,
    RaiseRequest,
)
from loyalty.workflow.effects import EFFECTS
from loyalty.workflow.locks import (
    CUSTOMER_KEYS,
    customers_named,
    identifiers_written,
    payload_customer_ids,
    request_locks,
    requests_lock,
)
from loyalty.workflow.notifications import notify_decided, notify_made
from loyalty.workflow.parsers import (
    DecisionItem,
    request_type_checked,
)
from loyalty.workflow.rules import (
    VALIDATORS,
    is_till,
    request_type_config,
    require_permission,
)

AUTO_APPROVED = "AUTO_APPROVED"


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
            key: survivor.pk if key in CUSTOMER_KEYS and value == victim.pk else value
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
    if not is_till(decider) and not request.auto_approved:
        request.decided_by_user = decider
    failure = None
    try:
        with transaction.atomic():
            # Decided before its effect runs, so that the effect (a merge: I2, no open
            # request on a victim) finds it no longer pending; undone with the effect.
            request.status = RequestStatus.APPROVED
            request.save()
            EFFECTS[request.base_type](request=request, actor=decider, config=config)
    except DomainError as error:
        failure = error
        request.coupon = request.merge = None
        request.status = RequestStatus.FAILED
        request.failure_code = error.code
        request.failure_reason = error.message
    request.save()
    return failure


@atomic_with_retry
def request_create(*, command: RaiseRequest, customer: Customer, actor: Actor) -> RequestOutcome:
    """Make a request: validate its details for its type, record who made it, and approve
    it at once when it is a one-step issue (maker holding the one-step permission) or when
    the type auto-approves (or allows the caller's `auto_approve`). A request for a merge
    victim (or naming one as the other customer) is made for its survivor, warning 8069."""
    request_type, base_type = request_type_checked(command.request_type, command.base_type)
    one_step, auto_approve = command.one_step, command.auto_approve
    require_permission(actor, request_type, "make")
    if one_step:
        require_permission(actor, request_type, "one_step")
    reason, comments = command.reason, command.comments
    if request_type == RequestType.ERASURE and not reason.strip():
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="reason")
    warnings = Warnings()
    config = request_type_config(request_type=request_type, base_type=base_type)
    if config.allowed_reasons and reason not in config.allowed_reasons:
        raise DomainError(Code.REQUEST_REASON_NOT_ALLOWED, x=reason or '""')
    details = command.details

    with audit_context(actor, operation="request_create"):
        identifier_values_lock(identifiers_written(details))
        locked = customers_lock(
            customer_ids=[customer.pk, *customers_named(details).values()],
            follow_merges=base_type != RequestBaseType.MERGE,
        )
        if customer.pk not in locked:
            raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
        # I2: a request about a merge victim is a request about its survivor (8069); a
        # merge naming a victim answers 9027 / 9023 from the merge rules instead.
        for name, named in customers_named(details).items():
            if named in locked and locked[named].pk != named:
                # Each details type has the fields that customers_named() names.
                details = replace(details, **{name: locked[named].pk})  # type: ignore[arg-type]
                warnings.add(Code.MERGED_CUSTOMER)
        if locked[customer.pk].pk != customer.pk:
            warnings.add(Code.MERGED_CUSTOMER)
        customer = locked[customer.pk]
        ensure_writable(customer)
        validated = VALIDATORS[base_type](
            customer=customer, details=details, config=config, actor=actor
        )
        by_till, by_user = actor_columns(actor)
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
            requested_by_till=by_till,
            requested_by_user=by_user,
            requested_at_store_id=by_till.store_id if by_till else None,
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
        notify_made(request, config)
        if request.status != RequestStatus.PENDING:
            notify_decided(request, config)
    return RequestOutcome(request=request, warnings=warnings, failure=failure)


@atomic_with_retry
def _decide(*, decision: Decision, actor: Actor) -> RequestOutcome:
    pk, status, comments = decision.request_id, decision.status, decision.comments
    with audit_context(actor, operation="request_decide"):
        named = Request.objects.filter(pk=pk).first()  # type: ignore[misc]  # None: not found
        if named is None:
            raise DomainError(Code.REQUEST_NOT_FOUND)
        require_permission(actor, named.type, "check")
        # I5: the effect's locks first (values, customers), then the request row's; the
        # row lock makes concurrent deciders queue, each re-reading the status after it.
        customer_ids = [named.customer_id, named.other_customer_id or named.customer_id]
        locked = request_locks(
            base_type=named.base_type, payload=named.payload, customer_ids=customer_ids
        )
        request = requests_lock(Q(pk=pk))[0]
        # A merge committed meanwhile moved it to the survivor: lock that one as well
        # (rarely out of order; a deadlock then is retried whole).
        moved = {request.customer_id, *payload_customer_ids(request.payload)} - {
            customer.pk for customer in locked.values()
        }
        if moved:
            customers_lock(customer_ids=moved)
        require_permission(actor, request.type, "check")
        if request.status != RequestStatus.PENDING:
            raise DomainError(Code.REQUEST_ALREADY_PROCESSED)
        if request.requested_by_user_id is not None and request.requested_by_user_id == actor.pk:
            raise DomainError(Code.OWN_REQUEST_DECISION)
        config = request_type_config(request_type=request.type, base_type=request.base_type)
        failure = None
        if status == RequestStatus.REJECTED:
            request.status = RequestStatus.REJECTED
            request.decided_at = timezone.now()
            request.decided_by_user = cast(User, actor)  # require_permission refused tills
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
        notify_decided(request, config)
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
