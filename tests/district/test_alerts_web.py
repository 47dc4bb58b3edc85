"""The alert pages against the real server on loopback (SQLite and PostgreSQL), with real Apprise
sends to real receivers: the "on my way" page (GET never acknowledges, POST does, garbage is a kind
404), the front office's alert statuses, "seen" and waiting times, the district's waiting times,
and the admin pages for channels, test alerts, the channels CSV and the routing rules. Hostile input
throughout: garbage tokens, oversized URLs, bad rules, forged and cross-site forms, secretaries."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import requests
from conftest import World
from loopback import LoopbackServer
from receivers import HttpReceiver, SmtpReceiver
from sqlalchemy import select, update
from test_web import CHICAGO, Browser, Site, password_hash, signed_in, tables

from district import service
from district.alerts import queue
from district.alerts import rules as routing
from district.models import Alert, Campus, Kiosk, Office, Staff, User, Visit
from kiosk.directory import StaffMember

STAFF = [
    StaffMember("t1", "Lucía", "García", display_name="Ms. García", languages=("es", "en")),
    StaffMember("t2", "David", "Lee", display_name="Mr. Lee", languages=("en",)),
]
SECRET = "s3cret-relay-pass"


# -- the world -------------------------------------------------------------------------------------
@pytest.fixture
def alerting(database_url: str) -> Iterator[LoopbackServer]:
    server = LoopbackServer(database_url, alerts=True).start()
    yield server
    server.dispose()


def populate(server: LoopbackServer) -> Site:
    """Two campuses with staff and a kiosk each, an admin and a secretary per campus."""
    with server.sessions.begin() as db:
        a = service.add_campus(db, "Lincoln Elementary", "America/Chicago", ["en", "es"])
        b = service.add_campus(db, "Roosevelt Middle", "America/Chicago", ["en", "es"])
        service.replace_staff(db, a.id, STAFF)
        service.replace_staff(db, b.id, [StaffMember("r1", "Rita", "Moreno")])
        code_a, code_b = service.add_kiosk(db, a.id, "Front door").code, service.add_kiosk(db, b.id, "Main").code
        for email, name, role, campus_id in (("admin@rusd.org", "Ada Admin", "district_admin", None),
                                             ("sec.a@rusd.org", "Sara Lincoln", "secretary", a.id),
                                             ("sec.b@rusd.org", "Ben Roosevelt", "secretary", b.id)):  # fmt: skip
            db.add(User(email=email, name=name, password_hash=password_hash(), role=role, campus_id=campus_id,
                        active=True, created_ms=service.now_ms()))  # fmt: skip
        ids = (a.id, b.id)
    return Site(World(server, ids[0], ids[1], code_a, code_b), server.url)


@pytest.fixture
def quiet(server: LoopbackServer) -> Site:
    """The server with its sender off: alerts stay queued, with their links' tokens readable."""
    return populate(server)


@pytest.fixture
def live(alerting: LoopbackServer) -> Site:
    """The server sending alerts, as in production."""
    return populate(alerting)


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


def set_channels(site: Site, who: str, *urls: str, language: str = "", campus_id: int | None = None) -> None:
    campus_id = campus_id or site.world.campus_a
    with site.server.sessions.begin() as db:
        if who in routing.TARGETS:
            row = db.scalar(select(Office).where(Office.campus_id == campus_id, Office.key == who))
        else:
            row = db.scalar(select(Staff).where(Staff.campus_id == campus_id, Staff.external_id == who))
        row.alert_urls, row.alert_language = "\n".join(urls), language


def today() -> date:
    return datetime.now(CHICAGO).date()


def arrive(site: Site, minutes_ago: float = 1, campus_id: int | None = None, day: date | None = None,
           **fields: object) -> str:  # fmt: skip
    """A visit pushed as a kiosk would, `minutes_ago` before now (or on `day` at 10:00)."""
    campus_id = campus_id or site.world.campus_a
    if day is None:
        moment = service.now_ms() - int(minutes_ago * 60_000)
        day = datetime.fromtimestamp(moment / 1000, CHICAGO).date()
    else:
        moment = int(datetime.combine(day, datetime.min.time().replace(hour=10), CHICAGO).timestamp() * 1000)
    event = {"type": "visit", "id": str(uuid.uuid4()), "first_name": "Ana", "last_name": "Pérez",
             "reason": "meeting", "host_id": "t1", "host_name": "Ms. García", "language": "es",
             "interpreter": False, "checked_in_ms": moment, "local_day": day.isoformat()} | fields  # fmt: skip
    with site.server.sessions.begin() as db:
        kiosk = db.scalars(select(Kiosk).where(Kiosk.campus_id == campus_id)).first()
        assert service.apply_events(db, kiosk.id, campus_id, [event]) == [{"status": "stored"}]
    worker = site.server.alert_worker
    if worker is not None:
        worker.wake()
    return str(event["id"])


