"""kiosk/store.py: visits are committed durably to SQLite, and a broken store says why."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.ids import new_id
from kiosk.store import MIGRATIONS, Store, StoreUnavailable, Visit

DAY = date(2025, 3, 14)
MORNING = datetime(2025, 3, 14, 14, 5, 30, 123000, tzinfo=UTC)  # 9:05:30.123 in Chicago


def visit(
    first: str = "María José",
    last: str = "Núñez-O'Brien",
    at: datetime = MORNING,
    day: date = DAY,
    **changes: object,
) -> Visit:
    fields: dict[str, object] = dict(
        id=new_id(),
        first_name=first,
        last_name=last,
        reason="meeting",
        host_id="T-17",
        host_name="Ms. García",
        language="es",
        interpreter=True,
        checked_in=at,
        local_day=day.isoformat(),
    )
    fields.update(changes)
    return Visit(**fields)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kiosk.sqlite3"


@pytest.fixture
def store(db_path: Path):  # type: ignore[no-untyped-def]
    s = Store(db_path)
    yield s
    s.close()


# --- visits ----------------------------------------------------------------------------------


def test_a_visit_reads_back_with_every_field(store: Store) -> None:
    v = visit()
    store.add_visit(v)
    back = store.get(v.id)
    assert back == v
    assert back is not None
    assert (back.first_name, back.last_name) == ("María José", "Núñez-O'Brien")
    assert (back.reason, back.host_id, back.host_name) == ("meeting", "T-17", "Ms. García")
    assert (back.language, back.interpreter, back.local_day) == ("es", True, "2025-03-14")
    assert back.checked_in == MORNING
    assert back.checked_in.utcoffset() == timedelta(0)
    assert back.signed_out is None and back.signed_out_by is None
    assert back.on_site


def test_a_visit_without_a_host_reads_back(store: Store) -> None:
    v = visit(host_id=None, host_name=None, interpreter=False, first="王小明", last="", language="en")
    store.add_visit(v)
    assert store.get(v.id) == v


def test_a_check_in_time_in_another_zone_reads_back_as_the_same_instant_in_utc(store: Store) -> None:
    local = MORNING.astimezone(ZoneInfo("America/Chicago"))
    v = visit(at=local)
    store.add_visit(v)
    back = store.get(v.id)
    assert back is not None
    assert back.checked_in == local
    assert back.checked_in.utcoffset() == timedelta(0)
    assert back.checked_in.hour == 14


def test_an_unknown_id_reads_as_none(store: Store) -> None:
    assert store.get(new_id()) is None


def test_visits_on_a_day_in_check_in_order(store: Store) -> None:
    later = visit(first="Later", at=MORNING + timedelta(hours=2))
    earlier = visit(first="Earlier", at=MORNING)
    yesterday = visit(first="Yesterday", at=MORNING - timedelta(days=1), day=DAY - timedelta(days=1))
    for v in (later, yesterday, earlier):
        store.add_visit(v)
    assert [v.first_name for v in store.visits_on(DAY)] == ["Earlier", "Later"]
    assert [v.first_name for v in store.visits_on(DAY - timedelta(days=1))] == ["Yesterday"]
    assert store.visits_on(DAY + timedelta(days=1)) == []


def test_on_site_leaves_out_who_signed_out_and_other_days(store: Store) -> None:
    stays = visit(first="Stays")
    leaves = visit(first="Leaves", at=MORNING + timedelta(minutes=1))
    yesterday = visit(first="Yesterday", at=MORNING - timedelta(days=1), day=DAY - timedelta(days=1))
    for v in (stays, leaves, yesterday):
        store.add_visit(v)
    assert [v.first_name for v in store.on_site(DAY)] == ["Stays", "Leaves"]
    store.sign_out(leaves.id, MORNING + timedelta(minutes=30), "visitor")
    assert [v.first_name for v in store.on_site(DAY)] == ["Stays"]
    assert [v.first_name for v in store.visits_on(DAY)] == ["Stays", "Leaves"]
    assert [v.first_name for v in store.on_site(DAY - timedelta(days=1))] == ["Yesterday"]


def test_sign_out_once_true_then_false(store: Store) -> None:
    v = visit()
    store.add_visit(v)
    left = MORNING + timedelta(minutes=42)
    assert store.sign_out(v.id, left, "staff") is True
    assert store.sign_out(v.id, left + timedelta(minutes=5), "visitor") is False
    back = store.get(v.id)
    assert back is not None
    assert back.signed_out == left  # the first sign-out stands
    assert back.signed_out.utcoffset() == timedelta(0)
    assert back.signed_out_by == "staff"
    assert not back.on_site


def test_signing_out_an_unknown_visit_is_false(store: Store) -> None:
    assert store.sign_out(new_id(), MORNING, "visitor") is False


def test_sign_out_by_someone_unknown_is_refused(store: Store) -> None:
    v = visit()
    store.add_visit(v)
    with pytest.raises(ValueError):
        store.sign_out(v.id, MORNING, "janitor")
    assert store.get(v.id).on_site  # type: ignore[union-attr]


# --- durability ------------------------------------------------------------------------------


def test_wal_journal_on_the_file(store: Store, db_path: Path) -> None:
    store.status()  # opens and creates the database
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_commits_are_synchronous_full(store: Store) -> None:
    assert store._connect().execute("PRAGMA synchronous").fetchone()[0] == 2


def test_schema_version_is_set(store: Store, db_path: Path) -> None:
    store.add_visit(visit())
    store.close()
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    finally:
        other.close()


def test_a_visit_is_committed_before_add_visit_returns(store: Store, db_path: Path) -> None:
    v = visit()
    store.add_visit(v)
    other = sqlite3.connect(db_path)  # another process would see the same
    try:
        rows = other.execute("SELECT id, first_name FROM visit").fetchall()
    finally:
        other.close()
    assert rows == [(v.id, "María José")]


def test_a_store_reopened_on_the_same_file_sees_earlier_visits(db_path: Path) -> None:
    first = Store(db_path)
    visits = [visit(first=f"Visitor{i}", at=MORNING + timedelta(minutes=i)) for i in range(3)]
    for v in visits:
        first.add_visit(v)
    first.sign_out(visits[0].id, MORNING + timedelta(hours=1), "visitor")
    first.close()

    again = Store(db_path)
    try:
        assert [v.id for v in again.visits_on(DAY)] == [v.id for v in visits]
        assert again.get(visits[0].id).signed_out_by == "visitor"  # type: ignore[union-attr]
        assert len(again.on_site(DAY)) == 2
    finally:
        again.close()


def test_the_data_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "welcome-kiosk" / "kiosk.sqlite3"
    s = Store(path)
    try:
        s.add_visit(visit())
        assert path.is_file()
    finally:
        s.close()


# --- a broken store says why, and recovers ---------------------------------------------------


def test_a_file_that_is_not_sqlite_gives_store_unavailable(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = os.urandom(8192)
    db_path.write_bytes(garbage)
    s = Store(db_path)
    try:
        for call in (
            lambda: s.add_visit(visit()),
            lambda: s.visits_on(DAY),
            lambda: s.on_site(DAY),
            lambda: s.get(new_id()),
            lambda: s.check_writable(),
        ):
            with pytest.raises(StoreUnavailable) as caught:
                call()
            assert caught.value.reason == "unavailable"
            assert caught.value.detail
        status = s.status()
        assert status.ok is False
        assert status.problem == "unavailable"
        assert status.visits_total is None
    finally:
        s.close()
    assert db_path.read_bytes() == garbage  # the store did not overwrite what it cannot read


def test_the_store_recovers_once_the_bad_file_is_gone(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    s = Store(db_path)
    try:
        with pytest.raises(StoreUnavailable):
            s.add_visit(visit())
        db_path.unlink()
        v = visit()
        s.add_visit(v)
        assert s.get(v.id) == v
    finally:
        s.close()


def test_a_database_from_a_newer_kiosk_is_unavailable_not_damaged(db_path: Path) -> None:
    s = Store(db_path)
    v = visit()
    s.add_visit(v)
    s._connect().execute(f"PRAGMA user_version={len(MIGRATIONS) + 5}")
    s.close()
    again = Store(db_path)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            again.visits_on(DAY)
        assert caught.value.reason == "unavailable"
        assert "newer" in caught.value.detail
    finally:
        again.close()
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("SELECT id FROM visit").fetchall() == [(v.id,)]
    finally:
        other.close()


def test_status_reports_counts(store: Store) -> None:
    empty = store.status()
    assert empty.ok is True and empty.problem is None
    assert empty.visits_total == 0
    assert empty.schema_version == len(MIGRATIONS)
    for i in range(3):
        store.add_visit(visit(at=MORNING + timedelta(minutes=i)))
    status = store.status()
    assert status.ok is True
    assert status.visits_total == 3
    assert status.size_bytes is not None and status.size_bytes > 0
    assert status.free_bytes is not None and status.free_bytes > 0
    assert status.path == str(store.path)


def test_check_writable_passes_on_a_healthy_store(store: Store) -> None:
    store.check_writable()
    v = visit()
    store.add_visit(v)  # and it left no transaction open
    assert store.get(v.id) == v


def test_a_full_database_says_full_and_recovers_without_losing_visits(store: Store) -> None:
    conn = store._connect()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages + 2}")

    saved: list[Visit] = []
    with pytest.raises(StoreUnavailable) as caught:
        for i in range(10_000):
            v = visit(first="Visitor" * 7, last=f"Number{i}" * 10, at=MORNING + timedelta(seconds=i))
            store.add_visit(v)
            saved.append(v)
    assert caught.value.reason == "full"
    assert saved, "the database filled before the first visit: the test proves nothing"

    conn = store._connect()
    conn.execute("PRAGMA max_page_count=1073741823")
    after = visit(first="After", at=MORNING + timedelta(hours=5))
    store.add_visit(after)

    assert [v.id for v in store.visits_on(DAY)] == [v.id for v in saved] + [after.id]
    assert store.status().visits_total == len(saved) + 1


# --- the outbox: what the district server has not acknowledged yet -----------------------------


def test_a_visit_and_its_sign_out_are_queued_with_them(store: Store) -> None:
    v = visit()
    store.add_visit(v)
    store.add_visit(v)  # a double tap: queued once
    store.sign_out(v.id, MORNING + timedelta(minutes=5), "visitor")
    store.sign_out(v.id, MORNING + timedelta(minutes=6), "staff")  # already out: nothing new
    events = [o.event for o in store.outbox_batch()]
    assert [e["type"] for e in events] == ["visit", "sign_out"]
    assert events[0]["id"] == v.id and events[0]["first_name"] == "María José"
    assert events[0]["checked_in_ms"] == int(MORNING.timestamp() * 1000)
    assert events[1] == {"type": "sign_out", "visit_id": v.id, "at_ms": events[0]["checked_in_ms"] + 300_000,
                         "by": "visitor"}  # fmt: skip
    assert store.outbox_counts() == (2, 0)


def test_a_visit_is_never_stored_without_its_outbox_row(store: Store) -> None:
    store.add_visit(visit())
    # An outbox that cannot be written (a trigger stands in for a failing disk) takes the visit down with it.
    store._transaction(lambda c: c.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    ))  # fmt: skip
    lost = visit(first="Lost")
    with pytest.raises(StoreUnavailable):
        store.add_visit(lost)
    assert store.get(lost.id) is None
    assert store.outbox_counts() == (1, 0)


def test_settled_events_leave_and_refused_ones_stay_with_their_reason(store: Store) -> None:
    for first in ("Ana", "Bea", "Cy"):
        store.add_visit(visit(first=first))
    batch = store.outbox_batch(limit=2)
    assert [o.event["first_name"] for o in batch] == ["Ana", "Bea"]
    store.outbox_settle([batch[0].seq], {batch[1].seq: "reason: unknown"})
    assert store.outbox_counts() == (1, 1)
    assert [o.event["first_name"] for o in store.outbox_batch()] == ["Cy"]
    assert store.refused_events()[0][1] == "reason: unknown"


def test_visits_stored_before_the_outbox_existed_are_queued_by_the_migration(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version=1;")  # type: ignore[operator]
    conn.execute(
        "INSERT INTO visit VALUES ('0193a1b2-0000-7000-8000-000000000001','Ana','Ruiz','pickup',NULL,NULL,'es',0,"
        "1741961130123,'2025-03-14',1741962000000,'visitor')"
    )
    conn.commit()
    conn.close()
    store = Store(db_path)
    events = [o.event for o in store.outbox_batch()]
    assert [(e["type"], e.get("id") or e.get("visit_id")) for e in events] == [
        ("visit", "0193a1b2-0000-7000-8000-000000000001"), ("sign_out", "0193a1b2-0000-7000-8000-000000000001"),
    ]  # fmt: skip
    assert events[1]["at_ms"] == 1741962000000
    store.close()


def test_changes_from_the_server_and_their_cursor_are_stored_together(store: Store) -> None:
    from kiosk.directory import StaffMember
    from kiosk.store import RemoteSignOut

    assert store.staff() is None  # never synced: the CSV stays in use
    v = visit()
    store.add_visit(v)
    garcia = StaffMember("T-17", "Ana", "García", "Ms. García", "3rd grade", "12", ("es", "en"))
    store.apply_changes(7, [(garcia, True)], [RemoteSignOut(v.id, int(MORNING.timestamp() * 1000) + 60_000, "office")],
                        {"campus_name": "Lincoln"})  # fmt: skip
    assert store.staff() == [garcia]
    assert store.get_state("cursor") == "7"
    assert store.get(v.id).signed_out_by == "office"  # type: ignore[union-attr]
    assert store.outbox_counts() == (1, 0)  # the office's sign-out is not sent back up
    # A later sign-out does not move the time; an earlier one does (earliest wins).
    later = RemoteSignOut(v.id, int(MORNING.timestamp() * 1000) + 120_000, "staff")
    store.apply_changes(8, [(garcia, False)], [later], None)
    assert store.get(v.id).signed_out == MORNING + timedelta(minutes=1)  # type: ignore[union-attr]
    assert store.staff() == []
