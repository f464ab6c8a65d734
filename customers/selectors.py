"""Read queries over customers, shared by the API and the staff console."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q

from config.codes import Code
from config.errors import DomainError, Warnings
from config.masking import mask
from config.rows import BIGINT_MAX, by_pk, columns, instances, table
from customers.models import (
    MULTI_ACCOUNT_SOURCES,
    CommChannel,
    Customer,
    Identifier,
    Source,
    SourceAccount,
    SourceProfile,
    Till,
)
from customers.normalise import (
    InvalidIdentifier,
    identifier_type,
    normalise_identifier,
    search_prefix,
)
from customers.registry import DetailColumn, detail_embeds, detail_parts

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
        raise DomainError(Code.ACCOUNT_ID_MISSING)
    account = SourceAccount.objects.filter(
        source=name, account_id=account_code, is_active=True
    ).first()
    if account is None:
        raise DomainError(unknown_account_code)
    return SourceRef(name, account)


def _customer_pk(customer_id: int | str) -> int:
    """A user id as the primary key, or 816: an id beyond bigint would be compared as
    numeric, which no index serves (a scan of every customer for a 404)."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND) from None
    if not 0 < pk <= BIGINT_MAX:
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
    return pk


def customer_get(*, customer_id: int | str) -> Customer:
    """The customer with this user id, or 816 (not found) in the envelope."""
    pk = _customer_pk(customer_id)
    customer = by_pk(Customer, pk)  # on every call's path: no ORM query building
    if customer is None:
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
    return customer


# Survivor chains are one hop (a merge re-points the victim's own victims at the new
# survivor); more hops are followed only while a concurrent merge is committing.
MAX_MERGE_HOPS = 10


def customer_resolve(*, customer_id: int | str, warnings: Warnings, read: bool = True) -> Customer:
    """I2: the live customer an id addresses, unlocked (for reads and for writes that lock
    through `customers_lock` afterwards). A merge victim's id addresses its survivor, with
    warning 8069 ("Merged customer found"), and 91009 as well on reads (`read`), as the
    details endpoints have always answered. Unknown id: 816."""
    customer = customer_get(customer_id=customer_id)
    for _ in range(MAX_MERGE_HOPS):
        if customer.merged_into_id is None:
            return customer
        warnings.add(Code.MERGED_CUSTOMER)
        if read:
            warnings.add(Code.SURVIVOR_FOR_VICTIM)
        customer = customer_get(customer_id=customer.merged_into_id)
    raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)


# The customers asked for, or for a victim its survivor, locked in primary-key order; `asked`
# says which id each row answers. Victims' rows are not locked (they never change again).
_LOCK_SQL = (
    f"SELECT {columns(Customer, 'c')}, a.id FROM {table(Customer)} a "
    f"JOIN {table(Customer)} c ON c.id = CASE WHEN %s THEN coalesce(a.merged_into_id, a.id) "
    "ELSE a.id END WHERE a.id = ANY(%s) ORDER BY c.id FOR UPDATE OF c"
)


