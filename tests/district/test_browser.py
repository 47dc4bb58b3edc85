"""The front office in a real browser (Debian's Chromium, driven by Playwright) against the real
server: a visit checked in on a real kiosk appears live without a reload, and the office signs
it out. Also saves screenshots of the pages for people to look at (SCREENSHOTS_DIR=docs/screenshots
refreshes the ones in the docs)."""

from __future__ import annotations

import io
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import requests
from conftest import short_undo
from PIL import Image
from loopback import LoopbackServer
from sqlalchemy import select

from district import service
from district.models import Campus, Kiosk, Visit
from kiosk import passcode, qrdecode
from kiosk.checkin import Draft, FrontDesk
from kiosk.config import Config
from kiosk.directory import StaffMember
from kiosk.store import Store
from kiosk.sync import SyncClient, enroll

# Where the pages' screenshots go: a temporary folder, or $SCREENSHOTS_DIR (docs/screenshots to refresh the
# README's pictures), so that running the tests does not change the working tree.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="district-screenshots-"))
VIEWPORT = {"width": 1366, "height": 768}  # the usual front-office PC
PASSWORD = "correct horse battery staple"
ZONE = ZoneInfo("America/Chicago")

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LoopbackServer]:
    s = LoopbackServer(f"sqlite:///{tmp_path / 'district.sqlite3'}").start()
    yield s
    s.dispose()


def minutes_ago_today(minutes: float) -> int:
    """The moment some minutes before now, for a morning's arrivals; in the first hour after midnight they
    are squeezed into the minutes since, so they stay today's, in order (the office page shows today)."""
    now = service.now_ms()
    midnight = datetime.fromtimestamp(now / 1000, ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    since_midnight = now - int(midnight.timestamp() * 1000)
    if minutes < 60 and since_midnight < 3_600_000:
        return now - int(since_midnight * minutes / 60)
    return now - int(minutes * 60_000)


def visit(minutes_ago: int, first: str, last: str, **fields: object) -> dict:
    """A visit checked in some minutes before now (so times and "how long" look like a real morning)."""
    moment = minutes_ago_today(minutes_ago) if minutes_ago < 60 else service.now_ms() - minutes_ago * 60_000
    day = datetime.fromtimestamp(moment / 1000, ZONE).date()
    return {"type": "visit", "id": str(uuid.uuid4()), "first_name": first, "last_name": last, "reason": "pickup",
            "host_id": None, "host_name": None, "language": "en", "interpreter": False,
            "checked_in_ms": moment, "local_day": day.isoformat()} | fields  # fmt: skip


def populate(server: LoopbackServer) -> str:
    """Two campuses, users, kiosks and a realistic morning at Lincoln; returns a kiosk code."""
    day = 24 * 60
    with server.sessions.begin() as db:
        lincoln = service.add_campus(db, "Lincoln Elementary", "America/Chicago", ["en", "es"])
        roosevelt = service.add_campus(db, "Roosevelt Middle", "America/Chicago", ["en", "es"])
        code = service.add_kiosk(db, lincoln.id, "Front door").code
        side = service.add_kiosk(db, lincoln.id, "Gym entrance").kiosk
        hall = service.add_kiosk(db, roosevelt.id, "Main office").kiosk
        service.add_user(db, "sara@rusd.org", "Sara Mitchell", PASSWORD, "secretary", lincoln.id)
        service.add_user(db, "ada@rusd.org", "Ada Okafor", PASSWORD, "district_admin", None)
        service.replace_staff(db, lincoln.id, [StaffMember("t-1", "Ana", "García", display_name="Ms. García")])
        morning = [
            visit(58, "Rosa", "Hernández", language="es", reason="dropoff"),
            visit(47, "محمد", "الأحمد", language="ar", interpreter=True, reason="meeting", host_id="t-1",
                  host_name="Ms. García"),
            visit(33, "丽娜", "张", language="zh", reason="pickup"),
            visit(21, "María Guadalupe", "Núñez", language="es", interpreter=True, reason="meeting",
                  host_id="t-1", host_name="Ms. García"),
            visit(12, "James", "O'Connor", reason="volunteer"),
        ]  # fmt: skip
        service.apply_events(db, side.id, lincoln.id, morning)
        came = int(morning[0]["checked_in_ms"])
        left = {"type": "sign_out", "visit_id": morning[0]["id"], "at_ms": came + (service.now_ms() - came) * 8 // 58,
                "by": "visitor"}  # 8 minutes after she came, as her check-in was 58 minutes ago (or squeezed)
        service.apply_events(db, side.id, lincoln.id, [left])
        languages = ("en", "es", "vi", "ar", "es", "zh", "es")
        history = [visit(d * day + 30 * n, f"Visitor{chr(65 + n)}", "Smith", language=languages[(d + n) % 7])
                   for d in range(1, 14) for n in range(d % 4 + 2)]  # fmt: skip
        service.apply_events(db, side.id, lincoln.id, history)
        roosevelt_days = [visit(d * day + 5, "Thanh", "Nguyễn", language="vi") for d in range(0, 14, 2)]
        service.apply_events(db, hall.id, roosevelt.id, roosevelt_days)
        heartbeat(side, seen_minutes_ago=1, version="1.0.0", backlog=0, refused=0, free=23_400_000_000)
        heartbeat(hall, seen_minutes_ago=47, version="0.9.2", backlog=12, refused=1, free=800_000_000)
        return code


def heartbeat(kiosk: Kiosk, seen_minutes_ago: int, version: str, backlog: int, refused: int, free: int) -> None:
    """What an enrolled kiosk's heartbeats would have left on its row."""
    kiosk.token_hash, kiosk.enrolled_ms = uuid.uuid4().hex * 2, service.now_ms() - 30 * 86_400_000
    kiosk.enrollment_code_hash = kiosk.enrollment_expires_ms = None
    kiosk.last_seen_ms, kiosk.version = service.now_ms() - seen_minutes_ago * 60_000, version
    kiosk.backlog, kiosk.refused, kiosk.free_disk_bytes = backlog, refused, free


def sign_in(page: object, url: str, email: str) -> None:
    page.goto(url + "/login")  # type: ignore[attr-defined]
    page.fill("input[name=email]", email)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit].primary")  # type: ignore[attr-defined]


