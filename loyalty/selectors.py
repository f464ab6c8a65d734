"""Read queries of the loyalty app; each answers in a constant number of queries."""

from __future__ import annotations

import base64
import binascii
import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError
from config.rows import columns, instances, table
from customers.models import Customer, Identifier, SourceAccount, SourceProfile
from customers.normalise import InvalidIdentifier, normalise_identifier
from customers.registry import DetailColumn
from loyalty.models import (
    Coupon,
    Enrollment,
    LedgerEntry,
    LedgerKind,
    PointsTransfer,
    Program,
    Tier,
    TransactionType,
)
from loyalty.models import Transaction as Bill

_M = TypeVar("_M", bound=Model)

ZERO = Decimal("0")

_EARN = [
    LedgerKind.REGISTRATION_BONUS,
    LedgerKind.BILL_EARN,
    LedgerKind.GOODWILL,
    LedgerKind.RETRO,
    LedgerKind.TRANSFER_IN,
]

# The enrollment figures as sums over its ledger (the counterpart of
# `services.figure_deltas`): what `reconcile_ledger` and the tests compare against.
LEDGER_FIGURES = {
    "loyalty_points": Sum("points"),
    "lifetime_points": Sum(
        "points", filter=Q(kind__in=_EARN) | Q(kind=LedgerKind.MERGE, points__gt=0)
    ),
    "redeemed": -Sum("points", filter=Q(kind=LedgerKind.REDEMPTION)),
    "expired": -Sum("points", filter=Q(kind=LedgerKind.EXPIRY)),
    "returned": -Sum("points", filter=Q(kind=LedgerKind.RETURN)),
    "adjusted": Sum(
        "points",
        filter=Q(kind__in=[LedgerKind.ADJUSTMENT, LedgerKind.TRANSFER_OUT])
        | Q(kind=LedgerKind.MERGE, points__lt=0),
    ),
    "cumulative_purchases": Sum("purchase_amount"),
}


def enrollment_figures_from_ledger(
    *, enrollment_ids: Iterable[int] | None = None, id_range: tuple[int, int] | None = None
) -> dict[int, dict[str, Decimal]]:
    """Per enrollment id, the figures re-derived from the ledger (one query), for the
    enrollments named, or those with `start <= id < stop` of `id_range`, or all."""
    entries = LedgerEntry.objects.all()
    if enrollment_ids is not None:
        entries = entries.filter(enrollment_id__in=list(enrollment_ids))
    if id_range is not None:
        entries = entries.filter(enrollment_id__gte=id_range[0], enrollment_id__lt=id_range[1])
    # Plain dicts (enrollment_id, then the figures), popped below.
    rows = cast(
        "Iterable[dict[str, Any]]",
        entries.values("enrollment_id").annotate(**LEDGER_FIGURES).order_by(),
    )
    return {
        row.pop("enrollment_id"): {name: value or ZERO for name, value in row.items()}
        for row in rows
    }


def ledger_differences(
    *, enrollment_ids: Iterable[int] | None = None, id_range: tuple[int, int] | None = None
) -> list[dict]:
    """I4: enrollments whose cached figures differ from their ledger (two queries)."""
    if enrollment_ids is not None:
        enrollment_ids = list(enrollment_ids)
    derived = enrollment_figures_from_ledger(enrollment_ids=enrollment_ids, id_range=id_range)
    enrollments = Enrollment.objects.all()
    if enrollment_ids is not None:
        enrollments = enrollments.filter(pk__in=enrollment_ids)
    if id_range is not None:
        enrollments = enrollments.filter(pk__gte=id_range[0], pk__lt=id_range[1])
    differences = []
    for enrollment in enrollments.order_by("pk").only("pk", *Enrollment.FIGURES):
        expected = derived.get(enrollment.pk, dict.fromkeys(Enrollment.FIGURES, ZERO))
        for name in Enrollment.FIGURES:
            cached = getattr(enrollment, name)
            if cached != expected[name]:
                differences.append(
                    {
                        "enrollment": enrollment.pk,
                        "figure": name,
                        "cached": cached,
                        "ledger": expected[name],
                    }
                )
    return differences


# --- Program details (embed=points, embed=mlp, loyaltyDetails) -------------------------


