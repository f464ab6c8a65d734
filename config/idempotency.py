"""Idempotent retries of store writes: the `Idempotency-Key` header.

A till that retries a registration or a bill after a network hiccup sends the same key; the
first request's response is replayed instead of applying the effect twice.

Why a middleware: every app writes its own DRF views, so the mechanism has to wrap them all
without a shared base class. For a `POST`/`PUT`/`PATCH` under `/v2/` carrying the header, the
middleware authenticates the caller with the configured DRF authenticators (the view does it
again; both are cheap), counts the request against the rate limit, then opens one
transaction around the view:

1. `INSERT … ON CONFLICT (principal, key) DO UPDATE … WHERE expired` claims the key. A
   concurrent duplicate blocks on the first request's uncommitted row until it commits,
   then finds the stored response and replays it (or, if the first rolled back, runs).
2. The view runs; services' own `transaction.atomic()` blocks nest as savepoints, so the
   key row and the effect commit or roll back together.
3. Responses below 500 are stored (refusals too, so a retried refusal replays it), except
   401 and 429, which say nothing about the request itself; the request is rolled back
   instead. 5xx are rolled back: the retry runs again.

A retry with the same key and the same request replays the stored status and body with
`Idempotent-Replayed: true`; a different request answers 422 naming what differed (method,
path, query string, body). "The same" compares canonical forms: a JSON body parsed and
re-serialised with sorted keys and no whitespace (a body that is not JSON: its raw bytes),
and the query string's parameters sorted. The key row keeps method and path in their own
columns and, in `request_hash` (64 characters), the first half of the SHA-256 of the
canonical query followed by the first half of the SHA-256 of the canonical body, so the
two can be told apart.
Keys live `IDEMPOTENCY_KEY_TTL_HOURS` (24); `manage.py purge_idempotency_keys` deletes the
expired ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from config import codes
from config.codes import Code
from config.errors import status_item
from config.exceptions import error_body
from config.models import IdempotencyKey
from config.principals import principal_label
from config.throttling import COUNTED_ATTR, TillRateThrottle

logger = logging.getLogger("config.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
API_PREFIX = "/v2/"
# About the caller's credentials or pace, not the request: a retry must run for real.
NOT_STORED = frozenset({401, 429})
_VALID_KEY = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$")

_CLAIM_SQL = f"""
INSERT INTO {IdempotencyKey._meta.db_table} AS k
    (principal, key, request_hash, method, path, response_status, response_content_type,
     response_body, created_at, expires_at)
VALUES (%s, %s, %s, %s, %s, NULL, '', NULL, %s, %s)
ON CONFLICT (principal, key) DO UPDATE SET
    request_hash = EXCLUDED.request_hash, method = EXCLUDED.method, path = EXCLUDED.path,
    response_status = NULL, response_content_type = '', response_body = NULL,
    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
WHERE k.expires_at <= EXCLUDED.created_at
RETURNING id
"""


def key_ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 24)))


def canonical_body(body: bytes) -> bytes:
    """The body as compared between a request and its retry: parsed JSON re-serialised with
    sorted keys and no whitespace; the raw bytes when the body is not JSON."""
    if not body:
        return b""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return body
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_query(query_string: str) -> bytes:
    """The query string with its parameters in sorted order (`b=2&a=1` is `a=1&b=2`)."""
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return urlencode(pairs).encode()


def _half_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def request_fingerprint(request: HttpRequest, body: bytes) -> str:
    """`request_hash` of a key row: 32 hex digits for the query, 32 for the body."""
    query = canonical_query(request.META.get("QUERY_STRING", ""))
    return _half_digest(query) + _half_digest(canonical_body(body))


def _differences(stored: Mapping[str, Any], request: HttpRequest, fingerprint: str) -> list[str]:
    """What of the request differs from the one that first used the key."""
    differences = []
    if stored["method"] != request.method:
        differences.append("method")
    if stored["path"] != request.path[:2048]:
        differences.append("path")
    stored_hash = stored["request_hash"]
    if stored_hash[:32] != fingerprint[:32]:
        differences.append("query string")
    if stored_hash[32:] != fingerprint[32:]:
        differences.append("body")
    return differences


def _envelope(code: int, http_status: int, message: str | None = None, **headers) -> JsonResponse:
    return JsonResponse(
        error_body([status_item(code, message)]), status=http_status, headers=headers
    )


def _authenticate(request: HttpRequest) -> Request:
    """The caller as DRF's authenticators see it; `request.user` is left as it was."""
    drf_request = Request(
        request,
        # The setting is imported by DRF: classes, not the dotted paths the stubs say.
        authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES],  # type: ignore[operator]
    )
    missing = object()
    saved_user = request.__dict__.get("user", missing)
    try:
        drf_request.user  # noqa: B018 - runs the authenticators
    except APIException:
        pass  # the view refuses it the usual way
    finally:
        if saved_user is missing:
            request.__dict__.pop("user", None)
        else:
            request.user = saved_user
    return drf_request