def test_a_kiosk_visit_appears_live_and_the_office_signs_it_out(browser: object, server: LoopbackServer,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    expect = sync_api.expect
    code = populate(server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server.url + "/login")
    page.screenshot(path=str(SCREENSHOTS / "district-login.png"), full_page=True)
    sign_in(page, server.url, "sara@rusd.org")
    expect(page).to_have_url(server.url + "/office")
    expect(page.locator("#live-status")).to_contain_text("Live · updated", timeout=3000)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.evaluate("window.__notReloaded = true")

    # A visitor checks in on a real kiosk, which syncs through the real client.
    config = Config(campus_name="Lincoln Elementary", data_dir=tmp_path / "kiosk", timezone="America/Chicago")
    desk = FrontDesk(config, Store(config.database_path))
    client = SyncClient(desk.store, enroll(server.url, code, config.enrollment_path))
    arrival = desk.check_in(Draft(language="es", first_name="Lucía", last_name="Martínez", reason="pickup",
                                  student_name="Mateo Martínez", interpreter=True, interpreter_language="fa-AF"))  # fmt: skip
    assert client.push() == (1, 0)
    started = time.monotonic()
    expect(page.locator(f"#visit-{arrival.id}")).to_be_visible(timeout=2000)
    expect(page.locator(f"#onsite-{arrival.id}")).to_contain_text("Lucía Martínez", timeout=2000)
    assert time.monotonic() - started < 2.0
    # Whom the visitor picks up, and which interpreter to call, as the kiosk asked them.
    expect(page.locator(f"#visit-{arrival.id}")).to_contain_text("Mateo Martínez")
    expect(page.locator(f"#visit-{arrival.id}")).to_contain_text("Dari (دری)")
    assert navigations == [] and page.evaluate("window.__notReloaded") is True  # swapped in, not reloaded
    page.screenshot(path=str(SCREENSHOTS / "district-office.png"), full_page=True)
    rtl = page.locator("#live td.name span[dir=auto]", has_text="محمد").first
    assert rtl.evaluate("e => getComputedStyle(e).direction") == "rtl"  # the name reads right to left
    assert rtl.evaluate("e => getComputedStyle(e.closest('td')).direction") == "ltr"  # the table does not

    # A mis-click on Sign out: for ten seconds the row offers Undo, and Undo puts them back on site,
    # on the server and on the kiosk, which was never told.
    page.click(f"#onsite-{arrival.id} button")
    undo = page.locator(f"#undo-{arrival.id}")
    expect(undo).to_contain_text("Signed out Lucía M.")
    expect(undo).to_contain_text("s to undo")
    expect(page.locator(f"#visit-{arrival.id}")).to_contain_text("Left")
    page.screenshot(path=str(SCREENSHOTS / "district-office-undo.png"))
    client.pull()
    assert desk.store.get(arrival.id).signed_out is None  # type: ignore[union-attr]
    undo.get_by_role("button", name="Undo the sign-out of Lucía Martínez").click()
    expect(page.locator(f"#onsite-{arrival.id}")).to_contain_text("Lucía Martínez")
    expect(page.locator(f"#visit-{arrival.id} td.status")).to_contain_text("Waiting")  # on site again
    expect(undo).to_have_count(0)
    with server.sessions() as db:
        assert db.get_one(Visit, arrival.id).signed_out_ms is None
    client.pull()
    assert [v.id for v in desk.on_site()] == [arrival.id]

    # Signed out for good: the Undo goes by itself when its seconds are up, and the kiosk learns it then.
    short_undo(monkeypatch, 1500)
    page.click(f"#onsite-{arrival.id} button")
    expect(undo).to_be_visible()
    client.pull()
    assert desk.store.get(arrival.id).signed_out is None  # type: ignore[union-attr]
    expect(undo).to_have_count(0, timeout=4000)
    expect(page.locator(f"#onsite-{arrival.id}")).to_have_count(0)
    client.pull()
    assert desk.store.get(arrival.id).signed_out_by == "office"  # type: ignore[union-attr]

    # The server goes away: the page says so, and recovers by itself.
    expect(page.locator("#live-status")).to_contain_text("Live", timeout=3000)
    server.stop()
    expect(page.locator("#live-status")).to_have_text("Offline, retrying…", timeout=4000)
    server.start()
    expect(page.locator("#live-status")).to_contain_text("Live · updated", timeout=5000)
    context.close()


def test_the_district_page_screenshot(browser: object, server: LoopbackServer) -> None:
    populate(server)
    with server.sessions() as db:
        assert db.scalars(select(Kiosk)).all()
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, server.url, "ada@rusd.org")
    sync_api.expect(page).to_have_url(server.url + "/district")
    sync_api.expect(page.locator("#visits-per-day")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "district-district.png"), full_page=True)
    context.close()


