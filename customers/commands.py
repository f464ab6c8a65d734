"""Typed commands of the customer write services: what a caller asks for, with normalised
values and no wire format.

A parser (`customers.parsers` for the v2 JSON bodies, the console's forms) builds one; the
service in `customers.services` takes it with keyword-only arguments. Validation that needs
no lock (value formats, configured fields, the associated till) happens while building;
the service applies the rules that need the locked rows. `warnings` carries what the
building skipped (an invalid channel, an unknown extended field), in the order met, so the
answer lists them before the service's own.

`parts` holds other apps' typed parts of a registration or update, by registry name (e.g.
"loyalty": the programs to enroll in), built by the parsers of
`customers.registry.body_parts` and read by the app's registration / update step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config.errors import Warnings
from customers.models import Till
from customers.selectors import SourceRef

IdentifierPair = tuple[str, str]  # (IdentifierType, normalised value)


@dataclass(frozen=True)
class ChannelInput:
    """A communication channel to store; `value` normalised for mobile and e-mail."""

    type: str
    value: str
    primary: bool = False
    verified: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "value": self.value,
            "primary": self.primary,
            "verified": self.verified,
            "meta": dict(self.meta),
        }


@dataclass(frozen=True)
class IdentifierSent:
    """An identifier named in an update body (updates never change identifiers): its type
    and normalised value when they are readable, and the label a warning names it by."""

    type: str | None
    value: str | None
    label: str


@dataclass
class RegisterCustomer:
    ref: SourceRef
    identifiers: list[IdentifierPair]
    loyalty_type: str
    first_name: str = ""
    last_name: str = ""
    custom_fields: dict[str, str] = field(default_factory=dict)
    extended_fields: dict[str, Any] = field(default_factory=dict)
    channels: list[ChannelInput] = field(default_factory=list)
    associated_with: Till | None = None
    registered_at: datetime | None = None  # attributionV2.createDate; None: now
    parts: dict[str, Any] = field(default_factory=dict)
    warnings: Warnings = field(default_factory=Warnings)


@dataclass
class UpdateCustomer:
    ref: SourceRef
    customer_id: int
    loyalty_type: str | None = None  # None: unchanged
    names: dict[str, str] = field(default_factory=dict)  # first_name / last_name sent
    custom_fields: dict[str, str] = field(default_factory=dict)
    extended_fields: dict[str, Any] = field(default_factory=dict)
    channels: list[ChannelInput] | None = None  # None: channels not sent, left as they are
    identifiers: list[IdentifierSent] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)
    warnings: Warnings = field(default_factory=Warnings)


@dataclass
class ChangeIdentifiers:
    ref: SourceRef
    customer_id: int
    add: list[IdentifierPair] = field(default_factory=list)
    remove: list[IdentifierPair] = field(default_factory=list)
    warnings: Warnings = field(default_factory=Warnings)