def alerts_of(site: Site, visit_id: str) -> list[Alert]:
    with site.server.sessions() as db:
        return list(db.scalars(select(Alert).where(Alert.visit_id == visit_id).order_by(Alert.id)))


def token_for(site: Site, visit_id: str, recipient_key: str) -> str:
    found = [a for a in alerts_of(site, visit_id) if a.recipient_key == recipient_key]
    assert found and found[0].ack_token, "the alert is no longer queued"
    return found[0].ack_token


def the_visit(site: Site, visit_id: str) -> Visit:
    with site.server.sessions() as db:
        return db.get_one(Visit, visit_id)


def the_campus(site: Site, campus_id: int) -> Campus:
    with site.server.sessions() as db:
        return db.get_one(Campus, campus_id)


def settled(site: Site, visit_id: str, timeout: float = 15.0) -> list[Alert]:
    deadline = time.monotonic() + timeout
    while True:
        alerts = alerts_of(site, visit_id)
        if alerts and all(a.status in ("delivered", "failed") for a in alerts):
            return alerts
        assert time.monotonic() < deadline, [(a.recipient_name, a.status) for a in alerts]
        time.sleep(0.05)


def acknowledged_at(site: Site, visit_id: str, wait_ms: int, by: str = "Ms. García", via: str = "link") -> None:
    with site.server.sessions.begin() as db:
        visit = db.get_one(Visit, visit_id)
        assert queue.acknowledge(db, visit, by, via, visit.checked_in_ms + wait_ms)


