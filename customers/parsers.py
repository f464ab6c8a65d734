"""The v2 request bodies of the customer writes, read into the typed commands of
`customers.commands`.

Bodies are read strictly: a field of the wrong JSON type answers 400 (nothing is written)
instead of being ignored, and text is never cut to fit its column. Problems are reported
in the order the fields are read (the order the answers have always had): identifiers,
loyalty type, custom fields, extended fields, channels, associated till, registration
date, names. The field checks that do not depend on v2's shape (`custom_fields_checked`,
`extended_fields_checked`, `channel_input`) are public: other parsers (the console's
forms, other wire formats) build the same commands with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config import codes
from config.codes import Code
from config.errors import DomainError, DomainErrors, Warnings
from customers import registry
from customers.commands import (
    ChangeIdentifiers,
    ChannelInput,
    IdentifierPair,
    IdentifierSent,
    RegisterCustomer,
    UpdateCustomer,
)
from customers.models import (
    CommChannelType,
    CustomFieldDefinition,
    ExtendedFieldDefinition,
    FieldDataType,
    IdentifierType,
    LoyaltyType,
    Till,
)
from customers.normalise import (
    InvalidIdentifier,
    as_bool,
    as_text,
    identifier_type,
    json_object,
    json_objects,
    normalise_email,
    normalise_identifier,
    normalise_mobile,
)
from customers.selectors import SourceRef, source_resolve

# Registration refuses an invalid identifier with the code of its type.
_INVALID_ON_REGISTER: dict[str, Code] = {
    IdentifierType.MOBILE: Code.REGISTER_MOBILE_INVALID,
    IdentifierType.EMAIL: Code.REGISTER_EMAIL_INVALID,
    IdentifierType.EXTERNAL_ID: Code.REGISTER_EXTERNAL_ID_INVALID,
}
# changeIdentifier skips an invalid identifier to add with a warning of its type.
_INVALID_ON_CHANGE: dict[str, Code] = {
    IdentifierType.MOBILE: Code.CHANGE_MOBILE_INVALID,
    IdentifierType.EMAIL: Code.CHANGE_EMAIL_INVALID,
    IdentifierType.EXTERNAL_ID: Code.CHANGE_EXTERNAL_ID_INVALID,
}
_CHANNEL_TYPES = {value.lower(): value for value in CommChannelType.values}

NAME_MAX_LENGTH = 100  # SourceProfile.first_name / last_name
CHANNEL_VALUE_MAX_LENGTH = 200  # CommChannel.value
EXTENDED_TEXT_MAX_LENGTH = 200
_SCALARS = (str, int, float)


def write_source(source: str | None, account_id: str | None) -> SourceRef:
    """The source (and account) a write addresses: 8001 missing, 8011 unknown account."""
    return source_resolve(
        source=source,
        account_id=account_id,
        missing_code=Code.ADD_SOURCE_MISSING,
        unknown_account_code=Code.WRITE_SOURCE_OR_ACCOUNT_INVALID,
    )


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def _bad_request(message: str) -> DomainError:
    return DomainError(Code.BAD_REQUEST, message)


def _customer_pk(raw: int | str, code: Code) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise DomainError(code) from None


# --- Field checks, whatever the wire format --------------------------------------------


def custom_fields_checked(fields: Mapping[Any, Any]) -> dict[str, str]:
    """Custom fields must be configured (1017); values are kept as the text sent, under
    the configured spelling of their name."""
    if not fields:
        return {}
    known = {
        name.lower(): name
        for name in CustomFieldDefinition.objects.filter(is_active=True).values_list(
            "name", flat=True
        )
    }
    unknown = [key for key in fields if str(key).lower() not in known]
    if unknown:
        raise DomainError(
            Code.CUSTOM_FIELD_INVALID,
            f"{codes.get(Code.CUSTOM_FIELD_INVALID).message} ({', '.join(map(str, unknown))})",
        )
    return {
        known[str(key).lower()]: _scalar_text(value, f"fields.{key}")
        for key, value in fields.items()
    }


def _extended_value(definition: ExtendedFieldDefinition, raw: Any) -> Any:
    """The stored value, or ValueError when it does not fit the definition."""
    if raw is not None and not isinstance(raw, (*_SCALARS, bool)):
        raise ValueError(raw)  # a list or object is no value of any definition
    if definition.allowed_values:
        text = as_text(raw)
        for allowed in definition.allowed_values:
            if str(allowed).lower() == text.lower():
                return allowed  # "MALE" is stored as the configured "Male"
        raise ValueError(text)
    if definition.data_type == FieldDataType.INTEGER:
        return int(as_text(raw))
    if definition.data_type == FieldDataType.DOUBLE:
        return float(as_text(raw))
    if definition.data_type == FieldDataType.BOOLEAN:
        text = as_text(raw).lower()
        if text not in {"true", "false", "1", "0"}:
            raise ValueError(text)
        return as_bool(text)
    text = as_text(raw)
    if len(text) > EXTENDED_TEXT_MAX_LENGTH:
        raise ValueError(text)
    return text


def extended_fields_checked(fields: Mapping[Any, Any], warnings: Warnings) -> dict[str, Any]:
    """The valid extended fields, typed as configured; an unknown field or a bad value is
    skipped with warning 91015."""
    if not fields:
        return {}
    definitions = {
        d.name.lower(): d for d in ExtendedFieldDefinition.objects.filter(is_active=True)
    }
    accepted: dict[str, Any] = {}
    for key, raw_value in fields.items():
        definition = definitions.get(str(key).lower())
        try:
            if definition is None:
                raise ValueError(key)
            accepted[definition.name] = _extended_value(definition, raw_value)
        except (TypeError, ValueError):
            warnings.add(Code.EXTENDED_FIELD_FAILED, x=key)
    return accepted


def channel_value(type_: str, value: str, warnings: Warnings) -> str | None:
    """A channel's value normalised (mobile, e-mail); an invalid mobile or e-mail is
    skipped (None) with warning 8058 / 8057."""
    try:
        if type_ == CommChannelType.MOBILE:
            return normalise_mobile(value)
        if type_ == CommChannelType.EMAIL:
            return normalise_email(value)
    except InvalidIdentifier:
        warnings.add(
            Code.COMM_CHANNEL_MOBILE_INVALID
            if type_ == CommChannelType.MOBILE
            else Code.COMM_CHANNEL_EMAIL_INVALID
        )
        return None
    return value


def _channel(
    type_: str, value: str, *, primary: bool, verified: bool, meta: Mapping[str, Any]
) -> ChannelInput:
    return ChannelInput(
        type=type_,
        value=value,
        primary=primary,
        verified=verified,
        meta={
            **{k: v for k, v in meta.items() if k not in {"residence", "office"}},
            "residence": as_bool(meta.get("residence")),
            "office": as_bool(meta.get("office")),
        },
    )


def channel_input(
    type_: str,
    value: str,
    *,
    warnings: Warnings,
    primary: bool = False,
    verified: bool = False,
    meta: Mapping[str, Any] | None = None,
) -> ChannelInput | None:
    """A channel of a known type, its value normalised; None (with the warning of
    `channel_value`) when the value is invalid."""
    normalised = channel_value(type_, value, warnings)
    if normalised is None:
        return None
    return _channel(type_, normalised, primary=primary, verified=verified, meta=meta or {})


def registration_date_checked(raw: Any) -> datetime | None:
    """A registration date sent (None: not sent, registered now): unreadable 8017,
    outside the configured window 1034."""
    if not raw:
        return None
    try:
        moment = parse_datetime(as_text(raw))
    except ValueError:
        moment = None
    if moment is None:
        raise DomainError(Code.REGISTRATION_DATE_INVALID)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    now = timezone.now()
    past = timedelta(days=getattr(settings, "REGISTRATION_MAX_PAST_DAYS", 3650))
    future = timedelta(days=getattr(settings, "REGISTRATION_MAX_FUTURE_DAYS", 1))
    if not now - past <= moment <= now + future:
        raise DomainError(Code.REGISTRATION_DATE_OUT_OF_RANGE)
    return moment


def associated_till(code: str) -> Till | None:
    """The active till a customer is associated with (none sent: None); unknown 91020."""
    if not code:
        return None
    till = Till.objects.filter(code=code, is_active=True).first()
    if till is None:
        raise DomainError(Code.REGISTRATION_TILL_INVALID)
    return till


# --- v2 body fields ---------------------------------------------------------------------


def _profile_name(profile: dict, name: str) -> str:
    """firstName / lastName: a string (null: empty) of at most `NAME_MAX_LENGTH`
    characters; a number, list or object answers 400, and so does a longer name."""
    raw = profile.get(name)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _bad_request(f"{name} must be a string")
    text = raw.strip()
    if len(text) > NAME_MAX_LENGTH:
        raise _bad_request(f"{name} is longer than {NAME_MAX_LENGTH} characters")
    return text


def _scalar_text(raw: Any, name: str) -> str:
    """A value stores send as a string, number or boolean (`"true"`, `919845012345`),
    as text; a list or object answers 400 rather than being stored as its repr."""
    if raw is not None and not isinstance(raw, (*_SCALARS, bool)):
        raise _bad_request(f"{name} must be a string")
    return as_text(raw)


def _profile_body(body: dict, ref: SourceRef) -> dict:
    """The body's profile for the addressed source: the one naming it, else the first."""
    profiles = json_objects(body.get("profiles"), "profiles")
    for profile in profiles:
        if as_text(profile.get("source")).upper() == ref.source and (
            ref.account is None or as_text(profile.get("accountId")) == ref.account_code
        ):
            return profile
    for profile in profiles:
        if as_text(profile.get("source")).upper() == ref.source:
            return profile
    return profiles[0] if profiles else {}


