"""Django's PostgreSQL backend with two additions (`config.database.work` says why):

- the psycopg connection gives up waiting on a server that does not answer: every wait for
  the server (a query, a commit) is bounded by the kind of work's client deadline; past it
  the connection is closed (its state is unknown) and the caller gets an OperationalError,
  which the API answers as 503;
- the session's `statement_timeout` and `lock_timeout` follow the kind of work (or, behind a
  pooler in transaction mode, each transaction's `SET LOCAL`).

The timeout statements go through psycopg directly, not Django's cursors: they are no query
of the request's (query-count assertions do not see them).
"""

from __future__ import annotations

import psycopg
from django.db.backends.postgresql import base as postgresql
from psycopg.connection import _WAIT_INTERVAL

from config.database.work import WorkKind, current_kind, pooled, timeouts

_SET_LOCAL = (
    "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)"
)
_SET_SESSION = (
    "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false),"
    " set_config('idle_session_timeout', %s, false)"
)


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after `deadline` seconds."""

    deadline: float | None = None

    def wait(self, gen, interval: float = _WAIT_INTERVAL, timeout: float | None = None):
        if timeout is not None or self.deadline is None:
            return super().wait(gen, interval, timeout)  # psycopg's own bounded waits
        try:
            return super().wait(gen, interval, self.deadline)
        except psycopg.errors._WaitTimeout:
            self.pgconn.finish()  # mid-protocol: the connection cannot be used again
            raise psycopg.OperationalError(
                f"the database did not answer within {self.deadline:g} s"
            ) from None


class _Driver:
    """psycopg, except that `connect()` makes a `DeadlineConnection`."""

    connect = staticmethod(DeadlineConnection.connect)

    def __getattr__(self, name: str):
        return getattr(psycopg, name)


class DatabaseWrapper(postgresql.DatabaseWrapper):
    Database = _Driver()
    # The kind of work whose timeouts the session holds (None: not known to be set).
    work_kind: WorkKind | None = None

    def init_connection_state(self) -> None:
        super().init_connection_state()
        self.work_kind = None
        self.follow_work_kind(current_kind())

    def follow_work_kind(self, kind: WorkKind) -> None:
        limits = timeouts(kind)
        self.connection.deadline = limits.client_deadline
        if pooled() or kind == self.work_kind:
            return
        with self.wrap_database_errors:
            self.connection.execute(
                _SET_SESSION,
                [f"{limits.statement_ms}", f"{limits.lock_ms}", f"{limits.idle_session_ms}"],
            )
        # A SET inside a transaction is undone by its rollback: apply it again next time.
        self.work_kind = None if self.in_atomic_block else kind

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)
        if not autocommit and pooled():
            # Opens the transaction: its first statement sets its timeouts for it alone.
            limits = timeouts(current_kind())
            with self.wrap_database_errors:
                self.connection.execute(
                    _SET_LOCAL,
                    [f"{limits.statement_ms}", f"{limits.lock_ms}"],
                )
