"""A kiosk with a wrong clock (issue 11, point 3): every visit it confirmed reaches the server, dated as
well as the server can and flagged for the office; the district page and staff mode say the clock is
wrong; what the server still refuses stays on the kiosk and can be sent again. The real kiosk core,
store and SyncWorker against the real server on loopback, on SQLite and PostgreSQL. The kiosk's wall
clock is faked through FrontDesk's `now` and SyncClient's `wall_ms`; its boot clock is the real one."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import World
from sqlalchemy import select
from test_sync import enrolled, make_desk, server_visits
from test_web import Site, signed_in, site  # noqa: F401  (site: the fixture with the campuses' users)

from district import service
from district.models import Kiosk, Visit
from kiosk import cli
from kiosk.checkin import Draft, FrontDesk
from kiosk.clock import Stamp
from kiosk.config import Config
from kiosk.store import MIGRATIONS, Store
from kiosk.sync import SyncClient

CHICAGO = ZoneInfo("America/Chicago")
DAY_MS = 86_400_000


class WrongClock:
    """The kiosk's wall clock: the real time plus an offset a test sets (a Pi booting without network)."""

    def __init__(self) -> None:
        self.offset_ms = 0
        self.fixed_at: int | None = None  # a clock stopped at one reading (1970, the last shutdown)

    def ms(self) -> int:
        return self.fixed_at if self.fixed_at is not None else time.time_ns() // 1_000_000 + self.offset_ms

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.ms() / 1000, UTC)


def real_ms() -> int:
    return time.time_ns() // 1_000_000


def desk_with(wall: WrongClock, tmp_path: Path) -> FrontDesk:
    config = Config(campus_name="Lincoln Elementary", data_dir=tmp_path / "kiosk", timezone="America/Chicago")
    return FrontDesk(config, Store(config.database_path), now=wall.now)


def kiosk_ms(desk: FrontDesk, visit_id: str) -> int:
    """The check-in time as the kiosk stored it (its clock's reading)."""
    visit = desk.store.get(visit_id)
    assert visit is not None
    return int(visit.checked_in.timestamp() * 1000)


def check_in(desk: FrontDesk, first: str) -> str:
    return desk.check_in(Draft(language="es", first_name=first, last_name="Núñez", reason="pickup",
                               student_name="Leo Núñez")).id  # fmt: skip


def run_worker(desk: FrontDesk, client: SyncClient, until: Callable[[], bool], timeout: float = 20.0) -> None:
    """The kiosk's own background sync, until `until()` holds."""
    desk.start_sync(client, interval=0.2)
    deadline = time.monotonic() + timeout
    try:
        while not until():
            assert time.monotonic() < deadline, f"sync did not get there: {desk.sync_status()}"
            time.sleep(0.05)
    finally:
        desk.stop_sync()


def test_visits_made_while_the_clock_was_wrong_reach_the_server_flagged_with_their_real_times(
    world: World, tmp_path: Path
) -> None:
    wall = WrongClock()
    desk = desk_with(wall, tmp_path)
    client = SyncClient(desk.store, enrolled(desk, world.server.url, world.code_a).enrollment, ntp=lambda: None)
    readings = {
        "Uno": ("1970", lambda: setattr(wall, "fixed_at", 1000)),
        "Dos": ("last shutdown, 3 days ago", lambda: setattr(wall, "fixed_at", real_ms() - 3 * DAY_MS)),
        "Tres": ("2019", lambda: setattr(wall, "fixed_at", 1_560_000_000_000)),
        "Cuatro": ("25 hours ahead", lambda: (setattr(wall, "fixed_at", None), setattr(wall, "offset_ms", 25 * 3600_000))),
        "Cinco": ("3 days ahead", lambda: setattr(wall, "offset_ms", 3 * DAY_MS)),
    }
    made: dict[str, tuple[str, int, int]] = {}  # first name: (visit id, real time, the kiosk's reading)
    for first, (_, set_clock) in readings.items():
        set_clock()
        visit_id = check_in(desk, first)
        made[first] = (visit_id, real_ms(), kiosk_ms(desk, visit_id))
        time.sleep(0.01)
    desk.sign_out(made["Uno"][0])  # the visitor who came at "1970" leaves while the clock is 3 days ahead
    left_ms = real_ms()
    wall.offset_ms = 0  # the network is back: NTP sets the clock (same boot)
    right = check_in(desk, "Seis")
    run_worker(desk, client, lambda: desk.store.outbox_counts() == (0, 0))

    visits = server_visits(world.server, world.campus_a)
    for first, (visit_id, real, reading) in made.items():
        v = visits[visit_id]
        assert abs(v.checked_in_ms - real) < 5_000, (readings[first][0], v.checked_in_ms - real)
        assert v.local_day == datetime.fromtimestamp(real / 1000, CHICAGO).date().isoformat(), readings[first][0]
        assert v.flag and "reconstructed" in v.flag, readings[first][0]
        assert v.kiosk_checked_in_ms == reading  # the kiosk's own reading is kept
    assert "57 years behind" in (visits[made["Uno"][0]].flag or "")
    assert "3 days ahead" in (visits[made["Cinco"][0]].flag or "")
    assert abs((visits[made["Uno"][0]].signed_out_ms or 0) - left_ms) < 5_000
    assert "Sign-out time reconstructed: the kiosk's clock was 3 days ahead" in (visits[made["Uno"][0]].flag or "")
    assert visits[right].flag is None and visits[right].kiosk_checked_in_ms is None
    assert desk.clock_status.state == "synced"


