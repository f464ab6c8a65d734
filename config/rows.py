"""Model instances from a hand-written query, without the ORM's query building.

On the API's hot paths the ORM spends more CPU building a simple query (and `raw()` more
resolving its columns) than PostgreSQL spends running it: `filter(pk=...).first()` costs
1.9 ms of CPU here, `by_pk` 0.4 ms (bench/notes.md). The query selects `columns(model)`
first, in the model's field order, then the columns of any related rows joined in (as
`select_related` would), then any extra columns; the instances get the converters the ORM
applies (a JSON field's decoding, for one), so they are the ones it would have made, and
each extra column becomes an attribute.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model

M = TypeVar("M", bound=Model)

BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint: the primary keys (BigAutoField)
INTEGER_MAX = 2**31 - 1  # PostgreSQL integer: Program.id, Transaction.line_count


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
def _converters(model: type[Model]) -> tuple[list[str], list[tuple[int, list, Any]], int]:
    converters = []
    for index, field in enumerate(_fields(model)):
        functions = connection.ops.get_db_converters(field.cached_col)
        functions += field.get_db_converters(connection)
        if functions:
            converters.append((index, functions, field.cached_col))
    attnames = [f.attname for f in _fields(model)]
    return attnames, converters, attnames.index(model._meta.pk.attname)


def cursor():
    """A cursor whose statements PostgreSQL keeps prepared on the connection: after
    `prepare_threshold` runs of the same SQL (settings.DATABASES OPTIONS) they are no
    longer parsed and planned, which was most of the server's time for these point reads
    (the details query: 0.6 ms planning, 0.35 ms execution). Parameters are bound by the
    server, so the SQL must be fixed text, as it is here. Wrapped as `connection.cursor()`
    is: the health check, error translation and query logging (counts in tests) apply."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return _LoggedCursor(raw, connection)
    return connection.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Logs a prepared statement with its values, as Django logs the ones it binds itself
    (its own logging reads the client-bound text, which a server-bound statement lacks)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def fetchall(sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple]:
    """The rows of a hand-written point read, through `cursor()`."""
    with cursor() as prepared:
        prepared.execute(sql, params)
        return prepared.fetchall()


def instances(
    model: type[M],
    sql: str,
    params: Sequence[Any] | dict[str, Any],
    extra: Sequence[str] = (),
    joined: Sequence[str] = (),
) -> list[M]:
    """One instance per row of `sql`, which selects `columns(model, ...)`, then the columns
    of each relation in `joined` (`"store"`, `"till__store"`: what `select_related` would
    follow, a path after the relations it goes through; None when its primary key is
    NULL), then `extra`."""
    relations = [_relation(model, path) for path in joined]
    rows = fetchall(sql, params)
    found = []
    for row in rows:
        instance, offset = _instance(model, row, 0)
        for parents, field in relations:
            related, offset = _instance(field.related_model, row, offset)
            holder = instance
            for parent in parents:
                holder = parent.get_cached_value(holder)
            if holder is not None:
                field.set_cached_value(holder, related)
        for name, value in zip(extra, row[offset:], strict=True):
            setattr(instance, name, value)
        found.append(instance)
    return cast("list[M]", found)  # a row's own primary key is never NULL: no None in found


def _instance(model: type[M], row: Sequence[Any], offset: int) -> tuple[M | None, int]:
    """The instance made of `row[offset:]`'s first columns (None if its pk is NULL), and
    the offset after them."""
    attnames, converters, pk_index = _converters(model)
    width = len(attnames)
    values = list(row[offset : offset + width])
    if values[pk_index] is None:
        return None, offset + width
    for index, functions, column in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values), offset + width


@functools.cache
def _relation(model: type[Model], path: str) -> tuple[list, Any]:
    """The foreign keys leading to the last one of `path` ("till__store"), and that one."""
    fields = []
    for name in path.split("__"):
        fields.append(model._meta.get_field(name))
        model = cast("type[Model]", fields[-1].related_model)  # a foreign key: never None
    return fields[:-1], fields[-1]


@functools.cache
def _by_pk_sql(model: type[Model]) -> str:
    quote = connection.ops.quote_name
    return f"SELECT {columns(model)} FROM {table(model)} WHERE {quote(cast(str, model._meta.pk.column))} = %s"


def by_pk(model: type[M], pk: int) -> M | None:
    """The row of `model` with this primary key as an instance, or None."""
    found = instances(model, _by_pk_sql(model), [pk])
    return found[0] if found else None
