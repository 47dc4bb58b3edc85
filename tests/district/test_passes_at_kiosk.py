"""Visitor passes end to end, without the camera: the office issues a pass on the real server (SQLite and
PostgreSQL), real kiosks pull it, check the code offline (kiosk.passes), check the visitor in with it,
offer the sign-out when it is shown again, and the server counts the use and flags what two offline
kiosks could not know. Every kind of bad code is refused with its own outcome, and nothing is stored."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conftest import World
from sqlalchemy import select
from test_sync import make_desk, server_visits

from district import passes, service
from district.models import Campus, Staff, VisitorPass
from district.web import passes as office_passes
from kiosk import passcode
from kiosk.checkin import FrontDesk
from kiosk.clock import Stamp
from kiosk.directory import StaffMember
from kiosk.store import StoredPass
from kiosk.sync import SyncClient, SyncWorker, enroll


def issue(world: World, campus_id: int | None = None, days: tuple[int, int] = (0, 0), uses: int = 1) -> str:
    campus_id = campus_id or world.campus_a
    with world.server.sessions.begin() as db:
        if db.scalars(select(Staff).where(Staff.campus_id == campus_id)).first() is None:
            service.replace_staff(db, campus_id, [StaffMember("t-7", "Lucía", "García", "Ms. García")])
        campus = db.get_one(Campus, campus_id)
        host = db.scalars(select(Staff).where(Staff.campus_id == campus_id)).one()
        local_today = service.queries.local_now(campus, service.now_ms()).date()
        wanted = passes.PassRequest("Ana", "Pérez", "es", "meeting", host, local_today + timedelta(days=days[0]),
                                    local_today + timedelta(days=days[1]), uses)  # fmt: skip
        return passes.issue(db, campus, wanted, "sec.a@rusd.org")[1]


class Kiosk:
    """A kiosk of campus A: its FrontDesk, and its sync client run by hand (no background thread)."""

    def __init__(self, world: World, tmp_path: Path, name: str, wall_ms: object = None, ntp: object = None) -> None:
        self.desk: FrontDesk = make_desk(tmp_path, name)
        with world.server.sessions.begin() as db:
            code = service.add_kiosk(db, world.campus_a, f"{name} door").code
        enrollment = enroll(world.server.url, code, self.desk.config.enrollment_path)
        seams = {k: v for k, v in (("wall_ms", wall_ms), ("ntp", ntp)) if v is not None}
        self.client = SyncClient(self.desk.store, enrollment, **seams)  # type: ignore[arg-type]
        self.desk.sync_worker = SyncWorker(self.client, 3600, on_synced=self.desk._synced)  # never started

    def sync(self) -> None:
        self.client.sync()  # raises SyncError if any step failed


def test_a_pass_checks_its_visitor_in_then_offers_the_sign_out_and_is_then_used_up(world: World, tmp_path: Path) -> None:
    code = issue(world)
    front = Kiosk(world, tmp_path, "front")
    front.sync()
    check = front.desk.check_pass(code)
    assert check.outcome == "welcome" and check.visitor_pass is not None
    draft = front.desk.pass_draft(check.visitor_pass)
    assert (draft.first_name, draft.reason, draft.host and draft.host.name, draft.language) == (
        "Ana", "meeting", "Ms. García", "es")  # fmt: skip
    visit = front.desk.check_in(draft)
    again = front.desk.check_pass(code.lower() + "\n")  # a scanner with Caps Lock on, ending with Enter
    assert again.outcome == "goodbye" and again.on_site is not None and again.on_site.id == visit.id
    assert front.desk.sign_out(visit.id)
    assert front.desk.check_pass(code).outcome == "used_up"  # single-use, before the server even knows
    front.sync()
    stored = server_visits(world.server)[visit.id]
    assert (stored.pass_id, stored.host_id, stored.flag, stored.signed_out_by) == (
        check.visitor_pass.id, "t-7", None, "visitor")  # fmt: skip
    with world.server.sessions() as db:
        assert db.get_one(VisitorPass, check.visitor_pass.id).uses == 1
    assert front.desk.check_pass(code).outcome == "used_up"  # now from the server's count


def test_a_single_use_pass_shown_at_two_offline_kiosks_lets_both_in_and_the_server_flags_the_second(
    world: World, tmp_path: Path
) -> None:
    code = issue(world)
    front, side = Kiosk(world, tmp_path, "front"), Kiosk(world, tmp_path, "side")
    front.sync()
    side.sync()  # both know the pass; then the network goes
    first = front.desk.check_in(front.desk.pass_draft(front.desk.check_pass(code).visitor_pass))  # type: ignore[arg-type]
    check = side.desk.check_pass(code)
    assert check.outcome == "welcome"  # the side door cannot know: it is not refused at the door
    second = side.desk.check_in(side.desk.pass_draft(check.visitor_pass))  # type: ignore[arg-type]
    front.sync()
    side.sync()
    visits = server_visits(world.server)
    assert visits[first.id].flag is None
    assert visits[second.id].flag == "Pass used 2 times; it allows 1."
    with world.server.sessions() as db:  # and the office's list of passes marks the pass itself
        [row] = office_passes.rows(db, db.get_one(Campus, world.campus_a))
    assert (row.uses, row.overused) == ("used 2 times, 1 allowed", True)
    hall = Kiosk(world, tmp_path, "hall")
    hall.sync()
    assert hall.desk.check_pass(code).outcome == "used_up"  # a third kiosk learns both uses
    assert front.desk.check_pass(code).outcome == "goodbye"  # where its visitor is, it still signs them out


def test_each_kind_of_bad_code_has_its_outcome_and_stores_nothing(world: World, tmp_path: Path) -> None:
    revoked, tomorrow, reusable = issue(world), issue(world, days=(1, 3)), issue(world, uses=5)
    elsewhere = issue(world, campus_id=world.campus_b)
    with world.server.sessions.begin() as db:
        pass_id = db.scalars(select(VisitorPass.id).where(VisitorPass.code_hash == passcode.digest(revoked))).one()
        assert passes.revoke(db, world.campus_a, pass_id)
    front = Kiosk(world, tmp_path, "front")
    front.sync()
    altered = reusable[:10] + ("A" if reusable[10] != "A" else "B") + reusable[11:]
    outcomes = {text: front.desk.check_pass(text).outcome for text in (
        revoked, tomorrow, elsewhere, altered, passcode.new_code(), "https://lincoln.example/visit", "4006381333931",
        "WIFI:S:Lincoln;T:WPA;P:secret;;", "WK2" + reusable[3:],
    )}  # fmt: skip
    assert list(outcomes.values()) == [
        "revoked", "not_yet", "unknown", "damaged", "unknown", "not_ours", "not_ours", "not_ours", "newer"]  # fmt: skip
    assert front.desk.check_pass(reusable).outcome == "welcome"
    assert front.desk.visits_today() == [] and front.desk.store.outbox_counts() == (0, 0)  # nothing stored


def test_a_kiosk_whose_clock_reads_1970_checks_passes_by_the_server_s_time(world: World, tmp_path: Path) -> None:
    code = issue(world)
    wrong = Kiosk(world, tmp_path, "front", wall_ms=lambda: 86_400_000, ntp=lambda: False)
    wrong.sync()  # the heartbeat tells it the server's time, kept against the boot clock
    assert wrong.desk.check_pass(code).outcome == "welcome"


def test_a_kiosk_that_cannot_vouch_for_the_time_refuses_every_pass(world: World, tmp_path: Path) -> None:
    """After a power cut with no network: no server time this boot, no time server. The rule in kiosk.passes."""
    code = issue(world)
    kiosk = Kiosk(world, tmp_path, "front", ntp=lambda: False)
    kiosk.sync()
    kiosk.client._stamp = lambda: Stamp("another boot", 5_000)  # rebooted since the last heartbeat
    assert kiosk.client.trusted_now_ms() is None
    assert kiosk.desk.check_pass(code).outcome == "no_clock"
    kiosk.client._ntp = lambda: True  # a time server set the clock
    assert kiosk.desk.check_pass(code).outcome == "welcome"



def test_a_visit_naming_a_pass_the_server_does_not_have_at_its_campus_is_kept_and_flagged(
    world: World, tmp_path: Path
) -> None:
    issue(world, campus_id=world.campus_b)
    with world.server.sessions() as db:
        other_campus_pass = db.scalars(select(VisitorPass.id)).one()
    front = Kiosk(world, tmp_path, "front")
    ids = []
    for pass_id in (other_campus_pass, 2**31 - 1):
        ids.append(front.desk.check_in(front.desk.pass_draft(_fake_pass(pass_id))).id)
    front.sync()
    visits = server_visits(world.server)
    assert front.desk.store.outbox_counts() == (0, 0)  # stored, not refused
    for visit_id in ids:
        assert visits[visit_id].pass_id is None
        assert visits[visit_id].flag == "Checked in with a pass this server does not know."


def _fake_pass(pass_id: int) -> StoredPass:
    """A pass record as a kiosk might hold one the server has not (a hand-edited store, a restored server)."""
    return StoredPass(pass_id, "f" * 64, "Eve", "Mallory", "en", "other", None, None, 0, 2**62, 1, 0, False)


def test_a_use_the_server_has_but_the_kiosk_has_not_pulled_yet_still_counts(world: World, tmp_path: Path) -> None:
    """A push that went through and a pull that did not (the network went in between)."""
    code = issue(world)
    front = Kiosk(world, tmp_path, "front")
    front.sync()
    visit = front.desk.check_in(front.desk.pass_draft(front.desk.check_pass(code).visitor_pass))  # type: ignore[arg-type]
    front.desk.sign_out(visit.id)
    front.client.push()  # delivered: out of the outbox, but the pass's `uses` on the kiosk is still 0
    assert front.desk.store.outbox_counts() == (0, 0)
    assert front.desk.check_pass(code).outcome == "used_up"