def _claim(*, principal: str, key: str, fingerprint: str, request: HttpRequest) -> int | None:
    """Insert the key row (waiting for a concurrent holder); its id, or None if already used."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_SQL,
            [
                principal,
                key,
                fingerprint,
                request.method,
                request.path[:2048],
                now,
                now + key_ttl(),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _replay(*, principal: str, key: str, fingerprint: str, request: HttpRequest) -> HttpResponse:
    stored = IdempotencyKey.objects.filter(principal=principal, key=key).values(
        "request_hash",
        "method",
        "path",
        "response_status",
        "response_content_type",
        "response_body",
    )[0]
    differences = _differences(stored, request, fingerprint)
    if differences:
        message = (
            f"{codes.get(Code.IDEMPOTENCY_KEY_REUSED).message}: the {' and the '.join(differences)} "
            f"differ{'s' if len(differences) == 1 else ''} from the request that first used "
            f"this {HEADER}"
        )
        return _envelope(Code.IDEMPOTENCY_KEY_REUSED, 422, message)
    if stored["response_status"] is None:  # not expected: rows commit with their response
        return _envelope(Code.SERVICE_UNAVAILABLE, 503, **{"Retry-After": "1"})
    response = HttpResponse(
        bytes(stored["response_body"] or b""),
        status=stored["response_status"],
        content_type=stored["response_content_type"] or None,
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _store(key_id: int, response: HttpResponse) -> None:
    IdempotencyKey.objects.filter(pk=key_id).update(
        response_status=response.status_code,
        response_content_type=response.get("Content-Type", "")[:128],
        response_body=bytes(response.content),
    )


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS:
            return self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not _VALID_KEY.match(key):
            return _envelope(
                Code.BAD_REQUEST, 400, f"{HEADER} must be 1 to 255 printable ASCII characters."
            )
        try:
            return self._idempotent(request, key)
        except (OperationalError, InterfaceError) as exc:
            logger.warning("database unavailable during an idempotent request: %s", exc)
            return _envelope(Code.SERVICE_UNAVAILABLE, 503, **{"Retry-After": "5"})

    def _idempotent(self, request: HttpRequest, key: str) -> HttpResponse:
        drf_request = _authenticate(request)
        principal = principal_label(getattr(drf_request, "_user", None))
        if principal is None:
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            return self.get_response(request)
        # Counted here, outside the transaction, so the rate-limit counter row is neither held
        # locked for the length of the request nor rolled back with it.
        if TillRateThrottle in api_settings.DEFAULT_THROTTLE_CLASSES:
            throttle = TillRateThrottle()
            if not throttle.allow_request(drf_request, None):
                return _envelope(
                    Code.RATE_LIMITED, 429, **{"Retry-After": str(int(throttle.wait() or 1))}
                )
            setattr(request, COUNTED_ATTR, True)
        fingerprint = request_fingerprint(request, body)
        with transaction.atomic():
            key_id = _claim(principal=principal, key=key, fingerprint=fingerprint, request=request)
            if key_id is None:
                return _replay(
                    principal=principal, key=key, fingerprint=fingerprint, request=request
                )
            response = self.get_response(request)
            status = response.status_code
            if status >= 500 or status in NOT_STORED:
                transaction.set_rollback(True)
            elif response.streaming:
                IdempotencyKey.objects.filter(pk=key_id).delete()  # cannot be replayed
            else:
                _store(key_id, response)
        return response


def add_idempotency_key_header(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the header on every write operation."""
    parameter = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {"type": "string", "maxLength": 255},
        "description": (
            "Optional. A unique value per logical write (e.g. a UUID), scoped to the calling "
            "till. A retry with the same key and the same request replays the first response "
            f"(status and body, with `{REPLAYED_HEADER}: true`) without applying it again; a "
            "concurrent retry waits for the first. Bodies are compared as JSON (key order "
            "and whitespace do not matter) and query parameters in any order. The same key "
            "with a different method, path, query or body answers 422, naming what "
            "differed. Keys expire after 24 hours by default."
        ),
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method.upper() not in WRITE_METHODS or not isinstance(operation, dict):
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
                parameters.append(dict(parameter))
    return result
