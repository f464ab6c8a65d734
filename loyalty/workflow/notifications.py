"""The request e-mails (made, decided), sent after the commit with every value masked."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from config.masking import mask, mask_pair, mask_text
from loyalty.models import (
    Request,
    RequestTypeConfig,
)

logger = logging.getLogger(__name__)


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


def notify_made(request: Request, config: RequestTypeConfig) -> None:
    _send_after_commit(
        f"New {request.type.lower()} request {request.pk} ({request.status})",
        _describe(request),
        config.notification_addresses,
    )


def notify_decided(request: Request, config: RequestTypeConfig) -> None:
    recipients = list(config.notification_addresses)
    maker = request.requested_by_user
    if maker is not None and maker.email:
        recipients.append(maker.email)
    body = _describe(request) + mask_text(f"Decision comments: {request.decision_comments}\n")
    if request.failure_reason:
        body += mask_text(f"Failure: {request.failure_reason}\n")
    _send_after_commit(f"Request {request.pk} {request.status}", body, recipients)
