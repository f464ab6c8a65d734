"""Identifier normalisation and validation: values are stored normalised so that lookups,
search and the uniqueness constraint all agree.

- mobile: E.164 digits without the "+" (``phonenumbers``; numbers without a country code
  are read in ``settings.DEFAULT_PHONE_REGION``, "IN" unless set);
- email: case-folded after ``email-validator`` syntax checks (no DNS lookups);
- every other type: stripped of surrounding whitespace.

Stores send values as JSON numbers (``"value": 919111111111``) and booleans as strings
(``"verified": "true"``): both are accepted.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.conf import settings
from email_validator import EmailNotValidError, validate_email

from customers.models import IdentifierType

IDENTIFIER_TYPES = frozenset(IdentifierType.values)
# Lower-cased spellings stores send ("externalid", "MOBILE") -> the canonical type.
_TYPE_BY_LOWER = {value.lower(): value for value in IdentifierType.values}
_EXTERNAL_ID = re.compile(r"^[^\s]{1,100}$")
MAX_VALUE_LENGTH = 200


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


def normalise_mobile(raw: Any) -> str:
    text = as_text(raw)
    if not text:
        raise InvalidIdentifier("empty mobile")
    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    candidates = [digits] if digits.startswith("+") else [f"+{digits}", digits]
    parsed = []
    for candidate in candidates:
        try:
            parsed.append(
                phonenumbers.parse(
                    candidate, None if candidate.startswith("+") else default_region()
                )
            )
        except phonenumbers.NumberParseException:
            continue
    # A number valid in the numbering plan wins; failing that, one of a possible length
    # (the seeds' own samples, e.g. 91901000001, are possible but unassigned numbers).
    for check in (phonenumbers.is_valid_number, phonenumbers.is_possible_number):
        for number in parsed:
            if check(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
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


def normalise_identifier(type_: str, raw: Any) -> str:
    """The stored form of an identifier value; `InvalidIdentifier` when it is not valid."""
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


def mask(value: str) -> str:
    """`*******1234`: the last four characters, the rest starred (PII for staff without
    `customers.view_pii`)."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]
