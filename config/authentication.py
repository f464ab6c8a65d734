"""Who is calling: tills (HTTP Basic with till code + secret, or a bearer API key) and staff.

The Till and ApiKey models live in `customers` (org structure); they are looked up through
the app registry so that `config` imports no app.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import threading

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from config.rows import columns, instances, table

# Verified (till code, secret digest) -> stored hash. Password hashing is deliberately slow;
# a till authenticates on every checkout call, so a verified pair is remembered in-process
# for as long as the stored hash is unchanged (rotating the secret invalidates it).
_verified: dict[tuple[str, str], str] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 10_000


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Authentication runs on every API call: its reads are hand-written (config/rows.py), the
# ORM's building of the same `select_related` query cost more CPU than the rest of the
# cheapest endpoint (bench/notes.md).
@functools.cache
def _till_sql() -> str:
    Till, Store = apps.get_model("customers", "Till"), apps.get_model("customers", "Store")
    return (
        f"SELECT {columns(Till, 't')}, {columns(Store, 's')} FROM {table(Till)} t "
        f"JOIN {table(Store)} s ON s.id = t.store_id WHERE t.code = %s"
    )


@functools.cache
def _api_key_sql() -> str:
    ApiKey = apps.get_model("customers", "ApiKey")
    Till, Store = apps.get_model("customers", "Till"), apps.get_model("customers", "Store")
    User = get_user_model()
    return (
        f"SELECT {columns(ApiKey, 'k')}, {columns(Till, 't')}, {columns(Store, 's')}, "
        f"{columns(User, 'u')} FROM {table(ApiKey)} k "
        f"LEFT JOIN {table(Till)} t ON t.id = k.till_id "
        f"LEFT JOIN {table(Store)} s ON s.id = t.store_id "
        f"LEFT JOIN {table(User)} u ON u.id = k.user_id "
        "WHERE k.prefix = %s AND k.revoked_at IS NULL"
    )


def till_by_code(code: str):
    """The till with this code, its store read with it, or None."""
    found = instances(apps.get_model("customers", "Till"), _till_sql(), [code], joined=["store"])
    return found[0] if found else None


def api_key_by_prefix(prefix: str):
    """The unrevoked API key with this prefix, its till (and store) or user with it."""
    ApiKey = apps.get_model("customers", "ApiKey")
    found = instances(ApiKey, _api_key_sql(), [prefix], joined=["till", "till__store", "user"])
    return found[0] if found else None


def till_secret_matches(till, secret: str) -> bool:
    key = (till.code, _digest(secret))
    if _verified.get(key) == till.secret_hash:
        return True
    if not till.secret_hash or not check_password(secret, till.secret_hash):
        return False
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = till.secret_hash
    return True


class TillBasicAuthentication(authentication.BaseAuthentication):
    """`Authorization: Basic base64(till_code:secret)`."""

    www_authenticate_realm = "api"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid basic header.")
        try:
            decoded = base64.b64decode(header[1], validate=True).decode("utf-8")
            code, _, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed("Invalid basic header.") from None
        if "\x00" in code:  # PostgreSQL refuses NUL in text: a 500 instead of a 401
            raise exceptions.AuthenticationFailed("Invalid basic header.")
        till = till_by_code(code)
        if till is None or not till_secret_matches(till, secret):
            raise exceptions.AuthenticationFailed("Invalid till code or secret.")
        if not till.is_active or not till.store.is_active:
            raise exceptions.AuthenticationFailed("Till is inactive.")
        return till, None

    def authenticate_header(self, request):
        return f'Basic realm="{self.www_authenticate_realm}"'


class BearerKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <prefix>.<secret>`: an API key of a till or a staff user."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid bearer header.")
        raw_key = header[1].decode("latin-1")
        prefix, _, secret = raw_key.partition(".")
        if "\x00" in prefix:  # PostgreSQL refuses NUL in text: a 500 instead of a 401
            raise exceptions.AuthenticationFailed("Invalid bearer header.")
        api_key = api_key_by_prefix(prefix)
        if api_key is None or not hmac.compare_digest(api_key.key_hash, _digest(secret)):
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        principal = api_key.till or api_key.user
        if api_key.till is not None and (not principal.is_active or not principal.store.is_active):
            raise exceptions.AuthenticationFailed("Till is inactive.")
        if api_key.user is not None and not principal.is_active:
            raise exceptions.AuthenticationFailed("User is inactive.")
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