def text_of(page: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


# -- the "on my way" page ------------------------------------------------------------------------
def test_the_link_shows_the_visit_in_the_recipients_language_and_a_get_never_acknowledges(quiet: Site) -> None:
    set_channels(quiet, "t1", "json://127.0.0.1:9/never", language="es")
    visit_id = arrive(quiet, reason="meeting", interpreter=True)
    token = token_for(quiet, visit_id, "t1")
    for _ in range(3):  # a mail scanner, a chat preview, the person
        page = requests.get(f"{quiet.url}/ack/{token}")
        assert page.status_code == 200
    assert requests.head(f"{quiet.url}/ack/{token}").status_code in (200, 405)
    assert the_visit(quiet, visit_id).acknowledged_ms is None  # looking is not acknowledging
    assert '<html lang="es"' in page.text
    words = text_of(page.text)
    assert "Ana Pérez" in words and "Reunirse con un miembro del personal" in words and "Ms. García" in words
    assert "Lincoln Elementary" in words and "español" in words.lower()
    assert 'action="/ack/' + token + '"' in page.text and 'name="csrf"' not in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "same-origin"
    assert "noindex" in page.text


def test_on_my_way_acknowledges_once_and_the_next_recipient_is_told_who_was_first(quiet: Site) -> None:
    set_channels(quiet, "t1", "json://127.0.0.1:9/never")
    set_channels(quiet, "front_office", "json://127.0.0.1:9/office")
    visit_id = arrive(quiet, minutes_ago=3)
    host, office = token_for(quiet, visit_id, "t1"), token_for(quiet, visit_id, "front_office")
    answer = requests.post(
        f"{quiet.url}/ack/{host}", allow_redirects=False
    )  # no session, no csrf token: the link is the key
    assert answer.status_code == 303 and answer.headers["location"] == f"/ack/{host}"
    visit = the_visit(quiet, visit_id)
    assert (visit.acknowledged_by, visit.acknowledged_via) == ("Ms. García", "link")
    assert 3 * 60_000 <= visit.acknowledged_ms - visit.checked_in_ms < 4 * 60_000
    thanks = requests.get(f"{quiet.url}/ack/{host}")
    assert "Thank you: the visitor has been told you are on the way." in thanks.text and "on-my-way" not in thanks.text
    again = requests.post(f"{quiet.url}/ack/{host}")  # a double tap changes nothing
    assert again.status_code == 200 and the_visit(quiet, visit_id).acknowledged_ms == visit.acknowledged_ms
    late = requests.post(f"{quiet.url}/ack/{office}")
    assert re.search(r"Already acknowledged by Ms\. García at \d{1,2}:\d\d", late.text)
    assert the_visit(quiet, visit_id).acknowledged_by == "Ms. García"


@pytest.mark.parametrize("token", [
    "x", "A" * 43, "A" * 5000, "..%2F..%2Fetc%2Fpasswd", "' OR 1=1 --", "%00" * 10, "ünïcödé" * 8, "a/b/c",
])  # fmt: skip
def test_a_garbage_link_is_a_kind_404_and_acknowledges_nothing(quiet: Site, token: str) -> None:
    set_channels(quiet, "t1", "json://127.0.0.1:9/never")
    visit_id = arrive(quiet)
    for method in ("GET", "POST"):
        answer = requests.request(method, f"{quiet.url}/ack/{token}", headers={"Accept-Language": "es-MX,es;q=0.9"})
        assert answer.status_code == 404, (method, token)
        if answer.headers["content-type"].startswith("text/html") and "/ack/" in answer.url:
            assert '<html lang="es"' in answer.text or "No such page" in answer.text  # or the site's own 404 page
    assert the_visit(quiet, visit_id).acknowledged_ms is None


def test_the_kind_404_is_in_the_browsers_language(quiet: Site) -> None:
    english = requests.get(f"{quiet.url}/ack/{'B' * 43}")
    assert (
        english.status_code == 404
        and "This link does not work" in english.text
        and "front office can help" in english.text
    )
    spanish = requests.get(f"{quiet.url}/ack/{'B' * 43}", headers={"Accept-Language": "es-MX,es;q=0.8,en;q=0.5"})
    assert '<html lang="es"' in spanish.text


def test_on_my_way_from_another_site_is_refused(quiet: Site) -> None:
    set_channels(quiet, "t1", "json://127.0.0.1:9/never")
    visit_id = arrive(quiet)
    token = token_for(quiet, visit_id, "t1")
    forged = requests.post(f"{quiet.url}/ack/{token}", headers={"Origin": "http://evil.example"}, allow_redirects=False)
    assert forged.status_code == 403 and the_visit(quiet, visit_id).acknowledged_ms is None
    same = requests.post(f"{quiet.url}/ack/{token}", headers={"Origin": quiet.url}, allow_redirects=False)
    assert same.status_code == 303 and the_visit(quiet, visit_id).acknowledged_ms is not None


def test_a_visitor_who_left_is_said_to_have_left(quiet: Site) -> None:
    set_channels(quiet, "t1", "json://127.0.0.1:9/never")
    visit_id = arrive(quiet)
    token = token_for(quiet, visit_id, "t1")
    secretary = signed_in(quiet, "sec.a@rusd.org")
    assert secretary.form(f"/office/visits/{visit_id}/sign-out").status_code == 303
    page = requests.get(f"{quiet.url}/ack/{token}")
    assert "The visitor signed out at" in page.text and 'id="on-my-way"' not in page.text


# -- the front office ------------------------------------------------------------------------------
def test_the_office_sees_who_was_alerted_how_it_went_and_who_is_on_the_way(live: Site, http: HttpReceiver) -> None:
    set_channels(live, "t1", http.json_url("garcia"))
    mail = (
        f"mailto://kiosk:{SECRET}@127.0.0.1:9?from=kiosk@school.example.org&to=office@school.example.org&mode=insecure"
    )
    set_channels(live, "front_office", mail)  # nothing listens on port 9: retried until it expires
    delivered = arrive(live, minutes_ago=0.2)
    expired = arrive(live, minutes_ago=20, first_name="Omar", last_name="Said")  # the kiosk was offline
    http.inbox.wait_for(1)
    deadline = time.monotonic() + 10
    while {(a.recipient_key, a.status) for a in alerts_of(live, delivered)} != {
        ("t1", "delivered"),
        ("front_office", "pending"),
    }:
        assert time.monotonic() < deadline, [(a.recipient_key, a.status, a.error) for a in alerts_of(live, delivered)]
        time.sleep(0.05)
    secretary = signed_in(live, "sec.a@rusd.org")
    office = secretary.get(live.url + "/office").text
    tag, row = visit_row(office, delivered)
    assert "✓ Ms. García" in row and "Waiting" in row and "Seen" in row
    assert re.search("(Retrying|Sending): Front office…", row)  # retried every few seconds until it expires
    assert 'class="failed"' not in tag
    tag, row = visit_row(office, expired)
    assert 'class="failed"' in tag and re.search(
        r"Not delivered: Ms\. García \(expired: the visit reached the server 20 min", row
    )  # the reason shown on a phone, and in the tooltip on the PC
    banner = text_of(office.split('id="undelivered"')[1].split("</div>")[0])
    assert "Omar Said" in banner and "please tell them yourself" in banner
    assert SECRET not in office and "mailto" not in office  # a secretary never sees a channel
    acknowledged_at(live, delivered, 3 * 60_000 + 5_000)
    office = secretary.get(live.url + "/office").text
    tag, row = visit_row(office, delivered)
    assert "Ms. García is on the way after 3 min" in row and "Seen" not in row


def visit_row(page: str, visit_id: str) -> tuple[str, str]:
    """An arrival's row on the office page: its opening tag, and its text."""
    start = page.index(f'<tr id="visit-{visit_id}"')
    end = page.index("</tr>", start)
    return page[start : page.index(">", start) + 1], text_of(page[start:end])


def test_seen_is_recorded_with_the_secretarys_name_once_and_for_their_campus_only(quiet: Site) -> None:
    visit_id = arrive(quiet, minutes_ago=2)
    other = signed_in(quiet, "sec.b@rusd.org")
    assert other.form(f"/office/visits/{visit_id}/seen").status_code == 404
    assert signed_in(quiet, "sec.a@rusd.org").post(quiet.url + f"/office/visits/{visit_id}/seen",
                                                   data={"csrf": "x" * 43}).status_code == 403  # fmt: skip
    secretary = signed_in(quiet, "sec.a@rusd.org")
    assert secretary.form(f"/office/visits/{visit_id}/seen").headers["location"] == "/office"
    visit = the_visit(quiet, visit_id)
    assert (visit.acknowledged_by, visit.acknowledged_via) == ("Sara Lincoln", "office")
    admin = signed_in(quiet, "admin@rusd.org")
    admin.csrf = re.search(r'name="csrf" value="([^"]+)"', admin.get(quiet.url + "/office").text).group(1)
    assert admin.form(f"/office/visits/{visit_id}/seen").status_code == 303
    assert the_visit(quiet, visit_id).acknowledged_by == "Sara Lincoln"  # the first one counts
    page = text_of(secretary.get(quiet.url + "/office").text)
    assert "Seen by Sara Lincoln after 2 min" in page
    assert page.count("only this page shows it") == 1 and "Not alerted" in page  # no channels: the page is the alert


def test_the_live_fragment_changes_when_an_alert_or_an_acknowledgement_does(quiet: Site) -> None:
    set_channels(quiet, "t1", "json://127.0.0.1:9/never")
    visit_id = arrive(quiet)
    secretary = signed_in(quiet, "sec.a@rusd.org")

    def etag() -> str:
        first = secretary.get(quiet.url + "/office/live")
        assert (
            secretary.get(quiet.url + "/office/live", headers={"If-None-Match": first.headers["ETag"]}).status_code
            == 304
        )
        return first.headers["ETag"]

    seen = [etag()]
    with quiet.server.sessions.begin() as db:  # what the sender does: claim it, fail once (a retry is due)
        (job,), _ = queue.claim_due(db, service.now_ms(), 10)
    seen.append(etag())
    with quiet.server.sessions.begin() as db:
        assert (
            queue.finish(db, job.alert_id, False, "Ms. García: json://127.0.0.1:9/never failed", service.now_ms())
            == "pending"
        )
    seen.append(etag())
    assert "Retrying: Ms. García" in secretary.get(quiet.url + "/office/live").text
    with quiet.server.sessions.begin() as db:  # it gives up
        db.execute(
            update(Alert).where(Alert.id == job.alert_id).values(status="failed", error="Ms. García: no alert channel")
        )
    seen.append(etag())
    assert "Not delivered: Ms. García: no alert channel" in secretary.get(quiet.url + "/office/live").text
    acknowledged_at(quiet, visit_id, 90_000)
    seen.append(etag())
    assert len(set(seen)) == len(seen)


# -- waiting times ------------------------------------------------------------------------------------
def test_waiting_times_per_visit_and_per_campus(quiet: Site) -> None:
    day = today()
    waits = [60, 120, 180, 240, 600]  # seconds: median 3 min, nine in ten within 10 min
    for seconds in waits:
        acknowledged_at(quiet, arrive(quiet, minutes_ago=0.5), seconds * 1000)
    arrive(quiet, minutes_ago=0.5)  # nobody acknowledged it
    for seconds in (30, 30, 30):  # earlier this week: the week's median is (60 + 120) / 2 s
        acknowledged_at(quiet, arrive(quiet, day=day - timedelta(days=3)), seconds * 1000)
    arrive(quiet, day=day - timedelta(days=10))  # outside the week
    arrive(quiet, minutes_ago=0.5, campus_id=quiet.world.campus_b)
    admin = signed_in(quiet, "admin@rusd.org")
    rows = {r[0]: r[1:] for r in tables(admin.get(quiet.url + "/district").text)["waiting-times"][2:]}
    assert rows["Lincoln Elementary"] == ["3 min", "10 min", "1 of 6", "1 min 30 s", "10 min", "1 of 9", "0"]
    assert rows["Roosevelt Middle"] == ["–", "–", "1 of 1", "–", "–", "1 of 1", "0"]
    office = text_of(signed_in(quiet, "sec.a@rusd.org").get(quiet.url + "/office").text)
    assert "Ms. García is on the way after 10 min" in office and "within a minute" not in office


# -- admin: an office's channels, test alerts ----------------------------------------------------------
def admin_of(site: Site) -> Browser:
    admin = signed_in(site, "admin@rusd.org")
    return admin


def office_form(page: str, key: str) -> str:
    return page.split(f'id="office-{key}"')[1].split('class="office-card"')[0]


def test_an_admin_sets_an_offices_channels_shown_masked_and_removes_one(quiet: Site, http: HttpReceiver) -> None:
    admin, campus_id = admin_of(quiet), quiet.world.campus_a
    mail = f"mailto://kiosk:{SECRET}@127.0.0.1:2525?from=kiosk@school.example.org&to=office@school.example.org&mode=insecure"
    path = f"/district/campuses/{campus_id}/offices/front_office"
    saved = admin.form(path, {"add": f"{mail}\n{http.json_url('office')}", "language": "es"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("notice=channels#office-front_office")
    page = admin.get(quiet.url + f"/district/campuses/{campus_id}/settings").text
    card = office_form(page, "front_office")
    assert "mailto://kiosk:****@127.0.0.1" in card and SECRET not in page and http.json_url("office") in card
    assert 'value="es" selected' in card
    keys = re.findall(r'name="remove" value="([0-9a-f]+)"', card)
    assert len(keys) == 2 and SECRET not in "".join(keys)
    assert admin.form(path, {"remove": keys[0], "add": "", "language": "es"}).status_code == 303
    with quiet.server.sessions() as db:
        office = db.scalar(select(Office).where(Office.campus_id == campus_id, Office.key == "front_office"))
        assert (office.alert_urls, office.alert_language) == (http.json_url("office"), "es")


@pytest.mark.parametrize(("added", "language", "problem"), [
    ("foo://bar", "", "Front office: channel 1 (foo://…) is not an Apprise URL"),
    ("json://127.0.0.1/" + "x" * 3000, "", "Front office: channel 1 is longer than 2000 characters"),
    (" ".join(f"json://127.0.0.1/{n}" for n in range(6)), "", "Front office: at most 5 alert channels"),
    ("json://127.0.0.1/ok", "klingon", "Front office: alert language 'klingon' is not one of"),
    ("mailto://kiosk:" + SECRET + "@", "", "Front office: channel 1"),
])  # fmt: skip
def test_a_bad_channel_is_refused_naming_the_office_and_never_echoed(quiet: Site, added: str, language: str,
                                                                   problem: str) -> None:  # fmt: skip
    admin = admin_of(quiet)
    answer = admin.form(
        f"/district/campuses/{quiet.world.campus_a}/offices/front_office", {"add": added, "language": language}
    )
    assert answer.status_code == 400 and problem in html.unescape(answer.text)
    assert SECRET not in answer.text and "x" * 100 not in answer.text
    with quiet.server.sessions() as db:
        office = db.scalar(select(Office).where(Office.campus_id == quiet.world.campus_a, Office.key == "front_office"))
        assert (office.alert_urls, office.alert_language) == ("", "")


def test_a_test_alert_is_sent_now_and_its_result_shown_masked(quiet: Site, http: HttpReceiver) -> None:
    smtp = SmtpReceiver()
    try:
        admin, campus_id = admin_of(quiet), quiet.world.campus_a
        set_channels(quiet, "attendance", smtp.url("attendance@school.example.org"), language="es")
        shown = admin.form(f"/district/campuses/{campus_id}/offices/attendance/test")
        assert shown.status_code == 200 and "Test alert delivered to Attendance office." in shown.text
        ((to, message),) = smtp.messages(1)
        assert to == ["attendance@school.example.org"] and "Lincoln Elementary" in message.get_body().get_content()
        broken = HttpReceiver(status=500)
        try:
            set_channels(quiet, "volunteers", broken.json_url("volunteers"), f"json://kiosk:{SECRET}@127.0.0.1:9/x")
            failed = admin.form(f"/district/campuses/{campus_id}/offices/volunteers/test")
            result = text_of(failed.text.split("test-result")[1].split("</p>")[0])
            assert "Not delivered: Volunteer coordinator: json://127.0.0.1:" in result and broken.attempts == 1
            assert SECRET not in failed.text and SMTP_PASSWORD_NOT_IN(failed.text)
        finally:
            broken.close()
        nothing = admin.form(f"/district/campuses/{campus_id}/offices/front_office/test")
        assert "Not delivered: Front office: no alert channel" in nothing.text
    finally:
        smtp.close()


def SMTP_PASSWORD_NOT_IN(text: str) -> bool:
    return SmtpReceiver.PASSWORD not in text


def test_alert_settings_are_for_district_admins_only(quiet: Site) -> None:
    campus_id, staff_id = quiet.world.campus_a, staff_row(quiet, "t1").id
    secretary = signed_in(quiet, "sec.a@rusd.org")
    base = f"/district/campuses/{campus_id}"
    for path in (f"{base}/offices/front_office", f"{base}/offices/front_office/test", f"{base}/rules",
                 f"{base}/staff/{staff_id}/alerts", f"{base}/staff/{staff_id}/alerts/test",
                 f"{base}/staff/channels"):  # fmt: skip
        answer = secretary.form(path, {"add": "json://127.0.0.1/x", "rules": "[]", "expiry_minutes": "15"})
        assert answer.status_code == 403, path
    assert secretary.get(quiet.url + f"/district/campuses/{campus_id}/staff/{staff_id}/alerts").status_code == 403
    admin = admin_of(quiet)
    forged = admin.post(quiet.url + f"/district/campuses/{campus_id}/offices/front_office",
                        data={"csrf": "y" * 43, "add": "json://127.0.0.1/x"}, allow_redirects=False)  # fmt: skip
    cross = admin.form(f"/district/campuses/{campus_id}/offices/front_office", {"add": "json://127.0.0.1/x"},
                       headers={"Origin": "http://evil.example"})  # fmt: skip
    assert forged.status_code == cross.status_code == 403
    for path in (f"/district/campuses/{campus_id}/offices/principal", "/district/campuses/99999/offices/front_office",
                 f"/district/campuses/{campus_id}/offices/{'x' * 500}"):  # fmt: skip
        assert admin.form(path, {"add": "json://127.0.0.1/x"}).status_code == 404, path
    with quiet.server.sessions() as db:
        assert all(not o.alert_urls for o in db.scalars(select(Office)))


# -- admin: staff channels, one by one and from a CSV ---------------------------------------------------
def staff_row(site: Site, external_id: str, campus_id: int | None = None) -> Staff:
    with site.server.sessions() as db:
        return db.scalars(select(Staff).where(Staff.campus_id == (campus_id or site.world.campus_a),
                                              Staff.external_id == external_id)).one()  # fmt: skip


def test_an_admin_edits_a_staff_members_channels_and_sends_them_a_test(quiet: Site, http: HttpReceiver) -> None:
    admin, campus_id, garcia = admin_of(quiet), quiet.world.campus_a, staff_row(quiet, "t1")
    path = f"/district/campuses/{campus_id}/staff/{garcia.id}/alerts"
    assert "No channel yet" in admin.get(quiet.url + path).text
    saved = admin.form(path, {"add": http.json_url("garcia"), "language": "es"})
    assert saved.headers["location"] == f"/district/campuses/{campus_id}/staff?notice=channels#staff-{garcia.id}"
    staff_page = admin.get(quiet.url + f"/district/campuses/{campus_id}/staff").text
    assert http.json_url("garcia") in staff_page and "1 of 2 reachable" in staff_page
    tested = admin.form(path + "/test")
    assert "Test alert delivered to Ms. García." in tested.text
    (received,) = http.inbox.wait_for(1)
    assert received.path == "/garcia" and "Lincoln Elementary" in received.text
    bad = admin.form(path, {"add": "mailto://kiosk:" + SECRET + "@"})
    assert bad.status_code == 400 and "Ms. García: channel 2" in bad.text and SECRET not in bad.text
    roosevelt = staff_row(quiet, "r1", quiet.world.campus_b)
    assert admin.get(quiet.url + f"/district/campuses/{campus_id}/staff/{roosevelt.id}/alerts").status_code == 404
    assert admin.get(quiet.url + f"/district/campuses/{campus_id}/staff/99999999999/alerts").status_code == 404


def upload_channels(admin: Browser, campus_id: int, data: bytes) -> requests.Response:
    return admin.form(
        f"/district/campuses/{campus_id}/staff/channels", files={"files": ("channels.csv", data, "text/csv")}
    )


def test_a_channels_csv_applies_every_good_row_and_names_each_bad_one_with_its_line(
    quiet: Site, http: HttpReceiver
) -> None:
    admin, campus_id = admin_of(quiet), quiet.world.campus_a
    with quiet.server.sessions.begin() as db:
        service.replace_staff(db, campus_id, [*STAFF, StaffMember("t3", "Omar", "Haddad", display_name="Mr. Haddad")])
    csv_text = (
        "staff_id,alert_urls,alert_language\n"
        f"t1,{http.json_url('garcia')},es\n"  # line 2
        f't2,"mailto://kiosk:{SECRET}@ json://127.0.0.1/lee",\n'  # line 3: a malformed URL
        f't3,"{http.json_url("haddad")}\n{http.ntfy_url("haddad")}",es\n'  # lines 4-5: one cell on two lines
        "nobody,json://127.0.0.1/x,\n"  # line 6
        "t1,json://127.0.0.1/again,\n"  # line 7
        "t3,json://127.0.0.1/ok,tlh\n"  # line 8 (a duplicate and a bad language: the duplicate is reported)
    )
    answer = upload_channels(admin, campus_id, csv_text.encode())
    assert answer.status_code == 200 and SECRET not in answer.text
    problems = tables(answer.text)["channel-problems"][1:]
    assert [p[0] for p in problems] == ["3", "6", "7", "8"]
    assert problems[0][1].startswith("Mr. Lee (t2): channel 1 (mailto://")
    assert "no staff member with the id 'nobody'" in problems[1][1] and "already on line 2" in problems[2][1]
    assert "2 changed, 0 unchanged, 4 lines left out" in text_of(answer.text)
    assert (staff_row(quiet, "t1").alert_urls, staff_row(quiet, "t1").alert_language) == (http.json_url("garcia"), "es")
    assert staff_row(quiet, "t2").alert_urls == ""
    assert staff_row(quiet, "t3").alert_urls.split() == [http.json_url("haddad"), http.ntfy_url("haddad")]
    again = upload_channels(admin, campus_id, b"\xef\xbb\xbfid,alert_language\nt1,en\n")  # a BOM, one column only
    assert "1 changed, 0 unchanged" in text_of(again.text)
    assert (staff_row(quiet, "t1").alert_urls, staff_row(quiet, "t1").alert_language) == (http.json_url("garcia"), "en")


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "The file is empty."),
    (b"name,email\nx,y\n", "The first line must name the columns"),
    ("staff_id,alert_urls\nt1,json://h/é\n".encode("latin-1"), "not UTF-8"),
    (b"staff_id,alert_urls\n" + b"t1,json://127.0.0.1/x\n" * 200_000, "larger than 2 MB"),
])  # fmt: skip
def test_a_channels_file_that_cannot_be_read_is_refused_whole(quiet: Site, data: bytes, problem: str) -> None:
    answer = upload_channels(admin_of(quiet), quiet.world.campus_a, data)
    assert answer.status_code == 400 and problem in answer.text
    assert staff_row(quiet, "t1").alert_urls == ""


