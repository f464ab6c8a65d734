"""The edge guard: every query string and JSON body under /v2/ is checked before any view,
service or transaction sees it.

What it refuses is what no field of any endpoint can take, whatever its meaning: text that
is not text (a NUL character, which PostgreSQL cannot store, or an unpaired UTF-16
surrogate, which cannot be encoded as UTF-8), strings longer than any column, numbers
outside a 64-bit integer or not finite, JSON nested deeper or objects and arrays larger
than any documented body, and bodies over `API_MAX_BODY_BYTES` (a body that is not JSON
at all is left to DRF's parser: its 400 comes after the idempotency key, so a retry replays
it). It knows no business rule: each view states, in its `input_rules` (an `InputRules`),
the code its family documents for an invalid field (9030 for requests, 1101 for a
subscription's channel, …: 400 with the field's path where the seeds have none), tighter
sizes for its own lists and objects (identifiers, subscriptions, extended fields), and the
numbers it bounds itself. Refusals answer the envelope, 400 (413 for
the body size); nothing is written, not even an idempotency key (this middleware runs
before `IdempotencyMiddleware`).

The guard also keeps HTML out of /v2/: an error page from Django (a DEBUG page, a 400 for
too many parameters) becomes the envelope with the same status, and a database that is
unreachable or timed out, wherever it was noticed, answers 503 with `Retry-After`.

A body the guard parsed is handed to DRF's parser (`GuardedJSONParser`) as it is, so it
is parsed once.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config import codes
from config.codes import Code
from config.errors import status_item
from config.exceptions import error_body

API_PREFIX = "/v2/"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_INDEX = re.compile(r"\[\d+\]")
# Retry-After of a 503 for a database that did not answer (as config.exceptions).
RETRY_AFTER_SECONDS = "5"
_UNCAUGHT_ATTR = "_uncaught_exception"
PARSED_ATTR = "_guarded_json"


@dataclass(frozen=True)
class InputRules:
    """What a view's wire contract says about malformed input (a view's `input_rules`).

    `code`: the code answered for an invalid field (400: the seeds have none; the message
    then starts with the field's path). `field_codes`: a code per field, by path with `[]`
    for any index (`"subscriptions[].channel": 1101`); query parameters by name.
    `max_items`: at most this many members or items, by the same paths (tighter than the
    global `API_MAX_OBJECT_MEMBERS` / `API_MAX_ARRAY_ITEMS`). `bounded_numbers`: fields
    whose numbers the view bounds itself with its documented code and message (the range
    it accepts): the guard leaves their size to it."""

    code: int = 400
    field_codes: Mapping[str, int] = field(default_factory=dict)
    max_items: Mapping[str, int] = field(default_factory=dict)
    bounded_numbers: frozenset[str] = frozenset()

    def code_for(self, pattern: str) -> int:
        return self.field_codes.get(pattern, self.code)


DEFAULT_RULES = InputRules()


class Refusal(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _pattern(path: str) -> str:
    return _INDEX.sub("[]", path)


def check_text(value: str, path: str, max_chars: int | None = None) -> None:
    """Text a column can hold: no NUL, no unpaired surrogate, not longer than any column."""
    max_chars = max_chars or settings.API_MAX_STRING_CHARS
    if len(value) > max_chars:
        raise Refusal(path, f"longer than {max_chars} characters")
    if "\x00" in value:
        raise Refusal(path, "contains a NUL character")
    if not value.isascii() and _SURROGATE.search(value):
        raise Refusal(path, "contains an unpaired surrogate (not valid Unicode text)")


def check_json(document: Any, rules: InputRules) -> None:
    """Walk a parsed body without recursion: depth, sizes, strings (keys too), numbers."""
    max_depth, max_chars = settings.API_MAX_JSON_DEPTH, settings.API_MAX_STRING_CHARS
    max_members, max_items = settings.API_MAX_OBJECT_MEMBERS, settings.API_MAX_ARRAY_ITEMS
    stack: list[tuple[Any, str, int]] = [(document, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            check_text(value, path or "body", max_chars)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            in_range = INT64_MIN <= value <= INT64_MAX
            if not in_range and _pattern(path) not in rules.bounded_numbers:
                raise Refusal(path or "body", "a number outside the 64-bit integer range")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise Refusal(path or "body", "a number too large to represent")
        else:
            if depth > max_depth:
                raise Refusal(path or "body", f"nested deeper than {max_depth} levels")
            is_object = isinstance(value, dict)
            limit = max_members if is_object else max_items
            if rules.max_items:
                limit = rules.max_items.get(_pattern(path)) or limit
            if len(value) > limit:
                noun = "members" if is_object else "items"
                raise Refusal(path or "body", f"more than {limit} {noun}")
            if is_object:
                for key, member in value.items():
                    member_path = f"{path}.{key}" if path else key
                    check_text(key, member_path, max_chars)
                    stack.append((member, member_path, depth + 1))
            else:
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """The body as JSON; NaN and Infinity are not JSON. RecursionError: nested too deep."""
    return json.loads(raw, parse_constant=_refuse_constant)


def _refusal_response(rules: InputRules, refusal: Refusal) -> JsonResponse:
    # The code says what the family documents; the message names the field and the fault
    # (a registry text would need values, {x} of program {y}, the guard does not have).
    code = rules.code_for(_pattern(refusal.path))
    http_status = codes.get(code).http_status
    return envelope(code, str(refusal), http_status if http_status >= 400 else 400)


def envelope(code: int, message: str | None, http_status: int, **headers: str) -> JsonResponse:
    return JsonResponse(
        error_body([status_item(code, message)]), status=http_status, headers=headers
    )


def _rules_of(request: HttpRequest) -> InputRules:
    """The `input_rules` of the view the path resolves to (DRF views keep their class on
    the function `as_view()` returns)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return DEFAULT_RULES
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    return getattr(view_class, "input_rules", DEFAULT_RULES)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def guard_request(request: HttpRequest) -> HttpResponse | None:
    """An envelope refusing the request, or None to let it through. The view's rules are
    looked up only when needed (a refusal, a body): most reads never resolve twice."""
    try:
        query = request.GET
    except SuspiciousOperation as error:  # TooManyFieldsSent
        return envelope(Code.BAD_REQUEST, f"query string: {error}", 400)
    try:
        for name, values in query.lists():
            check_text(name, name)
            for value in values:
                check_text(value, name)
    except Refusal as refusal:
        return _refusal_response(_rules_of(request), refusal)

    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return envelope(Code.BAD_REQUEST, "Content-Length is not a number", 400)
    limit = settings.API_MAX_BODY_BYTES
    if length > limit:
        return envelope(
            Code.BODY_TOO_LARGE,
            f"{codes.get(Code.BODY_TOO_LARGE).message}: at most {limit} bytes",
            413,
        )
    if length <= 0 or not _is_json(request.META.get("CONTENT_TYPE", "")):
        return None  # no body, or one DRF refuses with 415
    try:
        raw = request.body
    except RequestDataTooBig:
        return envelope(
            Code.BODY_TOO_LARGE,
            f"{codes.get(Code.BODY_TOO_LARGE).message}: at most {limit} bytes",
            413,
        )
    rules = _rules_of(request)
    try:
        document = parse_json(raw)
    except RecursionError:
        too_deep = Refusal("body", f"nested deeper than {settings.API_MAX_JSON_DEPTH} levels")
        return _refusal_response(rules, too_deep)
    except ValueError:  # not JSON (UnicodeDecodeError is one): DRF's parser answers 400,
        return None  # after the idempotency key, so that a retry replays that answer
    try:
        check_json(document, rules)
    except Refusal as refusal:
        return _refusal_response(rules, refusal)
    setattr(request, PARSED_ATTR, document)
    return None


def database_unavailable(exc: BaseException | None) -> bool:
    """An error saying the database did not answer: unreachable, restarted, a statement or
    lock timeout (psycopg's errors are Django's once wrapped; both are checked)."""
    import psycopg

    return isinstance(exc, (OperationalError, InterfaceError, psycopg.OperationalError))


def unavailable_response() -> JsonResponse:
    return envelope(Code.SERVICE_UNAVAILABLE, None, 503, **{"Retry-After": RETRY_AFTER_SECONDS})


@receiver(got_request_exception)
def _remember_uncaught(sender, request=None, **kwargs) -> None:
    # Sent while Django turns an uncaught exception into a 500: the guard reads it back to
    # answer 503 for a database outage noticed outside a DRF view (a middleware).
    if request is not None:
        setattr(request, _UNCAUGHT_ATTR, sys.exc_info()[1])


def _is_json_response(response: HttpResponse) -> bool:
    return _is_json(response.get("Content-Type", ""))


class InputGuardMiddleware:
    """The edge guard for /v2/ (after the request id and the kind of work, before sessions,
    authentication and the idempotency key): refuses hostile input before anything reads
    it, and answers every error under /v2/ in the envelope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = guard_request(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code < 400:
            return response
        if database_unavailable(getattr(request, _UNCAUGHT_ATTR, None)):
            return unavailable_response()
        if response.streaming or _is_json_response(response):
            return response
        # Django's own error pages (DEBUG's technical pages, a 400 for a suspicious request).
        status = response.status_code
        code = status if status in codes.CODES else (400 if status < 500 else 500)
        return envelope(code, None, status)


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser, answering the document the guard already parsed and checked."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        django_request = getattr(request, "_request", None)
        if django_request is not None and hasattr(django_request, PARSED_ATTR):
            return getattr(django_request, PARSED_ATTR)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON nested too deep") from None
