"""Django's PostgreSQL backend with two additions (`config.database.work` says why):

- the psycopg connection gives up waiting on a server that does not answer: every wait for
  the server (a query, a commit) is bounded by the kind of work's client deadline; past it
  the connection is closed (its state is unknown) and the caller gets an OperationalError,
  which the API answers as 503;
- the server's `statement_timeout` and `lock_timeout` follow the kind of work the code runs
  for (`work.current_kind()`), checked whenever a cursor is made: a session `SET` when the
  session holds another kind's, a `SET LOCAL` inside a transaction (a session `SET` there
  would be undone by a rollback), and behind a transaction pooler only ever `SET LOCAL`.
  A process doing one kind of work (a gunicorn worker, a command) sets them once.

The timeout statements go through psycopg directly, not Django's cursors: they are no query
of the request's (query-count assertions do not see them).
"""

from __future__ import annotations

import psycopg
from django.db import OperationalError
from django.db.backends.postgresql import base as postgresql
from psycopg.connection import _WAIT_INTERVAL

from config.database.work import WorkKind, current_kind, pooled, timeouts

_SET_SESSION = (
    "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false),"
    " set_config('idle_session_timeout', %s, false)"
)
_SET_LOCAL = (
    "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)"
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
    Database = _Driver()  # type: ignore[assignment]  # psycopg behind a proxy, not the module
    # The kind whose timeouts the session holds (None: the server's or the role's defaults).
    session_kind: WorkKind | None = None
    # The kind set LOCAL in the current transaction, by transaction number.
    _transaction_kind: tuple[int, WorkKind] | None = None
    _transactions = 0

    def init_connection_state(self) -> None:
        super().init_connection_state()
        self.session_kind = None
        self._transaction_kind = None
        self.follow_work_kind()

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)  # type: ignore[misc]  # not in the stubs
        if not autocommit:
            self._transactions += 1  # a new transaction: nothing set LOCAL in it yet

    def create_cursor(self, name=None):
        self.follow_work_kind()
        return super().create_cursor(name)

    def follow_work_kind(self) -> None:
        """Give the server this kind of work's timeouts, if it does not hold them."""
        kind = current_kind()
        limits = timeouts(kind)
        self.connection.deadline = limits.client_deadline
        if self.get_autocommit():
            if pooled() or kind == self.session_kind:
                return  # behind a pooler, statements outside a transaction: the role's
            try:
                self._execute(
                    _SET_SESSION, limits.statement_ms, limits.lock_ms, limits.idle_session_ms
                )
            except OperationalError:
                if self.in_atomic_block or not self._closed_by_server():
                    raise
                # The server ended this idle session (idle_session_timeout) while the
                # process was not serving a request: nothing of it is lost, open another.
                self.close()
                self.connect()  # init_connection_state sets this kind again
                return
            self.session_kind = kind
            return
        in_effect = self.session_kind
        if self._transaction_kind and self._transaction_kind[0] == self._transactions:
            in_effect = self._transaction_kind[1]
        if kind != in_effect:
            # (Undone if a savepoint made after it rolls back; the session's kind holds then.)
            self._execute(_SET_LOCAL, limits.statement_ms, limits.lock_ms)
            self._transaction_kind = (self._transactions, kind)

    def _closed_by_server(self) -> bool:
        return self.connection is None or self.connection.closed or self.connection.broken

    def _execute(self, sql: str, *milliseconds: int) -> None:
        with self.wrap_database_errors:
            self.connection.execute(sql, [str(value) for value in milliseconds])
