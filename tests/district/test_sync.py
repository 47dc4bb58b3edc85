"""The real kiosk sync client against the real server on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
import requests
from conftest import World, short_undo
from faultproxy import FaultProxy
from loopback import LoopbackServer
from sqlalchemy import select, update

from district import service
from district.models import Campus, Kiosk, Staff, Visit
from kiosk.checkin import Draft, FrontDesk
from kiosk.config import Config
from kiosk.directory import StaffMember
from kiosk.store import Store
from kiosk.sync import Enrollment, SyncClient, SyncError, check_server_url, enroll, load_enrollment


def make_desk(tmp_path: Path, name: str = "kiosk") -> FrontDesk:
    config = Config(campus_name="Lincoln Elementary", data_dir=tmp_path / name, timezone="America/Chicago")
    return FrontDesk(config, Store(config.database_path))


def check_in(desk: FrontDesk, n: int, first: str = "María") -> list[str]:
    ids = []
    for i in range(n):
        draft = Draft(language="es", first_name=first, last_name=f"Núñez {chr(65 + i % 26)}", reason="pickup",
                      student_name="Leo Núñez")  # fmt: skip
        ids.append(desk.check_in(draft).id)
    return ids


def enrolled(desk: FrontDesk, url: str, code: str) -> SyncClient:
    enrollment = enroll(url, code, desk.config.enrollment_path)
    return SyncClient(desk.store, enrollment)


def server_visits(server: LoopbackServer, campus_id: int | None = None) -> dict[str, Visit]:
    with server.sessions() as db:
        query = select(Visit)
        if campus_id is not None:
            query = query.where(Visit.campus_id == campus_id)
        return {v.id: v for v in db.scalars(query)}


def backlog(desk: FrontDesk) -> tuple[int, int]:
    return desk.store.outbox_counts()


# -- enrollment ------------------------------------------------------------------------------
def test_enrollment_saves_a_private_token_and_the_code_works_once(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    enrollment = enroll(world.server.url, world.code_a.lower().replace("-", " "), desk.config.enrollment_path)
    path = desk.config.enrollment_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert enrollment.token not in repr(enrollment)
    assert load_enrollment(path) == enrollment
    assert enrollment.kiosk_name == "Lincoln front door"
    with pytest.raises(SyncError) as again:
        enroll(world.server.url, world.code_a, tmp_path / "other.json")
    assert again.value.kind == "refused" and "used or expired" in again.value.detail
    assert not (tmp_path / "other.json").exists()


def test_an_expired_code_is_refused(world: World, tmp_path: Path) -> None:
    with world.server.sessions.begin() as db:
        db.execute(Kiosk.__table__.update().values(enrollment_expires_ms=service.now_ms() - 1))
    with pytest.raises(SyncError) as refused:
        enroll(world.server.url, world.code_a, tmp_path / "e.json")
    assert refused.value.kind == "refused"


def test_server_addresses_must_use_https_except_on_this_machine() -> None:
    assert check_server_url("https://kiosks.example.org/") == "https://kiosks.example.org"
    assert check_server_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    for bad in ("http://kiosks.example.org", "ftp://x", "kiosks.example.org", "https://u:p@x.org", ""):
        with pytest.raises(ValueError):
            check_server_url(bad)


def test_a_world_readable_enrollment_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "enrollment.json"
    path.write_text(json.dumps({"server_url": "https://x.org", "kiosk_id": "k", "kiosk_name": "n", "token": "t"}))
    path.chmod(0o644)
    assert load_enrollment(path) == Enrollment("https://x.org", "k", "n", "t")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("{not json")
    assert load_enrollment(path) is None


# -- up: exactly once ---------------------------------------------------------------------------
def test_visits_and_sign_outs_reach_the_server_exactly_once(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    ids = check_in(desk, 3)
    desk.sign_out(ids[0])
    client = enrolled(desk, world.server.url, world.code_a)
    report = client.sync()
    assert (report.sent, report.refused) == (4, 0)
    assert backlog(desk) == (0, 0)
    visits = server_visits(world.server)
    assert set(visits) == set(ids)
    assert visits[ids[0]].signed_out_by == "visitor" and visits[ids[1]].signed_out_ms is None
    assert visits[ids[1]].first_name == "María" and visits[ids[1]].language == "es"
    assert all(v.campus_id == world.campus_a for v in visits.values())
    # The same events sent again (a lost answer): nothing doubles.
    events = [desk.store.get(i) for i in ids]
    for event in events:
        assert event is not None
    answer = client.http.post(client.base + "/sync/push", json={"events": [_visit_event(desk, i) for i in ids]})
    assert [r["status"] for r in answer.json()["results"]] == ["duplicate"] * 3
    assert len(server_visits(world.server)) == 3


def _visit_event(desk: FrontDesk, visit_id: str) -> dict:
    from kiosk import wire

    visit = desk.store.get(visit_id)
    assert visit is not None
    return wire.visit_event(visit, int(visit.checked_in.timestamp() * 1000))


def test_one_bad_event_in_a_batch_does_not_lose_the_good_ones(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    ids = check_in(desk, 2)
    client = enrolled(desk, world.server.url, world.code_a)
    good = _visit_event(desk, ids[0])
    bad = dict(_visit_event(desk, ids[1]), first_name="<script>alert(1)</script>")
    answer = client.http.post(client.base + "/sync/push", json={"events": [bad, good, {"type": "sign_out"}]})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert results[0]["status"] == "refused" and "first_name" in results[0]["error"]
    assert results[1]["status"] == "stored"
    assert results[2]["status"] == "refused" and "visit_id" in results[2]["error"]
    assert set(server_visits(world.server)) == {ids[0]}


def test_a_refused_event_is_kept_on_the_kiosk_with_its_reason(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    ids = check_in(desk, 2)
    # A kiosk with a bug (or an older version) queued a visit the server does not accept.
    desk.store._transaction(
        lambda c: c.execute("UPDATE outbox SET event = json_set(event, '$.reason', 'karaoke') WHERE seq = 1")
    )
    client = enrolled(desk, world.server.url, world.code_a)
    report = client.sync()
    assert (report.sent, report.refused) == (1, 1)
    assert backlog(desk) == (0, 1)
    [(event, reason)] = desk.store.refused_events()
    assert event["id"] == ids[0] and "reason" in reason
    client.sync()  # not sent again and again
    assert backlog(desk) == (0, 1)
    with world.server.sessions() as db:
        kiosk = db.scalars(select(Kiosk).where(Kiosk.campus_id == world.campus_a)).one()
        assert (kiosk.backlog, kiosk.refused) == (0, 1)


def test_a_batch_half_applied_on_the_server_is_completed_once(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    ids = check_in(desk, 10)
    client = enrolled(desk, world.server.url, world.code_a)
    with world.server.sessions.begin() as db:  # an earlier attempt got the first half in
        kiosk = db.scalars(select(Kiosk).where(Kiosk.campus_id == world.campus_a)).one()
        service.apply_events(db, kiosk.id, kiosk.campus_id, [_visit_event(desk, i) for i in ids[:5]])
    assert client.push() == (10, 0)
    assert set(server_visits(world.server)) == set(ids)


# -- campuses are separate ------------------------------------------------------------------------
def test_a_kiosk_cannot_read_or_write_another_campus(world: World, tmp_path: Path) -> None:
    desk_a, desk_b = make_desk(tmp_path, "a"), make_desk(tmp_path, "b")
    client_a = enrolled(desk_a, world.server.url, world.code_a)
    client_b = enrolled(desk_b, world.server.url, world.code_b)
    [b_visit] = check_in(desk_b, 1)
    client_b.sync()
    with world.server.sessions.begin() as db:
        service.replace_staff(db, world.campus_b, [StaffMember("b1", "Thanh", "Nguyễn", role="Principal")])
    # A signs out B's visitor: refused, and B's visit stays on site.
    from kiosk import wire

    sign_out = wire.sign_out_event(b_visit, service.now_ms(), "staff")
    result = client_a.http.post(client_a.base + "/sync/push", json={"events": [sign_out]}).json()["results"][0]
    assert result["status"] == "refused"
    assert server_visits(world.server)[b_visit].signed_out_ms is None
    # A re-sends B's visit as its own: B's copy is untouched.
    hijack = dict(_visit_event(desk_b, b_visit), first_name="Mallory")
    client_a.http.post(client_a.base + "/sync/push", json={"events": [hijack]})
    stored = server_visits(world.server)[b_visit]
    assert (stored.campus_id, stored.first_name) == (world.campus_b, "María")
    # A's pull shows none of B's staff or settings.
    changes = client_a.http.get(client_a.base + "/sync/changes", params={"since": 0}).json()
    assert changes["staff"] == [] and changes["settings"]["campus_name"] == "Lincoln Elementary"
    client_b.pull()
    assert [m.last_name for m in desk_b.store.staff() or []] == ["Nguyễn"]


def test_a_revoked_kiosk_is_shut_out(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    with world.server.sessions.begin() as db:
        service.revoke(db, client.enrollment.kiosk_id)
    check_in(desk, 1)
    with pytest.raises(SyncError) as shut:
        client.sync()
    assert shut.value.kind == "unauthorized"
    assert backlog(desk) == (1, 0)  # kept for when it is enrolled again


# -- down: the directory, settings and sign-outs ------------------------------------------------
def test_the_directory_arrives_incrementally(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    staff = [StaffMember(f"s{i}", f"First{i}", f"Last{i}", role="Teacher") for i in range(2500)]
    with world.server.sessions.begin() as db:
        service.replace_staff(db, world.campus_a, staff)
    count, changed = client.pull()
    assert changed and count >= 2500
    desk.use_synced_directory()
    assert len(desk.directory) == 2500
    assert [m.id for m in desk.search_staff("last1234")] == ["s1234"]
    # One change, one removal: only those come down.
    staff[7] = StaffMember("s7", "Ana", "García", display_name="Ms. García", role="3rd grade", room="12")
    with world.server.sessions.begin() as db:
        result = service.replace_staff(db, world.campus_a, staff[:-1])
    assert (result.added, result.changed, result.removed) == (0, 1, 1)
    count, _ = client.pull()
    assert count == 2
    desk.use_synced_directory()
    assert len(desk.directory) == 2499
    assert desk.search_staff("garc")[0].name == "Ms. García"
    assert client.pull() == (0, False)


def test_settings_from_the_server_rename_the_campus_on_the_kiosk(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    desk._synced(client.sync())
    assert desk.campus_name == "Lincoln Elementary"
    assert str(desk.zone) == "America/Chicago"
    with world.server.sessions.begin() as db:
        service.update_settings(db, db.get_one(service.Campus, world.campus_a), name="Lincoln Elementary School")
    desk._synced(client.sync())  # what the sync thread does after each round
    assert desk.campus_name == "Lincoln Elementary School"
    assert desk.languages == ("en", "es") and desk.default_language == "en"
    with world.server.sessions.begin() as db:  # Spanish first; Klingon has no catalog on this kiosk
        service.update_settings(db, db.get_one(Campus, world.campus_a), languages=["es", "tlh", "en"],
                                default_language="es")  # fmt: skip
    desk._synced(client.sync())
    assert desk.languages == ("es", "en") and desk.default_language == "es"


def test_sign_outs_made_on_both_sides_while_offline_merge_to_the_earliest(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_undo(monkeypatch, 0)  # the office's sign-outs are final at once (their Undo: the tests below)
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    first, second = check_in(desk, 2)
    client.sync()
    # The office signs out `first` while the kiosk is offline; the visitor then signs out at the kiosk.
    with world.server.sessions.begin() as db:
        assert service.sign_out_at_office(db, world.campus_a, first)
    office_ms = server_visits(world.server)[first].signed_out_ms
    desk.sign_out(first)
    # The visitor signs out `second` at the kiosk first; the office, not yet told, signs them out later.
    desk.sign_out(second)
    time.sleep(0.005)
    with world.server.sessions.begin() as db:
        kiosk_second_ms = desk.store.get(second).signed_out  # type: ignore[union-attr]
        assert service.sign_out_at_office(db, world.campus_a, second)
    client.sync()
    on_server = server_visits(world.server)
    on_kiosk = {v: desk.store.get(v) for v in (first, second)}
    assert on_server[first].signed_out_ms == office_ms and on_server[first].signed_out_by == "office"
    assert on_kiosk[first].signed_out_by == "office"  # type: ignore[union-attr]
    assert int(on_kiosk[first].signed_out.timestamp() * 1000) == office_ms  # type: ignore[union-attr]
    assert on_server[second].signed_out_by == "visitor"
    assert on_server[second].signed_out_ms == int(kiosk_second_ms.timestamp() * 1000)  # type: ignore[union-attr]
    assert on_kiosk[second].signed_out_by == "visitor"  # type: ignore[union-attr]
    assert desk.on_site() == []


def signed_out_at_the_office(world: World, tmp_path: Path) -> tuple[FrontDesk, SyncClient, str]:
    """A kiosk, a visitor it checked in and told the server of, and the office signing them out a moment ago."""
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    [visit_id] = check_in(desk, 1)
    client.sync()
    with world.server.sessions.begin() as db:
        assert service.sign_out_at_office(db, world.campus_a, visit_id)
    return desk, client, visit_id


def test_an_undone_office_sign_out_never_reaches_the_kiosk(world: World, tmp_path: Path) -> None:
    desk, client, visit_id = signed_out_at_the_office(world, tmp_path)
    with world.server.sessions.begin() as db:
        service.replace_staff(db, world.campus_a, [StaffMember("t-9", "Ana", "Pérez")])  # a change after it
    client.sync()  # within the seconds the office can undo it: the kiosk is not told yet, nor of what came after
    assert desk.store.get(visit_id).signed_out is None  # type: ignore[union-attr]
    assert not desk.store.staff()
    revision = server_visits(world.server)[visit_id].revision
    with world.server.sessions.begin() as db:
        service.undo_office_sign_out(db, world.campus_a, visit_id, revision)
    client.sync()
    assert server_visits(world.server)[visit_id].signed_out_ms is None
    assert [v.id for v in desk.on_site()] == [visit_id]  # on site on both sides, as if never signed out
    assert [m.id for m in desk.store.staff() or []] == ["t-9"]  # nothing after it was skipped


def test_an_office_sign_out_reaches_the_kiosk_once_it_can_no_longer_be_undone(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_undo(monkeypatch, 1500)  # the first sync must come within it, even on a loaded machine
    desk, client, visit_id = signed_out_at_the_office(world, tmp_path)
    client.sync()
    assert desk.store.get(visit_id).signed_out is None  # type: ignore[union-attr]
    time.sleep(1.55)
    client.sync()
    assert desk.store.get(visit_id).signed_out_by == "office"  # type: ignore[union-attr]
    revision = server_visits(world.server)[visit_id].revision
    with world.server.sessions.begin() as db, pytest.raises(service.Refused) as late:
        service.undo_office_sign_out(db, world.campus_a, visit_id, revision)
    assert str(late.value) == "A sign-out can be undone for 1 seconds only, so the sign-out of \u2068María N.\u2069 stands."
    assert server_visits(world.server)[visit_id].signed_out_by == "office"


def test_an_undo_never_puts_back_a_visitor_who_signed_out_at_the_kiosk(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office signs out by mistake, the visitor then signs out at the kiosk (still listed there) before
    the Undo: the kiosk's sign-out makes the office's final, and both sides end up with the office's."""
    short_undo(monkeypatch, 1000)
    desk, client, visit_id = signed_out_at_the_office(world, tmp_path)
    shown = server_visits(world.server)[visit_id]
    office_ms = shown.signed_out_ms
    assert desk.sign_out(visit_id)  # the visitor, at the kiosk, a moment later
    client.sync()
    with world.server.sessions.begin() as db, pytest.raises(service.Refused) as stands:
        service.undo_office_sign_out(db, world.campus_a, visit_id, shown.revision)
    assert str(stands.value) == "\u2068María N.\u2069 also signed out at the kiosk, so the sign-out stands."
    time.sleep(1.05)
    client.sync()
    on_server, on_kiosk = server_visits(world.server)[visit_id], desk.store.get(visit_id)
    assert (on_server.signed_out_ms, on_server.signed_out_by) == (office_ms, "office")  # the earliest, everywhere
    assert on_kiosk is not None and on_kiosk.signed_out_by == "office"
    assert int(on_kiosk.signed_out.timestamp() * 1000) == office_ms  # type: ignore[union-attr]


