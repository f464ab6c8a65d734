"""Erasure of a customer's personal data ("right to be forgotten").

`customer_erase` keeps the customer row (its id, loyalty type, dates, the ledger and bills
that point at it) and removes what identifies the person:

- identifiers and communication channels are deleted, so the unique constraints no longer
  hold their values and a later registration with them creates a new customer;
- the names and custom fields of every source profile, and the customer's extended fields,
  are emptied;
- the status becomes DELETED, with a status change labelled ERASED carrying the reason;
- the audit history (pghistory events of Customer, SourceProfile, Identifier, CommChannel)
  keeps its rows (who did what, when) but their copies of those columns are emptied;
- other apps erase what they hold through `registry.erasure_steps`.

It runs under the four-eyes rule: staff raise an ERASURE request and another staff member
approves it (`loyalty.workflow.services`), whose effect calls this service.
"""

from __future__ import annotations

from django.apps import apps
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError
from config.transactions import atomic_with_retry
from customers import registry
from customers.audit import Actor, actor_columns, audit_context, modified_by
from customers.models import (
    CommChannel,
    Customer,
    CustomerStatus,
    CustomerStatusChange,
    Identifier,
    SourceProfile,
)
from customers.selectors import customer_lock, identifier_values_lock

ERASED_LABEL = "ERASED"


def is_erased(customer: Customer) -> bool:
    """Read from the database (a caller's instance may predate the erasure)."""
    return Customer.objects.filter(
        pk=customer.pk, status=CustomerStatus.DELETED, status_changes__label=ERASED_LABEL
    ).exists()


def _lock_identifier_values(customer_id: int) -> None:
    """Take the advisory locks registration takes on identifier values (same keys, same
    order), so a registration with one of them waits for the erasure and then finds none."""
    identifier_values_lock(
        Identifier.objects.filter(customer_id=customer_id).values_list("type", "value")
    )


def _with_merge_victims(customer_id: int) -> list[int]:
    """The customer and every customer merged into it (at any depth): a victim's history
    holds the same person's data from before the merge."""
    ids, frontier = [customer_id], [customer_id]
    while frontier:
        frontier = list(
            Customer.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def _anonymise_history(customer_ids: list[int]) -> dict[str, int]:
    """Empty the personal columns of the customers' audit events (plain tables, no
    protection trigger); the events themselves stay. Returns the rows touched per model."""

    def events(name: str):
        return apps.get_model("customers", name).objects

    return {
        "CustomerEvent": events("CustomerEvent")
        .filter(pgh_obj_id__in=customer_ids)
        .update(extended_fields={}),
        "SourceProfileEvent": events("SourceProfileEvent")
        .filter(customer_id__in=customer_ids)
        .update(first_name="", last_name="", custom_fields={}),
        "IdentifierEvent": events("IdentifierEvent")
        .filter(customer_id__in=customer_ids)
        .update(value=""),
        "CommChannelEvent": events("CommChannelEvent")
        .filter(customer_id__in=customer_ids)
        .update(value="", meta={}),
    }


@atomic_with_retry
def customer_erase(*, customer_id: int, actor: Actor, reason: str) -> Customer:
    """Erase the personal data of one customer (see the module docstring).

    Refusals: 816 unknown customer, 8067 merged into another customer (erase the survivor,
    which holds the person's data now), 9035 already erased, 9030 no reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(Code.REQUEST_FIELD_INVALID, x="reason")
    with audit_context(actor, operation="customer_erase"):
        _lock_identifier_values(customer_id)
        customer = customer_lock(customer_id=customer_id)
        if customer.merged_into_id is not None:
            raise DomainError(
                Code.ALREADY_MERGED,
                f"Customer {customer.pk} is merged into {customer.merged_into_id}",
            )
        if is_erased(customer):
            raise DomainError(Code.ALREADY_ERASED)
        # Re-read under the customer lock; values added meanwhile are locked too.
        _lock_identifier_values(customer.pk)

        now = timezone.now()
        attribution = modified_by(actor)
        profiles = list(
            SourceProfile.objects.select_for_update().filter(customer=customer).order_by("pk")
        )
        for profile in profiles:
            profile.first_name = profile.last_name = ""
            profile.custom_fields = {}
            profile.modified_at = now
            for name, value in attribution.items():
                setattr(profile, name, value)
            profile.save()
        Identifier.objects.filter(customer=customer).delete()
        CommChannel.objects.filter(customer=customer).delete()

        by_till, by_user = actor_columns(actor)
        CustomerStatusChange.objects.create(
            customer=customer,
            old_status=customer.status,
            new_status=CustomerStatus.DELETED,
            label=ERASED_LABEL,
            reason=reason[:2000],
            changed_at=now,
            changed_by_till=by_till,
            changed_by_user=by_user,
        )
        customer.status = CustomerStatus.DELETED
        customer.extended_fields = {}
        customer.modified_at = now
        for name, value in attribution.items():
            setattr(customer, name, value)
        customer.save()

        for _, step in registry.erasure_steps:
            step(customer=customer, actor=actor, reason=reason)
        # Last: the writes above added events (the deletes copy the values once more).
        _anonymise_history(_with_merge_victims(customer.pk))
    return customer