def customers_lock(
    *,
    customer_ids: Iterable[int],
    follow_merges: bool = False,
    warnings: Warnings | None = None,
) -> dict[int, Customer]:
    """I5: the one way a service locks customers: `SELECT ... FOR UPDATE` (which also holds
    off inserts of rows referencing them, whose foreign-key checks take KEY SHARE), in
    primary-key order, so two services locking the same customers never deadlock.

    Returns {asked id: locked customer}; unknown ids are left out (the caller answers 816 or
    its own code). With `follow_merges` a merge victim's id maps to its survivor, which is
    locked instead (warning 8069 into `warnings`): the I2 redirection of writes. A survivor
    merged by a concurrent transaction while we waited for its lock is followed in turn.
    Locks are taken before any other aggregate's (enrollments, requests), after the advisory
    locks on identifier values (`customers.services.identifier_values_lock`)."""
    # Ids beyond bigint are no customer (and would be compared as numeric, by a scan).
    asked = sorted({int(pk) for pk in customer_ids if 0 < int(pk) <= BIGINT_MAX})
    if not asked:
        return {}
    # Any: the rows carry `d_asked` (an `extra` column) besides the model's fields.
    rows: list[Any] = instances(Customer, _LOCK_SQL, [follow_merges, asked], extra=("d_asked",))
    locked = {row.pk: row for row in rows}
    target = {row.d_asked: row.pk for row in rows}
    for _ in range(MAX_MERGE_HOPS):
        moved = {
            pk: into
            for pk, to in target.items()
            if follow_merges and (into := locked[to].merged_into_id) is not None
        }
        if not moved:
            break
        # Rare (a merge committed while we waited): these are locked after the others.
        wanted = sorted(set(moved.values()) - locked.keys())
        locked.update(
            (row.pk, row)
            for row in instances(Customer, _LOCK_SQL, [False, wanted], extra=("d_asked",))
        )
        target.update(moved)
    found = {}
    for pk, to in target.items():
        if to not in locked:
            continue
        if to != pk and warnings is not None:
            warnings.add(Code.MERGED_CUSTOMER)
        found[pk] = locked[to]
    return found


def identifier_values_lock(identifiers: Iterable[tuple[str, str]]) -> None:
    """I5: serialise the writers of the same identifier values (transaction-level advisory
    locks, one per `type:value`, in sorted order so two writers never deadlock). Taken
    first, before any row lock: registration, changeIdentifier, reallocation, erasure and
    the approval of an identifier change all take them, so two of them on one value see
    each other's result (one customer, never two holders); the constraints stay the last
    line of defence."""
    keys = sorted({f"{type_}:{value}" for type_, value in identifiers})
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
            "FROM (SELECT unnest(%s::text[]) AS k ORDER BY 1) AS keys",
            [keys],
        )


def customer_lock(
    *, customer_id: int, follow_merges: bool = False, warnings: Warnings | None = None
) -> Customer:
    """One customer locked as `customers_lock` does; 816 when unknown."""
    found = customers_lock(
        customer_ids=[customer_id], follow_merges=follow_merges, warnings=warnings
    ).get(int(customer_id))
    if found is None:
        raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
    return found


def ensure_writable(customer: Customer) -> None:
    """Fraud-marked customers accept no writes (618)."""
    if customer.is_fraud:
        raise DomainError(Code.TRANSACTION_CUSTOMER_FRAUD)


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
        missing_code=Code.LOOKUP_SOURCE_MISSING,
        unknown_account_code=Code.SOURCE_ACCOUNT_INVALID,
        allow_all=True,
    )
    type_ = identifier_type(identifier_name)
    if type_ is None:
        raise DomainError(Code.IDENTIFIER_INVALID)
    try:
        value = normalise_identifier(type_, identifier_value)
    except InvalidIdentifier:
        raise DomainError(Code.IDENTIFIER_INVALID) from None
    params: list[Any]
    if ref.is_all:
        sql, params = _lookup_sql("all"), [type_, value]
    elif ref.account is None:
        sql, params = _lookup_sql("source"), [type_, value, ref.source]
    else:
        sql, params = _lookup_sql("account"), [type_, value, ref.source, ref.account.pk]
    found = instances(Customer, sql, params)
    if not found:
        raise DomainError(Code.CUSTOMER_NOT_FOUND if ref.is_all else Code.NOT_FOUND_IN_SOURCE)
    return found[0]


@functools.cache
def _lookup_sql(scope: str) -> str:
    """The holder of (type, value) in every source, a single-account source, or an account:
    an index probe of `identifier_type_value` (or the unique constraint). Hand-written: the
    hot path of a checkout, and the ORM's building of it cost twice its execution.
    Identifiers move to the survivor on a merge, so the holder is never a victim."""
    condition = {
        "all": "",
        "source": " AND i.source = %s AND i.account_id IS NULL",
        "account": " AND i.source = %s AND i.account_id = %s",
    }[scope]
    return (
        f"SELECT {columns(Customer, 'c')} FROM {table(Customer)} c WHERE c.id IN ("
        f"SELECT i.customer_id FROM {table(Identifier)} i WHERE i.type = %s AND i.value = %s"
        f"{condition}) ORDER BY c.id LIMIT 1"
    )