def number(value: Decimal | None) -> int | float:
    value = value or ZERO
    return int(value) if value == value.to_integral_value() else float(value)


def _datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


# The detail embeds are on the hot path of `GET /v2/customers/{id}`: there they read through
# `Model.objects.raw`, because building the same queries with the ORM cost about three
# times their execution (0.67 against 0.25 ms of CPU for the enrollments, measured
# in-process at 1M customers).


def _json_object_sql(model: type[Model], alias: str) -> str:
    """`json_build_object` of every column of `alias` (a row of `model`) under its name,
    decimals as text so that they come back exact."""
    return "json_build_object({})".format(
        ", ".join(
            # A concrete field has a column (the stubs say str | None).
            f"'{f.column}', {alias}.{connection.ops.quote_name(f.column)}"  # type: ignore[arg-type]
            + ("::text" if f.get_internal_type() == "DecimalField" else "")
            for f in model._meta.concrete_fields
        )
    )


def _from_json(model: type[_M], row: dict[str, Any]) -> _M:
    """The instance of `model` that `_json_object_sql` gave as `row` (as read from the
    database: `from_db`, the ORM's own fast path)."""
    fields = model._meta.concrete_fields
    values = [f.to_python(row[f.column]) for f in fields]  # type: ignore[index]  # concrete: a column
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values)


@functools.cache
def _tiers_json_sql(program_id_sql: str) -> str:
    """A scalar subquery: the program's tiers as a JSON array in `serial_number` order."""
    return (
        f"(SELECT json_agg({_json_object_sql(Tier, 't')} ORDER BY t.serial_number) "
        f"FROM {table(Tier)} t WHERE t.program_id = {program_id_sql})"
    )


def _tiers_from_json(rows: list[dict] | None) -> list[Tier]:
    return [_from_json(Tier, row) for row in rows or []]


def _current_tier(enrollment: Enrollment, program_tiers: list[Tier]) -> Tier | None:
    """The enrollment's tier, taken from its program's tiers rather than joined."""
    return next((tier for tier in program_tiers if tier.pk == enrollment.tier_id), None)


def _slab_fields(enrollment: Enrollment, program_tiers: list[Tier]) -> dict:
    current = enrollment.tier
    serial = current.serial_number if current else -1
    next_tier = next((tier for tier in program_tiers if tier.serial_number > serial), None)
    return {
        "currentSlab": current.name if current else "",
        "nextSlab": next_tier.name if next_tier else "",
        "nextSlabSerialNumber": next_tier.serial_number if next_tier else -1,
        "nextSlabDescription": next_tier.description if next_tier else "",
        "slabSNo": serial,
        "slabExpiryDate": _datetime(enrollment.tier_expiry_date),
    }


def program_detail(enrollment: Enrollment, program_tiers: list[Tier]) -> dict:
    """One item of `loyaltyProgramDetails` / `loyaltyDetails` (the seed's field order)."""
    return {
        "redeemed": number(enrollment.redeemed),
        "expired": number(enrollment.expired),
        "returned": number(enrollment.returned),
        "adjusted": number(enrollment.adjusted),
        "lifetimePoints": number(enrollment.lifetime_points),
        "loyaltyPoints": number(enrollment.loyalty_points),
        "cumulativePurchases": number(enrollment.cumulative_purchases),
        "loyaltyId": enrollment.loyalty_id,
        **_slab_fields(enrollment, program_tiers),
        "programId": enrollment.program_id,
    }


def points_summary(enrollment: Enrollment, program_tiers: list[Tier]) -> dict:
    """`pointsSummary` of `embed=points` (figures as floats, keys as in the seed)."""
    summary = {
        "adjusted": float(enrollment.adjusted),
        "cumulativePurchases": float(enrollment.cumulative_purchases),
        "expired": float(enrollment.expired),
        "lifetimePoints": float(enrollment.lifetime_points),
        "loyaltyId": enrollment.loyalty_id,
        "loyaltyPoints": float(enrollment.loyalty_points),
        "redeemed": float(enrollment.redeemed),
        "returned": float(enrollment.returned),
        **_slab_fields(enrollment, program_tiers),
    }
    return dict(sorted(summary.items()))