def test_sign_outs_at_the_same_millisecond_converge_too(world: World, tmp_path: Path) -> None:
    from kiosk import wire

    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    [visit_id] = check_in(desk, 1)
    client.sync()
    at = service.now_ms()
    for by in ("visitor", "staff"):  # two kiosk sign-outs, one millisecond, in the "wrong" order
        client.http.post(client.base + "/sync/push", json={"events": [wire.sign_out_event(visit_id, at, by)]})
    client.pull()
    on_server, on_kiosk = server_visits(world.server)[visit_id], desk.store.get(visit_id)
    assert (on_server.signed_out_ms, on_server.signed_out_by) == (at, "staff")
    assert on_kiosk is not None and on_kiosk.signed_out_by == "staff"


# -- faults ---------------------------------------------------------------------------------------
def test_the_server_down_for_a_while(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    world.server.stop()
    ids = check_in(desk, 20)  # the kiosk goes on checking visitors in
    with pytest.raises(SyncError) as down:
        client.sync()
    assert down.value.kind == "offline"
    assert backlog(desk) == (20, 0)
    world.server.start()
    client.sync()
    assert set(server_visits(world.server)) == set(ids) and backlog(desk) == (0, 0)


def test_connection_cut_after_the_server_stored_a_batch(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    proxy = FaultProxy(world.server.port)
    enrollment = enroll(world.server.url, world.code_a, desk.config.enrollment_path)
    client = SyncClient(desk.store, Enrollment(proxy.url, enrollment.kiosk_id, enrollment.kiosk_name, enrollment.token))
    ids = check_in(desk, 30)
    proxy.mode = "cut"
    with pytest.raises(SyncError):
        client.push()
    assert proxy.cuts >= 1
    assert len(server_visits(world.server)) == 30  # stored, but the kiosk never heard
    assert backlog(desk) == (30, 0)
    proxy.mode = "error"
    with pytest.raises(SyncError) as error:
        client.push()
    assert error.value.kind == "server"
    proxy.mode = "pass"
    assert client.push() == (30, 0)
    assert set(server_visits(world.server)) == set(ids) and backlog(desk) == (0, 0)
    proxy.close()


def test_a_slow_server_does_not_hold_the_screen(world: World, tmp_path: Path) -> None:
    import time

    desk = make_desk(tmp_path)
    proxy = FaultProxy(world.server.port)
    enrollment = enroll(world.server.url, world.code_a, desk.config.enrollment_path)
    client = SyncClient(desk.store, Enrollment(proxy.url, enrollment.kiosk_id, enrollment.kiosk_name, enrollment.token))
    proxy.mode, proxy.delay = "slow", 3.0
    desk.start_sync(client, interval=60)
    try:
        started = time.perf_counter()
        check_in(desk, 5)
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0, f"5 check-ins took {elapsed:.2f} s while the server was slow"
        deadline = time.monotonic() + 20
        while backlog(desk) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert backlog(desk) == (0, 0)
    finally:
        desk.stop_sync()
        proxy.close()


def test_kiosk_killed_in_the_middle_of_a_batch(world: World, tmp_path: Path) -> None:
    """SIGKILL while sending 3,000 visits; after a restart everything is on the server exactly once."""
    import subprocess
    import sys
    import time

    desk = make_desk(tmp_path)
    enrollment = enroll(world.server.url, world.code_a, desk.config.enrollment_path)
    ids = check_in(desk, 3000)
    desk.store.close()
    script = (
        "import sys; from pathlib import Path; from kiosk.store import Store; "
        "from kiosk.sync import SyncClient, load_enrollment; "
        "store = Store(Path(sys.argv[1])); client = SyncClient(store, load_enrollment(Path(sys.argv[2]))); "
        "client.push()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(desk.config.database_path), str(desk.config.enrollment_path)],
        env=os.environ | {"PYTHONPATH": os.getcwd()},
    )
    deadline = time.monotonic() + 60
    while len(server_visits(world.server)) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.kill()
    process.wait()
    got_there = len(server_visits(world.server))
    assert 0 < got_there, "nothing reached the server before the kill"
    restarted = make_desk(tmp_path)
    assert restarted.store.outbox_counts()[0] <= 3000
    SyncClient(restarted.store, enrollment).push()
    assert set(server_visits(world.server)) == set(ids)
    assert restarted.store.outbox_counts() == (0, 0)


# -- hostile API input ----------------------------------------------------------------------------
def test_every_api_input_gets_a_precise_4xx(world: World, tmp_path: Path) -> None:
    base = world.server.url + "/api/v1"
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    auth = {"Authorization": client.http.headers["Authorization"]}
    assert requests.post(base + "/sync/push", json={"events": []}).status_code == 401
    assert requests.post(base + "/sync/push", json={"events": []}, headers={"Authorization": "Bearer nope"}).status_code == 401
    cases = [
        ("post", "/sync/push", {"events": "x"}, 422),
        ("post", "/sync/push", {"events": [{}] * 501}, 422),
        ("post", "/sync/push", {"events": [], "extra": 1}, 422),
        ("post", "/sync/heartbeat", {"version": "1", "backlog": -1, "refused": 0}, 422),
        ("post", "/sync/heartbeat", {"version": "1", "backlog": "3", "refused": 0}, 422),
        ("post", "/enroll", {"code": ""}, 422),
        ("post", "/enroll", {"code": "A" * 41}, 422),
        ("post", "/enroll", {"code": "AAAAA-AAAAA"}, 403),
    ]
    for method, path, body, status in cases:
        response = requests.request(method, base + path, json=body, headers=auth)
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["detail"]
    for query in ("since=-1", "since=abc", "limit=0", "limit=100000"):
        assert requests.get(f"{base}/sync/changes?{query}", headers=auth).status_code == 422, query
    not_json = requests.post(base + "/sync/push", data=b"\xff\xfe{", headers=auth | {"Content-Type": "application/json"})
    assert not_json.status_code == 400  # not JSON at all
    huge = requests.post(base + "/sync/push", data=b"x" * (5 * 1024 * 1024), headers=auth)
    assert huge.status_code == 413
    assert len(server_visits(world.server)) == 0


def test_the_api_is_described_by_its_openapi_schema(server: LoopbackServer) -> None:
    schema = requests.get(server.url + "/api/v1/openapi.json").json()
    assert {"/api/v1/enroll", "/api/v1/sync/push", "/api/v1/sync/changes", "/api/v1/sync/heartbeat"} <= set(
        schema["paths"]
    )


def test_the_heartbeat_is_recorded(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    check_in(desk, 2)
    client.heartbeat()
    with world.server.sessions() as db:
        kiosk = db.get_one(Kiosk, client.enrollment.kiosk_id)
        assert kiosk.backlog == 2 and kiosk.version and kiosk.free_disk_bytes and kiosk.last_seen_ms


# -- what the review found: re-enrolling, restores, empty directories, id conflicts -------------
def test_re_enrolling_with_another_campus_starts_its_directory_afresh(world: World, tmp_path: Path) -> None:
    with world.server.sessions.begin() as db:
        service.replace_staff(db, world.campus_a, [StaffMember(f"a{i}", "Ana", f"Alpha{i}") for i in range(40)])
        service.replace_staff(db, world.campus_b, [StaffMember("b1", "Thanh", "Nguyễn")])
    desk = make_desk(tmp_path)
    desk.enroll(world.server.url, world.code_a)
    desk._synced(desk.sync_worker.client.sync())  # type: ignore[union-attr]
    assert len(desk.directory) == 40 and desk.campus_name == "Lincoln Elementary"
    desk.enroll(world.server.url, world.code_b)
    desk._synced(desk.sync_worker.client.sync())  # type: ignore[union-attr]
    desk.stop_sync()
    assert [m.last_name for m in desk.directory.members] == ["Nguyễn"]
    assert desk.campus_name == "Roosevelt Middle"


def test_a_server_restored_from_a_backup_makes_kiosks_pull_everything_again(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    with world.server.sessions.begin() as db:
        service.replace_staff(db, world.campus_a, [StaffMember("s1", "Ana", "García"), StaffMember("s2", "Bo", "Li")])
    client.pull()
    # The restored database is older: it has only s1, and its revisions are behind the kiosk's cursor.
    with world.server.sessions.begin() as db:
        db.execute(update(Staff).where(Staff.external_id == "s2").values(active=False))
        db.execute(update(Campus).values(revision=1))
        db.execute(update(Staff).values(revision=1))
    client.pull()
    assert [m.id for m in desk.store.staff() or []] == ["s1"]


def test_an_empty_server_directory_leaves_the_csv_in_use(world: World, tmp_path: Path) -> None:
    from kiosk.demo import STAFF_CSV

    config = Config(campus_name="Lincoln", data_dir=tmp_path / "k", directory_csv=STAFF_CSV)
    desk = FrontDesk(config, Store(config.database_path))
    csv_count = len(desk.directory)
    client = enrolled(desk, world.server.url, world.code_a)
    desk._synced(client.sync())
    assert len(desk.directory) == csv_count > 0
    with world.server.sessions.begin() as db:
        service.replace_staff(db, world.campus_a, [StaffMember("s1", "Ana", "García")])
    desk._synced(client.sync())
    assert [m.id for m in desk.directory.members] == ["s1"]


def test_a_visit_id_of_another_campus_is_refused_not_called_a_duplicate(world: World, tmp_path: Path) -> None:
    desk_a, desk_b = make_desk(tmp_path, "a"), make_desk(tmp_path, "b")
    client_a, client_b = enrolled(desk_a, world.server.url, world.code_a), enrolled(desk_b, world.server.url, world.code_b)
    [visit_id] = check_in(desk_a, 1)
    client_a.push()
    copy = _visit_event(desk_a, visit_id)  # a cloned SD card, or a kiosk squatting on ids
    result = client_b.http.post(client_b.base + "/sync/push", json={"events": [copy]}).json()["results"][0]
    assert result["status"] == "refused" and "another campus" in result["error"]


def test_numbers_too_big_for_the_database_are_a_422(world: World, tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    assert client.http.get(client.base + "/sync/changes", params={"since": 2**63}).status_code == 422
    beat = {"version": "1", "backlog": 0, "refused": 0, "last_sync_ms": 10**30, "free_disk_bytes": 1}
    assert client.http.post(client.base + "/sync/heartbeat", json=beat).status_code == 422
