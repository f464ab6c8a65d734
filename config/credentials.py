"""Machine secrets (till secrets, API keys): a keyed fast hash, so a wrong guess costs
microseconds and no till waits behind a guesser's hashing.

A till secret is stored as `hmac-sha256$<hex>` of HMAC-SHA256(CREDENTIAL_HASH_KEY,
"till:" + md5hex(secret)). Storing the keyed hash of the MD5 hex digest (not of the secret)
lets a till authenticate with the secret itself or with `md5(secret)` as Capillary's Basic
auth sends it (`till_code:md5(password)`), and neither form can be guessed offline without
the server key, which never leaves the settings. API keys are stored as HMAC-SHA256 of
their secret part under the same key (`hmac-sha256$<hex>`).

Secrets hashed before (Django's slow password hashers for tills, plain SHA-256 for API
keys) still verify; the authenticator re-hashes them on their first success.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.contrib.auth.hashers import check_password

SCHEME = "hmac-sha256"
_MD5_HEX = re.compile(r"^[0-9a-fA-F]{32}$")


def _key() -> bytes:
    return settings.CREDENTIAL_HASH_KEY.encode()


def _mac(purpose: str, value: str) -> str:
    return hmac.new(_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def md5_hex(secret: str) -> str:
    return hashlib.md5(secret.encode(), usedforsecurity=False).hexdigest()


def till_secret_hash(secret: str) -> str:
    return f"{SCHEME}${_mac('till', md5_hex(secret))}"


def is_current(stored: str) -> bool:
    return stored.startswith(f"{SCHEME}$")


def till_secret_verify(presented: str, stored: str) -> bool:
    """Whether `presented` (the secret, or its 32-character MD5 hex digest) matches the
    stored hash. A legacy Django password hash is checked the slow way."""
    if not stored or not presented:
        return False
    if not is_current(stored):
        return check_password(presented, stored)
    expected = stored.partition("$")[2]
    if hmac.compare_digest(_mac("till", md5_hex(presented)), expected):
        return True
    # Capillary's form: the password is the MD5 hex digest of the secret.
    return bool(_MD5_HEX.match(presented)) and hmac.compare_digest(
        _mac("till", presented.lower()), expected
    )


def api_key_hash(secret: str) -> str:
    return f"{SCHEME}${_mac('api-key', secret)}"


def api_key_verify(presented: str, stored: str) -> bool:
    if not stored:
        return False
    if is_current(stored):
        return hmac.compare_digest(api_key_hash(presented), stored)
    # Keys issued before: a plain SHA-256 hex digest of the secret.
    return hmac.compare_digest(hashlib.sha256(presented.encode()).hexdigest(), stored)
