"""Model instances from a hand-written query, without the ORM's query building.

On the API's hot paths the ORM spends more CPU building a simple query (and `raw()` more
resolving its columns) than PostgreSQL spends running it: `filter(pk=...).first()` costs
1.9 ms of CPU here, `by_pk` 0.4 ms (bench/notes.md). The query selects `columns(model)`
first, in the model's field order, then any extra columns; the instances get the converters
the ORM applies (a JSON field's decoding, for one), so they are the ones it would have made,
and each extra column becomes an attribute.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model

M = TypeVar("M", bound=Model)

BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint: the primary keys (BigAutoField)


def table(model: type[Model]) -> str:
    """The model's table name, quoted for hand-written SQL."""
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def columns(model: type[Model], alias: str = "") -> str:
    """The model's columns for a SELECT list, qualified by `alias` when given."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{connection.ops.quote_name(f.column)}" for f in _fields(model))


def _fields(model: type[Model]) -> list:
    return list(model._meta.concrete_fields)


@functools.cache
def _converters(model: type[Model]) -> tuple[list[str], list[tuple[int, list, Any]]]:
    converters = []
    for index, field in enumerate(_fields(model)):
        functions = connection.ops.get_db_converters(field.cached_col)
        functions += field.get_db_converters(connection)
        if functions:
            converters.append((index, functions, field.cached_col))
    return [f.attname for f in _fields(model)], converters


def instances(
    model: type[M], sql: str, params: Sequence[Any], extra: Sequence[str] = ()
) -> list[M]:
    """One instance per row of `sql`, which selects `columns(model, ...)` then `extra`."""
    attnames, converters = _converters(model)
    width = len(attnames)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row[:width])
        for index, functions, column in converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        instance = model.from_db(DEFAULT_DB_ALIAS, attnames, values)
        for name, value in zip(extra, row[width:], strict=True):
            setattr(instance, name, value)
        found.append(instance)
    return found


@functools.cache
def _by_pk_sql(model: type[Model]) -> str:
    quote = connection.ops.quote_name
    return f"SELECT {columns(model)} FROM {table(model)} WHERE {quote(model._meta.pk.column)} = %s"


def by_pk(model: type[M], pk: int) -> M | None:
    """The row of `model` with this primary key as an instance, or None."""
    found = instances(model, _by_pk_sql(model), [pk])
    return found[0] if found else None