def test_the_office_sees_the_flag_on_todays_arrivals(site: Site, tmp_path: Path) -> None:  # noqa: F811
    wall = WrongClock()
    wall.fixed_at = 1000
    desk = desk_with(wall, tmp_path)
    client = enrolled(desk, site.url, site.world.code_a)
    check_in(desk, "Ana")
    client.sync()
    page = signed_in(site, "sec.a@rusd.org").get(site.url + "/office").text
    assert "Ana Núñez" in page and "Flagged" in page
    assert "Check-in time reconstructed: the kiosk&#39;s clock was 57 years behind" in page


def test_after_a_reboot_the_server_dates_what_it_cannot_believe_by_its_receipt(world: World, tmp_path: Path) -> None:
    wall = WrongClock()
    desk = desk_with(wall, tmp_path)
    wall.fixed_at = 1000
    at_1970 = check_in(desk, "Uno")
    wall.fixed_at = real_ms() - 3 * DAY_MS
    at_shutdown = check_in(desk, "Dos")
    wall.fixed_at = None
    # The power went again; the kiosk comes back on another boot, with the network this time.
    rebooted = lambda: Stamp("another-boot", 5_000)  # noqa: E731
    client = SyncClient(desk.store, enrolled(desk, world.server.url, world.code_a).enrollment, stamp=rebooted)
    before = real_ms()
    client.sync()
    visits = server_visits(world.server, world.campus_a)
    assert before <= visits[at_1970].checked_in_ms <= real_ms()
    assert "unknown" in (visits[at_1970].flag or "") and visits[at_1970].kiosk_checked_in_ms == 1000
    # A believable reading is kept as the kiosk's: the server cannot tell it from a visit made offline.
    assert visits[at_shutdown].checked_in_ms == kiosk_ms(desk, at_shutdown) and visits[at_shutdown].flag is None


