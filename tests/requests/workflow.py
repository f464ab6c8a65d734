"""The request workflow called as the API calls it: a body read by `loyalty.workflow.parsers`
into its command, then the service. Tests that set up requests use these."""

from __future__ import annotations

from typing import Any

from loyalty.models import RequestStatus
from loyalty.workflow import parsers, services
from loyalty.workflow.services import RequestOutcome


def raise_request(
    *,
    request_type: str,
    base_type: str,
    customer,
    actor,
    payload: dict[str, Any] | None = None,
    reason: str = "",
    comments: str = "",
    reference_id: str = "",
    one_step: bool = False,
    auto_approve: bool = False,
) -> RequestOutcome:
    body = {
        **(payload or {}),
        "type": request_type,
        "baseType": base_type,
        "reason": reason,
        "comments": comments,
        "referenceId": reference_id,
        "oneStep": one_step,
        "autoApprove": auto_approve,
    }
    command = parsers.raise_request_command(body)
    return services.request_create(command=command, customer=customer, actor=actor)


def approve(*, request_id: int, actor, comments: str = "", approved_value=None) -> RequestOutcome:
    decision = parsers.decision(
        request_id=request_id,
        status=RequestStatus.APPROVED,
        comments=comments,
        approved_value=approved_value,
    )
    return services.request_approve(decision=decision, actor=actor)


def reject(*, request_id: int, actor, comments: str) -> RequestOutcome:
    decision = parsers.decision(
        request_id=request_id, status=RequestStatus.REJECTED, comments=comments
    )
    return services.request_reject(decision=decision, actor=actor)