# -- admin: routing rules ----------------------------------------------------------------------------------
RULES = [
    {"reason": "pickup", "hours": "15:00-18:00", "notify": ["front_office"]},
    {"reason": "meeting", "notify": ["host", "front_office"], "escalate_after": 10},
    {"reason": "*", "notify": ["front_office"], "escalate_after": None},
]


def save_rules(admin: Browser, campus_id: int, text: str, expiry: str = "15", **extra: str) -> requests.Response:
    return admin.form(f"/district/campuses/{campus_id}/rules", {"rules": text, "expiry_minutes": expiry, **extra})


def test_rules_are_saved_shown_in_words_and_routed_by(quiet: Site) -> None:
    admin, campus_id = admin_of(quiet), quiet.world.campus_a
    page = admin.get(quiet.url + f"/district/campuses/{campus_id}/settings").text
    assert "the default rules" in page and json.loads(html.unescape(page.split('id="rules-text"')[1].split(">", 1)[1]
                                                                     .split("</textarea>")[0])) == [
        routing.rule_to_dict(r) for r in routing.DEFAULT_RULES]  # fmt: skip
    saved = save_rules(admin, campus_id, json.dumps(RULES, indent=2), "20")
    assert saved.status_code == 303 and saved.headers["location"].endswith("notice=rules#rules")
    page = admin.get(quiet.url + saved.headers["location"].split("#")[0]).text
    shown = tables(page)["rules-table"]
    assert shown[1] == [
        "1",
        "Pick up a student",
        "15:00–18:00",
        "The front office",
        "After 5 min with nobody on the way: the front office",
    ]
    assert shown[2][3] == "The staff member the visitor chose, the front office" and shown[3][4] == "Never"
    with quiet.server.sessions() as db:
        campus = db.get_one(Campus, campus_id)
        assert (
            queue.campus_rules(campus) == routing.parse_rules(json.dumps(RULES)) and campus.alert_expiry_minutes == 20
        )
    assert save_rules(admin, campus_id, "", "15", use="defaults").status_code == 303
    with quiet.server.sessions() as db:
        assert db.get_one(Campus, campus_id).alert_rules is None