def test_the_users_and_campus_settings_pages_screenshots(browser: object, server: LoopbackServer) -> None:
    """An admin disables a user and edits a campus in the real browser; saves both pages' screenshots."""
    expect = sync_api.expect
    populate(server)
    with server.sessions.begin() as db:
        roosevelt = db.scalars(select(Campus).where(Campus.name == "Roosevelt Middle")).one()
        service.add_user(db, "ben@rusd.org", "Ben Tran", PASSWORD, "secretary", roosevelt.id)
        service.add_user(db, "lucia@rusd.org", "Lucía Fernández", PASSWORD, "secretary", roosevelt.id)
        lincoln_id = db.scalars(select(Campus.id).where(Campus.name == "Lincoln Elementary")).one()
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, server.url, "ada@rusd.org")
    page.goto(server.url + "/district/users")
    page.click("button[aria-label='Disable Ben Tran']")
    expect(page.locator("p.notice")).to_contain_text("The user was disabled")
    expect(page.locator("button[aria-label='Re-enable Ben Tran']")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "district-users.png"), full_page=True)
    page.goto(server.url + "/district")
    page.click(f"a[href='/district/campuses/{lincoln_id}/settings']")
    expect(page.locator("input[name=name]")).to_have_value("Lincoln Elementary")
    page.screenshot(path=str(SCREENSHOTS / "district-campus.png"), full_page=True)
    # Pickers, not codes: the time zone from a list (the United States' first), languages named in themselves.
    zone = page.locator("select[name=timezone]")
    expect(zone).to_have_value("America/Chicago")
    assert zone.locator("optgroup").first.get_attribute("label") == "United States"
    assert zone.locator("optgroup").first.locator("option").first.get_attribute("value") == "America/New_York"
    assert zone.locator("option").count() > 300  # every zone Python knows, after the US ones
    expect(page.get_by_role("checkbox", name="Español Spanish · draft")).to_be_checked()
    page.get_by_role("checkbox", name="Español Spanish · draft").uncheck()  # the default stays English: only English buttons
    page.select_option("select[name=default_language]", "es")
    page.click("form.grid-form button[type=submit].primary")
    expect(page.locator("#settings-error")).to_contain_text("The default language must be one of those offered: en")
    expect(page.get_by_role("checkbox", name="Español Spanish · draft")).not_to_be_checked()  # kept as sent, to correct
    page.get_by_role("checkbox", name="Español Spanish · draft").check()
    zone.select_option("America/Denver")
    page.fill("input[name=name]", "Lincoln Elementary School")
    page.click("form.grid-form button[type=submit].primary")
    expect(page.locator("p.notice")).to_contain_text("campus settings were saved")
    expect(page.locator("#visits-per-day")).to_contain_text("Lincoln Elementary School")
    with server.sessions() as db:
        saved = db.get_one(Campus, lincoln_id)
        assert (saved.timezone, saved.languages, saved.default_language) == ("America/Denver", "en es", "es")
    context.close()