def enrollments_of(
    *, customer_ids: Iterable[int], program_id: int | None = None
) -> list[Enrollment]:
    enrollments = Enrollment.objects.filter(customer_id__in=list(customer_ids)).select_related(
        "tier"
    )
    if program_id is not None:
        enrollments = enrollments.filter(program_id=program_id)
    return list(enrollments.order_by("customer_id", "program_id"))


def enrollments_with_tiers(
    *, customer_ids: Iterable[int], program_id: int | None = None
) -> tuple[list[Enrollment], dict[int, list[Tier]]]:
    """The enrollments (each with `in_default_program`) and their programs' tiers, in one
    query: each enrollment row carries its program's tiers as JSON, and the current tier is
    taken from them rather than joined."""
    in_program = " AND e.program_id = %s" if program_id is not None else ""
    # Any: the rows carry the `extra` columns besides the model's fields.
    enrollments: list[Any] = instances(
        Enrollment,
        f"SELECT {columns(Enrollment, 'e')}, p.is_default, {_tiers_json_sql('e.program_id')} "
        f"FROM {table(Enrollment)} e JOIN {table(Program)} p ON p.id = e.program_id "
        f"WHERE e.customer_id = ANY(%s){in_program} ORDER BY e.customer_id, e.program_id",
        [list(customer_ids), *([program_id] if program_id is not None else [])],
        extra=("in_default_program", "program_tiers"),
    )
    tiers: dict[int, list[Tier]] = defaultdict(list)
    for enrollment in enrollments:
        if enrollment.program_id not in tiers:
            tiers[enrollment.program_id] = _tiers_from_json(enrollment.program_tiers)
        del enrollment.program_tiers
        program_tiers = tiers[enrollment.program_id]
        enrollment.tier = _current_tier(enrollment, program_tiers)
    return enrollments, tiers


def program_details(*, customer: Customer, program_id: int | None = None) -> list[dict]:
    """The customer's enrollments in every program, or in one (one query)."""
    enrollments, tiers = enrollments_with_tiers(customer_ids=[customer.pk], program_id=program_id)
    return [program_detail(e, tiers[e.program_id]) for e in enrollments]


# The details parts (customers.registry.DetailColumn): subqueries of the details query.


def _enrollments_column_sql() -> str:
    return (
        f"SELECT json_agg(json_build_object('enrollment', {_json_object_sql(Enrollment, 'e')}, "
        f"'in_default_program', p.is_default, 'tiers', {_tiers_json_sql('e.program_id')}) "
        f"ORDER BY e.program_id) "
        f"FROM {table(Enrollment)} e JOIN {table(Program)} p ON p.id = e.program_id "
        "WHERE e.customer_id = {customer}"
    )


def _enrollments_load(rows: list[dict] | None) -> list[tuple[Enrollment, list[Tier]]]:
    """One customer's enrollments (`in_default_program` and `tier` set) with their
    programs' tiers."""
    loaded = []
    for row in rows or []:
        enrollment = _from_json(Enrollment, row["enrollment"])
        enrollment.in_default_program = row["in_default_program"]  # type: ignore[attr-defined]  # for _points
        program_tiers = _tiers_from_json(row["tiers"])
        enrollment.tier = _current_tier(enrollment, program_tiers)
        loaded.append((enrollment, program_tiers))
    return loaded


def _mlp(enrollments: list[tuple[Enrollment, list[Tier]]], *, customer: Customer) -> dict:
    return {"loyaltyProgramDetails": [program_detail(e, tiers) for e, tiers in enrollments]}


def _points(enrollments: list[tuple[Enrollment, list[Tier]]], *, customer: Customer) -> dict:
    for enrollment, program_tiers in enrollments:
        if enrollment.in_default_program:  # type: ignore[attr-defined]  # enrollments_with_tiers
            return {"pointsSummary": points_summary(enrollment, program_tiers)}
    return {}  # not enrolled in the default program: no `pointsSummary`


_ENROLLMENTS = "loyalty.enrollments"

# `embed=mlp`: `loyaltyProgramDetails`, one item per program the customer is enrolled in.
EMBED_MLP = DetailColumn(_ENROLLMENTS, _enrollments_column_sql(), _mlp, _enrollments_load)
# `embed=points`: `pointsSummary` in the default program (the subquery `mlp` reads too).
EMBED_POINTS = DetailColumn(_ENROLLMENTS, _enrollments_column_sql(), _points, _enrollments_load)