# --- Search ---------------------------------------------------------------------------


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# One round trip: the matching customer ids (each union branch is an index-only scan of
# profile_first_name_prefix, profile_last_name_prefix or identifier_value_prefix), the
# total, and for the page only, each customer's profiles and matching identifiers as JSON.
# Hand-written for the same reason as `_details_sql`: the ORM version of the last two
# (two querysets with their joins) cost more CPU to build than the whole query runs.
# The matches are kept (MATERIALIZED) and counted apart from the page, rather than by a
# `count(*) OVER ()` window that sorts them all with their counts; accounts are looked up
# by primary key rather than hash-joined once per customer of the page.
_SEARCH_SQL = """
WITH matched AS MATERIALIZED (
    SELECT customer_id FROM customers_sourceprofile
     WHERE lower(first_name) LIKE %(pattern)s
    UNION
    SELECT customer_id FROM customers_sourceprofile
     WHERE lower(last_name) LIKE %(pattern)s
    UNION
    SELECT customer_id FROM customers_identifier
     WHERE lower(value) LIKE %(pattern)s
),
page AS (
    SELECT customer_id FROM matched
     ORDER BY customer_id DESC
     LIMIT %(limit)s OFFSET %(offset)s
)
SELECT page.customer_id, (SELECT count(*) FROM matched),
       (SELECT coalesce(json_agg(json_build_object(
                   'source', p.source,
                   'accountId', coalesce((SELECT a.account_id FROM customers_sourceaccount a
                                           WHERE a.id = p.account_id), ''),
                   'firstName', p.first_name, 'lastName', p.last_name) ORDER BY p.id), '[]')
          FROM customers_sourceprofile p
         WHERE p.customer_id = page.customer_id),
       (SELECT coalesce(json_agg(json_build_object(
                   'idType', i.type, 'idValue', i.value, 'source', i.source,
                   'accountId', coalesce((SELECT a.account_id FROM customers_sourceaccount a
                                           WHERE a.id = i.account_id), '')) ORDER BY i.id), '[]')
          FROM customers_identifier i
         WHERE i.customer_id = page.customer_id AND lower(i.value) LIKE %(pattern)s)
  FROM page
 ORDER BY page.customer_id DESC
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

    One query whatever the number of results (`_SEARCH_SQL`); a second one counts when
    the offset is past the last match.
    """
    prefix = search_prefix(q or "")
    if not prefix:
        raise DomainError(Code.BAD_REQUEST, "q is required")
    params: dict[str, Any] = {"pattern": _like_prefix(prefix), "limit": limit, "offset": offset}
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

    results = []
    for customer_id, _total, profiles, identifiers in rows:
        matched = [
            {
                "idType": id_type,
                "idValue": profile[id_type],
                "source": profile["source"],
                "accountId": profile["accountId"],
            }
            for profile in profiles
            for id_type in ("firstName", "lastName")
            if profile[id_type].lower().startswith(prefix)
        ]
        for identifier in identifiers:
            if mask_pii:
                identifier["idValue"] = mask(identifier["idType"], identifier["idValue"])
            matched.append(identifier)
        results.append({"userId": customer_id, "matchedIdentifiers": matched, "profiles": profiles})
    return results, total


# --- Details --------------------------------------------------------------------------


def _principal(till: list | None, user: list | None, *, full: bool) -> dict:
    """`createdBy` / `modifiedBy`: the till `[code, name]`, else the staff user
    `[username, first name, last name]`, else nobody."""
    if till is not None:
        code, name = till
        body = {"code": code, "name": name or code}
        if full:
            body.update(description="", type="TILL")
        return body
    if user is not None:
        username, first_name, last_name = user
        body = {"code": username, "name": f"{first_name} {last_name}".strip() or username}
        if full:
            body.update(description="", type="ADMIN_USER")
        return body
    body = {"code": "", "name": ""}
    if full:
        body.update(description="", type="")
    return body


