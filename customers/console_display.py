"""How the staff console shows customers: names, masked identifiers, status badges."""

from __future__ import annotations

from customers.models import (
    CommChannel,
    Customer,
    CustomerStatus,
    Identifier,
    IdentifierType,
    SourceProfile,
)

PII_PERMISSION = "customers.view_pii"
# Shown in the search results, in this order.
PRIMARY_IDENTIFIER_TYPES = (
    IdentifierType.MOBILE,
    IdentifierType.EMAIL,
    IdentifierType.CARD_NUMBER,
    IdentifierType.EXTERNAL_ID,
)
MASK = "•"


def mask_value(kind: str, value: str) -> str:
    """Enough to confirm with the caller, not enough to reuse: the last four digits of a
    mobile or card, the first letter and the domain of an e-mail."""
    if not value:
        return ""
    if kind == IdentifierType.EMAIL and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}{MASK * 3}@{domain}"
    visible = 4 if len(value) > 6 else max(len(value) - 3, 0)
    return MASK * (len(value) - visible) + value[len(value) - visible :]


def shown_value(kind: str, value: str, *, can_view_pii: bool) -> str:
    return value if can_view_pii else mask_value(kind, value)


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


STATUS_BADGES = {
    CustomerStatus.ACTIVE: ("active", "ok"),
    CustomerStatus.SUSPENDED: ("suspended", "warn"),
    CustomerStatus.DELETED: ("deleted", "muted"),
    CustomerStatus.FRAUD_MARKED: ("fraud marked", "danger"),
    CustomerStatus.FRAUD_CONFIRMED: ("fraud confirmed", "danger"),
}


def status_badges(customer: Customer) -> list[dict]:
    """Badges of the header and the search results: status, and merged when it is a victim."""
    label, tone = STATUS_BADGES.get(customer.status, (customer.status.lower(), "muted"))
    badges = [{"label": label, "tone": tone}]
    if customer.merged_into_id:
        badges.append(
            {"label": f"merged into {customer.merged_into_id}", "tone": "info", "merged": True}
        )
    return badges
