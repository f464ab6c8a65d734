"""Who is calling: tills (HTTP Basic with till code + secret, or a bearer API key) and staff.

The Till and ApiKey models live in `customers` (org structure); they are looked up through
the app registry so that `config` imports no app.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading

from django.apps import apps
from django.contrib.auth.hashers import check_password
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

# Verified (till code, secret digest) -> stored hash. Password hashing is deliberately slow;
# a till authenticates on every checkout call, so a verified pair is remembered in-process
# for as long as the stored hash is unchanged (rotating the secret invalidates it).
_verified: dict[tuple[str, str], str] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 10_000


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
        Till = apps.get_model("customers", "Till")
        till = Till.objects.select_related("store").filter(code=code).first()
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
        ApiKey = apps.get_model("customers", "ApiKey")
        api_key = (
            ApiKey.objects.select_related("till__store", "user")
            .filter(prefix=prefix, revoked_at__isnull=True)
            .first()
        )
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