# `loyaltyInfo.lifetimePurchases` of every details body (the seed's sample has it for a
# non-loyalty customer too, so it is the customer's bills, not an enrollment's figure):
# regular bills less returns.
LIFETIME_PURCHASES = DetailColumn(
    "loyalty.lifetime_purchases",
    f"SELECT sum(CASE WHEN b.type = '{TransactionType.RETURN.value}' THEN -b.amount "
    f"ELSE b.amount END)::text FROM {table(Bill)} b WHERE b.customer_id = {{customer}} "
    f"AND b.type IN ('{TransactionType.REGULAR.value}', '{TransactionType.RETURN.value}')",
    lambda total, *, customer: {"loyaltyInfo": {"lifetimePurchases": number(total)}},
    lambda text: Decimal(text) if text is not None else ZERO,
)


# --- Lists ----------------------------------------------------------------------------


def _profiles_prefetch() -> Prefetch:
    return Prefetch("profiles", queryset=SourceProfile.objects.order_by("pk"))


def customer_names(customer: Customer) -> dict:
    profile = next(iter(customer.profiles.all()), None)
    return {
        "userId": customer.pk,
        "firstName": profile.first_name if profile else "",
        "lastName": profile.last_name if profile else "",
    }


def points_transfers_of(*, customer: Customer, limit: int, offset: int) -> list[PointsTransfer]:
    """Transfers from or to the customer, newest first (three queries)."""
    return list(
        PointsTransfer.objects.filter(Q(from_customer=customer) | Q(to_customer=customer))
        .select_related("program", "from_customer", "to_customer")
        .prefetch_related(
            Prefetch("from_customer__profiles", queryset=SourceProfile.objects.order_by("pk")),
            Prefetch("to_customer__profiles", queryset=SourceProfile.objects.order_by("pk")),
        )
        .order_by("-transferred_at", "-pk")[offset : offset + limit]
    )


def coupons_of(*, customer: Customer) -> QuerySet[Coupon]:
    return (
        Coupon.objects.filter(customer=customer)
        .select_related("series")
        .order_by("-issued_at", "-pk")
    )


def bills_of(*, customer: Customer) -> QuerySet[Bill]:
    return (
        Bill.objects.filter(customer=customer)
        .select_related("store", "till", "original")
        .order_by("-billed_at", "-pk")
    )


def encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"l:{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, _, raw_id = text.partition(":")
        if prefix != "l":
            raise ValueError(cursor)
        return int(raw_id)
    except (ValueError, UnicodeError, binascii.Error):
        raise DomainError(Code.CURSOR_INVALID) from None


def ledger_page(
    *,
    customer: Customer,
    limit: int,
    cursor: str | None = None,
    program_id: int | None = None,
) -> tuple[list[LedgerEntry], str | None]:
    """A page of the customer's ledger, newest first, and the cursor of the next page
    (one query: keyset pagination on the entry id)."""
    entries = LedgerEntry.objects.filter(customer=customer)
    if program_id is not None:
        entries = entries.filter(program_id=program_id)
    if cursor:
        entries = entries.filter(id__lt=decode_cursor(cursor))
    rows = list(
        entries.select_related("bill", "actor_till", "actor_user", "transfer").order_by("-id")[
            : limit + 1
        ]
    )
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def customer_by_identifier(
    *,
    identifier_type: str,
    value: str,
    source: str | None = None,
    account_id: str | None = None,
) -> Customer | None:
    """The customer holding (type, value), within `source` / `accountId` when given; an
    invalid value finds nobody (it was normalised like every stored identifier)."""
    try:
        normalised = normalise_identifier(identifier_type, value)
    except InvalidIdentifier:
        return None
    identifiers = Identifier.objects.filter(type=identifier_type, value=normalised)
    if source:
        identifiers = identifiers.filter(source=source.upper())
        if account_id:
            account = SourceAccount.objects.filter(
                source=source.upper(), account_id=account_id
            ).first()
            identifiers = identifiers.filter(account=account)
    customer_ids = set(identifiers.values_list("customer_id", flat=True)[:2])
    if len(customer_ids) != 1:
        return None
    return Customer.objects.filter(pk=customer_ids.pop()).first()
