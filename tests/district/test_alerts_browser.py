"""Alerts in a real browser (Debian's Chromium, driven by Playwright) against the real server with its
sender running: a real kiosk's check-in reaches the host's channel (a loopback webhook), the host
opens the link from the message and taps "On my way", and the front-office page, open all along,
shows it without a reload; the office page chimes and notifies on a new arrival; a failed alert
shows at a glance. Saves screenshots of the alert pages (SCREENSHOTS_DIR, as in test_browser)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from loopback import LoopbackServer
from receivers import HttpReceiver
from sqlalchemy import select
from test_browser import PASSWORD, SCREENSHOTS, VIEWPORT, ZONE, minutes_ago_today, sign_in, sync_api
from test_sync import enrolled, make_desk

from district import service
from district.alerts import queue
from district.models import Alert, Office, Staff, Visit
from district.models import Campus as CampusRow
from kiosk.checkin import Draft
from kiosk.directory import StaffMember
from kiosk.sync import SyncClient

LINK = re.compile(r"https?://127\.0\.0\.1:\d+/ack/[A-Za-z0-9_-]+")
PHONE = {"width": 390, "height": 780}
# Watches (never replaces) what the office page does: every Notification made, every tone started.
OBSERVE = """
window.__notes = [];
window.__tones = [];
(function () {
  var Original = window.Notification;
  if (Original) {
    var Watched = function (title, options) {
      window.__notes.push({ title: title, body: options && options.body });
      return new Original(title, options);
    };
    Watched.prototype = Original.prototype;
    Object.defineProperty(Watched, "permission", { get: function () { return Original.permission; } });
    Watched.requestPermission = function () { return Original.requestPermission.apply(Original, arguments); };
    window.Notification = Watched;
  }
  var start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function () {
    window.__tones.push(this.frequency.value);
    return start.apply(this, arguments);
  };
})();
"""
STAFF = [
    StaffMember("t-1", "Lucía", "García", display_name="Ms. García", role="Teacher", room="12", languages=("es", "en")),
    StaffMember("t-2", "David", "Lee", display_name="Mr. Lee", role="Counselor", languages=("en",)),
    StaffMember("t-3", "Omar", "Haddad", display_name="Mr. Haddad", role="Teacher", languages=("ar", "en")),
]


@dataclass
class Campus:
    server: LoopbackServer
    id: int
    kiosk_code: str
    receiver: HttpReceiver  # every working channel posts here, each on its own path
    broken: HttpReceiver  # answers 500


@pytest.fixture
def campus(tmp_path: Path, fast_retries: None) -> Iterator[Campus]:
    receiver, broken = HttpReceiver(), HttpReceiver(status=500)
    server = LoopbackServer(f"sqlite:///{tmp_path / 'district.sqlite3'}", alerts=True).start()
    with server.sessions.begin() as db:
        lincoln = service.add_campus(db, "Lincoln Elementary", "America/Chicago", ["en", "es"])
        lincoln.alert_expiry_minutes = 120  # so the morning's alerts, replayed now, are still sent
        service.replace_staff(db, lincoln.id, STAFF)
        code = service.add_kiosk(db, lincoln.id, "Front door").code
        service.add_user(db, "sara@rusd.org", "Sara Mitchell", PASSWORD, "secretary", lincoln.id)
        service.add_user(db, "ada@rusd.org", "Ada Okafor", PASSWORD, "district_admin", None)
        channels = {"t-1": (receiver.json_url("garcia"), "es"), "t-2": (broken.json_url("lee"), ""),
                    "front_office": (receiver.json_url("front-office"), ""),
                    "attendance": (receiver.ntfy_url("attendance"), "")}  # fmt: skip
        for row in [*db.scalars(select(Staff)), *db.scalars(select(Office))]:
            key = getattr(row, "external_id", None) or getattr(row, "key", "")
            row.alert_urls, row.alert_language = channels.get(key, ("", ""))
        campus_id = lincoln.id
    yield Campus(server, campus_id, code, receiver, broken)
    server.dispose()
    receiver.close()
    broken.close()


def visit(minutes_ago: float, first: str, last: str, **fields: object) -> dict:
    moment = minutes_ago_today(minutes_ago)
    day = datetime.fromtimestamp(moment / 1000, ZONE).date()
    return {"type": "visit", "id": str(uuid.uuid4()), "first_name": first, "last_name": last, "reason": "dropoff",
            "host_id": None, "host_name": None, "language": "en", "interpreter": False,
            "checked_in_ms": moment, "local_day": day.isoformat()} | fields  # fmt: skip


def morning(campus: Campus) -> dict[str, str]:
    """A morning of arrivals whose alerts are really sent (one host's channel is broken), some answered."""
    visits = {
        "rosa": visit(58, "Rosa", "Hernández", language="es"),
        "ahmad": visit(47, "محمد", "الأحمد", language="ar", interpreter=True, reason="meeting", host_id="t-3",
                       host_name="Mr. Haddad"),
        "lina": visit(33, "丽娜", "张", language="zh", reason="pickup"),
        "james": visit(21, "James", "O'Connor", reason="volunteer"),
        "maria": visit(9, "María Guadalupe", "Núñez", language="es", reason="meeting", host_id="t-1",
                       host_name="Ms. García"),
    }  # fmt: skip
    with campus.server.sessions.begin() as db:
        side = service.add_kiosk(db, campus.id, "Gym entrance").kiosk
        assert all(r["status"] == "stored" for r in service.apply_events(db, side.id, campus.id, list(visits.values())))
    campus.server.alert_worker.wake()
    ids = {name: str(v["id"]) for name, v in visits.items()}
    settled(campus, list(ids.values()))
    answered = {"rosa": (60_000, "Sara Mitchell", "office"), "lina": (150_000, "Attendance office", "link"),
                "james": (100_000, "Front office", "link"), "maria": (200_000, "Ms. García", "link")}  # fmt: skip
    with campus.server.sessions.begin() as db:
        for name, (wait, by, via) in answered.items():
            row = db.get_one(Visit, ids[name])
            queue.acknowledge(db, row, by, via, row.checked_in_ms + wait)
        left = {"type": "sign_out", "visit_id": ids["rosa"], "at_ms": minutes_ago_today(50), "by": "visitor"}
        service.apply_events(db, side.id, campus.id, [left])
    return ids


def settled(campus: Campus, visit_ids: list[str], timeout: float = 20.0) -> list[Alert]:
    deadline = time.monotonic() + timeout
    while True:
        with campus.server.sessions() as db:
            alerts = list(db.scalars(select(Alert).where(Alert.visit_id.in_(visit_ids))))
        if alerts and all(a.status in ("delivered", "failed") for a in alerts):
            return alerts
        assert time.monotonic() < deadline, [(a.recipient_name, a.status) for a in alerts]
        time.sleep(0.05)


def kiosk(campus: Campus, tmp_path: Path) -> tuple[object, SyncClient]:
    desk = make_desk(tmp_path, "kiosk")
    client = enrolled(desk, campus.server.url, campus.kiosk_code)
    client.sync()  # the directory, so the visitor can choose whom they are here to see
    assert desk.use_synced_directory()
    return desk, client


def office_page(browser: object, campus: Campus) -> tuple[object, object]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    context.grant_permissions(["notifications"], origin=campus.server.url)
    context.add_init_script(OBSERVE)
    page = context.new_page()
    sign_in(page, campus.server.url, "sara@rusd.org")
    sync_api.expect(page).to_have_url(campus.server.url + "/office")
    sync_api.expect(page.locator("#live-status")).to_contain_text("Live · updated", timeout=3000)
    page.evaluate("window.__notReloaded = true")
    return context, page


def test_the_host_taps_on_my_way_in_the_alert_and_the_office_sees_it_live(browser: object, campus: Campus,
                                                                          tmp_path: Path) -> None:  # fmt: skip
    expect = sync_api.expect
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    morning(campus)
    context, office = office_page(browser, campus)
    desk, client = kiosk(campus, tmp_path)

    # A parent checks in on the real kiosk to see Ms. García; the kiosk's sync client pushes the visit.
    draft = Draft(
        language="es", first_name="Lucía", last_name="Martínez", reason="meeting", host=desk.directory.get("t-1")
    )
    arrival = desk.check_in(draft)
    assert client.push() == (1, 0)
    expect(office.locator(f"#visit-{arrival.id}")).to_be_visible(timeout=3000)

    # Her alert reaches her channel, in Spanish, with the link; the office page shows it delivered.
    message = next(m for m in campus.receiver.inbox.wait_for(1) if m.path == "/garcia" and "Lucía Martínez" in m.text)
    link = LINK.search(message.text).group(0)  # type: ignore[union-attr]
    assert link.startswith(campus.server.url + "/ack/")
    expect(office.locator(f"#visit-{arrival.id} td.alerts")).to_contain_text("✓ Ms. García", timeout=5000)
    expect(office.locator(f"#visit-{arrival.id} td.status")).to_contain_text("Waiting")

    # On her phone she opens the link (no sign-in): the page is in her language, and opening it says nothing yet.
    phone_context = browser.new_context(viewport=PHONE, locale="es-MX", timezone_id="America/Chicago", is_mobile=True)  # type: ignore[attr-defined]
    phone = phone_context.new_page()
    phone.goto(link)
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.locator("#ack h1")).to_contain_text("Lucía Martínez")
    expect(phone.locator("#ack")).to_contain_text("Reunirse con un miembro del personal")
    phone.screenshot(path=str(SCREENSHOTS / "district-alerts-ack-es.png"), full_page=True)
    with campus.server.sessions() as db:
        assert db.get_one(Visit, arrival.id).acknowledged_ms is None
    started = time.monotonic()
    phone.click("#on-my-way")
    expect(phone.locator("#ack-result")).to_contain_text("ya le avisamos al visitante que usted va en camino")
    phone.screenshot(path=str(SCREENSHOTS / "district-alerts-ack-done.png"), full_page=True)

    # The office page, never reloaded, shows who is on the way and the wait; the kiosk's API says so too.
    row = office.locator(f"#visit-{arrival.id}")
    expect(row.locator("td.status .ack")).to_have_text("Ms. García is on the way", timeout=3000)
    expect(row.locator("td.status .ack")).to_have_attribute("title", "Answered within a minute")
    assert time.monotonic() - started < 3.0
    expect(row.locator("form.seen")).to_have_count(0)
    assert office.evaluate("window.__notReloaded") is True
    (answer,) = client.arrivals([arrival.id])
    assert answer["acknowledged"] == {"by": "Ms. García", "via": "link"}
    assert {(t["kind"], t["key"]) for t in answer["told"]} >= {("staff", "t-1")}
    office.screenshot(path=str(SCREENSHOTS / "district-alerts-office.png"), full_page=True)
    phone_context.close()
    context.close()