def test_bad_rules_are_refused_with_every_problem_and_its_line_and_kept_as_typed(quiet: Site) -> None:
    admin, campus_id = admin_of(quiet), quiet.world.campus_a
    broken_json = '[\n  {"reason": "pickup",\n   "notify": ["attendance"]\n  {"reason": "*"}\n]'
    answer = save_rules(admin, campus_id, broken_json)
    assert answer.status_code == 400 and "Line 4, column 3: Expecting ',' delimiter" in html.unescape(answer.text)
    assert html.unescape(broken_json) in html.unescape(answer.text)  # kept, to correct
    wrong = json.dumps([{"reason": "pickup", "notify": ["attendance"]}, {"reason": "lunch", "notify": ["host"]},
                        {"reason": "*", "notify": ["principal"], "escalate_after": 0}], indent=2)  # fmt: skip
    answer = save_rules(admin, campus_id, wrong)
    errors = [text_of(li) for li in answer.text.split('id="rules-errors"')[1].split("</ul>")[0].split("<li>")[1:]]
    assert errors[0].startswith("Line 9: rule 2: reason 'lunch' is not one of: *, meeting, pickup")
    assert errors[1].startswith("Line 16: rule 3: notify: 'principal' is not one of") and len(errors) == 2
    for text, problem in (("{}", "must be a list"), ("[]", "must be a list"), ("[" + "{}," * 60 + "{}]", "at most 50"),
                          (" " * 60_000, "longer than 50000"), ('[{"notify": ["host"]}]', None)):  # fmt: skip
        answer = save_rules(admin, campus_id, text)
        assert (answer.status_code == 400 and problem in answer.text) if problem else answer.status_code == 303, text[
            :20
        ]
    assert save_rules(admin, campus_id, "[]", "0").status_code == 400
    assert "from 1 to 240" in save_rules(admin, campus_id, '[{"notify": ["host"]}]', "9999").text
    with quiet.server.sessions() as db:
        assert db.get_one(Campus, campus_id).alert_rules == routing.rules_to_json([routing.Rule("*", ("host",))])


