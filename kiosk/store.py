"""The kiosk's local store: SQLite, the truth on the kiosk.

A visit is committed durably (WAL with synchronous=FULL: the commit is on disk before the
confirmation is shown, so a power cut after it loses nothing). The screen waits only on
this store, never on a network. When the data directory is read-only, full or gone, the
store says which (StoreUnavailable.reason) and tries again on the next call, so the kiosk
recovers by itself once the cause is fixed.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)

# Each entry moves the schema up one version (PRAGMA user_version); never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE visit (
        id             TEXT PRIMARY KEY,          -- UUIDv7 made on the kiosk
        first_name     TEXT NOT NULL,
        last_name      TEXT NOT NULL,
        reason         TEXT NOT NULL,
        host_id        TEXT,
        host_name      TEXT,                      -- as the directory named them at check-in
        language       TEXT NOT NULL,
        interpreter    INTEGER NOT NULL DEFAULT 0,
        checked_in_ms  INTEGER NOT NULL,          -- UTC milliseconds
        local_day      TEXT NOT NULL,             -- the campus's date at check-in, YYYY-MM-DD
        signed_out_ms  INTEGER,
        signed_out_by  TEXT                       -- 'visitor' or 'staff'
    ) WITHOUT ROWID;
    CREATE INDEX visit_by_day ON visit (local_day, checked_in_ms);
    CREATE INDEX visit_on_site ON visit (local_day) WHERE signed_out_ms IS NULL;
    """,
)

SIGNED_OUT_BY = ("visitor", "staff")


class StoreUnavailable(Exception):
    """The store cannot be written or read now; `reason` is read_only, full or unavailable."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Visit:
    id: str
    first_name: str
    last_name: str
    reason: str
    host_id: str | None
    host_name: str | None
    language: str
    interpreter: bool
    checked_in: datetime
    local_day: str
    signed_out: datetime | None = None
    signed_out_by: str | None = None

    @property
    def on_site(self) -> bool:
        return self.signed_out is None


@dataclass(frozen=True)
class StoreStatus:
    path: str
    ok: bool
    problem: str | None
    visits_total: int | None
    size_bytes: int | None
    free_bytes: int | None
    schema_version: int | None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


_COLUMNS = (
    "id, first_name, last_name, reason, host_id, host_name, language, interpreter,"
    " checked_in_ms, local_day, signed_out_ms, signed_out_by"
)


def _visit(row: tuple) -> Visit:
    return Visit(
        id=row[0], first_name=row[1], last_name=row[2], reason=row[3], host_id=row[4], host_name=row[5],
        language=row[6], interpreter=bool(row[7]), checked_in=_dt(row[8]), local_day=row[9],
        signed_out=_dt(row[10]), signed_out_by=row[11],
    )  # fmt: skip


def _classify(exc: sqlite3.Error) -> StoreUnavailable:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    reason = {8: "read_only", 13: "full"}.get(code, "unavailable")
    if isinstance(exc, OSError):
        reason = {30: "read_only", 28: "full", 122: "full"}.get(exc.errno or 0, "unavailable")
    return StoreUnavailable(reason, str(exc))


class Store:
    """One SQLite database file; safe to call from one thread at a time (a lock guards it)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    # -- connection --------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=5)
        except (OSError, sqlite3.Error) as exc:
            raise _classify(exc) from exc
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise _classify(exc) from exc
        self._conn = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(f"database schema {version} is newer than this kiosk ({len(MIGRATIONS)})")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("store %s: schema now at version %d", self.path, number)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _run(self, work):  # type: ignore[no-untyped-def]
        """Run `work(conn)`; on an SQLite or OS error drop the connection so the next call reopens."""
        with self._lock:
            try:
                return work(self._connect())
            except StoreUnavailable:
                raise
            except (sqlite3.Error, OSError) as exc:
                problem = _classify(exc)
                log.error("store %s: %s", self.path, problem)
                self.close()
                raise problem from exc

    def _write(self, statements: Iterator[tuple[str, tuple]] | list[tuple[str, tuple]]) -> int:
        def work(conn: sqlite3.Connection) -> int:
            changed = 0
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    changed += conn.execute(sql, params).rowcount
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return changed

        return self._run(work)

    # -- visits ------------------------------------------------------------------------
    def add_visit(self, visit: Visit) -> None:
        """Store a visit; storing the same id again changes nothing (a double tap is harmless)."""
        self._write(
            [(
                f"INSERT INTO visit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING",
                (visit.id, visit.first_name, visit.last_name, visit.reason, visit.host_id, visit.host_name,
                 visit.language, int(visit.interpreter), _ms(visit.checked_in), visit.local_day,
                 None if visit.signed_out is None else _ms(visit.signed_out), visit.signed_out_by),
            )]
        )  # fmt: skip

    def sign_out(self, visit_id: str, at: datetime, by: str) -> bool:
        """Mark a visit signed out; False if it was unknown or already signed out."""
        if by not in SIGNED_OUT_BY:
            raise ValueError(f"signed out by {by!r}")
        changed = self._write(
            [(
                "UPDATE visit SET signed_out_ms = ?, signed_out_by = ? WHERE id = ? AND signed_out_ms IS NULL",
                (_ms(at), by, visit_id),
            )]
        )
        return changed == 1

    def get(self, visit_id: str) -> Visit | None:
        row = self._run(lambda c: c.execute(f"SELECT {_COLUMNS} FROM visit WHERE id = ?", (visit_id,)).fetchone())
        return None if row is None else _visit(row)

    def visits_on(self, day: date) -> list[Visit]:
        rows = self._run(
            lambda c: c.execute(
                f"SELECT {_COLUMNS} FROM visit WHERE local_day = ? ORDER BY checked_in_ms", (day.isoformat(),)
            ).fetchall()
        )
        return [_visit(r) for r in rows]

    def on_site(self, day: date) -> list[Visit]:
        rows = self._run(
            lambda c: c.execute(
                f"SELECT {_COLUMNS} FROM visit WHERE local_day = ? AND signed_out_ms IS NULL ORDER BY checked_in_ms",
                (day.isoformat(),),
            ).fetchall()
        )
        return [_visit(r) for r in rows]

    # -- health ------------------------------------------------------------------------
    def check_writable(self) -> None:
        """Raise StoreUnavailable unless a write could start now (cheap: takes and drops the write lock)."""

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")

        self._run(work)

    def status(self) -> StoreStatus:
        free = None
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            pass
        try:
            total, version = self._run(
                lambda c: (c.execute("SELECT count(*) FROM visit").fetchone()[0],
                           c.execute("PRAGMA user_version").fetchone()[0])
            )  # fmt: skip
            size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
            return StoreStatus(str(self.path), True, None, total, size, free, version)
        except StoreUnavailable as exc:
            return StoreStatus(str(self.path), False, exc.reason, None, None, free, None)
