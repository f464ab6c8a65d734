"""One exception handler: every API error answers the documented envelope.

`{"errors":[{"status":false,"code":N,"message":"…"}],"warnings":[]}` with a 4xx status for
anything the caller did wrong, and 500 (logged with the request id) for our own faults.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from config.codes import Code
from config.errors import DomainError, DomainErrors, status_item
from config.masking import mask_text, request_can_view_pii
from config.middleware import current_request_id

logger = logging.getLogger("config.api")


def error_body(items: list[dict[str, Any]], warnings: list[dict[str, Any]] | None = None) -> dict:
    return {"errors": items, "warnings": list(warnings or [])}


def error_response(items: list[dict[str, Any]], http_status: int, headers=None) -> Response:
    return Response(error_body(items), status=http_status, headers=headers)


def _validation_items(detail: Any, path: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested validation detail into items; a numeric error code is kept."""
    items: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            # str(): list fields key their errors by index, and index 0 must not vanish.
            name = str(key) if key != "non_field_errors" else ""
            items += _validation_items(value, f"{path}.{name}" if path and name else name or path)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            sub = path if not isinstance(value, (dict, list)) else f"{path}[{index}]"
            items += _validation_items(value, sub)
    else:
        code = getattr(detail, "code", None)
        numeric = int(code) if isinstance(code, str) and code.isdigit() else 400
        message = str(detail)
        items.append(status_item(numeric, f"{path}: {message}" if path else message))
    return items


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """The envelope of `exc`; its messages masked (config.masking) for a caller who may not
    see identifiers in full: a refusal can quote the value it refused."""
    response = _error_response(exc)
    request = context.get("request")
    if request is not None and not request_can_view_pii(request):
        for item in response.data.get("errors", []):
            item["message"] = mask_text(item["message"])
    return response


def _error_response(exc: Exception) -> Response:
    if isinstance(exc, DomainErrors):
        return error_response(exc.as_items(), exc.http_status)
    if isinstance(exc, DomainError):
        return error_response([exc.as_item()], exc.http_status)
    if isinstance(exc, exceptions.ValidationError):
        items = _validation_items(exc.detail) or [status_item(Code.BAD_REQUEST)]
        return error_response(items, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        return error_response(
            [status_item(Code.BAD_REQUEST, f"Malformed request body: {exc.detail}")], 400
        )
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return error_response(
            [status_item(Code.UNAUTHENTICATED, str(exc.detail))],
            401,
            headers={"WWW-Authenticate": 'Basic realm="api"'},
        )
    if isinstance(exc, (exceptions.PermissionDenied, DjangoPermissionDenied)):
        return error_response([status_item(Code.PERMISSION_DENIED)], 403)
    if isinstance(exc, (exceptions.NotFound, Http404)):
        return error_response([status_item(Code.RESOURCE_NOT_FOUND)], 404)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return error_response([status_item(Code.METHOD_NOT_ALLOWED, str(exc.detail))], 405)
    # The inner code is the HTTP status, as for 405 (registry entries 415 and 406).
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return error_response([status_item(Code.UNSUPPORTED_MEDIA_TYPE, str(exc.detail))], 415)
    if isinstance(exc, exceptions.NotAcceptable):
        return error_response([status_item(Code.NOT_ACCEPTABLE, str(exc.detail))], 406)
    if isinstance(exc, exceptions.Throttled):
        wait = exc.wait  # type: ignore[attr-defined]  # set by Throttled(), not in the stubs
        headers = {"Retry-After": str(int(wait or 1))}
        return error_response([status_item(Code.RATE_LIMITED)], 429, headers=headers)
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable (request %s): %s", current_request_id(), exc)
        return error_response(
            [status_item(Code.SERVICE_UNAVAILABLE)], 503, headers={"Retry-After": "5"}
        )
    if isinstance(exc, exceptions.APIException):
        return error_response([status_item(exc.status_code, str(exc.detail))], exc.status_code)
    if isinstance(exc, DatabaseError):
        logger.exception("database error (request %s)", current_request_id())
    else:
        logger.exception("unexpected error (request %s)", current_request_id())
    return error_response(
        [
            status_item(
                Code.INTERNAL_ERROR, f"Internal server error (request id {current_request_id()})"
            )
        ],
        500,
    )