def test_a_rule_that_can_never_apply_is_saved_with_a_warning(quiet: Site) -> None:
    admin, campus_id = admin_of(quiet), quiet.world.campus_a
    shadowed = json.dumps([{"reason": "*", "notify": ["front_office"]}, {"reason": "pickup", "notify": ["attendance"]}])
    answer = save_rules(admin, campus_id, shadowed)
    assert answer.status_code == 200 and "Rule 2 never applies: rule 1 comes first" in answer.text
    assert "The routing rules were saved" in answer.text


def test_the_rules_form_says_what_to_correct_and_stores_what_the_json_would(quiet: Site) -> None:
    a = quiet.world.campus_a
    admin = signed_in(quiet, "admin@rusd.org")
    admin.csrf = re.search(r'name="csrf" value="([^"]+)"', admin.get(quiet.url + "/district").text).group(1)
    path = f"/district/campuses/{a}/rules/form"
    row = {"rule_count": "1", "rule-0-position": "1", "rule-0-reason": "pickup", "rule-0-notify": "attendance",
           "rule-0-escalate_after": "5", "rule-0-escalate_to": "front_office", "expiry_minutes": "15"}  # fmt: skip
    refused = {
        "Rule 1: give the hours both a start and an end, or neither for all day.": {"rule-0-start": "15:00"},
        "Rule 1: hours &#39;25:00-26:00&#39; should look like 07:30-16:00.": {"rule-0-start": "25:00", "rule-0-end": "26:00"},
        "Rule 1: “If nobody is on the way” takes whole minutes, or nothing for never.": {"rule-0-escalate_after": "-3"},
        "Rule 1: escalate_after should be minutes from 1 to 240, or null.": {"rule-0-escalate_after": "999"},
        "Rule 1: tick at least one person or office to tell.": {"rule-0-notify": "everyone"},
        "Rule 1: reason &#39;lunch&#39; is not one of": {"rule-0-reason": "lunch"},
        "Keep at least one rule, or use the default rules.": {"rule-0-remove": "yes"},
    }  # fmt: skip
    for message, change in refused.items():
        answer = admin.form(path, row | change)
        assert answer.status_code == 400 and message in answer.text, message
    assert the_campus(quiet, a).alert_rules is None  # nothing was saved
    assert admin.form(path, row | {"rule_count": "x" * 5000}).status_code == 400  # no rows at all
    saved = admin.form(path, row | {"rule-0-start": "15:00", "rule-0-end": "00:00", "rule-0-escalate_after": ""})
    assert saved.status_code == 303
    assert json.loads(the_campus(quiet, a).alert_rules or "") == [
        {"reason": "pickup", "notify": ["attendance"], "hours": "15:00-24:00", "escalate_after": None,
         "escalate_to": ["front_office"]}]  # midnight on the form's clock is the day's end  # fmt: skip
    secretary = signed_in(quiet, "sec.a@rusd.org")
    assert secretary.form(path, row).status_code == 403