def _registration_identifiers(raw: Any) -> list[IdentifierPair]:
    """Every identifier normalised; all invalid ones refused together (1001/1002/1003/8013)."""
    parsed: list[IdentifierPair] = []
    errors: list[DomainError] = []
    for item in json_objects(raw, "identifiers"):
        type_ = identifier_type(item.get("type"))
        if type_ is None:
            errors.append(DomainError(Code.IDENTIFIER_INVALID))
            continue
        try:
            value = normalise_identifier(type_, item.get("value"))
        except InvalidIdentifier:
            errors.append(DomainError(_INVALID_ON_REGISTER.get(type_, Code.IDENTIFIER_INVALID)))
            continue
        if (type_, value) not in parsed:
            parsed.append((type_, value))
    if errors:
        raise DomainErrors(errors)
    return parsed


def _comm_channels(raw: Any, warnings: Warnings) -> list[ChannelInput]:
    """Channels to store; unknown type 8010, invalid mobile/e-mail skipped with 8058/8057;
    not a list of objects, a value that is no string or longer than its column: 400."""
    channels: list[ChannelInput] = []
    for index, item in enumerate(json_objects(raw, "commChannels")):
        type_ = _CHANNEL_TYPES.get(as_text(item.get("type")).lower())
        if type_ is None:
            raise DomainError(Code.COMM_CHANNEL_INVALID)
        value = _scalar_text(item.get("value"), f"commChannels[{index}].value")
        if len(value) > CHANNEL_VALUE_MAX_LENGTH:
            raise _bad_request(
                f"commChannels[{index}].value is longer than {CHANNEL_VALUE_MAX_LENGTH} characters"
            )
        checked = channel_value(type_, value, warnings)
        if checked is None:
            continue
        value = checked
        meta = json_object(item.get("meta"), f"commChannels[{index}].meta")
        channels.append(
            _channel(
                type_,
                value,
                primary=as_bool(item.get("primary")),
                verified=as_bool(item.get("verified")),
                meta=meta,
            )
        )
    return channels