def test_a_new_arrival_chimes_and_notifies_once_sound_is_turned_on(browser: object, campus: Campus,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    expect = sync_api.expect
    context, office = office_page(browser, campus)
    toggle = office.locator("#alerts-toggle")
    expect(toggle).to_have_text("Turn on sound and notifications")
    desk, client = kiosk(campus, tmp_path)
    desk.check_in(Draft(language="en", first_name="Before", last_name="Sound", reason="dropoff"))
    client.push()
    expect(office.locator("#live")).to_contain_text("Before Sound", timeout=3000)
    assert office.evaluate("window.__notes") == [] and office.evaluate("window.__tones") == []  # not turned on yet

    toggle.click()  # the gesture browsers need before they play sound
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("Sound and notifications on")
    assert office.evaluate("window.__tones") == [880]  # a test tone on the click
    assert office.evaluate("localStorage.getItem('wk-office-alerts')") == "on"

    arrival = desk.check_in(Draft(language="es", first_name="Lucía", last_name="Martínez", reason="pickup",
                                  student_name="Mateo Martínez"))  # fmt: skip
    client.push()
    expect(office.locator(f"#visit-{arrival.id}")).to_be_visible(timeout=3000)
    office.wait_for_function("window.__notes.length >= 1", timeout=3000)
    notes = office.evaluate("window.__notes")
    assert notes == [{"title": "New arrival: Lucía Martínez", "body": notes[0]["body"]}]
    assert notes[0]["body"].startswith("Pick up a student · ")
    assert office.evaluate("window.__tones") == [880, 659.25, 880]  # the doorbell's two notes

    # The choice is remembered: after a reload, the next arrival notifies without another click.
    office.reload()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    later = desk.check_in(Draft(language="en", first_name="Kim", last_name="Lee", reason="dropoff"))
    client.push()
    expect(office.locator(f"#visit-{later.id}")).to_be_visible(timeout=3000)
    office.wait_for_function("window.__notes.length >= 1", timeout=3000)
    assert office.evaluate("window.__notes")[0]["title"] == "New arrival: Kim Lee"
    context.close()


def test_a_failed_alert_shows_at_a_glance_and_notifies(browser: object, campus: Campus, tmp_path: Path) -> None:
    expect = sync_api.expect
    context, office = office_page(browser, campus)
    office.click("#alerts-toggle")
    desk, client = kiosk(campus, tmp_path)
    arrival = desk.check_in(Draft(language="en", first_name="Grace", last_name="Park", reason="meeting",
                                  host=desk.directory.get("t-2")))  # fmt: skip
    client.push()
    row = office.locator(f"#visit-{arrival.id}")
    expect(row).to_have_class("failed", timeout=8000)  # Mr. Lee's channel answers 500, three times
    failed = row.locator("li.bad")
    expect(failed).to_have_attribute("title", re.compile(f"^json://127.0.0.1:{campus.broken.port}/lee failed"))
    expect(failed).to_contain_text("Not delivered: Mr. Lee")
    expect(row.locator("li.ok")).to_contain_text("✓ Front office")  # the rule told the front office too
    expect(office.locator("#undelivered")).to_contain_text("Grace Park")
    assert campus.broken.attempts == 3
    assert row.evaluate("e => getComputedStyle(e.querySelector('td')).backgroundColor") == "rgb(253, 232, 230)"
    office.wait_for_function("window.__notes.some(n => n.title === 'Alert not delivered')", timeout=3000)
    office.screenshot(path=str(SCREENSHOTS / "district-alerts-failed.png"), full_page=True)
    context.close()


def test_the_ack_page_in_english_and_a_dead_link(browser: object, campus: Campus) -> None:
    expect = sync_api.expect
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with campus.server.sessions.begin() as db:
        db.scalars(select(Staff).where(Staff.external_id == "t-3")).one().alert_urls = campus.receiver.json_url(
            "haddad"
        )
        side = service.add_kiosk(db, campus.id, "Gym entrance").kiosk
        event = visit(2, "Thanh", "Nguyễn", language="vi", interpreter=True, reason="meeting", host_id="t-3",
                      host_name="Mr. Haddad")  # fmt: skip
        service.apply_events(db, side.id, campus.id, [event])
    campus.server.alert_worker.wake()
    deadline = time.monotonic() + 10
    while not any(m.path == "/haddad" for m in campus.receiver.received):
        assert time.monotonic() < deadline, "no alert for Mr. Haddad"
        time.sleep(0.05)
    message = next(m for m in campus.receiver.received if m.path == "/haddad")
    context = browser.new_context(viewport=PHONE, locale="en-US", timezone_id="America/Chicago", is_mobile=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(LINK.search(message.text).group(0))  # type: ignore[union-attr]
    expect(page.locator("#on-my-way")).to_have_text("On my way")
    expect(page.locator("#ack")).to_contain_text("Asked for an interpreter.")
    page.screenshot(path=str(SCREENSHOTS / "district-alerts-ack-en.png"), full_page=True)
    page.goto(campus.server.url + "/ack/not-a-real-link-at-all-0123456789")
    expect(page.locator("#ack h1")).to_have_text("This link does not work")
    context.close()


def test_the_alert_settings_pages_screenshots(browser: object, campus: Campus) -> None:
    """An admin sees the campus's office channels (masked), the rules, and a rules mistake with its line."""
    expect = sync_api.expect
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    morning(campus)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, campus.server.url, "ada@rusd.org")
    page.goto(f"{campus.server.url}/district")
    expect(page.locator("#waiting-times")).to_contain_text("Lincoln Elementary")
    page.screenshot(path=str(SCREENSHOTS / "district-alerts-district.png"), full_page=True)
    page.goto(f"{campus.server.url}/district/campuses/{campus.id}/settings")
    card = page.locator("#office-front_office")
    expect(card.locator("code.masked")).to_have_text(campus.receiver.json_url("front-office"))
    card.locator("button", has_text="Send a test alert").click()
    expect(page.locator("#office-front_office .test-result")).to_have_text("Test alert delivered to Front office.")
    page.locator("#office-front_office").screenshot(path=str(SCREENSHOTS / "district-alerts-office-card.png"))
    page.click("#rules-json summary")
    text = page.locator("#rules-text")
    text.fill(text.input_value().replace('"pickup"', '"pick-up"', 1))
    page.click("#rules-json button.primary")
    expect(page.locator("#rules-errors")).to_contain_text("Line 3: rule 2: reason 'pick-up' is not one of")
    expect(page.locator("#rules-errors")).to_contain_text("Did you mean 'pickup'?")
    page.screenshot(path=str(SCREENSHOTS / "district-alerts-campus.png"), full_page=True)
    page.goto(f"{campus.server.url}/district/campuses/{campus.id}/staff")
    expect(page.locator("#staff-channels")).to_contain_text("Ms. García")
    page.locator("#alert-channels").screenshot(path=str(SCREENSHOTS / "district-alerts-staff.png"))
    context.close()


ROWS_IN_VIEW = """() => Array.from(document.querySelectorAll("#live .arrivals tbody tr")).filter(row => {
  const box = row.getBoundingClientRect();
  return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}).length"""


def busy_morning(campus: Campus) -> None:
    """A school's busy first hour on top of morning(): meetings, pick-ups, volunteers and a delivery, long
    and non-Latin names, interpreters, several left already; every alert really sent, most answered."""
    more = [
        visit(44, "Maria Fernanda", "Castillo-Hernández", language="es", interpreter=True, reason="meeting",
              host_id="t-1", host_name="Ms. García"),
        visit(41, "Thanh", "Nguyễn", language="vi", interpreter=True, reason="pickup"),
        visit(38, "Grace", "Okafor", reason="meeting", host_id="t-2", host_name="Mr. Lee"),
        visit(29, "Oliver", "Bennett", reason="delivery"),
        visit(26, "Fatima", "Zahra", language="ar", reason="pickup"),
        visit(17, "Kevin", "Walsh", reason="volunteer"),
        visit(14, "Sofía", "Ramírez", language="es", reason="dropoff"),
        visit(6, "Daniel", "Kim", reason="event"),
        visit(3, "Ana", "Pérez", language="es", reason="meeting", host_id="t-1", host_name="Ms. García"),
    ]  # fmt: skip
    with campus.server.sessions.begin() as db:
        side = service.add_kiosk(db, campus.id, "Side door").kiosk
        service.apply_events(db, side.id, campus.id, more)
    campus.server.alert_worker.wake()
    settled(campus, [str(v["id"]) for v in more])
    with campus.server.sessions.begin() as db:
        for v, wait in zip(more[:5], (120_000, 240_000, 90_000, 30_000, 400_000)):
            row = db.get_one(Visit, str(v["id"]))
            queue.acknowledge(db, row, "Front office" if v["reason"] != "meeting" else str(v["host_name"]), "link",
                              row.checked_in_ms + wait)  # fmt: skip
        left = [{"type": "sign_out", "visit_id": str(v["id"]), "at_ms": minutes_ago_today(m), "by": "visitor"}
                for v, m in ((more[3], 20), (more[4], 12))]  # fmt: skip
        service.apply_events(db, side.id, campus.id, left)


def test_a_busy_morning_fits_the_front_office_pc_and_a_phone(browser: object, campus: Campus) -> None:
    """Ten arrivals and more on the office PC's screen at once, every one on a single line unless something
    needs reading (a failed alert); on a phone, nothing off to the side: no sideways scrolling at all."""
    expect = sync_api.expect
    morning(campus)
    busy_morning(campus)
    context, office = office_page(browser, campus)
    expect(office.locator("#live .arrivals tbody tr")).to_have_count(14)
    office.screenshot(path=str(SCREENSHOTS / "district-office-busy.png"))
    assert office.evaluate(ROWS_IN_VIEW) >= 10
    assert office.evaluate("document.scrollingElement.scrollWidth") <= VIEWPORT["width"]
    context.close()

    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",  # type: ignore[attr-defined]
                                        timezone_id="America/Chicago", is_mobile=True)  # fmt: skip
    phone = phone_context.new_page()
    sign_in(phone, campus.server.url, "sara@rusd.org")
    expect(phone.locator("#live .arrivals tbody tr")).to_have_count(14)
    phone.screenshot(path=str(SCREENSHOTS / "district-office-phone.png"), full_page=True)
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    for cell in ("td.status", "td.alerts", "td.name"):  # what was off-screen: each row's status and alerts
        boxes = phone.locator(f"#live .arrivals tbody {cell}").evaluate_all(
            "cells => cells.map(c => c.getBoundingClientRect()).map(b => [b.left, b.right])")  # fmt: skip
        assert len(boxes) == 14 and all(0 <= left and right <= 390 for left, right in boxes), (cell, boxes)
    phone_context.close()


