"""The kiosk's local store: SQLite, the truth on the kiosk.

A visit is committed durably (WAL with synchronous=FULL: the commit is on disk before the
confirmation is shown, so a power cut after it loses nothing). The screen waits only on
this store, never on a network. When the data directory is read-only, full or gone, the
store says which (StoreUnavailable.reason) and tries again on the next call, so the kiosk
recovers by itself once the cause is fixed.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from kiosk import wire
from kiosk.clock import Stamp
from kiosk.directory import StaffMember

log = logging.getLogger(__name__)

T = TypeVar("T")


def _backfill_outbox(conn: sqlite3.Connection) -> None:
    """Visits stored before the outbox existed are queued for the server too."""
    # The columns of schema 1, not today's: a migration runs against the schema of its own time.
    for row in conn.execute(f"SELECT {_COLUMNS_V1} FROM visit ORDER BY id").fetchall():
        _queue_visit(conn, _visit(row), row[8])
        if row[10] is not None:
            _queue(conn, wire.sign_out_event(row[0], row[10], row[11]), row[10])


# Each entry moves the schema up one version (PRAGMA user_version); never edit a shipped one.
# An entry is SQL, or a function for what SQL cannot say (it runs in the same transaction).
MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
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
    """
    -- What the district server has not acknowledged yet, written in the same transaction
    -- as the change it carries (the transactional outbox), sent in seq order.
    CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        event       TEXT NOT NULL,                -- JSON, as sent (kiosk.wire)
        created_ms  INTEGER NOT NULL,
        refused     TEXT                          -- the server's reason when it refused it for good
    );
    CREATE INDEX outbox_pending ON outbox (seq) WHERE refused IS NULL;
    -- The campus's staff directory as the server sent it.
    CREATE TABLE staff (
        id            TEXT PRIMARY KEY,
        first_name    TEXT NOT NULL,
        last_name     TEXT NOT NULL,
        display_name  TEXT NOT NULL DEFAULT '',
        role          TEXT NOT NULL DEFAULT '',
        room          TEXT NOT NULL DEFAULT '',
        languages     TEXT NOT NULL DEFAULT ''      -- space-separated codes
    ) WITHOUT ROWID;
    -- Small facts about syncing: the pull cursor, the server's settings, the last success.
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    """,
    _backfill_outbox,
    """
    -- When each event happened by the boot's own clock (kiosk.clock.Stamp), so the server can date
    -- it by its age when the wall clock was wrong. NULL for events queued before this version.
    ALTER TABLE outbox ADD COLUMN boot_id TEXT;
    ALTER TABLE outbox ADD COLUMN uptime_ms INTEGER;
    """,
    """
    -- Which language the interpreter should speak, and whom a visitor picks up. Columns added at the
    -- end, read by name (_COLUMNS). (A kiosk of an older version still refuses a newer schema: _migrate.)
    ALTER TABLE visit ADD COLUMN interpreter_language TEXT;
    ALTER TABLE visit ADD COLUMN student_name TEXT;
    """,
    """
    -- The campus's visitor passes, as the server sent them (kiosk.passes checks a code against them),
    -- and which pass a visit was checked in with.
    CREATE TABLE visitor_pass (
        id              INTEGER PRIMARY KEY,      -- the server's
        code_hash       TEXT NOT NULL UNIQUE,     -- SHA-256 of the code (kiosk.passcode): never the code
        first_name      TEXT NOT NULL,
        last_name       TEXT NOT NULL,
        language        TEXT NOT NULL,
        reason          TEXT NOT NULL,
        host_id         TEXT,
        host_name       TEXT,
        valid_from_ms   INTEGER NOT NULL,
        valid_until_ms  INTEGER NOT NULL,
        max_uses        INTEGER NOT NULL,
        uses            INTEGER NOT NULL,         -- the check-ins the server had received when it sent this
        revoked         INTEGER NOT NULL DEFAULT 0,
        delivered_here  INTEGER NOT NULL DEFAULT 0 -- this kiosk's visits with it the server had then (in `uses`)
    );
    ALTER TABLE visit ADD COLUMN pass_id INTEGER;
    CREATE INDEX visit_by_pass ON visit (pass_id) WHERE pass_id IS NOT NULL;
    -- Kiosks before this version skipped the passes in their pulls: pull everything again, once.
    DELETE FROM sync_state WHERE key = 'cursor';
    """,
)

SIGNED_OUT_BY = wire.SIGNED_OUT_BY


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
    interpreter_language: str | None = None  # a language code (kiosk.interpreting), when one was asked for
    student_name: str | None = None  # whom the visitor picks up: for the office, never on the kiosk's lists
    pass_id: int | None = None  # the visitor pass it was checked in with (kiosk.passes)

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
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


_COLUMNS_V1 = (
    "id, first_name, last_name, reason, host_id, host_name, language, interpreter,"
    " checked_in_ms, local_day, signed_out_ms, signed_out_by"
)
_COLUMNS = _COLUMNS_V1 + ", interpreter_language, student_name, pass_id"


def _visit(row: tuple) -> Visit:
    return Visit(
        id=row[0], first_name=row[1], last_name=row[2], reason=row[3], host_id=row[4], host_name=row[5],
        language=row[6], interpreter=bool(row[7]), checked_in=_dt(row[8]), local_day=row[9],
        signed_out=_dt(row[10]), signed_out_by=row[11],
        interpreter_language=row[12] if len(row) > 12 else None, student_name=row[13] if len(row) > 13 else None,
        pass_id=row[14] if len(row) > 14 else None,
    )  # fmt: skip


def _queue(conn: sqlite3.Connection, event: dict[str, Any], now_ms: int, stamp: Stamp | None = None) -> None:
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    if stamp is None:  # also the form migration 3's backfill can use, before the stamp's columns exist
        conn.execute("INSERT INTO outbox (event, created_ms) VALUES (?, ?)", (text, now_ms))
    else:
        conn.execute(
            "INSERT INTO outbox (event, created_ms, boot_id, uptime_ms) VALUES (?, ?, ?, ?)",
            (text, now_ms, stamp.boot, stamp.uptime_ms),
        )


def _queue_visit(conn: sqlite3.Connection, visit: Visit, checked_in_ms: int, stamp: Stamp | None = None) -> None:
    _queue(conn, wire.visit_event(visit, checked_in_ms), checked_in_ms, stamp)


@dataclass(frozen=True)
class Outgoing:
    seq: int
    event: dict[str, Any]
    stamp: Stamp | None = None  # when it happened by the boot's clock, if known


@dataclass(frozen=True)
class RemoteSignOut:
    visit_id: str
    at_ms: int
    by: str


@dataclass(frozen=True)
class StoredPass:
    """A visitor pass of this campus, as the server sent it (kiosk.wire: pass)."""

    id: int
    code_hash: str
    first_name: str
    last_name: str
    language: str
    reason: str
    host_id: str | None
    host_name: str | None
    valid_from_ms: int
    valid_until_ms: int
    max_uses: int
    uses: int
    revoked: bool


_PASS_COLUMNS = ", ".join(StoredPass.__dataclass_fields__)
PASS_KEPT_MS = 30 * 86_400_000  # a pass ended this long ago is forgotten ("unknown" rather than "expired")


def _get_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def _set_state(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", (key, value))


def _classify(exc: sqlite3.Error) -> StoreUnavailable:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    reason = {8: "read_only", 13: "full"}.get(code, "unavailable")
    if isinstance(exc, OSError):
        reason = {30: "read_only", 28: "full", 122: "full"}.get(exc.errno or 0, "unavailable")
    return StoreUnavailable(reason, str(exc))


class Store:
    """One SQLite database file, shared by the screen and the sync thread (a lock guards the connection)."""

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
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=5, check_same_thread=False)
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
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                if callable(step):
                    step(conn)
                else:
                    for statement in step.split(";"):
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

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(conn)` in one durable write transaction: all of it is stored, or none."""

        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result

        return self._run(run)

    # -- visits ------------------------------------------------------------------------
    def add_visit(self, visit: Visit, stamp: Stamp | None = None) -> None:
        """Store a visit and queue it for the server; the same id again changes nothing (a double tap).
        `stamp`: the boot's clock at check-in (kiosk.clock), for a visit made just now."""
        checked_in_ms = _ms(visit.checked_in)
        signed_out_ms = None if visit.signed_out is None else _ms(visit.signed_out)

        def work(conn: sqlite3.Connection) -> None:
            added = conn.execute(
                f"INSERT INTO visit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING",
                (visit.id, visit.first_name, visit.last_name, visit.reason, visit.host_id, visit.host_name,
                 visit.language, int(visit.interpreter), checked_in_ms, visit.local_day,
                 signed_out_ms, visit.signed_out_by, visit.interpreter_language, visit.student_name, visit.pass_id),
            ).rowcount  # fmt: skip
            if added:
                _queue_visit(conn, visit, checked_in_ms, stamp)
                if signed_out_ms is not None:
                    _queue(conn, wire.sign_out_event(visit.id, signed_out_ms, visit.signed_out_by or "staff"), signed_out_ms)

        self._transaction(work)

    def sign_out(self, visit_id: str, at: datetime, by: str, stamp: Stamp | None = None) -> bool:
        """Mark a visit signed out and queue that for the server; False if unknown or already signed out.
        `stamp`: the boot's clock at that moment, for a sign-out made just now."""
        if by not in SIGNED_OUT_BY:
            raise ValueError(f"signed out by {by!r}")
        at_ms = _ms(at)

        def work(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                "UPDATE visit SET signed_out_ms = ?, signed_out_by = ? WHERE id = ? AND signed_out_ms IS NULL",
                (at_ms, by, visit_id),
            ).rowcount
            if changed:
                _queue(conn, wire.sign_out_event(visit_id, at_ms, by), at_ms, stamp)
            return bool(changed)

        return self._transaction(work)

    # -- the outbox ------------------------------------------------------------------------
    def outbox_batch(self, limit: int = wire.MAX_BATCH) -> list[Outgoing]:
        """The oldest events the server has not acknowledged, in the order they happened."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT seq, event, boot_id, uptime_ms FROM outbox WHERE refused IS NULL ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [
            Outgoing(seq, json.loads(event), None if uptime is None else Stamp(boot, uptime))
            for seq, event, boot, uptime in rows
        ]

    def outbox_settle(self, delivered: list[int], refused: dict[int, str]) -> None:
        """Drop what the server holds; keep what it refused, with its reason, for staff to see."""

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM outbox WHERE seq = ?", [(seq,) for seq in delivered])
            conn.executemany("UPDATE outbox SET refused = ? WHERE seq = ?", [(r, s) for s, r in refused.items()])

        self._transaction(work)

    def outbox_counts(self) -> tuple[int, int]:
        """(waiting to be sent, refused by the server)."""
        return self._run(
            lambda c: c.execute(
                "SELECT count(*) FILTER (WHERE refused IS NULL), count(*) FILTER (WHERE refused IS NOT NULL)"
                " FROM outbox"
            ).fetchone()
        )

    def refused_events(self) -> list[tuple[dict[str, Any], str]]:
        rows = self._run(
            lambda c: c.execute("SELECT event, refused FROM outbox WHERE refused IS NOT NULL ORDER BY seq").fetchall()
        )
        return [(json.loads(event), reason) for event, reason in rows]

    def last_refusal(self) -> str | None:
        """The server's reason for the newest refused event, for the district page."""
        row = self._run(
            lambda c: c.execute(
                "SELECT refused FROM outbox WHERE refused IS NOT NULL ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        )
        return None if row is None else row[0][:300]

    def send_refused_again(self) -> int:
        """Queue every refused event again, in its old place (after the server or the kiosk was fixed);
        how many. A refusal is a kiosk bug or a version mismatch, so the events are kept, not dropped."""
        return self._transaction(
            lambda c: c.execute("UPDATE outbox SET refused = NULL WHERE refused IS NOT NULL").rowcount
        )

    # -- what the server sends down ----------------------------------------------------------
    def apply_changes(
        self,
        cursor: int,
        staff: list[tuple[StaffMember, bool]],
        sign_outs: list[RemoteSignOut],
        settings: dict[str, Any] | None,
        has_directory: bool = True,
        first_page: bool = False,
        passes: Sequence[StoredPass] = (),
        now_ms: int | None = None,
    ) -> None:
        """One page of changes and its cursor, stored together: a crash never skips or half-applies a page.

        The first page of a pull from cursor 0 starts the directory afresh. Until the server
        has a directory for the campus (`has_directory`), the kiosk keeps using its CSV.
        """

        def work(conn: sqlite3.Connection) -> None:
            if first_page:
                conn.execute("DELETE FROM staff")
                conn.execute("DELETE FROM visitor_pass")
            for p in passes:  # the pull follows the push: this kiosk's visits out of its outbox are in `uses`
                conn.execute(
                    f"INSERT OR REPLACE INTO visitor_pass ({_PASS_COLUMNS}, delivered_here) VALUES ({'?, ' * 13}"
                    " (SELECT COUNT(*) FROM visit WHERE pass_id = ? AND id NOT IN"
                    "  (SELECT json_extract(event, '$.id') FROM outbox WHERE json_extract(event, '$.type') = 'visit')))",
                    (*astuple(p), p.id),
                )  # fmt: skip
            if now_ms is not None:
                conn.execute("DELETE FROM visitor_pass WHERE valid_until_ms < ?", (now_ms - PASS_KEPT_MS,))
            for member, active in staff:
                if active:
                    conn.execute(
                        "INSERT OR REPLACE INTO staff (id, first_name, last_name, display_name, role, room, languages)"
                        " VALUES (?,?,?,?,?,?,?)",
                        (member.id, member.first_name, member.last_name, member.display_name, member.role,
                         member.room, " ".join(member.languages)),
                    )  # fmt: skip
                else:
                    conn.execute("DELETE FROM staff WHERE id = ?", (member.id,))
            for s in sign_outs:
                conn.execute(
                    "UPDATE visit SET signed_out_ms = ?, signed_out_by = ? WHERE id = ? AND (signed_out_ms IS NULL"
                    " OR signed_out_ms > ? OR (signed_out_ms = ? AND signed_out_by > ?))",  # wire.signs_out_earlier
                    (s.at_ms, s.by, s.visit_id, s.at_ms, s.at_ms, s.by),
                )
            if settings is not None:
                _set_state(conn, "settings", json.dumps(settings))
            _set_state(conn, "cursor", str(cursor))
            if has_directory:
                _set_state(conn, "directory_synced", "1")
            else:
                conn.execute("DELETE FROM sync_state WHERE key = 'directory_synced'")

        self._transaction(work)

    def forget_server_state(self, identity: str) -> None:
        """Another server or campus (re-enrolled), or a server restored from a backup: pull everything
        again. The outbox is kept: visits made here still go to the server the kiosk is enrolled with."""

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM staff")
            conn.execute("DELETE FROM visitor_pass")
            conn.execute("DELETE FROM sync_state WHERE key IN ('cursor', 'settings', 'directory_synced')")
            _set_state(conn, "enrolled_as", identity)

        self._transaction(work)

    def visitor_pass(self, code_hash: str) -> StoredPass | None:
        def work(conn: sqlite3.Connection) -> StoredPass | None:
            row = conn.execute(f"SELECT {_PASS_COLUMNS} FROM visitor_pass WHERE code_hash = ?", (code_hash,)).fetchone()
            return None if row is None else StoredPass(*row[:12], revoked=bool(row[12]))

        return self._run(work)

    def pass_visits(self, pass_id: int) -> tuple[list[Visit], int]:
        """The visits made here with a pass, newest first, and how many of them are not in the pass's `uses`
        as the server last sent it: those made, or delivered, since (a push that went through and a pull
        that did not still count)."""

        def work(conn: sqlite3.Connection) -> tuple[list[Visit], int]:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM visit WHERE pass_id = ? ORDER BY checked_in_ms DESC",
                                (pass_id,)).fetchall()  # fmt: skip
            known = conn.execute("SELECT delivered_here FROM visitor_pass WHERE id = ?", (pass_id,)).fetchone()
            return [_visit(r) for r in rows], max(0, len(rows) - (known[0] if known else 0))

        return self._run(work)

    def staff(self) -> list[StaffMember] | None:
        """The directory the server sent, or None if it never sent one."""

        def work(conn: sqlite3.Connection) -> list[StaffMember] | None:
            if _get_state(conn, "directory_synced") is None:
                return None
            rows = conn.execute(
                "SELECT id, first_name, last_name, display_name, role, room, languages FROM staff"
            ).fetchall()
            return [StaffMember(*row[:6], languages=tuple(row[6].split())) for row in rows]

        return self._run(work)

    def get_state(self, key: str) -> str | None:
        return self._run(lambda c: _get_state(c, key))

    def set_state(self, key: str, value: str) -> None:
        self._transaction(lambda c: _set_state(c, key, value))

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