def test_a_secretary_issues_prints_and_revokes_a_pass_in_the_browser(browser: object, server: LoopbackServer) -> None:
    """The pass form in Chromium: the staff search, the pass ready to print (only the pass is printed, with a
    QR code a camera reads), and its revocation from the list."""
    expect = sync_api.expect
    populate(server)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, server.url, "sara@rusd.org")
    page.click("#passes-link")
    page.fill("input[name=first_name]", "Rosa")
    page.fill("input[name=last_name]", "Hernández")
    page.select_option("select[name=reason]", "meeting")
    page.select_option("select[name=language]", "es")
    page.fill("input[name=host_query]", "garcia")
    page.click("button[name=find]")
    expect(page.locator("#host-choices")).to_contain_text("Ms. García")
    assert page.input_value("input[name=first_name]") == "Rosa"  # kept across the search
    page.click("button.primary")
    expect(page.locator("#pass-1")).to_contain_text("Pase de visitante")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    shot = page.locator("#pass-1").screenshot(path=str(SCREENSHOTS / "office-pass-printed.png"))
    [code] = qrdecode.zxing(np.asarray(Image.open(io.BytesIO(shot)).convert("L")))
    assert passcode.read(code).kind == "pass"
    page.emulate_media(media="screen")
    page.click("text=Back to the passes")
    row = page.locator("#passes tbody tr").first
    expect(row).to_contain_text("Rosa Hernández")
    row.locator("button", has_text="Revoke").click()
    expect(page.locator(".notice")).to_contain_text("kiosks refuse it from their next sync")
    expect(page.locator("#passes tbody tr").first).to_contain_text("Revoked")
    page.screenshot(path=str(SCREENSHOTS / "office-passes.png"), full_page=True)
    context.close()


def test_a_secretary_makes_an_api_token_sees_it_used_and_revokes_it_in_the_browser(
    browser: object, server: LoopbackServer
) -> None:
    """The API tokens page in Chromium: the token shown once, a pass issued with it by another system, the
    page telling when it was last used, and its revocation ending it."""
    expect = sync_api.expect
    populate(server)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, server.url, "sara@rusd.org")
    page.click("#passes-link")
    page.click("#tokens-link")
    page.fill("input[name=label]", "Conference scheduler")
    page.click("button.primary")
    token = page.locator("#api-token").inner_text()
    assert token.startswith("wks_")
    page.screenshot(path=str(SCREENSHOTS / "office-token-made.png"), full_page=True)
    body = {"first_name": "Rosa", "last_name": "Hernández", "reason": "meeting", "language": "es"}
    made = requests.post(server.url + "/api/v1/passes", json=body, headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201, made.text
    page.click("text=Back to API tokens")
    row = page.locator("#tokens tbody tr").first
    expect(row).to_contain_text("Conference scheduler")
    expect(row).to_contain_text("just now")
    assert token not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "office-tokens.png"), full_page=True)
    row.locator("button", has_text="Revoke").click()
    expect(page.locator(".notice")).to_contain_text("stops working at once")
    expect(page.locator("#tokens tbody tr").first).to_contain_text("Revoked")
    again = requests.post(server.url + "/api/v1/passes", json=body, headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401
    context.close()