def test_the_office_checks_in_a_walk_in_and_the_host_is_alerted(browser: object, campus: Campus) -> None:
    """A visitor who cannot use the touch screen: the secretary checks them in on the office page, finds the
    host by a search of the staff, and the host's channel receives the alert, as for a kiosk's check-in."""
    expect = sync_api.expect
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, office = office_page(browser, campus)
    office.click("#check-in-link")
    expect(office.locator("h1")).to_have_text("Check someone in")
    office.fill("input[name=first_name]", "R2")  # refused as the kiosk refuses it, kindly, and kept to correct
    office.fill("input[name=last_name]", "Pérez")
    office.select_option("select[name=reason]", "meeting")
    office.click("#check-in button.primary")
    expect(office.locator("#check-in-problems")).to_have_text(
        "The first name can have only letters, spaces, apostrophes, hyphens and periods.")  # fmt: skip
    expect(office.locator("input[name=last_name]")).to_have_value("Pérez")
    office.fill("input[name=first_name]", "  Ana\u200b ")  # stored cleaned, as the kiosk cleans it
    office.fill("input[name=host_query]", "garcia")
    office.click("#check-in button[name=find]")
    choice = office.get_by_label("Ms. García")
    expect(choice).to_be_checked()  # the one match is chosen
    expect(office.locator("input[name=last_name]")).to_have_value("Pérez")  # what was typed comes back too
    office.select_option("select[name=language]", "es")
    office.check("input[name=interpreter]")
    office.screenshot(path=str(SCREENSHOTS / "district-office-check-in.png"), full_page=True)
    office.click("#check-in button.primary")

    expect(office.locator("p.notice")).to_contain_text("The visitor is checked in")
    row = office.locator("#live .arrivals tbody tr", has_text="Ana Pérez")
    expect(row).to_contain_text("At the office")
    expect(row).to_contain_text("Meet Ms. García")
    expect(row).to_contain_text("Spanish Interpreter")
    deadline = time.monotonic() + 10
    while not any(m.path == "/garcia" for m in campus.receiver.received):
        assert time.monotonic() < deadline, [m.path for m in campus.receiver.received]
        time.sleep(0.05)
    message = next(m for m in campus.receiver.received if m.path == "/garcia")
    assert "Ana Pérez" in message.text and LINK.search(message.text)  # with its "On my way" link
    expect(row.locator("td.alerts")).to_contain_text("✓ Ms. García", timeout=5000)
    visit_id = str(row.get_attribute("data-visit"))
    with campus.server.sessions() as db:
        stored = db.get_one(Visit, visit_id)
        assert (stored.kiosk_id, stored.first_name, stored.host_id, stored.language, stored.interpreter) == (
            None, "Ana", "t-1", "es", True)  # fmt: skip
        assert {(a.recipient_key, a.why) for a in db.scalars(select(Alert).where(Alert.visit_id == visit_id))} == {
            ("t-1", "host"), ("front_office", "office")}  # routed by the campus's rules, as a kiosk's  # fmt: skip
    office.screenshot(path=str(SCREENSHOTS / "district-office-checked-in.png"))
    context.close()

    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",  # type: ignore[attr-defined]
                                        timezone_id="America/Chicago", is_mobile=True)  # fmt: skip
    phone = phone_context.new_page()
    sign_in(phone, campus.server.url, "sara@rusd.org")
    phone.goto(campus.server.url + "/office/check-in")
    phone.fill("input[name=host_query]", "room 12")
    phone.click("#check-in button[name=find]")
    expect(phone.get_by_label("Ms. García")).to_be_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    phone.screenshot(path=str(SCREENSHOTS / "district-office-check-in-phone.png"), full_page=True)
    phone_context.close()