def _attribution(row: dict, prefix: str, *, full: bool) -> dict[str, Any]:
    return {
        "createDate": _seconds(row[f"{prefix}created_at"]),
        "createdBy": _principal(*row[f"{prefix}created_by"], full=full),
        "modifiedBy": _principal(*row[f"{prefix}modified_by"], full=full),
        "modifiedDate": _seconds(row[f"{prefix}modified_at"]),
    }


def _seconds(moment: datetime) -> str:
    """The seed's timestamps: `2016-06-23T19:11:18+08:00`, to the second."""
    return moment.isoformat(timespec="seconds")


def deep_merge(body: dict, fragment: dict) -> dict:
    """Merge an embed's fragment into a details body; nested objects are merged too."""
    for key, value in fragment.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            deep_merge(body[key], value)
        else:
            body[key] = value
    return body


@functools.cache
def _details_sql(*, by_source: bool, by_account: bool, parts: tuple[str, ...]) -> str:
    """Customers with their attribution and their profiles (one row per profile, or one
    row with no profile), the profiles' identifiers and channels aggregated as JSON, then
    the other apps' parts (`DetailColumn.sql` of each, evaluated once per customer).

    Hand-written because it is the hot path of `GET /v2/customers/{id}`: the ORM version
    (five models, eight attribution joins, two prefetches) cost 3 ms of CPU per call to
    compile and build, this 0.2 ms (measured in-process on the demo data); and one query
    rather than one per part, each round trip costing more than its subquery here.
    """
    q = connection.ops.quote_name
    customer, profile = q(Customer._meta.db_table), q(SourceProfile._meta.db_table)
    identifier, channel = q(Identifier._meta.db_table), q(CommChannel._meta.db_table)
    account, till = q(SourceAccount._meta.db_table), q(Till._meta.db_table)
    user = q(get_user_model()._meta.db_table)

    username = q(get_user_model().USERNAME_FIELD)

    def principal(row: str, column: str) -> str:
        # Scalar subqueries, not joins: eight more joined tables cost PostgreSQL 1.7 ms
        # of planning per call (measured with EXPLAIN at 1M customers), these 0.1 ms.
        return (
            f"(SELECT json_build_array(t.code, t.name) FROM {till} t "
            f"WHERE t.id = {row}.{column}_till_id), "
            f"(SELECT json_build_array(u.{username}, u.first_name, u.last_name) FROM {user} u "
            f"WHERE u.id = {row}.{column}_user_id)"
        )

    profile_filter = (" AND p.source = %(source)s" if by_source else "") + (
        " AND p.account_id = %(account)s" if by_account else ""
    )
    part_columns = "".join(f", x.part{index}" for index in range(len(parts)))
    # LATERAL: each part once per customer, not once per profile row.
    part_subqueries = ", ".join(
        f"({sql.replace('{customer}', 'c.id')}) AS part{index}" for index, sql in enumerate(parts)
    )
    lateral = f"CROSS JOIN LATERAL (SELECT {part_subqueries}) x" if parts else ""
    return f"""
        SELECT {columns(Customer, "c")},
               {principal("c", "created_by")}, {principal("c", "modified_by")},
               (SELECT json_build_array(t.code, t.name) FROM {till} t
                 WHERE t.id = c.associated_with_id),
               p.id, p.source, a.account_id, p.first_name, p.last_name, p.custom_fields::json,
               p.auto_update_time, p.created_at, p.modified_at,
               {principal("p", "created_by")}, {principal("p", "modified_by")},
               (SELECT coalesce(json_agg(json_build_object('type', i.type, 'value', i.value)
                                         ORDER BY i.id), '[]')
                  FROM {identifier} i WHERE i.profile_id = p.id),
               (SELECT coalesce(json_agg(json_build_object(
                           'type', ch.type, 'value', ch.value, 'primary', ch."primary",
                           'verified', ch.verified, 'meta', ch.meta) ORDER BY ch.id), '[]')
                  FROM {channel} ch WHERE ch.profile_id = p.id){part_columns}
          FROM {customer} c
          {lateral}
          LEFT JOIN {profile} p ON p.customer_id = c.id{profile_filter}
          LEFT JOIN {account} a ON a.id = p.account_id
         WHERE c.id = ANY(%(ids)s)
         ORDER BY c.id, p.id
    """


