"""Kinds of work and their database timeouts (README "Configuration").

A store at the till waits seconds at most, a staff page a little longer, a batch command or
a background job as long as it needs: each kind has its own `statement_timeout` and
`lock_timeout`, and the client gives up on a server that does not answer at all (frozen,
unreachable) `DB_CLIENT_GRACE_MS` after the statement timeout. A request's kind comes from
its path (`DatabaseWorkMiddleware`); everything else (management commands, jobs, tests
calling services) is batch work.

How the server learns them depends on `DB_POOLER`:
- unset (a direct connection): a session `SET` on each new connection and whenever a
  connection moves to another kind of work (one query, only on a change; inside a
  transaction a `SET LOCAL`, since a rollback would undo a session `SET` made there);
- `transaction` (PgBouncer in transaction mode, which refuses startup options and hands a
  session's `SET` to the next client): never a session `SET`; every transaction's first
  statement is a `SET LOCAL` of its kind's timeouts, and statements outside a transaction
  (autocommit reads) take the role's defaults, which the deployment sets once:
  `ALTER ROLE <user> SET statement_timeout = '3s'; ALTER ROLE <user> SET lock_timeout = '1s';`
  (`idle_session_timeout` is the pooler's business there: `server_idle_timeout`).
The client-side bound needs no server setting and applies in both cases.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings


class WorkKind(StrEnum):
    API = "api"  # the store API (/v2/) and the health check
    CONSOLE = "console"  # the staff console (/admin/)
    BATCH = "batch"  # management commands, background jobs, anything outside a request


@dataclass(frozen=True)
class Timeouts:
    statement_ms: int  # 0: none
    lock_ms: int  # 0: none
    # A persistent connection left idle this long is closed by the server (0: never), so
    # idle workers do not hold a "smart" shutdown of the server for ever.
    idle_session_ms: int = 0

    @property
    def client_deadline(self) -> float | None:
        """Seconds the client waits for any answer before dropping the connection."""
        if not self.statement_ms:
            return None
        return (self.statement_ms + settings.DB_CLIENT_GRACE_MS) / 1000


_kind: contextvars.ContextVar[WorkKind] = contextvars.ContextVar("db_work", default=WorkKind.BATCH)


def current_kind() -> WorkKind:
    return _kind.get()


def timeouts(kind: WorkKind) -> Timeouts:
    statement_ms, lock_ms = settings.DB_TIMEOUTS[kind.value]
    idle_ms = 0 if kind == WorkKind.BATCH else settings.DB_IDLE_SESSION_TIMEOUT_MS
    return Timeouts(statement_ms=statement_ms, lock_ms=lock_ms, idle_session_ms=idle_ms)


def pooled() -> bool:
    """Behind a pooler in transaction mode: no session-level SET, ever."""
    return settings.DB_POOLER == "transaction"


def kind_of_path(path: str) -> WorkKind:
    return WorkKind.CONSOLE if path.startswith("/admin/") else WorkKind.API


class DatabaseWorkMiddleware:
    """Each request runs under its path's kind of work (connections follow it when they
    next make a cursor: `config.database.base`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _kind.set(kind_of_path(request.path))
        try:
            return self.get_response(request)
        finally:
            _kind.reset(token)