def _loyalty_type(body: dict) -> str | None:
    loyalty_info = json_object(body.get("loyaltyInfo"), "loyaltyInfo")
    raw = loyalty_info.get("loyaltyType", body.get("loyaltyType"))
    if raw is None or raw == "":
        return None
    text = as_text(raw).lower().replace("-", "_")
    if text not in LoyaltyType.values:
        raise DomainError(
            Code.BAD_REQUEST, f"Invalid loyaltyType {as_text(raw)!r}: use loyalty or non_loyalty"
        )
    return text


def _registration_date(body: dict, profile: dict) -> datetime | None:
    """`attributionV2.createDate` (in loyaltyInfo or at the top) or the profile's
    `attribution.createDate`."""
    return registration_date_checked(
        _as_dict(_as_dict(body.get("loyaltyInfo")).get("attributionV2")).get("createDate")
        or _as_dict(body.get("attributionV2")).get("createDate")
        or _as_dict(profile.get("attribution")).get("createDate")
    )


def _body_parts(body: dict) -> dict[str, Any]:
    """Other apps' parts of the body (e.g. loyalty's program enrollments), typed by their
    parsers in `registry.body_parts`."""
    return {name: parse(body) for name, parse in registry.body_parts}


# --- Commands -----------------------------------------------------------------------------