def test_the_routing_rules_form_round_trip(browser: object, campus: Campus) -> None:
    """An admin changes the rules in their form (a new rule moved to the top, one removed), sees them saved
    as words and as JSON, corrects a mistake the form explains, and imports JSON back into the form."""
    expect = sync_api.expect
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Chicago")  # type: ignore[attr-defined]
    page = context.new_page()
    sign_in(page, campus.server.url, "ada@rusd.org")
    page.goto(f"{campus.server.url}/district/campuses/{campus.id}/settings#rules")
    rows = page.locator("#rule-rows tbody tr")
    expect(rows).to_have_count(6)  # the four default rules and two empty rows
    expect(page.locator("#rule-2 select")).to_have_value("volunteer")
    new = page.locator("#rule-4")
    new.locator("select").select_option("pickup")
    new.locator("input[name=rule-4-notify][value=front_office]").check()
    new.locator("input[name=rule-4-start]").fill("15:00")
    new.locator("input[name=rule-4-end]").fill("18:00")
    new.locator("input[name=rule-4-escalate_after]").fill("")
    new.locator("input[name=rule-4-position]").fill("0")  # above the first
    page.locator("#rule-2").get_by_label("Remove").check()  # no rule for volunteers: anything else's rule takes them
    page.screenshot(path=str(SCREENSHOTS / "district-rules-form.png"), full_page=True)
    page.click("#rules-form button.primary")
    expect(page.locator("p.notice")).to_contain_text("The routing rules were saved")
    with campus.server.sessions() as db:
        saved = json.loads(db.get_one(CampusRow, campus.id).alert_rules or "[]")
    assert saved == [
        {"reason": "pickup", "notify": ["front_office"], "hours": "15:00-18:00", "escalate_after": None,
         "escalate_to": ["front_office"]},
        {"reason": "meeting", "notify": ["host", "front_office"], "escalate_after": 5, "escalate_to": ["front_office"]},
        {"reason": "pickup", "notify": ["attendance"], "escalate_after": 5, "escalate_to": ["front_office"]},
        {"reason": "*", "notify": ["front_office"], "escalate_after": 5, "escalate_to": ["front_office"]},
    ]  # fmt: skip
    words = page.locator("#rules-table tbody tr").first
    expect(words).to_contain_text("15:00")
    expect(page.locator("#rule-0 select")).to_have_value("pickup")
    expect(page.locator("input[name=rule-0-start]")).to_have_value("15:00")
    expect(page.locator("input[name=rule-0-escalate_after]")).to_have_value("")
    assert json.loads(page.locator("#rules-text").input_value()) == saved  # the export is what is stored

    # A rule that tells nobody: said in words, with the form as sent.
    page.locator("input[name=rule-1-notify][value=host]").uncheck()
    page.locator("input[name=rule-1-notify][value=front_office]").uncheck()
    page.click("#rules-form button.primary")
    expect(page.locator("#rules-errors")).to_contain_text("Rule 2: tick at least one person or office to tell.")
    expect(page.locator("#rule-0 select")).to_have_value("pickup")
    page.screenshot(path=str(SCREENSHOTS / "district-rules-form-error.png"), full_page=True)

    # Power users: JSON in, and the form shows it.
    page.goto(f"{campus.server.url}/district/campuses/{campus.id}/settings#rules")
    page.click("#rules-json summary")
    page.fill("#rules-text", json.dumps([{"reason": "*", "notify": ["front_office", "attendance"], "escalate_after": 10}]))
    page.click("#rules-json button.primary")
    expect(page.locator("p.notice")).to_contain_text("The routing rules were saved")
    expect(page.locator("#rule-0 select")).to_have_value("*")
    expect(page.locator("input[name=rule-0-notify][value=attendance]")).to_be_checked()
    expect(page.locator("input[name=rule-0-escalate_after]")).to_have_value("10")
    expect(page.locator("#rule-rows tbody tr")).to_have_count(3)
    context.close()