# The columns after the customer's, as attributes of the instances (`d_` keeps them apart
# from the model's own fields).
_DETAIL_EXTRA = tuple(
    f"d_{name}"
    for name in (
        *("created_by_till", "created_by_user", "modified_by_till", "modified_by_user"),
        "associated_till",
        *("profile_id", "source", "account_code", "first_name", "last_name", "custom_fields"),
        *("auto_update_time", "p_created_at", "p_modified_at"),
        *("p_created_by_till", "p_created_by_user", "p_modified_by_till", "p_modified_by_user"),
        *("identifiers", "comm_channels"),
    )
)


def _detail_parts(embed: list[str] | tuple[str, ...]) -> list[DetailColumn]:
    """The parts of every body, then those of the embeds asked for (unknown names ignored)."""
    parts = [part for _, part in detail_parts]
    parts += [part for name in embed if (part := detail_embeds.get(name))]
    return parts


def _detail_rows(
    customer_ids: list[int], source: SourceRef, parts: list[DetailColumn]
) -> dict[int, dict[str, Any]]:
    """Per customer id: the customer, its attribution, its profiles (of `source`), and the
    loaded value of each part's column."""
    # column -> (sql, load), the first part naming a column gives them
    loads: dict[str, tuple[str, Callable[[Any], Any]]] = {}
    for part in parts:
        loads.setdefault(part.column, (part.sql, part.load))
    sql = _details_sql(
        by_source=not source.is_all,
        by_account=source.account is not None,
        parts=tuple(sql for sql, _ in loads.values()),
    )
    params = {
        "ids": customer_ids,
        "source": source.source,
        "account": source.account.pk if source.account else None,
    }
    extra = _DETAIL_EXTRA + tuple(f"d_part{index}" for index in range(len(loads)))
    rows: dict[int, dict[str, Any]] = {}
    found: list[Any] = instances(Customer, sql, params, extra=extra)  # with the d_* columns
    for r in found:
        entry = rows.get(r.pk)
        if entry is None:
            entry = rows[r.pk] = {
                "customer": r,
                # "Registered date, registered at TILL" (the seed): the registration's
                # `attributionV2.createDate` and `associatedWith` till, when it gave them.
                "created_at": r.registered_at,
                "modified_at": r.modified_at,
                "created_by": (
                    (r.d_associated_till, None)
                    if r.d_associated_till is not None
                    else (r.d_created_by_till, r.d_created_by_user)
                ),
                "modified_by": (r.d_modified_by_till, r.d_modified_by_user),
                "profiles": [],
                "columns": {
                    column: load(getattr(r, f"d_part{index}"))
                    for index, (column, (_, load)) in enumerate(loads.items())
                },
            }
        if r.d_profile_id is None:  # no profile (of this source)
            continue
        entry["profiles"].append(
            {
                "source": r.d_source,
                "account_id": r.d_account_code or "",
                "first_name": r.d_first_name,
                "last_name": r.d_last_name,
                "custom_fields": r.d_custom_fields or {},
                "auto_update_time": r.d_auto_update_time,
                "p_created_at": r.d_p_created_at,
                "p_modified_at": r.d_p_modified_at,
                "p_created_by": (r.d_p_created_by_till, r.d_p_created_by_user),
                "p_modified_by": (r.d_p_modified_by_till, r.d_p_modified_by_user),
                "identifiers": r.d_identifiers,
                "comm_channels": r.d_comm_channels,
            }
        )
    return rows