def register_command(*, source: str | None, account_id: str | None, body: Any) -> RegisterCustomer:
    """`POST /v2/customers?source=&accountId=` -> RegisterCustomer."""
    ref = write_source(source, account_id)
    if not isinstance(body, dict):
        raise DomainError(Code.BAD_REQUEST)
    profile = _profile_body(body, ref)
    identifiers = _registration_identifiers(profile.get("identifiers"))
    warnings = Warnings()
    loyalty_type = _loyalty_type(body) or LoyaltyType.LOYALTY
    custom_fields = custom_fields_checked(json_object(profile.get("fields"), "fields"))
    extended_fields = extended_fields_checked(
        json_object(body.get("extendedFields"), "extendedFields"), warnings
    )
    channels = _comm_channels(profile.get("commChannels"), warnings)
    till = associated_till(as_text(body.get("associatedWith")))
    registered_at = _registration_date(body, profile)
    return RegisterCustomer(
        ref=ref,
        identifiers=identifiers,
        loyalty_type=loyalty_type,
        first_name=_profile_name(profile, "firstName"),
        last_name=_profile_name(profile, "lastName"),
        custom_fields=custom_fields,
        extended_fields=extended_fields,
        channels=channels,
        associated_with=till,
        registered_at=registered_at,
        parts=_body_parts(body),
        warnings=warnings,
    )


def _identifiers_sent(raw: Any) -> list[IdentifierSent]:
    sent = []
    for item in json_objects(raw, "identifiers"):
        type_ = identifier_type(item.get("type"))
        try:
            value = normalise_identifier(type_, item.get("value")) if type_ else None
        except InvalidIdentifier:
            value = None
        sent.append(
            IdentifierSent(type_, value, type_ or as_text(item.get("type")) or "identifier")
        )
    return sent


def update_command(
    *, customer_id: int | str, source: str | None, account_id: str | None, body: Any
) -> UpdateCustomer:
    """`PUT /v2/customers/{id}?source=&accountId=` (and the lookup's PUT) -> UpdateCustomer."""
    ref = write_source(source, account_id)
    if not isinstance(body, dict):
        raise DomainError(Code.BAD_REQUEST)
    pk = _customer_pk(customer_id, Code.POINTS_CUSTOMER_NOT_FOUND)
    profile = _profile_body(body, ref)
    warnings = Warnings()
    loyalty_type = _loyalty_type(body)
    custom_fields = custom_fields_checked(json_object(profile.get("fields"), "fields"))
    extended_fields = extended_fields_checked(
        json_object(body.get("extendedFields"), "extendedFields"), warnings
    )
    channels = _comm_channels(profile.get("commChannels"), warnings)
    names = {
        field: _profile_name(profile, key)
        for key, field in (("firstName", "first_name"), ("lastName", "last_name"))
        if key in profile
    }
    return UpdateCustomer(
        ref=ref,
        customer_id=pk,
        loyalty_type=loyalty_type,
        names=names,
        custom_fields=custom_fields,
        extended_fields=extended_fields,
        channels=channels if "commChannels" in profile else None,
        identifiers=_identifiers_sent(profile.get("identifiers")),
        parts=_body_parts(body),
        warnings=warnings,
    )


def _change_items(raw: Any, *, adding: bool, warnings: Warnings) -> list[IdentifierPair]:
    """Identifiers to add or remove, normalised; an invalid one is skipped with the
    warning of its type (8056/8055/8064) to add, 8070 to remove."""
    items: list[IdentifierPair] = []
    for item in _as_list(raw):
        item = _as_dict(item)
        type_ = identifier_type(item.get("type"))
        if type_ is None:
            raise DomainError(Code.IDENTIFIER_INVALID)
        try:
            value = normalise_identifier(type_, item.get("value"))
        except InvalidIdentifier:
            if adding:
                warnings.add(_INVALID_ON_CHANGE.get(type_, Code.NO_VALID_IDENTIFIER_CHANGE))
            else:
                warnings.add(Code.NO_VALID_IDENTIFIER_CHANGE)
            continue
        if (type_, value) not in items:
            items.append((type_, value))
    return items


def change_identifiers_command(
    *,
    customer_id: int | str,
    source: str | None,
    account_id: str | None,
    add: Any,
    remove: Any,
) -> ChangeIdentifiers:
    """`POST /v2/customers/{id}/changeIdentifier` (`add` / `remove` lists of {type, value})
    -> ChangeIdentifiers; nothing valid to change: warning 8070."""
    ref = write_source(source, account_id)
    # Unknown customer: 8009, the code the seed's changeIdentifier table gives for it.
    pk = _customer_pk(customer_id, Code.UPDATE_CUSTOMER_NOT_FOUND)
    warnings = Warnings()
    to_add = _change_items(add, adding=True, warnings=warnings)
    to_remove = _change_items(remove, adding=False, warnings=warnings)
    if not to_add and not to_remove:
        warnings.add(Code.NO_VALID_IDENTIFIER_CHANGE)
    return ChangeIdentifiers(
        ref=ref, customer_id=pk, add=to_add, remove=to_remove, warnings=warnings
    )
