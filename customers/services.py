"""Write operations on customers: register, update, change identifiers, merge, set status.

Each service is one transaction, records who acted (attribution fields and the pghistory
context), locks rows in primary-key order and raises only `DomainError`s with registry
codes. Register, update and change identifiers take the typed commands of
`customers.commands` (built by `customers.parsers` from v2 bodies, or by the console's
forms). Other apps take part through `customers.registry` (registration, update and merge
steps); this module never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from config import codes
from config.codes import Code
from config.errors import DomainError, Warnings
from config.rows import columns, instances, table
from config.transactions import atomic_with_retry
from customers import registry
from customers.audit import Actor, actor_columns, audit_context, created_by, modified_by
from customers.commands import ChangeIdentifiers, ChannelInput, RegisterCustomer, UpdateCustomer
from customers.models import (
    CommChannel,
    CommChannelType,
    Customer,
    CustomerMerge,
    CustomerStatus,
    CustomerStatusChange,
    Identifier,
    IdentifierType,
    LoyaltyType,
    SourceProfile,
    Till,
)
from customers.normalise import as_text
from customers.parsers import write_source
from customers.selectors import (
    SourceRef,
    customer_lock,
    customers_lock,
    identifier_values_lock,
)


@dataclass
class RegistrationResult:
    customer: Customer
    profile: SourceProfile
    created: bool
    warnings: Warnings
    side_effects: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class UpdateResult:
    customer: Customer
    warnings: Warnings


@dataclass
class IdentifierChangeResult:
    customer: Customer
    warnings: Warnings
    merged_into: Customer | None = None


# --- Locks and ownership --------------------------------------------------------------


# Fixed text whatever the number of identifiers (so it stays prepared): each (type, value)
# pair probes `identifier_type_value`.
_OWNERS_SQL = (
    f"SELECT {columns(Identifier, 'i')} FROM {table(Identifier)} i "
    "JOIN unnest(%s::text[], %s::text[]) AS wanted(type, value) "
    "ON i.type = wanted.type AND i.value = wanted.value ORDER BY i.customer_id, i.id"
)


def _owners(identifiers: list[tuple[str, str]]) -> list[Identifier]:
    """The identifiers already holding these (type, value) pairs, in any source."""
    types = [type_ for type_, _ in identifiers]
    values = [value for _, value in identifiers]
    return instances(Identifier, _OWNERS_SQL, [types, values])


def _in_source(identifier: Identifier, ref: SourceRef) -> bool:
    return identifier.source == ref.source and identifier.account_id == (
        ref.account.pk if ref.account else None
    )


def _already_exists(customer_id: int) -> DomainError:
    return DomainError(
        Code.CUSTOMER_EXISTS_IN_SOURCE,
        codes.get(Code.CUSTOMER_EXISTS_IN_SOURCE).message.format(customer_id),
    )


def _merged_victim(customer: Customer) -> DomainError:
    return DomainError(
        Code.ALREADY_MERGED, codes.get(Code.ALREADY_MERGED).message.format(customer.merged_into_id)
    )


def _profile_for(customer: Customer, ref: SourceRef, actor: Actor) -> SourceProfile:
    profile = SourceProfile.objects.filter(
        customer=customer, source=ref.source, account=ref.account
    ).first()
    if profile is None:
        profile = SourceProfile.objects.create(
            customer=customer, source=ref.source, account=ref.account, **created_by(actor)
        )
    return profile


def _create_identifiers(
    profile: SourceProfile, identifiers: list[tuple[str, str]], ref: SourceRef
) -> None:
    """Insert inside a savepoint: a concurrent owner turns into 8006, not a 500."""
    try:
        with transaction.atomic():
            Identifier.objects.bulk_create(
                [
                    Identifier(
                        profile=profile,
                        customer_id=profile.customer_id,
                        source=ref.source,
                        account=ref.account,
                        type=type_,
                        value=value,
                    )
                    for type_, value in identifiers
                ]
            )
    except IntegrityError:
        owner = next(
            (o for o in _owners(identifiers) if _in_source(o, ref)),
            None,
        )
        raise _already_exists(owner.customer_id if owner else profile.customer_id) from None


def _create_channels(profile: SourceProfile, inputs: list[ChannelInput]) -> None:
    """Add channels to a profile. I3: a customer has at most one primary value per channel
    type (the database's `comm_channel_one_primary_value`): the newest word wins, so the
    customer's other primary channels of a type sent as primary with another value stop
    being primary, and of two primaries of one type in one body the first stays primary."""
    channels = [channel.row() for channel in inputs]
    primaries: dict[str, str] = {}
    for channel in channels:
        if not channel["primary"]:
            continue
        if primaries.setdefault(channel["type"], channel["value"]) != channel["value"]:
            channel["primary"] = False
    if primaries:
        superseded = Q()
        for type_, value in primaries.items():
            superseded |= Q(type=type_) & ~Q(value=value)
        CommChannel.objects.filter(
            superseded, customer_id=profile.customer_id, primary=True
        ).update(primary=False)
    CommChannel.objects.bulk_create(
        [CommChannel(profile=profile, customer_id=profile.customer_id, **c) for c in channels]
    )


# Channel type of each identifier type whose value is also a contact route.
_CHANNEL_OF_IDENTIFIER: dict[str, CommChannelType] = {
    IdentifierType.MOBILE: CommChannelType.MOBILE,
    IdentifierType.EMAIL: CommChannelType.EMAIL,
}
# Warning of an identifier to add that the profile already holds (nothing changes).
_ALREADY_HELD: dict[str, Code] = {
    IdentifierType.MOBILE: Code.IDENTIFIER_ALREADY_HELD_MOBILE,
    IdentifierType.EMAIL: Code.IDENTIFIER_ALREADY_HELD_EMAIL,
    IdentifierType.EXTERNAL_ID: Code.IDENTIFIER_ALREADY_HELD_EXTERNAL_ID,
}


def _channels_follow(
    *, customer_id: int, removed: list[tuple[str, str]], added: list[tuple[str, str]]
) -> None:
    """I3: a mobile or e-mail replaced (removed and another of its type added in one change)
    takes its communication channels along: every channel of the customer with the old
    value gets the new one, unverified (the new number or address has not been proven),
    keeping its primary flag, so messages stop going to the old one."""
    for identifier_type_, channel_type in _CHANNEL_OF_IDENTIFIER.items():
        old = [value for type_, value in removed if type_ == identifier_type_]
        new = [value for type_, value in added if type_ == identifier_type_]
        if old and new:
            CommChannel.objects.filter(
                customer_id=customer_id, type=channel_type, value__in=old
            ).update(value=new[0], verified=False)


def _listed(pairs: list[tuple[str, str, int]]) -> str:
    return ", ".join(f"{type_} {value} (customer {holder})" for type_, value, holder in pairs)


# --- Services -------------------------------------------------------------------------


def _registration_identifier_rule(identifiers: list[tuple[str, str]], loyalty_type: str) -> None:
    """Who may register with what: a non-loyalty customer needs a mobile or an e-mail
    (1045); a loyalty customer one of mobile, e-mail and external id (1007), unless
    `REGISTRATION_PRIMARY_IDENTIFIER_REQUIRED` is off, then any identifier (none: 1007)."""
    types = {type_ for type_, _ in identifiers}
    if loyalty_type == LoyaltyType.NON_LOYALTY:
        if not types & {IdentifierType.MOBILE, IdentifierType.EMAIL}:
            raise DomainError(Code.NON_LOYALTY_IDENTIFIER_MISSING)
        return
    if not types:
        raise DomainError(Code.LOYALTY_IDENTIFIER_MISSING)
    primary = {IdentifierType.MOBILE, IdentifierType.EMAIL, IdentifierType.EXTERNAL_ID}
    if getattr(settings, "REGISTRATION_PRIMARY_IDENTIFIER_REQUIRED", True) and not types & primary:
        raise DomainError(Code.LOYALTY_IDENTIFIER_MISSING)


@atomic_with_retry
def customer_register(*, command: RegisterCustomer, actor: Actor) -> RegistrationResult:
    """Register a customer in a source (and account).

    I1 (one holder per identifier): identifiers already in the same source/account: 8006
    (with the owner's id). Already in another source: a new source profile on that
    customer, warning 8050; the customer must not have a profile in this source/account
    yet (8066). Held by several customers: the oldest of them is combined (8050) and the
    identifiers of the others are not taken (warning 8052 naming them): nothing merges.
    """
    ref = command.ref
    identifiers = list(command.identifiers)
    _registration_identifier_rule(identifiers, command.loyalty_type)
    warnings = Warnings(command.warnings)
    extended_fields = command.extended_fields
    registered_at = command.registered_at or timezone.now()
    side_effects: list[dict[str, Any]] = []

    with audit_context(actor, operation="customer_register"):
        identifier_values_lock(identifiers)
        owners = _owners(identifiers)
        customer = None
        if owners:
            # The oldest holder; its identifiers cannot move once it is locked (a merge
            # needs the lock), and a merge committed before is followed to its survivor.
            customer = customer_lock(
                customer_id=min(o.customer_id for o in owners), follow_merges=True
            )
            owners = _owners(identifiers)  # re-read under the lock
        in_source = [o for o in owners if _in_source(o, ref)]
        if in_source:
            raise _already_exists(in_source[0].customer_id)
        if customer is not None:
            if customer.is_fraud:
                raise DomainError(Code.TRANSACTION_CUSTOMER_FRAUD)
            if SourceProfile.objects.filter(
                customer=customer, source=ref.source, account=ref.account
            ).exists():
                raise DomainError(
                    Code.HOLDER_HAS_PROFILE_IN_SOURCE,
                    f"{codes.get(Code.HOLDER_HAS_PROFILE_IN_SOURCE).message} (userId {customer.pk})",
                )
            warnings.add(Code.COMBINED_WITH_OTHER_SOURCE)
            others = [
                (o.type, o.value, o.customer_id) for o in owners if o.customer_id != customer.pk
            ]
            if others:
                warnings.add(
                    Code.REGISTER_CONFLICTING_CUSTOMERS,
                    f"{codes.get(Code.REGISTER_CONFLICTING_CUSTOMERS).message}; not taken: {_listed(others)}",
                )
                not_taken = {(type_, value) for type_, value, _ in others}
                identifiers = [pair for pair in identifiers if pair not in not_taken]
            # Customer-level fields already set are kept; new ones are added.
            missing = {
                k: v for k, v in extended_fields.items() if k not in customer.extended_fields
            }
            if missing:
                customer.extended_fields = {**customer.extended_fields, **missing}
            customer.modified_at = timezone.now()
            for name, value in modified_by(actor).items():
                setattr(customer, name, value)
            customer.save()
            created = False
        else:
            customer = Customer.objects.create(
                loyalty_type=command.loyalty_type,
                extended_fields=extended_fields,
                registered_at=registered_at,
                associated_with=command.associated_with,
                **created_by(actor),
            )
            created = True
        profile = SourceProfile.objects.create(
            customer=customer,
            source=ref.source,
            account=ref.account,
            first_name=command.first_name,
            last_name=command.last_name,
            custom_fields=command.custom_fields,
            created_at=registered_at,  # attributionV2.createDate, or now
            **created_by(actor),
        )
        _create_identifiers(profile, identifiers, ref)
        _create_channels(profile, command.channels)
        for _name, step in registry.registration_steps:
            step(
                customer=customer,
                command=command,
                actor=actor,
                warnings=warnings,
                side_effects=side_effects,
                created=created,
            )
    return RegistrationResult(customer, profile, created, warnings, side_effects)


@atomic_with_retry
def customer_update(*, command: UpdateCustomer, actor: Actor) -> UpdateResult:
    """Update the profile of one source (created if missing), channels, custom and
    extended fields and loyalty type (non-loyalty to loyalty only: 8018). Identifiers are
    not changed here: each one not already on the profile answers warning 91006.

    I2: a merge victim's id updates its survivor, with warning 8069 (the answer's
    `createdId` is the survivor's)."""
    ref = command.ref
    warnings = Warnings(command.warnings)
    loyalty_type = command.loyalty_type

    with audit_context(actor, operation="customer_update"):
        customer = customer_lock(
            customer_id=command.customer_id, follow_merges=True, warnings=warnings
        )
        if customer.is_fraud:
            raise DomainError(Code.TRANSACTION_CUSTOMER_FRAUD)
        if loyalty_type == LoyaltyType.NON_LOYALTY and customer.loyalty_type == LoyaltyType.LOYALTY:
            raise DomainError(Code.LOYALTY_TO_NON_LOYALTY)
        profile = _profile_for(customer, ref, actor)
        stored = set(profile.identifiers.values_list("type", "value"))
        for sent in command.identifiers:
            if (sent.type, sent.value) not in stored:
                warnings.add(Code.FIELD_UPDATE_NOT_ALLOWED, x=sent.label)

        for field_name, value in command.names.items():
            setattr(profile, field_name, value)
        if command.custom_fields:
            profile.custom_fields = {**profile.custom_fields, **command.custom_fields}
        now = timezone.now()
        profile.modified_at = profile.auto_update_time = now
        for name, value in modified_by(actor).items():
            setattr(profile, name, value)
        profile.save()
        if command.channels is not None:
            # A channel type sent replaces that type's channels on this profile.
            types = {c.type for c in command.channels}
            CommChannel.objects.filter(profile=profile, type__in=types).delete()
            _create_channels(profile, command.channels)

        if command.extended_fields:
            customer.extended_fields = {**customer.extended_fields, **command.extended_fields}
        if loyalty_type:
            customer.loyalty_type = loyalty_type
        customer.modified_at = now
        for name, value in modified_by(actor).items():
            setattr(customer, name, value)
        customer.save()
        for _name, step in registry.update_steps:
            step(
                customer=customer,
                command=command,
                actor=actor,
                warnings=warnings,
                side_effects=[],
                created=False,
            )
    return UpdateResult(customer, warnings)


@atomic_with_retry
def customer_change_identifiers(
    *, command: ChangeIdentifiers, actor: Actor
) -> IdentifierChangeResult:
    """Add / remove identifiers of one source profile (I1, I3).

    An identifier to add that the profile already holds: warning 8071 / 8072 / 8073
    (mobile / e-mail / external id), nothing changes. Held by another customer in the same
    source/account: 8007, nothing is written. Held by one other customer in another source:
    this customer (victim) is merged into that one (survivor), warning 8051, unless the
    survivor already has a profile in this source/account (8066, nothing is written). Held
    by several other customers: nothing merges and those identifiers are not taken (warning
    8053 naming them); the rest of the change is made. A mobile or e-mail replaced moves
    its channels to the new value, unverified. A merge victim: 8067 with the survivor's id.
    Unknown customer: 8009. Invalid values are skipped with 8056/8055/8064; a removal of an
    identifier the profile does not hold is skipped with 8070.
    """
    ref, pk = command.ref, command.customer_id
    warnings = Warnings(command.warnings)
    to_add, to_remove = command.add, command.remove

    with audit_context(actor, operation="customer_change_identifiers"):
        identifier_values_lock([*to_add, *to_remove])
        owners = _owners(to_add) if to_add else []
        # Lock this customer and every holder together, in primary-key order.
        locked = customers_lock(customer_ids={pk, *(o.customer_id for o in owners)})
        customer = locked.get(pk)
        if customer is None:
            raise DomainError(Code.UPDATE_CUSTOMER_NOT_FOUND)
        if customer.merged_into_id:
            raise _merged_victim(customer)
        if customer.is_fraud:
            raise DomainError(Code.TRANSACTION_CUSTOMER_FRAUD)
        owners = _owners(to_add) if to_add else []  # re-read under the locks
        if any(_in_source(o, ref) and o.customer_id != customer.pk for o in owners):
            raise DomainError(Code.UPDATE_CUSTOMER_EXISTS_IN_SOURCE)
        held_here = {(o.type, o.value) for o in owners if _in_source(o, ref)}
        for type_, _value in [pair for pair in to_add if pair in held_here]:
            if type_ in _ALREADY_HELD:
                warnings.add(_ALREADY_HELD[type_])
        others = sorted({o.customer_id for o in owners if o.customer_id != customer.pk})
        survivor = None
        if len(others) == 1:
            survivor = locked.get(others[0]) or customer_lock(customer_id=others[0])
            if SourceProfile.objects.filter(
                customer=survivor, source=ref.source, account=ref.account
            ).exists():
                raise DomainError(
                    Code.HOLDER_HAS_PROFILE_IN_SOURCE,
                    f"{codes.get(Code.HOLDER_HAS_PROFILE_IN_SOURCE).message} (userId {survivor.pk})",
                )
        not_taken: set[tuple[str, str]] = set()
        if len(others) > 1:
            conflicting = [
                (o.type, o.value, o.customer_id) for o in owners if o.customer_id != customer.pk
            ]
            warnings.add(
                Code.UPDATE_CONFLICTING_CUSTOMERS,
                f"{codes.get(Code.UPDATE_CONFLICTING_CUSTOMERS).message}; not taken: {_listed(conflicting)}",
            )
            not_taken = {(type_, value) for type_, value, _ in conflicting}
        new = [pair for pair in to_add if pair not in held_here and pair not in not_taken]

        profile = _profile_for(customer, ref, actor)
        removed = []
        for type_, value in to_remove:
            deleted, _ = Identifier.objects.filter(
                profile=profile, type=type_, value=value
            ).delete()
            if deleted:
                removed.append((type_, value))
            else:
                warnings.add(Code.NO_VALID_IDENTIFIER_CHANGE)

        if survivor is not None:
            _merge_locked(
                victim=customer,
                survivor=survivor,
                actor=actor,
                reason="changeIdentifier: identifier held in another source",
                warnings=warnings,
            )
            warnings.add(
                Code.MERGED_WITH_OTHER_SOURCE,
                codes.get(Code.MERGED_WITH_OTHER_SOURCE).message.format(survivor.pk),
            )
            customer = survivor
            profile = SourceProfile.objects.get(pk=profile.pk)  # now the survivor's
        _create_identifiers(profile, new, ref)
        _channels_follow(customer_id=customer.pk, removed=removed, added=new)
        customer.modified_at = timezone.now()
        for name, value in modified_by(actor).items():
            setattr(customer, name, value)
        customer.save()
    return IdentifierChangeResult(customer, warnings, survivor)


@atomic_with_retry
def customer_identifier_reallocate(
    *,
    type_: str,
    value: str,
    from_customer_id: int,
    to_customer_id: int,
    source: str | None,
    account_id: str | None,
    actor: Actor,
) -> Customer:
    """Move an identifier (a mobile given up by one person and now another's) from one
    customer to another's profile of `source`/`account_id`, in one transaction (I1: it has
    one holder before and after). It leaves every profile of the former holder, and its
    channels follow it (I3): the former holder's channels of that value move to the
    receiving profile, unverified, primary only if the receiver has no other primary of
    that type. The former holder not holding it: 9012; the receiver a merge victim: 8067;
    either customer fraud-marked: 618."""
    ref = write_source(source, account_id)
    pair = (type_, value)
    with audit_context(actor, operation="customer_identifier_reallocate"):
        identifier_values_lock([pair])
        locked = customers_lock(customer_ids=[from_customer_id, to_customer_id])
        if from_customer_id not in locked or to_customer_id not in locked:
            raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
        holder, receiver = locked[from_customer_id], locked[to_customer_id]
        if receiver.merged_into_id:
            raise _merged_victim(receiver)
        if holder.is_fraud or receiver.is_fraud:
            raise DomainError(Code.TRANSACTION_CUSTOMER_FRAUD)
        held = Identifier.objects.filter(customer=holder, type=type_, value=value)
        if not held.exists():
            raise DomainError(Code.OLD_VALUE_NOT_THE_CUSTOMERS)
        held.delete()
        profile = _profile_for(receiver, ref, actor)
        owners = _owners([pair])
        if any(o.customer_id != receiver.pk for o in owners):
            raise DomainError(
                Code.UPDATE_CUSTOMER_EXISTS_IN_SOURCE
            )  # not expected: the value is locked and was the holder's
        if not owners:
            _create_identifiers(profile, [pair], ref)
        channel_type = _CHANNEL_OF_IDENTIFIER.get(type_)
        if channel_type is not None:
            moving = CommChannel.objects.filter(customer=holder, type=channel_type, value=value)
            if (
                CommChannel.objects.filter(customer=receiver, type=channel_type, primary=True)
                .exclude(value=value)
                .exists()
            ):
                moving.update(primary=False)  # the receiver's own primary stays
            moving.update(profile=profile, customer=receiver, verified=False)
        now = timezone.now()
        for customer in (holder, receiver):
            customer.modified_at = now
            for name, attribution in modified_by(actor).items():
                setattr(customer, name, attribution)
            customer.save()
    return receiver


def _demote_victim_primaries(victim: Customer, survivor: Customer) -> None:
    """I3 on a merge: the survivor's primary channels stay primary; the victim's primary
    channels of a type the survivor has a primary of, with another value, no longer are."""
    survivor_primary = CommChannel.objects.filter(
        customer=survivor, primary=True, type=OuterRef("type")
    ).exclude(value=OuterRef("value"))
    CommChannel.objects.filter(customer=victim, primary=True).filter(
        Exists(survivor_primary)
    ).update(primary=False)


def _merge_locked(
    *, victim: Customer, survivor: Customer, actor: Actor, reason: str, warnings: Warnings
) -> CustomerMerge:
    """Move everything of `victim` to `survivor`; both rows are locked by the caller.

    I2: afterwards the victim holds nothing (profiles, identifiers and channels here, the
    other apps' rows through `registry.merge_steps`); the database refuses to mark it
    merged otherwise (`customer_victim_holds_nothing` and the other apps' triggers)."""
    if victim.pk == survivor.pk:
        raise DomainError(Code.MERGE_WITH_ITSELF)
    if victim.merged_into_id:
        raise DomainError(Code.VICTIM_ALREADY_MERGED)
    if survivor.merged_into_id:
        raise DomainError(Code.SURVIVOR_IS_VICTIM)
    if victim.is_fraud or survivor.is_fraud:
        raise DomainError(Code.TRANSACTION_CUSTOMER_FRAUD)
    now = timezone.now()
    with audit_context(
        actor, operation="customer_merge", merge_victim=victim.pk, merge_survivor=survivor.pk
    ):
        _demote_victim_primaries(victim, survivor)
        survivor_profiles = {
            (p.source, p.account_id): p for p in SourceProfile.objects.filter(customer=survivor)
        }
        for profile in SourceProfile.objects.filter(customer=victim).order_by("pk"):
            target = survivor_profiles.get((profile.source, profile.account_id))
            if target is None:
                profile.customer = survivor
                profile.save(update_fields=["customer"])
                continue
            # The survivor already has this source: its profile takes the victim's
            # identifiers (unique within the source, so they cannot collide) and channels.
            Identifier.objects.filter(profile=profile).update(profile=target)
            CommChannel.objects.filter(profile=profile).update(profile=target)
            target.custom_fields = {**profile.custom_fields, **target.custom_fields}
            target.first_name = target.first_name or profile.first_name
            target.last_name = target.last_name or profile.last_name
            target.save(update_fields=["custom_fields", "first_name", "last_name"])
            profile.delete()
        Identifier.objects.filter(customer=victim).update(customer=survivor)
        CommChannel.objects.filter(customer=victim).update(customer=survivor)
        survivor.extended_fields = {**victim.extended_fields, **survivor.extended_fields}
        if victim.loyalty_type == LoyaltyType.LOYALTY:
            survivor.loyalty_type = LoyaltyType.LOYALTY
        survivor.modified_at = now
        for name, value in modified_by(actor).items():
            setattr(survivor, name, value)
        survivor.save()
        for _name, step in registry.merge_steps:
            step(victim=victim, survivor=survivor, actor=actor, warnings=warnings)
        # Earlier victims of the victim now point at the survivor: one hop for readers.
        Customer.objects.filter(merged_into=victim).update(merged_into=survivor)
        victim.merged_into = survivor
        victim.merged_at = now
        victim.modified_at = now
        for name, value in modified_by(actor).items():
            setattr(victim, name, value)
        victim.save()
        by_till, by_user = actor_columns(actor)
        return CustomerMerge.objects.create(
            victim=victim,
            survivor=survivor,
            reason=reason[:200],
            merged_at=now,
            merged_by_till=by_till,
            merged_by_user=by_user,
        )


@atomic_with_retry
def customer_merge(
    *,
    victim_id: int,
    survivor_id: int,
    actor: Actor,
    reason: str = "",
    warnings: Warnings | None = None,
) -> CustomerMerge:
    """Merge `victim` into `survivor`: profiles, identifiers, channels and every other
    app's rows (registry.merge_steps) move, the victim keeps `merged_into`. Same customer
    9029, victim already merged 9027, survivor merged 9023, fraud 618, missing 816."""
    if warnings is None:
        warnings = Warnings()
    locked = customers_lock(customer_ids=[victim_id, survivor_id])
    if victim_id not in locked or survivor_id not in locked:
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
    return _merge_locked(
        victim=locked[victim_id],
        survivor=locked[survivor_id],
        actor=actor,
        reason=reason,
        warnings=warnings,
    )


def status_from_label(label: Any) -> str:
    """ "Fraud Marked", "fraud_marked", "FRAUD-MARKED" -> FRAUD_MARKED; unknown 8086."""
    text = as_text(label).upper().replace(" ", "_").replace("-", "_")
    if text not in CustomerStatus.values:
        raise DomainError(Code.STATUS_LABEL_INVALID)
    return text


@atomic_with_retry
def customer_set_status(
    *, customer_id: int | str, label: Any, reason: str, actor: Actor
) -> Customer:
    """Change the status (label) with a reason, recorded in the status history.

    Tills may not change a fraud-marked customer's status (618); staff users with the
    change permission (checked by the caller) may lift it. I2: a merge victim's status is
    not changed (8067 naming the survivor): a status is a decision about one account,
    which the caller makes about the survivor knowingly.
    """
    new_status = status_from_label(label)
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND) from None
    with audit_context(actor, operation="customer_set_status"):
        customer = customer_lock(customer_id=pk)
        if customer.merged_into_id:
            raise _merged_victim(customer)
        if customer.is_fraud and isinstance(actor, Till):
            raise DomainError(Code.TRANSACTION_CUSTOMER_FRAUD)
        if customer.status == new_status:
            return customer
        by_till, by_user = actor_columns(actor)
        CustomerStatusChange.objects.create(
            customer=customer,
            old_status=customer.status,
            new_status=new_status,
            label=as_text(label)[:100],
            reason=(reason or "")[:2000],
            changed_by_till=by_till,
            changed_by_user=by_user,
        )
        customer.status = new_status
        customer.modified_at = timezone.now()
        for name, value in modified_by(actor).items():
            setattr(customer, name, value)
        customer.save()
    return customer