def customer_get_details(
    *,
    customers: list[Customer],
    source: SourceRef,
    embed: list[str] | tuple[str, ...] = (),
    mask_pii: bool = False,
) -> dict[int, dict[str, Any]]:
    """The details bodies (the seed's shape) of these customers, keyed by id.

    One query whatever the number of customers, profiles and embeds (`_details_sql`, with
    the columns of `registry.detail_parts` and of the `registry.detail_embeds` asked for).
    An unknown embed name is ignored. Merge victims are not followed here; the caller
    decides.
    """
    parts = _detail_parts(embed)
    rows = _detail_rows([customer.pk for customer in customers], source, parts)
    return _detail_bodies(customers, rows, parts, mask_pii)


def customer_details_get(
    *,
    customer_id: int | str,
    source: SourceRef,
    warnings: Warnings,
    embed: list[str] | tuple[str, ...] = (),
    mask_pii: bool = False,
) -> dict[str, Any]:
    """The details body of one customer by id: the customer is read by the details query
    itself (no `customer_get` before it). 816 when unknown; a merge victim answers its
    survivor's body with warnings 8069 and 91009 (I2, as `customer_resolve` does)."""
    pk = _customer_pk(customer_id)
    parts = _detail_parts(embed)
    rows = _detail_rows([pk], source, parts)
    for _ in range(MAX_MERGE_HOPS):
        if pk not in rows:
            raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)
        customer = rows[pk]["customer"]
        if customer.merged_into_id is None:
            return _detail_bodies([customer], rows, parts, mask_pii)[pk]
        warnings.add(Code.MERGED_CUSTOMER)
        warnings.add(Code.SURVIVOR_FOR_VICTIM)
        pk = customer.merged_into_id
        rows = _detail_rows([pk], source, parts)
    raise DomainError(Code.POINTS_CUSTOMER_NOT_FOUND)


def _detail_bodies(
    customers: list[Customer],
    rows: dict[int, dict[str, Any]],
    parts: list[DetailColumn],
    mask_pii: bool,
) -> dict[int, dict[str, Any]]:
    def shown(kind: str, value: str) -> str:
        return mask(kind, value) if mask_pii else value

    bodies: dict[int, dict[str, Any]] = {}
    for customer in customers:
        row = rows[customer.pk]
        body = bodies[customer.pk] = {
            "id": customer.pk,
            "profiles": [
                {
                    "firstName": profile["first_name"],
                    "lastName": profile["last_name"],
                    "attribution": _attribution(profile, "p_", full=True),
                    "fields": dict(profile["custom_fields"]),
                    "identifiers": [
                        {"type": i["type"], "value": shown(i["type"], i["value"])}
                        for i in profile["identifiers"]
                    ],
                    "commChannels": [
                        {
                            "type": c["type"],
                            "value": shown(c["type"], c["value"]),
                            "primary": c["primary"],
                            "verified": c["verified"],
                            "meta": dict(c["meta"] or {}),
                        }
                        for c in profile["comm_channels"]
                    ],
                    "source": profile["source"],
                    "accountId": profile["account_id"],
                    "userId": customer.pk,
                    "conflictingProfileList": [],
                    "autoUpdateTime": _seconds(profile["auto_update_time"]),
                }
                for profile in row["profiles"]
            ],
            "loyaltyInfo": {
                "loyaltyType": customer.loyalty_type,
                "attributionV2": _attribution(row, "", full=False),
            },
            "status": {"label": customer.status},
            "segments": {},
            "extendedFields": dict(customer.extended_fields),
            "warnings": [],
        }
        for part in parts:
            fragment = part.build(row["columns"][part.column], customer=customer)
            if fragment:
                deep_merge(body, fragment)
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
    from customers.models import (  # type: ignore[attr-defined]  # made by pghistory
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
