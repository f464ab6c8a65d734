"""How the staff console shows customers: names, masked identifiers, status badges, and
refusals in staff words."""

from __future__ import annotations

from typing import Any

from config import codes, masking
from config.errors import DomainError
from customers.models import (
    CommChannel,
    Customer,
    CustomerStatus,
    Identifier,
    IdentifierType,
    SourceProfile,
)

PII_PERMISSION = masking.PII_PERMISSION
# Shown in the search results, in this order.
PRIMARY_IDENTIFIER_TYPES = (
    IdentifierType.MOBILE,
    IdentifierType.EMAIL,
    IdentifierType.CARD_NUMBER,
    IdentifierType.EXTERNAL_ID,
)
# One rule on every exit (config.masking); the console's names for it.
MASK = masking.MASK
mask_value = masking.mask
mask_pair = masking.mask_pair
shown_value = masking.shown
shown_pair = masking.shown_pair


def error_text(error: DomainError, screen: str = "", **context: Any) -> str:
    """A service's refusal as a console form shows it: the registry's staff wording for the
    code when it has one (the screen's own reading first, filled from what the form knows),
    else the service's message, with the code in brackets. The API keeps the seed wording."""
    sentence = codes.staff_message(error.code, screen)
    if sentence:
        try:
            sentence = sentence.format(**context)
        except (KeyError, IndexError, ValueError):
            sentence = None
    return f"{sentence or error.message} (code {error.code})"


def display_name(profiles: list[SourceProfile]) -> str:
    """The first named profile's name (INSTORE first: the name the customer gave a store)."""
    ordered = sorted(profiles, key=lambda profile: (profile.source != "INSTORE", profile.pk))
    for profile in ordered:
        name = f"{profile.first_name} {profile.last_name}".strip()
        if name:
            return name
    return ""


def identifier_rows(
    identifiers: list[Identifier], *, can_view_pii: bool, types=PRIMARY_IDENTIFIER_TYPES
) -> list[dict]:
    order = {kind: index for index, kind in enumerate(types)}
    chosen = sorted(
        (identifier for identifier in identifiers if identifier.type in order),
        key=lambda identifier: (order[identifier.type], identifier.pk),
    )
    seen: set[tuple[str, str]] = set()
    rows = []
    for identifier in chosen:
        if (identifier.type, identifier.value) in seen:
            continue
        seen.add((identifier.type, identifier.value))
        rows.append(
            {
                "type": identifier.type,
                "label": identifier.get_type_display(),
                "value": shown_value(identifier.type, identifier.value, can_view_pii=can_view_pii),
            }
        )
    return rows


def channel_value(channel: CommChannel, *, can_view_pii: bool) -> str:
    kind = IdentifierType.EMAIL if channel.type == "email" else IdentifierType.MOBILE
    return shown_value(kind, channel.value, can_view_pii=can_view_pii)


STATUS_BADGES: dict[str, tuple[str, str]] = {
    CustomerStatus.ACTIVE: ("active", "ok"),
    CustomerStatus.SUSPENDED: ("suspended", "warn"),
    CustomerStatus.DELETED: ("deleted", "muted"),
    CustomerStatus.FRAUD_MARKED: ("fraud marked", "danger"),
    CustomerStatus.FRAUD_CONFIRMED: ("fraud confirmed", "danger"),
}


def status_badges(customer: Customer) -> list[dict]:
    """Badges of the header and the search results: status, and merged when it is a victim."""
    label, tone = STATUS_BADGES.get(customer.status, (customer.status.lower(), "muted"))
    badges: list[dict[str, Any]] = [{"label": label, "tone": tone}]
    if customer.merged_into_id:
        badges.append(
            {"label": f"merged into {customer.merged_into_id}", "tone": "info", "merged": True}
        )
    return badges
