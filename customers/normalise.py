"""Identifier normalisation and validation: values are stored normalised so that lookups,
search and the uniqueness constraint all agree.

- mobile: E.164 digits without the "+" (``phonenumbers``), read by `normalise_mobile`'s
  rule: a leading "+" or "00" is international; otherwise a valid national number of
  ``settings.DEFAULT_PHONE_REGION`` ("IN" unless set), else digits with a country code;
  numbers that are not valid are refused;
- email: case-folded after ``email-validator`` syntax checks (no DNS lookups);
- every other type: stripped of surrounding whitespace.

Stores send values as JSON numbers (``"value": 919111111111``) and booleans as strings
(``"verified": "true"``): both are accepted.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers
from django.conf import settings
from email_validator import EmailNotValidError, validate_email

from config.codes import Code
from config.errors import DomainError
from customers.models import IdentifierType

IDENTIFIER_TYPES = frozenset(IdentifierType.values)
# Lower-cased spellings stores send ("externalid", "MOBILE") -> the canonical type.
_TYPE_BY_LOWER = {value.lower(): value for value in IdentifierType.values}
_EXTERNAL_ID = re.compile(r"^[^\s]{1,100}$")
MAX_VALUE_LENGTH = 200
_MOBILE_CHARS = re.compile(r"^\+?\d{1,20}$")
# The seeds' own sample mobile (register.request.json, "91901000001": +91 and 9 digits) is
# not a valid Indian number; it is accepted as-is so that the documentation's sample
# requests, which integrators replay verbatim, keep working. Nothing else is.
SEED_SAMPLE_MOBILES = frozenset({"91901000001"})


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier of its type."""


def default_region() -> str:
    return getattr(settings, "DEFAULT_PHONE_REGION", "IN") or "IN"


def as_text(value: Any) -> str:
    """A JSON scalar as the string a store meant (numbers without a trailing ".0")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def json_object(value: Any, name: str) -> dict:
    """A request body's JSON object field: absent or null is empty; any other type answers
    400 (a field of the wrong type is refused, never ignored)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DomainError(Code.BAD_REQUEST, f"{name} must be a JSON object")
    return value


def json_objects(value: Any, name: str) -> list[dict]:
    """A request body's list of JSON objects (one object alone is accepted); absent or null
    is empty; anything else, or an item that is not an object, answers 400."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise DomainError(Code.BAD_REQUEST, f"{name} must be a list of JSON objects")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise DomainError(Code.BAD_REQUEST, f"{name}[{index}] must be a JSON object")
    return value


def as_bool(value: Any, default: bool = False) -> bool:
    """JSON booleans, and the strings "true"/"false"/"1"/"0" stores also send."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "y"}:
        return True
    if text in {"false", "0", "no", "n"}:
        return False
    return default


def identifier_type(raw: Any) -> str | None:
    """The canonical identifier type for a store's spelling, or None when unknown."""
    return _TYPE_BY_LOWER.get(as_text(raw).lower())


def _valid_e164(candidate: str, region: str | None) -> str | None:
    """The E.164 digits of `candidate` read in `region` (None: it carries its own "+"
    country code), or None when that reading is not a valid number."""
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def normalise_mobile(raw: Any) -> str:
    """The stored form of a mobile number: E.164 digits without the "+".

    Spaces, dashes, dots and brackets are ignored; anything else but digits is refused.

    1. A value starting with "+" or "00" is international: "+91 98450 12345",
       "0091 9845012345".
    2. Otherwise, when it is a valid number of ``DEFAULT_PHONE_REGION`` read nationally, that
       reading wins: "9512450827" and "09512450827" are "919512450827" in India (and not
       Myanmar's +95 1245 0827); "919845012345" is also read so (the national reading
       strips the region's own country code).
    3. Otherwise it is read as digits starting with a country code: "447911123456".

    A value valid in none of these readings (``phonenumbers.is_valid_number``) raises
    `InvalidIdentifier`: "9177330047964" (+91 and 11 digits) is refused. The one exception
    is the seeds' sample mobile (`SEED_SAMPLE_MOBILES`), so the documentation's requests
    work verbatim.
    """
    text = as_text(raw)
    if not text:
        raise InvalidIdentifier("empty mobile")
    compact = re.sub(r"[\s\-().]", "", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _MOBILE_CHARS.match(compact):
        raise InvalidIdentifier(f"invalid mobile {text!r}")
    readings: list[tuple[str, str | None]]
    if compact.startswith("+"):
        readings = [(compact, None)]
    else:
        readings = [(compact, default_region()), (f"+{compact}", None)]
    for candidate, region in readings:
        stored = _valid_e164(candidate, region)
        if stored is not None:
            return stored
    if compact.lstrip("+") in SEED_SAMPLE_MOBILES:
        return compact.lstrip("+")
    raise InvalidIdentifier(f"invalid mobile {text!r}")


def normalise_email(raw: Any) -> str:
    text = as_text(raw)
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidIdentifier(str(error)) from None
    return info.normalized.casefold()


def normalise_external_id(raw: Any) -> str:
    text = as_text(raw)
    if not _EXTERNAL_ID.match(text):
        raise InvalidIdentifier("an external id is 1 to 100 characters without spaces")
    return text


def _invisible(text: str) -> bool:
    """Whether the text holds a control or format character (zero-width space, joiners,
    bidirectional marks): invisible on screen, so the value could not be read back or
    looked up as a person sees it."""
    if text.isascii():
        return not text.isprintable()
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in text)


def normalise_identifier(type_: str, raw: Any) -> str:
    """The stored form of an identifier value; `InvalidIdentifier` when it is not valid
    (a list, an object or a boolean is never one: only strings and numbers are; nor is a
    value with an invisible character)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, type(None))):
        raise InvalidIdentifier(f"invalid {type_}: not a string or number")
    if isinstance(raw, str) and _invisible(raw.strip()):
        raise InvalidIdentifier(f"invalid {type_}: an invisible character")
    if type_ == IdentifierType.MOBILE:
        return normalise_mobile(raw)
    if type_ == IdentifierType.EMAIL:
        return normalise_email(raw)
    if type_ == IdentifierType.EXTERNAL_ID:
        return normalise_external_id(raw)
    text = as_text(raw)
    if not text or len(text) > MAX_VALUE_LENGTH:
        raise InvalidIdentifier(f"invalid {type_}")
    return text


def search_prefix(q: str) -> str:
    """The lower-cased prefix searched in names and identifier values.

    A query that reads as a phone number ("+91 90100", "91-901") is reduced to its digits,
    since mobiles are stored as digits.
    """
    text = q.strip().lower()
    if re.fullmatch(r"\+?[\d\s\-().]+", text) and any(ch.isdigit() for ch in text):
        return re.sub(r"\D", "", text)
    return text