def test_events_queued_before_the_upgrade_still_go_and_a_1970_one_is_dated_on_receipt(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "kiosk" / "kiosk.sqlite3"
    path.parent.mkdir()
    conn = sqlite3.connect(path)  # a kiosk of version 2, with a visit made while its clock read 1970
    conn.executescript(f"{MIGRATIONS[0]}; {MIGRATIONS[1]}; PRAGMA user_version=2;")
    conn.execute(
        "INSERT INTO visit VALUES ('0193a1b2-0000-7000-8000-000000000001','Ana','Ruiz','pickup',NULL,NULL,'es',0,"
        "1000,'1970-01-01',NULL,NULL)"
    )
    conn.commit()
    conn.close()
    desk = make_desk(tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    assert desk.store.outbox_counts() == (1, 0)  # the migration queued the old visit, without a stamp
    client.sync()
    [v] = server_visits(world.server, world.campus_a).values()
    assert v.first_name == "Ana" and v.flag and abs(v.checked_in_ms - real_ms()) < 10_000
    assert desk.store.get(v.id) is not None  # the kiosk's own copy still reads back


def test_the_district_page_and_staff_mode_say_when_a_kiosk_clock_is_wrong(site: Site, tmp_path: Path) -> None:  # noqa: F811
    wall = WrongClock()
    wall.offset_ms = -3 * DAY_MS - 3600_000
    desk = desk_with(wall, tmp_path / "a")
    client = SyncClient(desk.store, enrolled(desk, site.url, site.world.code_a).enrollment, wall_ms=wall.ms,
                        ntp=lambda: True)  # fmt: skip
    check_in(desk, "Ana")
    run_worker(desk, client, lambda: desk.clock_status.state == "off")
    assert desk.clock_status.text == "Clock: 3 days behind the district server"
    # A second kiosk at the other campus knows it has not been set (systemd says so), and is right otherwise.
    other = desk_with(WrongClock(), tmp_path / "b")
    unset = SyncClient(other.store, enrolled(other, site.url, site.world.code_b).enrollment, ntp=lambda: False)
    unset.sync()
    assert unset.clock.state == "not_synced" and "not set" in unset.clock.text
    page = signed_in(site, "admin@rusd.org").get(site.url + "/district").text
    row_a = page[page.index("Lincoln front door") :].split("</tr>")[0]
    row_b = page[page.index("Roosevelt front door") :].split("</tr>")[0]
    assert "3 days behind" in row_a and '<td class="num warn-text">1</td>' in row_a  # one visit flagged
    assert "Not set by a time server" in row_b


def test_a_refused_event_is_shown_on_the_district_page_and_goes_again_after_the_fix(
    site: Site, tmp_path: Path  # noqa: F811
) -> None:
    world = site.world
    desk = make_desk(tmp_path)
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[campus]\nname = "Lincoln Elementary"\n[storage]\ndata_dir = "{desk.config.data_dir}"\n')
    desk.enroll(world.server.url, world.code_a)
    desk.stop_sync()
    visit_id = check_in(desk, "Ana")
    assert desk.sync_worker is not None
    desk.sync_worker.client.sync()
    # Re-enrolled into the wrong campus by mistake: the visitor's sign-out goes where the visit is not.
    desk.enroll(world.server.url, world.code_b)
    desk.stop_sync()
    desk.sign_out(visit_id)
    desk.sync_worker.client.sync()
    assert desk.store.outbox_counts() == (0, 1)
    page = signed_in(site, "admin@rusd.org").get(site.url + "/district").text
    row = page[page.index("Roosevelt front door") :].split("</tr>")[0]
    assert "visit_id: no such visit at this campus" in row
    # The fix: the kiosk goes back to its campus, and staff send the refused events again.
    with world.server.sessions.begin() as db:
        kiosk_a = db.scalars(select(Kiosk).where(Kiosk.campus_id == world.campus_a)).one()
        code = service.issue_code(db, kiosk_a)
    desk.enroll(world.server.url, code)
    desk.stop_sync()
    assert cli.main(["send-refused", "--config", str(config)]) == 0
    desk.sync_worker.client.sync()
    assert desk.store.outbox_counts() == (0, 0)
    with world.server.sessions() as db:
        v = db.get_one(Visit, visit_id)
        assert v.signed_out_by == "visitor" and v.signed_out_ms is not None
        assert db.get_one(Kiosk, kiosk_a.id).refused == 0


def test_a_right_clock_is_kept_to_the_millisecond(world: World, tmp_path: Path) -> None:
    desk = desk_with(WrongClock(), tmp_path)
    client = enrolled(desk, world.server.url, world.code_a)
    visit_id = check_in(desk, "Ana")
    reading = kiosk_ms(desk, visit_id)
    time.sleep(0.3)
    client.sync()
    v = server_visits(world.server)[visit_id]
    assert v.checked_in_ms == reading and v.flag is None


def test_a_name_the_server_would_have_cleaned_differently_is_kept_cleaned_and_flagged(
    site: Site, tmp_path: Path  # noqa: F811
) -> None:
    desk = make_desk(tmp_path)
    [decomposed, digits] = [check_in(desk, name) for name in ("Ana", "Bea")]
    # A kiosk of another version queued "José" with a combining accent (not NFC), and a name with a digit.
    desk.store._transaction(lambda c: c.execute(
        "UPDATE outbox SET event = json_set(event, '$.first_name', ?) WHERE json_extract(event, '$.id') = ?",
        ("Jose\u0301", decomposed),
    ))  # fmt: skip
    desk.store._transaction(lambda c: c.execute(
        "UPDATE outbox SET event = json_set(event, '$.first_name', 'Bea 2') WHERE json_extract(event, '$.id') = ?",
        (digits,),
    ))  # fmt: skip
    enrolled(desk, site.url, site.world.code_a).sync()
    visits = server_visits(site.server)
    assert visits[decomposed].first_name == "José" and "Name cleaned by the server" in (visits[decomposed].flag or "")
    assert digits not in visits  # no kiosk's rules take digits: refused, kept on the kiosk with the reason
    [(_, reason)] = desk.store.refused_events()
    assert reason.startswith("first_name: not a name the kiosk accepts")
    page = signed_in(site, "sec.a@rusd.org").get(site.url + "/office").text
    assert "José Núñez" in page and "Name cleaned by the server" in page
