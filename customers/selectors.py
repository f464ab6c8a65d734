"""Read queries over customers, shared by the API and the staff console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower

from config.errors import DomainError
from customers.models import (
    MULTI_ACCOUNT_SOURCES,
    CommChannel,
    Customer,
    Identifier,
    Source,
    SourceAccount,
    SourceProfile,
)
from customers.normalise import (
    InvalidIdentifier,
    identifier_type,
    mask,
    normalise_identifier,
    search_prefix,
)
from customers.registry import detail_embeds

ALL_SOURCES = "ALL"


@dataclass(frozen=True)
class SourceRef:
    """A resolved `source=` / `accountId=` pair; `source` is "ALL" for every source."""

    source: str
    account: SourceAccount | None = None

    @property
    def is_all(self) -> bool:
        return self.source == ALL_SOURCES

    @property
    def account_code(self) -> str:
        return self.account.account_id if self.account else ""


def source_resolve(
    *,
    source: str | None,
    account_id: str | None,
    missing_code: int,
    unknown_account_code: int,
    allow_all: bool = False,
    invalid_source_code: int = 8003,
) -> SourceRef:
    """Validate `source` and `accountId` query parameters.

    Missing source: `missing_code` (8004 on writes, 8001 on lookups); unknown source:
    `invalid_source_code` (8003; 8012 on fetching details, as the seed's table there says);
    a multi-account source without an account: 8045; an account not configured for the
    source: `unknown_account_code` (8127 on writes, 8011 on reads). An `accountId` given
    for a single-account source is ignored.
    """
    name = (source or "").strip().upper()
    if not name:
        raise DomainError(missing_code)
    if allow_all and name == ALL_SOURCES:
        return SourceRef(ALL_SOURCES)
    if name not in Source.values:
        raise DomainError(invalid_source_code)
    if name not in MULTI_ACCOUNT_SOURCES:
        return SourceRef(name)
    account_code = (account_id or "").strip()
    if not account_code:
        raise DomainError(8045)
    account = SourceAccount.objects.filter(
        source=name, account_id=account_code, is_active=True
    ).first()
    if account is None:
        raise DomainError(unknown_account_code)
    return SourceRef(name, account)


def customer_get(*, customer_id: int | str) -> Customer:
    """The customer with this user id, or 816 (not found) in the envelope."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        raise DomainError(816) from None
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        raise DomainError(816)
    return customer


def customer_lock(*, customer_id: int) -> Customer:
    """Lock one customer row for a write (inside a transaction); 816 when missing."""
    customer = Customer.objects.select_for_update(of=("self",)).filter(pk=customer_id).first()
    if customer is None:
        raise DomainError(816)
    return customer


def customers_lock(*, customer_ids: list[int]) -> list[Customer]:
    """Lock several customers in primary-key order so two writers never deadlock."""
    return list(
        Customer.objects.select_for_update(of=("self",)).filter(pk__in=customer_ids).order_by("pk")
    )


def ensure_writable(customer: Customer) -> None:
    """Fraud-marked customers accept no writes (618)."""
    if customer.is_fraud:
        raise DomainError(618)


# --- Lookup ---------------------------------------------------------------------------


def customer_lookup(
    *,
    source: str | None,
    account_id: str | None,
    identifier_name: str | None,
    identifier_value: Any,
) -> Customer:
    """The customer holding an identifier in a source (or `ALL` sources): one index probe.

    No source 8001, unknown source 8003, no account for a multi-account source 8045,
    unknown account 8011, unknown identifier type or invalid value 8013, nothing found in
    the source 8065 (8015 with `source=ALL`).
    """
    ref = source_resolve(
        source=source,
        account_id=account_id,
        missing_code=8001,
        unknown_account_code=8011,
        allow_all=True,
    )
    type_ = identifier_type(identifier_name)
    if type_ is None:
        raise DomainError(8013)
    try:
        value = normalise_identifier(type_, identifier_value)
    except InvalidIdentifier:
        raise DomainError(8013) from None
    identifiers = Identifier.objects.filter(type=type_, value=value)
    if not ref.is_all:
        identifiers = identifiers.filter(source=ref.source, account=ref.account)
    # Identifiers move to the survivor on a merge, so the holder is never a victim.
    customer = (
        Customer.objects.filter(pk__in=identifiers.values("customer_id")).order_by("pk").first()
    )
    if customer is None:
        raise DomainError(8015 if ref.is_all else 8065)
    return customer


# --- Search ---------------------------------------------------------------------------


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# Each branch is answered by one of the prefix indexes (profile_first_name_prefix,
# profile_last_name_prefix, identifier_value_prefix); the total counts matching rows only.
_SEARCH_SQL = """
WITH matched AS (
    SELECT customer_id FROM customers_sourceprofile
     WHERE lower(first_name) LIKE %(pattern)s
    UNION
    SELECT customer_id FROM customers_sourceprofile
     WHERE lower(last_name) LIKE %(pattern)s
    UNION
    SELECT customer_id FROM customers_identifier
     WHERE lower(value) LIKE %(pattern)s
)
SELECT customer_id, count(*) OVER () AS total
  FROM matched
 ORDER BY customer_id DESC
 LIMIT %(limit)s OFFSET %(offset)s
"""

_SEARCH_COUNT_SQL = """
SELECT count(*) FROM (
    SELECT customer_id FROM customers_sourceprofile WHERE lower(first_name) LIKE %(pattern)s
    UNION
    SELECT customer_id FROM customers_sourceprofile WHERE lower(last_name) LIKE %(pattern)s
    UNION
    SELECT customer_id FROM customers_identifier WHERE lower(value) LIKE %(pattern)s
) AS matched
"""


def customer_search(
    *, q: str, limit: int, offset: int, mask_pii: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """Customers whose first name, last name or any identifier value starts with `q`
    (case-insensitive, every source), newest first, as `(rows, total)`.

    Three queries whatever the number of results: matching ids with the total, their
    profiles, their matching identifiers.
    """
    prefix = search_prefix(q or "")
    if not prefix:
        raise DomainError(400, "q is required")
    params = {"pattern": _like_prefix(prefix), "limit": limit, "offset": offset}
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_SQL, params)
        rows = cursor.fetchall()
        if rows:
            total = rows[0][1]
        elif offset:
            cursor.execute(_SEARCH_COUNT_SQL, params)
            total = cursor.fetchone()[0]
        else:
            total = 0
    customer_ids = [row[0] for row in rows]
    if not customer_ids:
        return [], total
    profiles: dict[int, list[SourceProfile]] = {pk: [] for pk in customer_ids}
    for profile in (
        SourceProfile.objects.filter(customer_id__in=customer_ids)
        .select_related("account")
        .order_by("pk")
    ):
        profiles[profile.customer_id].append(profile)
    identifiers: dict[int, list[Identifier]] = {pk: [] for pk in customer_ids}
    for identifier in (
        Identifier.objects.filter(customer_id__in=customer_ids)
        .annotate(value_lower=Lower("value"))
        .filter(value_lower__startswith=prefix)
        .select_related("account")
        .order_by("pk")
    ):
        identifiers[identifier.customer_id].append(identifier)

    results = []
    for pk in customer_ids:
        matched = []
        for profile in profiles[pk]:
            account = profile.account.account_id if profile.account else ""
            for id_type, name in (
                ("firstName", profile.first_name),
                ("lastName", profile.last_name),
            ):
                if name.lower().startswith(prefix):
                    matched.append(
                        {
                            "idType": id_type,
                            "idValue": name,
                            "source": profile.source,
                            "accountId": account,
                        }
                    )
        for identifier in identifiers[pk]:
            matched.append(
                {
                    "idType": identifier.type,
                    "idValue": mask(identifier.value) if mask_pii else identifier.value,
                    "source": identifier.source,
                    "accountId": identifier.account.account_id if identifier.account else "",
                }
            )
        results.append(
            {
                "userId": pk,
                "matchedIdentifiers": matched,
                "profiles": [
                    {
                        "source": profile.source,
                        "accountId": profile.account.account_id if profile.account else "",
                        "firstName": profile.first_name,
                        "lastName": profile.last_name,
                    }
                    for profile in profiles[pk]
                ],
            }
        )
    return results, total


# --- Details --------------------------------------------------------------------------


def _principal(till, user, *, full: bool) -> dict[str, Any]:
    if till is not None:
        body = {"code": till.code, "name": till.name or till.code}
        if full:
            body.update(description="", type="TILL")
        return body
    if user is not None:
        body = {"code": user.get_username(), "name": user.get_full_name() or user.get_username()}
        if full:
            body.update(description="", type="ADMIN_USER")
        return body
    body = {"code": "", "name": ""}
    if full:
        body.update(description="", type="")
    return body


def _attribution(row, *, full: bool) -> dict[str, Any]:
    return {
        "createDate": row.created_at.isoformat(),
        "createdBy": _principal(row.created_by_till, row.created_by_user, full=full),
        "modifiedBy": _principal(row.modified_by_till, row.modified_by_user, full=full),
        "modifiedDate": row.modified_at.isoformat(),
    }


def deep_merge(body: dict, fragment: dict) -> dict:
    """Merge an embed's fragment into a details body; nested objects are merged too."""
    for key, value in fragment.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            deep_merge(body[key], value)
        else:
            body[key] = value
    return body


_ATTRIBUTION = ("created_by_till", "created_by_user", "modified_by_till", "modified_by_user")


def customer_get_details(
    *,
    customer_ids: list[int],
    source: SourceRef,
    embed: list[str] | tuple[str, ...] = (),
    mask_pii: bool = False,
    request_context: dict | None = None,
) -> dict[int, dict[str, Any]]:
    """The details bodies (the seed's shape) of several customers, keyed by id.

    Four queries whatever the number of customers and profiles (customers, profiles,
    identifiers, channels, with attribution joined), then one call per requested embed
    (`registry.detail_embeds`) for all customers at once. An unknown embed name is ignored.
    Merge victims are not followed here; the caller decides (see the API).
    """
    customers = list(
        Customer.objects.filter(pk__in=customer_ids).select_related(*_ATTRIBUTION).order_by("pk")
    )
    profiles = SourceProfile.objects.filter(customer__in=customers).select_related(
        "account", *_ATTRIBUTION
    )
    if not source.is_all:
        profiles = profiles.filter(source=source.source)
        if source.account is not None:
            profiles = profiles.filter(account=source.account)
    profiles = profiles.prefetch_related(
        Prefetch("identifiers", queryset=Identifier.objects.order_by("pk")),
        Prefetch("comm_channels", queryset=CommChannel.objects.order_by("pk")),
    ).order_by("pk")
    by_customer: dict[int, list[SourceProfile]] = {c.pk: [] for c in customers}
    for profile in profiles:
        by_customer[profile.customer_id].append(profile)

    def shown(value: str) -> str:
        return mask(value) if mask_pii else value

    bodies: dict[int, dict[str, Any]] = {}
    for customer in customers:
        bodies[customer.pk] = {
            "id": customer.pk,
            "profiles": [
                {
                    "firstName": profile.first_name,
                    "lastName": profile.last_name,
                    "attribution": _attribution(profile, full=True),
                    "fields": dict(profile.custom_fields),
                    "identifiers": [
                        {"type": i.type, "value": shown(i.value)} for i in profile.identifiers.all()
                    ],
                    "commChannels": [
                        {
                            "type": c.type,
                            "value": shown(c.value),
                            "primary": c.primary,
                            "verified": c.verified,
                            "meta": dict(c.meta),
                        }
                        for c in profile.comm_channels.all()
                    ],
                    "source": profile.source,
                    "accountId": profile.account.account_id if profile.account else "",
                    "userId": customer.pk,
                    "conflictingProfileList": [],
                    "autoUpdateTime": profile.auto_update_time.isoformat(),
                }
                for profile in by_customer[customer.pk]
            ],
            "loyaltyInfo": {
                "loyaltyType": customer.loyalty_type,
                "attributionV2": _attribution(customer, full=False),
            },
            "status": {"label": customer.status},
            "segments": {},
            "extendedFields": dict(customer.extended_fields),
            "warnings": [],
        }
    for name in embed:
        function = detail_embeds.get(name)
        if function is None:
            continue
        fragments = function(customers=customers, request_context=request_context or {})
        for pk, fragment in (fragments or {}).items():
            if pk in bodies and fragment:
                deep_merge(bodies[pk], fragment)
    return bodies


# --- Audit trail ----------------------------------------------------------------------


def customer_audit_trail(*, customer_id: int, limit: int = 500) -> list[dict[str, Any]]:
    """History events of a customer, its profiles, identifiers and channels, newest first.

    Each event: model, label (insert/update/delete), object id, time, actor (from the
    pghistory context), the context metadata (operation, merge victim/survivor), the row
    as it was after the change, and the fields changed against the previous event of the
    same row. Rows moved away by a merge stay in the victim's trail; rows moved in appear
    in the survivor's.
    """
    from customers.models import (
        CommChannelEvent,
        CustomerEvent,
        IdentifierEvent,
        SourceProfileEvent,
    )

    sources = [
        ("customer", CustomerEvent, Q(pgh_obj_id=customer_id)),
        ("profile", SourceProfileEvent, Q(customer_id=customer_id)),
        ("identifier", IdentifierEvent, Q(customer_id=customer_id)),
        ("commChannel", CommChannelEvent, Q(customer_id=customer_id)),
    ]
    events: list[dict[str, Any]] = []
    for model_name, event_model, condition in sources:
        # Also the rows' other events (e.g. before they moved here), to diff against.
        object_ids = event_model.objects.filter(condition).values("pgh_obj_id")
        rows = (
            event_model.objects.filter(pgh_obj_id__in=object_ids)
            .select_related("pgh_context")
            .order_by("pgh_obj_id", "pgh_id")
        )
        previous: dict[int, dict] = {}
        fields = [
            f.attname for f in event_model._meta.concrete_fields if not f.attname.startswith("pgh_")
        ]
        for row in rows:
            data = {name: getattr(row, name) for name in fields}
            before = previous.get(row.pgh_obj_id)
            changes = {
                name: [before.get(name) if before else None, value]
                for name, value in data.items()
                if before is None or before.get(name) != value
            }
            previous[row.pgh_obj_id] = data
            belongs = (
                row.pgh_obj_id == customer_id
                if model_name == "customer"
                else data.get("customer_id") == customer_id
                or (before is not None and before.get("customer_id") == customer_id)
            )
            if not belongs:
                continue
            metadata = dict(row.pgh_context.metadata) if row.pgh_context else {}
            events.append(
                {
                    "model": model_name,
                    "label": row.pgh_label,
                    "objectId": row.pgh_obj_id,
                    "at": row.pgh_created_at,
                    "actor": metadata.pop("actor", None),
                    "context": metadata,
                    "data": data,
                    "changes": changes,
                }
            )
    events.sort(key=lambda e: (e["at"], e["model"], e["objectId"]), reverse=True)
    return events[:limit]
