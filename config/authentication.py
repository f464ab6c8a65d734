"""Who is calling: tills (HTTP Basic with till code + secret, or a bearer API key) and staff.

The Till and ApiKey models live in `customers` (org structure); they are looked up through
the app registry so that `config` imports no app.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from config import credentials
from config.rows import columns, instances, table
from config.throttling import auth_blocked, auth_failure_record

logger = logging.getLogger("config.authentication")


# Authentication runs on every API call: its reads are hand-written (config/rows.py), the
# ORM's building of the same `select_related` query cost more CPU than the rest of the
# cheapest endpoint (bench/notes.md).
@functools.cache
def _till_sql() -> str:
    Till, Store = apps.get_model("customers", "Till"), apps.get_model("customers", "Store")
    Group = apps.get_model("customers", "TillAccessGroup")
    return (
        f"SELECT {columns(Till, 't')}, {columns(Store, 's')}, {columns(Group, 'g')} "
        f"FROM {table(Till)} t JOIN {table(Store)} s ON s.id = t.store_id "
        f"JOIN {table(Group)} g ON g.id = t.access_group_id WHERE t.code = %s"
    )


@functools.cache
def _api_key_sql() -> str:
    ApiKey = apps.get_model("customers", "ApiKey")
    Till, Store = apps.get_model("customers", "Till"), apps.get_model("customers", "Store")
    Group = apps.get_model("customers", "TillAccessGroup")
    User = get_user_model()
    return (
        f"SELECT {columns(ApiKey, 'k')}, {columns(Till, 't')}, {columns(Store, 's')}, "
        f"{columns(Group, 'g')}, {columns(Group, 'sc')}, {columns(User, 'u')} "
        f"FROM {table(ApiKey)} k "
        f"LEFT JOIN {table(Till)} t ON t.id = k.till_id "
        f"LEFT JOIN {table(Store)} s ON s.id = t.store_id "
        f"LEFT JOIN {table(Group)} g ON g.id = t.access_group_id "
        f"LEFT JOIN {table(Group)} sc ON sc.id = k.scope_id "
        f"LEFT JOIN {table(User)} u ON u.id = k.user_id "
        "WHERE k.prefix = %s AND k.revoked_at IS NULL"
    )


def till_by_code(code: str):
    """The till with this code, its store and access group read with it, or None."""
    found = instances(
        apps.get_model("customers", "Till"),
        _till_sql(),
        [code],
        joined=["store", "access_group"],
    )
    return found[0] if found else None


def api_key_by_prefix(prefix: str):
    """The unrevoked API key with this prefix, its till (store, group), scope or user."""
    ApiKey = apps.get_model("customers", "ApiKey")
    found = instances(
        ApiKey,
        _api_key_sql(),
        [prefix],
        joined=["till", "till__store", "till__access_group", "scope", "user"],
    )
    return found[0] if found else None


def till_secret_matches(till, secret: str, request=None) -> bool:
    """Whether `secret` (or its MD5 hex digest) is the till's. A secret stored by a slow
    password hasher (before the keyed hash) is checked only when the till code and the
    address are under their failure limits, and re-hashed when it matches."""
    stored = till.secret_hash
    if credentials.is_current(stored):
        return credentials.till_secret_verify(secret, stored)
    if not stored:
        return False
    if request is not None:
        wait = auth_blocked(request, till.code)
        if wait is not None:
            raise exceptions.Throttled(wait=wait)
    if not credentials.till_secret_verify(secret, stored):
        return False
    till.set_secret(secret)
    type(till).objects.filter(pk=till.pk, secret_hash=stored).update(secret_hash=till.secret_hash)
    return True


def _refuse(request, till_code: str | None, message: str):
    """A failed authentication: counted, and 429 once past the failure limits."""
    wait = auth_failure_record(request, till_code)
    if wait is not None:
        raise exceptions.Throttled(wait=wait)
    raise exceptions.AuthenticationFailed(message)


class TillBasicAuthentication(authentication.BaseAuthentication):
    """`Authorization: Basic base64(till_code:secret)`; the secret's MD5 hex digest is
    accepted in its place (Capillary's `till_code:md5(password)`)."""

    www_authenticate_realm = "api"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        if len(header) != 2:
            _refuse(request, None, "Invalid basic header.")
        try:
            decoded = base64.b64decode(header[1], validate=True).decode("utf-8")
            code, _, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            _refuse(request, None, "Invalid basic header.")
        if "\x00" in code:  # PostgreSQL refuses NUL in text: a 500 instead of a 401
            _refuse(request, None, "Invalid basic header.")
        till = till_by_code(code)
        if till is None or not till_secret_matches(till, secret, request):
            _refuse(request, code if till is not None else None, "Invalid till code or secret.")
        if not till.is_active or not till.store.is_active:
            raise exceptions.AuthenticationFailed("Till is inactive.")
        return till, None

    def authenticate_header(self, request):
        return f'Basic realm="{self.www_authenticate_realm}"'


def _mark_used(api_key) -> None:
    """Record the key's use, at most once per `API_KEY_LAST_USED_EVERY` seconds (one UPDATE
    then, none on the calls in between)."""
    now = timezone.now()
    every = timedelta(seconds=settings.API_KEY_LAST_USED_EVERY)
    if api_key.last_used_at is not None and now - api_key.last_used_at < every:
        return
    type(api_key).objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


class BearerKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <prefix>.<secret>`: an API key of a till or a staff user."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            _refuse(request, None, "Invalid bearer header.")
        raw_key = header[1].decode("latin-1")
        prefix, _, secret = raw_key.partition(".")
        if "\x00" in prefix:  # PostgreSQL refuses NUL in text: a 500 instead of a 401
            _refuse(request, None, "Invalid bearer header.")
        api_key = api_key_by_prefix(prefix)
        if api_key is None or not credentials.api_key_verify(secret, api_key.key_hash):
            _refuse(request, None, "Invalid or revoked API key.")
        if api_key.expires_at is not None and api_key.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("API key expired.")
        principal = api_key.till or api_key.user
        if api_key.till is not None and (not principal.is_active or not principal.store.is_active):
            raise exceptions.AuthenticationFailed("Till is inactive.")
        if api_key.user is not None and not principal.is_active:
            raise exceptions.AuthenticationFailed("User is inactive.")
        if not credentials.is_current(api_key.key_hash):
            type(api_key).objects.filter(pk=api_key.pk).update(
                key_hash=credentials.api_key_hash(secret)
            )
        _mark_used(api_key)
        return principal, api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


# The OpenAPI schema documents both schemes (drf-spectacular cannot guess custom ones).
class TillBasicScheme(OpenApiAuthenticationExtension):
    target_class = TillBasicAuthentication
    name = "tillBasic"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Till code as the user name and the till secret as the password.",
        }


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = BearerKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key issued with `manage.py create_api_key` (shown once).",
        }
