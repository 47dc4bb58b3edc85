"""One writer at a time, first come first served, for the server on SQLite.

SQLite lets one connection write at a time. The others wait in its busy handler, which sleeps
1, 2, 5 ... up to 100 ms between tries, so the writer that happens to try at the right moment
wins, not the one that has waited longest. With two kiosks pushing big backlogs back to back, a
heartbeat (one short UPDATE) lost that race for seconds: p99 1.7 s, max 2.0 s (issue 11, point 13).

On SQLite the server is one process, so its writers can queue in it instead: a connection takes
its turn just before its first INSERT, UPDATE or DELETE (where SQLite would take its write lock)
and hands it to the next in line when its transaction ends. A writer in another process (the CLI
while a server runs) still meets SQLite's busy handler, as before.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

# the statements before which Python's sqlite3 opens a transaction, taking SQLite's write lock
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriterGate:
    """A fair lock whose holder is a database connection, handed from one holder to the next in the
    order they asked (no barging: a writer that just let go queues behind those already waiting)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._holder: object | None = None
        self._holder_thread: int | None = None
        self._queue: deque[tuple[threading.Event, object, int]] = deque()

    def holds(self, connection: object) -> bool:
        return self._holder is connection

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def acquire(self, connection: object) -> bool:
        """Wait for this connection's turn; False if it did not come within the timeout (the caller
        goes on, and SQLite's own locking decides), or at once if this thread already holds the
        gate through another connection (waiting would only wait for itself)."""
        thread = threading.get_ident()
        with self._mutex:
            if self._holder is None:
                self._holder, self._holder_thread = connection, thread
                return True
            if self._holder_thread == thread:
                return False
            entry = (threading.Event(), connection, thread)
            self._queue.append(entry)
        if entry[0].wait(self.timeout):
            return True
        with self._mutex:
            if entry[0].is_set():  # handed over just as the wait gave up
                return True
            self._queue.remove(entry)
        log.warning("waited %.0f s to write to the database; going on without waiting in line", self.timeout)
        return False

    def release(self, connection: object) -> None:
        with self._mutex:
            if self._holder is not connection:
                return
            if self._queue:
                turn, self._holder, self._holder_thread = self._queue.popleft()
                turn.set()
            else:
                self._holder = self._holder_thread = None


def _raw(connection: Any) -> object:
    """The sqlite3 connection behind SQLAlchemy's pool proxy (or the connection itself)."""
    return getattr(connection, "dbapi_connection", connection)


_GATES: WeakKeyDictionary[Engine, WriterGate] = WeakKeyDictionary()


def gate_of(engine: Engine) -> WriterGate | None:
    return _GATES.get(engine)


def install(engine: Engine, timeout: float) -> WriterGate:
    """Make this SQLite engine's writers take turns. The turn ends after the commit or rollback
    (the dialect's, which the pool's reset-on-return uses too), when a connection is closed or
    invalidated, or after a write that left no transaction open."""
    gate = _GATES[engine] = WriterGate(timeout)

    @event.listens_for(engine, "before_cursor_execute")
    def _take_turn(_conn, cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if WRITES.match(statement) and not gate.holds(cursor.connection):
            gate.acquire(cursor.connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _after_write(_conn, cursor, _statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if not cursor.connection.in_transaction:
            gate.release(cursor.connection)

    @event.listens_for(engine, "handle_error")
    def _after_error(context) -> None:  # type: ignore[no-untyped-def]
        cursor = getattr(context.execution_context, "cursor", None)
        if cursor is not None and not cursor.connection.in_transaction:
            gate.release(cursor.connection)

    for name in ("close", "invalidate", "close_detached"):
        event.listen(engine.pool, name, lambda dbapi_connection, *_: gate.release(dbapi_connection))

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(connection: Any) -> None:
        try:
            commit(connection)
        finally:
            gate.release(_raw(connection))

    def do_rollback(connection: Any) -> None:
        try:
            rollback(connection)
        finally:
            gate.release(_raw(connection))

    # after, not before, the commit: SQLite's lock is free only once it is done (the engine's
    # "commit" and "rollback" events come before it)
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    return gate
