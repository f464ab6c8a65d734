"""Rows the test packages share, written directly (these set up what a test reads; writes
under test go through the services): one customer builder for every package."""

from __future__ import annotations

from customers.models import CommChannel, Customer, Identifier, LoyaltyType, SourceProfile
from customers.normalise import normalise_identifier

IDENTIFIER_TYPES = {
    "mobile": "mobile",
    "email": "email",
    "external_id": "externalId",
    "card": "cardNumber",
}


def customer_with(
    *,
    first_name: str = "Tom",
    last_name: str = "",
    source: str = "INSTORE",
    loyalty_type: str = LoyaltyType.LOYALTY,
    channels: bool = False,
    normalise: bool = True,
    mobile: str | None = None,
    email: str | None = None,
    external_id: str | None = None,
    card: str | None = None,
    **customer_fields,
) -> Customer:
    """A customer with one source profile and the given identifiers (normalised unless
    `normalise` is False: values as written); with `channels`, its mobile and e-mail are
    also its primary channels."""
    customer = Customer.objects.create(loyalty_type=loyalty_type, **customer_fields)
    profile = SourceProfile.objects.create(
        customer=customer, source=source, first_name=first_name, last_name=last_name
    )
    given = {"mobile": mobile, "email": email, "external_id": external_id, "card": card}
    for name, raw in given.items():
        if not raw:
            continue
        type_ = IDENTIFIER_TYPES[name]
        value = normalise_identifier(type_, raw) if normalise else raw
        Identifier.objects.create(
            profile=profile, customer=customer, source=source, type=type_, value=value
        )
        if channels and type_ in ("mobile", "email"):
            CommChannel.objects.create(
                profile=profile, customer=customer, type=type_, value=value, primary=True
            )
    return customer
