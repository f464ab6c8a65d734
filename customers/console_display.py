"""How the staff console shows customers: names, masked identifiers, status badges, and
refusals in staff words."""

from __future__ import annotations

from collections.abc import Mapping

from config.errors import DomainError
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


def _reveal(value: str, prefix: int, suffix: int) -> str:
    hidden = len(value) - prefix - suffix
    return value[:prefix] + MASK * hidden + (value[len(value) - suffix :] if suffix else "")


def _distinguishing_reveal(old: str, new: str, *, prefix: int, suffix: int, suffix_first: bool):
    """The fewest characters (`prefix`, `suffix` at least the given ones) whose shown parts
    tell `old` from `new`, keeping at least a third of the shorter value hidden; None when
    that is impossible."""
    shortest = min(len(old), len(new))
    most_shown = shortest - max(-(-shortest // 3), 1)

    def differ(p: int, s: int) -> bool:
        def shown(value: str) -> tuple[str, str]:
            return value[:p], value[len(value) - s :] if s else ""

        return shown(old) != shown(new)

    grow_suffix = [(prefix, s) for s in range(suffix, most_shown - prefix + 1)]
    grow_prefix = [(p, suffix) for p in range(prefix, most_shown - suffix + 1)]
    for p, s in grow_suffix + grow_prefix if suffix_first else grow_prefix + grow_suffix:
        if differ(p, s):
            return p, s
    return None


def mask_pair(kind: str, old: str, new: str) -> tuple[str, str]:
    """Masks of an old and a new value that a reader can tell apart: where the usual masks
    look the same, a few more characters of the end that differs are shown (never more
    than two thirds of either value)."""
    old_shown, new_shown = mask_value(kind, old), mask_value(kind, new)
    if not old or not new or old == new or old_shown != new_shown:
        return old_shown, new_shown
    if kind == IdentifierType.EMAIL and "@" in old and "@" in new:
        (old_local, _, domain), new_local = old.partition("@"), new.partition("@")[0]
        reveal = _distinguishing_reveal(
            old_local, new_local, prefix=1, suffix=0, suffix_first=False
        )
        if reveal is None:
            return old_shown, new_shown
        p, s = reveal

        def masked(local: str) -> str:
            return f"{local[:p]}{MASK * 3}{local[len(local) - s :] if s else ''}@{domain}"

        return masked(old_local), masked(new_local)
    visible = 4 if len(old) > 6 else max(len(old) - 3, 0)
    reveal = _distinguishing_reveal(old, new, prefix=0, suffix=visible, suffix_first=True)
    if reveal is None:
        return old_shown, new_shown
    return _reveal(old, *reveal), _reveal(new, *reveal)


def shown_pair(kind: str, old: str, new: str, *, can_view_pii: bool) -> tuple[str, str]:
    return (old, new) if can_view_pii else mask_pair(kind, old, new)


def error_text(error: DomainError, plain: Mapping[int, str] | None = None, **context) -> str:
    """A service's refusal as a console form shows it: the console's own sentence for the
    code when it has one (filled from what the form knows), else the service's message,
    with the code in brackets. The API keeps the registry's wording."""
    sentence = (plain or {}).get(error.code)
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
