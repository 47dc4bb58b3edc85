"""The web pages against the real server on loopback, with real browser-like sessions (requests),
on SQLite and PostgreSQL: sign-in, sessions, CSRF, roles, the front office, exports, the district."""

from __future__ import annotations

import csv
import functools
import io
import re
import time as clock
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import World, campus, short_undo
from loopback import LoopbackServer
from sqlalchemy import func, select, update

from district import service
from district.models import Campus, Kiosk, Staff, User, Visit, WebSession
from kiosk import __version__ as kiosk_version
from kiosk.checkin import FrontDesk
from kiosk.config import Config
from kiosk.directory import StaffMember
from kiosk.pin import hash_secret
from kiosk.store import Store
from kiosk.sync import SyncClient, SyncError, enroll

PASSWORD = "correct horse battery staple"
CHICAGO = ZoneInfo("America/Chicago")


# -- helpers -----------------------------------------------------------------------------------------
@dataclass
class Site:
    """The world, plus an admin and a secretary for each campus."""

    world: World
    url: str

    @property
    def server(self) -> LoopbackServer:
        return self.world.server


@functools.cache
def password_hash() -> str:
    """Hashed once for the whole run: scrypt is slow on purpose, and the users differ only by email."""
    return hash_secret(PASSWORD)


@pytest.fixture
def site(world: World) -> Site:
    return with_people(world)


def with_people(world: World) -> Site:
    """An admin and a secretary for each campus: for a test's own world, or a module's shared one."""
    people = [("admin@rusd.org", "Ada Admin", "district_admin", None),
              ("sec.a@rusd.org", "Sara Lincoln", "secretary", world.campus_a),
              ("sec.b@rusd.org", "Ben Roosevelt", "secretary", world.campus_b)]  # fmt: skip
    with world.server.sessions.begin() as db:
        for email, name, role, campus_id in people:
            db.add(User(email=email, name=name, password_hash=password_hash(), role=role, campus_id=campus_id,
                        active=True, created_ms=service.now_ms()))  # fmt: skip
    return Site(world, world.server.url)


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no csrf field on the page"
    return found.group(1)


class Browser(requests.Session):
    """A requests session that signs in like a browser and knows its session's csrf token."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.csrf = ""

    def sign_in(self, email: str, password: str = PASSWORD) -> requests.Response:
        form = self.get(self.url + "/login")
        answer = self.post(self.url + "/login", data={"csrf": csrf_in(form.text), "email": email, "password": password},
                           allow_redirects=False)  # fmt: skip
        if answer.status_code == 303:
            self.csrf = csrf_in(self.get(self.url + "/office" if "admin" not in email else self.url + "/district").text)
        return answer

    def form(self, path: str, data: dict[str, str] | None = None, **kwargs: object) -> requests.Response:
        return self.post(self.url + path, data={"csrf": self.csrf, **(data or {})}, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


def signed_in(site: Site, email: str) -> Browser:
    browser = Browser(site.url)
    assert browser.sign_in(email).status_code == 303
    return browser


def kiosk_id(server: LoopbackServer, campus_id: int) -> str:
    with server.sessions() as db:
        return db.scalars(select(Kiosk.id).where(Kiosk.campus_id == campus_id)).first()  # type: ignore[return-value]


def moment(day: date, hour: int = 10, minute: int = 0) -> int:
    return int(datetime.combine(day, time(hour, minute), CHICAGO).timestamp() * 1000)


def today() -> date:
    return datetime.now(CHICAGO).date()


def visit(first: str, last: str, day: date | None = None, hour: int = 10, minute: int = 0, **fields: object) -> dict:
    day = day or today()
    event = {"type": "visit", "id": str(uuid.uuid4()), "first_name": first, "last_name": last, "reason": "pickup",
             "host_id": None, "host_name": None, "language": "en", "interpreter": False,
             "checked_in_ms": moment(day, hour, minute), "local_day": day.isoformat()}  # fmt: skip
    return event | fields


def store(server: LoopbackServer, campus_id: int, *events: dict) -> list[str]:
    with server.sessions.begin() as db:
        results = service.apply_events(db, kiosk_id(server, campus_id), campus_id, list(events))
    assert all(r["status"] == "stored" for r in results), results
    return [e["id"] for e in events]


def stored(server: LoopbackServer, visit_id: str) -> Visit:
    with server.sessions() as db:
        return db.get_one(Visit, visit_id)


class Tables(HTMLParser):
    """The text of each table's cells, by the table's id: enough to check the numbers on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def section(html: str, title_id: str) -> str:
    """The HTML of one <section> of the office page, by its heading's id."""
    start = html.index(f'id="{title_id}"')
    return html[start : html.index("</section>", start)]


# -- signing in ----------------------------------------------------------------------------------------
def test_sign_in_with_the_right_password_only(site: Site) -> None:
    browser = Browser(site.url)
    wrong = browser.sign_in("sec.a@rusd.org", "not the password")
    unknown = browser.sign_in("nobody@rusd.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = "That email and password do not match an active account."
    assert message in wrong.text and message in unknown.text
    answer = browser.sign_in("SEC.A@rusd.org ")
    assert answer.status_code == 303 and answer.headers["location"] == "/office"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Max-Age=43200" in cookie
    token = browser.cookies["wk_session"]
    with site.server.sessions() as db:
        stored_hashes = list(db.scalars(select(WebSession.token_hash)))
    assert stored_hashes == [service.security.digest(token)]  # the token itself is never stored
    page = browser.get(site.url + "/office")
    assert page.status_code == 200 and "Lincoln Elementary" in page.text and "Sara Lincoln" in page.text
    admin = Browser(site.url)
    assert admin.sign_in("admin@rusd.org").headers["location"] == "/district"


def test_a_disabled_user_cannot_sign_in_and_their_sessions_end(site: Site) -> None:
    browser = signed_in(site, "sec.a@rusd.org")
    with site.server.sessions.begin() as db:
        db.execute(update(User).where(User.email == "sec.a@rusd.org").values(active=False))
    assert browser.get(site.url + "/office", allow_redirects=False).status_code == 303
    answer = Browser(site.url).sign_in("sec.a@rusd.org")
    assert answer.status_code == 401 and "do not match an active account" in answer.text


def test_five_failures_lock_an_email_for_a_minute(site: Site) -> None:
    throttle = site.server.app.state.login_throttle
    clock = [1000.0]
    throttle.clock = lambda: clock[0]
    browser = Browser(site.url)
    for _ in range(5):
        assert browser.sign_in("sec.a@rusd.org", "guess").status_code == 401
    locked = browser.sign_in("sec.a@rusd.org")  # the right password, but locked
    assert locked.status_code == 429 and "Try again in 60 seconds" in locked.text
    assert Browser(site.url).sign_in("sec.b@rusd.org").status_code == 303  # another email is not locked
    clock[0] += 61
    assert browser.sign_in("sec.a@rusd.org").status_code == 303


def test_an_expired_session_is_refused_and_deleted(site: Site) -> None:
    browser = signed_in(site, "sec.a@rusd.org")
    with site.server.sessions.begin() as db:
        db.execute(update(WebSession).values(expires_ms=service.now_ms() - 1))
    answer = browser.get(site.url + "/office", allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Foffice"
    with site.server.sessions() as db:
        assert db.scalars(select(WebSession)).all() == []
    assert browser.get(site.url + "/office/live").status_code == 401  # the live poll is told, not redirected


def test_sign_out_ends_the_session_on_the_server(site: Site) -> None:
    browser = signed_in(site, "sec.a@rusd.org")
    token = browser.cookies["wk_session"]
    answer = browser.form("/logout")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    replay = requests.get(site.url + "/office", cookies={"wk_session": token}, allow_redirects=False)
    assert replay.status_code == 303  # a copied cookie is useless after sign-out
    with site.server.sessions() as db:
        assert db.scalars(select(WebSession)).all() == []


def test_pages_need_sign_in(site: Site) -> None:
    for path in ("/", "/office", "/office/search?q=x", "/office/export.csv", "/district", "/district/users"):
        answer = requests.get(site.url + path, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    follow = requests.get(site.url + "/office/search?q=ana")
    assert follow.url.endswith("/login?next=%2Foffice%2Fsearch%3Fq%3Dana")
    assert 'name="next" value="/office/search?q=ana"' in follow.text
    browser = Browser(site.url)  # after sign-in it goes back there, but never to another site
    form = browser.get(site.url + "/login?next=//evil.example/x")
    answer = browser.post(site.url + "/login", allow_redirects=False, data={
        "csrf": csrf_in(form.text), "email": "sec.a@rusd.org", "password": PASSWORD, "next": "//evil.example/x"})  # fmt: skip
    assert answer.headers["location"] == "/office"
    form = browser.get(site.url + "/login?next=/office/search?q=ana")  # the used token was dropped: a new one
    answer = browser.post(site.url + "/login", allow_redirects=False, data={
        "csrf": csrf_in(form.text), "email": "sec.a@rusd.org", "password": PASSWORD, "next": "/office/search?q=ana"})  # fmt: skip
    assert answer.headers["location"] == "/office/search?q=ana"




# -- CSRF and Origin ----------------------------------------------------------------------------------------
def test_forms_without_the_right_token_are_refused(site: Site) -> None:
    [visit_id] = store(site.server, site.world.campus_a, visit("Ana", "Silva"))
    browser = signed_in(site, "sec.a@rusd.org")
    path = f"/office/visits/{visit_id}/sign-out"
    missing = browser.post(site.url + path, allow_redirects=False)
    wrong = browser.post(site.url + path, data={"csrf": "x" * 43}, allow_redirects=False)
    other = signed_in(site, "sec.a@rusd.org")  # another session's token is not this one's
    foreign = browser.post(site.url + path, data={"csrf": other.csrf}, allow_redirects=False)
    for answer in (missing, wrong, foreign):
        assert answer.status_code == 403 and "Form refused" in answer.text
    assert stored(site.server, visit_id).signed_out_ms is None
    assert browser.form(path).status_code == 303


def test_sign_in_needs_the_double_submit_cookie(site: Site) -> None:
    form = requests.get(site.url + "/login")
    token = csrf_in(form.text)
    data = {"csrf": token, "email": "sec.a@rusd.org", "password": PASSWORD}
    no_cookie = requests.post(site.url + "/login", data=data, allow_redirects=False)
    other_cookie = requests.post(site.url + "/login", data=data, cookies={"wk_login": "y" * 43}, allow_redirects=False)
    assert no_cookie.status_code == other_cookie.status_code == 403
    ok = requests.post(site.url + "/login", data=data, cookies={"wk_login": token}, allow_redirects=False)
    assert ok.status_code == 303


def test_a_form_from_another_origin_is_refused(site: Site) -> None:
    [visit_id] = store(site.server, site.world.campus_a, visit("Ana", "Silva"))
    browser = signed_in(site, "sec.a@rusd.org")
    path = f"/office/visits/{visit_id}/sign-out"
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{site.server.port + 1}"):
        answer = browser.form(path, headers={"Origin": origin})
        assert answer.status_code == 403, origin
    assert stored(site.server, visit_id).signed_out_ms is None
    assert browser.form(path, headers={"Origin": site.url}).status_code == 303
    form = requests.get(site.url + "/login")
    login = requests.post(site.url + "/login", headers={"Origin": "http://evil.example"}, cookies=form.cookies,
                          data={"csrf": csrf_in(form.text), "email": "sec.a@rusd.org", "password": PASSWORD})  # fmt: skip
    assert login.status_code == 403


# -- roles ----------------------------------------------------------------------------------------------------
def test_a_secretary_sees_and_acts_on_their_own_campus_only(site: Site) -> None:
    [theirs] = store(site.server, site.world.campus_b, visit("Bao", "Tran", language="vi"))
    store(site.server, site.world.campus_a, visit("Ana", "Silva"))
    browser = signed_in(site, "sec.a@rusd.org")
    office = browser.get(site.url + "/office").text
    assert "Ana Silva" in office and "Bao Tran" not in office
    b = site.world.campus_b
    assert browser.form(f"/office/visits/{theirs}/sign-out").status_code == 404
    assert stored(site.server, theirs).signed_out_ms is None
    for path in (f"/office?campus={b}", f"/office/live?campus={b}", f"/office/export.csv?campus={b}",
                 f"/office/search?q=bao&campus={b}"):  # fmt: skip
        assert browser.get(site.url + path).status_code == 403, path
    for path in ("/district", "/district/users", f"/district/campuses/{b}/staff"):
        assert browser.get(site.url + path).status_code == 403, path
    assert browser.form("/district/campuses", {"name": "Mine", "timezone": "UTC"}).status_code == 403
    assert browser.form("/district/users", {"email": "x@y.org", "role": "district_admin",
                                            "password": "p" * 12}).status_code == 403  # fmt: skip
    exported = browser.get(site.url + "/office/export.csv").text
    assert "Ana" in exported and "Bao" not in exported
    admin = signed_in(site, "admin@rusd.org")
    assert "Bao Tran" in admin.get(site.url + f"/office?campus={b}").text
    assert admin.form(f"/office/visits/{theirs}/sign-out").headers["location"] == f"/office?campus={b}"
    assert stored(site.server, theirs).signed_out_by == "office"


# -- the front office -------------------------------------------------------------------------------------------
def test_the_office_page_shows_today_in_the_campus_time_zone(site: Site) -> None:
    a = site.world.campus_a
    ids = store(
        site.server, a,
        visit("María", "Núñez", hour=9, minute=5, language="es", interpreter=True, reason="meeting",
              host_id="t-1", host_name="<b>x</b>"),
        visit("Thanh", "Nguyễn", hour=9, minute=40, language="vi"),
        visit("محمد", "الأحمد", hour=10, minute=15, language="ar", interpreter=True),
        visit("Yesterday", "Person", day=today() - timedelta(days=1)),
        visit("Kim", "Lee", hour=8, language="qqq"),  # a language this server does not know
    )  # fmt: skip
    with site.server.sessions.begin() as db:
        service.apply_events(db, kiosk_id(site.server, a), a,
                             [{"type": "sign_out", "visit_id": ids[1], "at_ms": moment(today(), 9, 52), "by": "visitor"}])  # fmt: skip
    page = signed_in(site, "sec.a@rusd.org").get(site.url + "/office")
    assert page.headers["cache-control"] == "no-store"
    arrivals, on_site = section(page.text, "arrivals-title"), section(page.text, "onsite-title")
    assert "&lt;b&gt;x&lt;/b&gt;" in arrivals and "<b>x</b>" not in page.text  # escaped, never markup
    rows = tables(arrivals)["table0"][1:]
    assert [r[1] for r in rows] == ["محمد الأحمد", "Thanh Nguyễn", "María Núñez", "Kim Lee"]  # newest first
    assert rows[2][0] == "9:05 AM" and rows[2][2] == "Meet <b>x</b>"  # the reason, with whom
    assert rows[2][3] == "Spanish Interpreter" and 'title="Español">Spanish</span>' in arrivals
    assert rows[1][3] == "Vietnamese" and rows[1][4] == "Left 9:52 AM at the kiosk" and rows[1][2] == "Pick up a student"
    assert rows[0][3] == "Arabic Interpreter"
    assert rows[0][4].startswith("Waiting ") and rows[0][4].endswith(" Seen")  # on site, and nobody has answered
    assert rows[3][1] == "Kim Lee" and rows[3][3] == "qqq"  # unknown codes show as they are
    assert [r[5] for r in rows] == ["Not alerted"] * 4  # this campus has no channels: said once, at the top
    assert arrivals.count("only this page shows it") == 1
    assert 'dir="auto">محمد الأحمد' in arrivals
    assert "Yesterday" not in page.text
    names = [r[0] for r in tables(on_site)["table0"][1:]]
    assert names == ["Kim Lee", "María Núñez Interpreter", "محمد الأحمد Interpreter"]  # longest here first


def test_signing_out_from_the_office(site: Site) -> None:
    [visit_id] = store(site.server, site.world.campus_a, visit("Ana", "Silva"))
    browser = signed_in(site, "sec.a@rusd.org")
    answer = browser.form(f"/office/visits/{visit_id}/sign-out")
    assert answer.status_code == 303 and answer.headers["location"] == "/office"
    done = stored(site.server, visit_id)
    assert done.signed_out_by == "office" and done.signed_out_ms is not None
    page = browser.get(site.url + "/office").text
    on_site = section(page, "onsite-title")
    assert tables(on_site)["table0"][1:] == [["Signed out Ana S.", "Undo"]]  # for a moment
    assert 'aria-label="Undo the sign-out of Ana Silva"' in on_site and '<span class="count">0</span>' in on_site
    assert "by the office" in section(page, "arrivals-title")
    assert browser.form(f"/office/visits/{visit_id}/sign-out").status_code == 303  # twice: harmless
    assert stored(site.server, visit_id).signed_out_ms == done.signed_out_ms
    assert browser.form("/office/visits/not-a-visit/sign-out").status_code == 404


def test_undoing_a_sign_out_puts_the_visitor_back_on_site(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    [visit_id, other] = store(site.server, site.world.campus_a, visit("Ana", "Silva"), visit("Bo", "Chan", minute=5))
    browser = signed_in(site, "sec.a@rusd.org")
    browser.form(f"/office/visits/{visit_id}/sign-out")
    revision = str(stored(site.server, visit_id).revision)
    assert f'name="revision" value="{revision}"' in browser.get(site.url + "/office").text
    answer = browser.form(f"/office/visits/{visit_id}/undo-sign-out", {"revision": revision})
    assert answer.status_code == 303 and answer.headers["location"] == "/office"
    back = stored(site.server, visit_id)
    assert (back.signed_out_ms, back.signed_out_by) == (None, None)
    page = browser.get(site.url + "/office").text
    assert [r[0] for r in tables(section(page, "onsite-title"))["table0"][1:]] == ["Ana Silva", "Bo Chan"]
    assert tables(section(page, "arrivals-title"))["table0"][2][4].startswith("Waiting")
    assert browser.form(f"/office/visits/{visit_id}/undo-sign-out", {"revision": revision}).status_code == 303  # twice

    # Too late: a kind page saying so, and the sign-out stands.
    short_undo(monkeypatch, 0)
    browser.form(f"/office/visits/{other}/sign-out")
    late = browser.form(f"/office/visits/{other}/undo-sign-out", {"revision": str(stored(site.server, other).revision)})
    assert late.status_code == 409 and "The sign-out stands" in late.text
    assert "A sign-out can be undone for 0 seconds only, so the sign-out of \u2068Bo C.\u2069 stands." in late.text
    assert stored(site.server, other).signed_out_by == "office"
    assert 'id="undo-' not in browser.get(site.url + "/office").text  # nothing left to undo on the page


def test_an_undo_is_refused_kindly_when_it_is_not_the_office_sign_out_shown(site: Site) -> None:
    a = site.world.campus_a
    [mine, kiosk_left, theirs] = store(site.server, a, visit("Ana", "Silva"), visit("Bo", "Chan"))[:2] + store(
        site.server, site.world.campus_b, visit("Bao", "Tran"))  # fmt: skip
    browser = signed_in(site, "sec.a@rusd.org")
    with site.server.sessions.begin() as db:
        service.apply_events(db, kiosk_id(site.server, a), a,
                             [{"type": "sign_out", "visit_id": kiosk_left, "at_ms": service.now_ms(), "by": "visitor"}])  # fmt: skip
        service.sign_out_at_office(db, site.world.campus_b, theirs)
    browser.form(f"/office/visits/{mine}/sign-out")
    for revision in ("", "x", "99999999999", "1"):  # not the sign-out the page showed
        answer = browser.form(f"/office/visits/{mine}/undo-sign-out", {"revision": revision})
        assert answer.status_code == 409 and "\u2068Ana S.\u2069 also signed out at the kiosk" in answer.text, revision
    kiosk = browser.form(f"/office/visits/{kiosk_left}/undo-sign-out", {"revision": "0"})
    assert kiosk.status_code == 409 and "\u2068Bo C.\u2069 also signed out at the kiosk, so the sign-out stands." in kiosk.text
    assert stored(site.server, kiosk_left).signed_out_by == "visitor"
    other = browser.form(f"/office/visits/{theirs}/undo-sign-out", {"revision": str(stored(site.server, theirs).revision)})
    assert other.status_code == 404 and stored(site.server, theirs).signed_out_by == "office"
    assert browser.form("/office/visits/not-a-visit/undo-sign-out", {"revision": "1"}).status_code == 404


def test_the_live_fragment_is_a_cheap_304_until_something_changes(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    short_undo(monkeypatch, 300)
    browser = signed_in(site, "sec.a@rusd.org")
    first = browser.get(site.url + "/office/live")
    assert first.status_code == 200 and "No arrivals yet today." in first.text and "<html" not in first.text
    etag = first.headers["etag"]
    page = browser.get(site.url + "/office").text
    assert f'data-etag="{etag.replace(chr(34), "&#34;")}"' in page  # the page's first poll is a 304 too
    unchanged = browser.get(site.url + "/office/live", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    [visit_id] = store(site.server, site.world.campus_a, visit("Ana", "Silva"))
    arrived = browser.get(site.url + "/office/live", headers={"If-None-Match": etag})
    assert arrived.status_code == 200 and "Ana Silva" in arrived.text
    with site.server.sessions.begin() as db:
        service.sign_out_at_office(db, site.world.campus_a, visit_id)
    left = browser.get(site.url + "/office/live", headers={"If-None-Match": arrived.headers["etag"]})
    assert left.status_code == 200 and "Signed out <span dir=\"auto\">Ana S.</span>" in left.text
    clock.sleep(0.35)  # the Undo's seconds are up: the next poll takes it away
    final = browser.get(site.url + "/office/live", headers={"If-None-Match": left.headers["etag"]})
    assert final.status_code == 200 and "Nobody is signed in right now." in final.text


def test_search_by_name_ignores_accents_and_case(site: Site) -> None:
    a = site.world.campus_a
    store(
        site.server, a,
        visit("María", "Núñez", day=today() - timedelta(days=2)),
        visit("Mario", "Nunes", day=today() - timedelta(days=5)),
        visit("José", "García-López"),
        visit("Old", "Nuñez", day=today() - timedelta(days=45)),
    )  # fmt: skip
    store(site.server, site.world.campus_b, visit("Other", "Nunez"))
    browser = signed_in(site, "sec.a@rusd.org")

    def names(query: str) -> list[str]:
        answer = browser.get(site.url + "/office/search?" + query)
        assert answer.status_code == 200
        found = tables(answer.text)
        return [row[2] for row in found["table0"][1:]] if "table0" in found else []

    assert names("q=nunez") == ["María Núñez"]
    assert names("q=NU") == ["María Núñez", "Mario Nunes"]
    assert names("q=mar+nu") == ["María Núñez", "Mario Nunes"]
    assert names("q=lopez") == ["José García-López"]
    assert names("q=josé garcía") == ["José García-López"]
    assert names("q=ez") == []  # a prefix of a word, not any substring
    old = (today() - timedelta(days=50)).isoformat()
    assert names(f"q=nunez&from={old}") == ["María Núñez", "Old Nuñez"]
    assert names(f"q=nunez&from={old}&to={(today() - timedelta(days=40)).isoformat()}") == ["Old Nuñez"]
    assert browser.get(site.url + "/office/search?q=x&from=yesterday").status_code == 400
    assert "Search past visits" in browser.get(site.url + "/office/search").text


def test_export_csv_has_the_range_and_defuses_formulas(site: Site) -> None:
    a = site.world.campus_a
    day = today() - timedelta(days=3)
    ids = store(
        site.server, a,
        visit("Zoë", "Ångström", day=day, hour=8, minute=7, reason="meeting", host_id="t-1",
              host_name="=HYPERLINK(\"http://evil.example\",\"x\")", language="es", interpreter=True),
        visit("Ana", "Silva", day=day, hour=9, host_name="+1 555", reason="meeting", host_id="t-2"),
        visit("Bea", "Lima", day=day, hour=9, minute=30, host_name="@SUM(A1)", reason="meeting", host_id="t-3"),
        visit("Cy", "Dee", day=day, hour=10, host_name="-2+3", reason="meeting", host_id="t-4"),
        visit("Not", "Inrange", day=day - timedelta(days=1)),
    )  # fmt: skip
    with site.server.sessions.begin() as db:
        service.apply_events(db, kiosk_id(site.server, a), a,
                             [{"type": "sign_out", "visit_id": ids[0], "at_ms": moment(day, 8, 50), "by": "visitor"}])  # fmt: skip
    browser = signed_in(site, "sec.a@rusd.org")
    answer = browser.get(site.url + f"/office/export.csv?from={day.isoformat()}&to={today().isoformat()}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="visits-lincoln-elementary-{day.isoformat()}-to-{today().isoformat()}.csv"'
    )
    assert answer.headers["cache-control"] == "no-store"
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the accents as UTF-8
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Date", "Checked in", "Signed out", "First name", "Last name"]
    assert [r[3] for r in rows[1:]] == ["Zoë", "Ana", "Bea", "Cy"]  # oldest first
    zoe = dict(zip(rows[0], rows[1]))
    assert zoe["Date"] == day.isoformat() and zoe["Checked in"] == "08:07" and zoe["Signed out"] == "08:50"
    assert zoe["Last name"] == "Ångström" and zoe["Language"] == "Spanish" and zoe["Interpreter requested"] == "yes"
    assert zoe["Signed out by"] == "visitor" and zoe["Reason"] == "Meet a staff member"
    assert [r[6] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+1 555", "'@SUM(A1)", "'-2+3"]
    one_day = browser.get(site.url + f"/office/export.csv?from={(day - timedelta(days=1)).isoformat()}&to="
                          f"{(day - timedelta(days=1)).isoformat()}").content.decode("utf-8-sig")  # fmt: skip
    assert "Inrange" in one_day and "Zoë" not in one_day


BAD_DATES = [
    ("from=2026-13-01&to=2026-12-01", "is not a date like"),
    ("from=03/11/2026", "is not a date like"),
    ("to=2026-11-01%0A", "is not a date like"),
    ("from=2026-11-05&to=2026-11-01", "before the start date"),
    ("from=2025-01-01&to=2026-01-02", "at most 366 days"),
]


def test_export_refuses_bad_dates_with_a_page(site: Site) -> None:
    browser = signed_in(site, "sec.a@rusd.org")
    for query, message in BAD_DATES:
        answer = browser.get(site.url + "/office/export.csv?" + query)
        assert answer.status_code == 400 and message in answer.text, query
        assert answer.headers["content-type"].startswith("text/html")
    assert browser.get(site.url + "/office/export.csv?from=2024-01-01&to=2024-12-31").status_code == 200  # 366 days


# -- the district ---------------------------------------------------------------------------------------------
def test_the_district_page_counts_visits_and_languages(site: Site) -> None:
    a, b, t = site.world.campus_a, site.world.campus_b, today()
    store(
        site.server, a,
        visit("Ana", "Silva", day=t, language="es", interpreter=True),
        visit("Beto", "Ruiz", day=t, language="es"),
        visit("Carl", "Jones", day=t - timedelta(days=1)),
        visit("Dana", "Park", day=t - timedelta(days=13)),
        visit("Old", "One", day=t - timedelta(days=14), language="es"),  # outside the 14 days, inside the 30
        visit("Older", "One", day=t - timedelta(days=30), language="ar"),  # outside both
    )  # fmt: skip
    store(
        site.server, b,
        visit("Bao", "Tran", day=t, language="vi", interpreter=True),
        visit("Lan", "Pham", day=t - timedelta(days=1), language="vi"),
        visit("Mai", "Vo", day=t - timedelta(days=1), language="vi"),
    )  # fmt: skip
    page = signed_in(site, "admin@rusd.org").get(site.url + "/district")
    assert page.status_code == 200
    found = tables(page.text)
    per_day = found["visits-per-day"]
    header, lincoln, roosevelt, totals = per_day[0], per_day[1], per_day[2], per_day[3]
    assert len(header) == 1 + 14 + 1 and header[-2].endswith(f"{t:%b} {t.day}")
    assert lincoln[0] == "Lincoln Elementary" and lincoln[1:] == ["1"] + ["0"] * 11 + ["1", "2", "4"]
    assert roosevelt[0] == "Roosevelt Middle" and roosevelt[1:] == ["0"] * 12 + ["2", "1", "3"]
    assert totals[1:] == ["1"] + ["0"] * 11 + ["3", "3", "7"]
    languages = {row[0]: row[1:] for row in found["languages"][1:]}
    assert languages == {
        "Tiếng Việt Vietnamese": ["3", "37.5%", "1"],
        "Español Spanish": ["3", "37.5%", "1"],
        "English": ["2", "25.0%", "0"],
    }
    assert [row[0] for row in found["languages"][1:]][:2] == ["Español Spanish", "Tiếng Việt Vietnamese"]  # ties by code


def test_the_district_page_shows_each_kiosk(site: Site, tmp_path: Path) -> None:
    store_ = Store(tmp_path / "kiosk.sqlite3")
    enrollment = enroll(site.url, site.world.code_a, tmp_path / "enrollment.json")
    SyncClient(store_, enrollment).sync()  # a heartbeat: version, backlog, free disk
    with site.server.sessions.begin() as db:
        db.execute(update(Kiosk).where(Kiosk.id == enrollment.kiosk_id).values(refused=2))
        other = db.scalars(select(Kiosk).where(Kiosk.campus_id == site.world.campus_b)).one()
        other.token_hash, other.last_seen_ms, other.version = "x" * 64, service.now_ms() - 11 * 60_000, "0.9.0"
    page = signed_in(site, "admin@rusd.org").get(site.url + "/district").text
    rows = {row[1]: row for row in tables(page)["kiosks"][1:]}
    lincoln, roosevelt = rows["Lincoln front door"], rows["Roosevelt front door"]
    assert lincoln[0] == "Lincoln Elementary" and lincoln[2] == "just now" and lincoln[3] == kiosk_version
    assert lincoln[4] == "0" and lincoln[5] == "2" and lincoln[6].endswith("GB") and lincoln[7] == "Enrolled"
    assert roosevelt[2] == "11 min ago stale" and roosevelt[3] == "0.9.0" and roosevelt[4] == "–"
    assert re.search(rf'<tr data-kiosk="{other.id}" class="stale">', page)
    assert f'<tr data-kiosk="{enrollment.kiosk_id}">' in page


def test_add_a_kiosk_and_enroll_it_with_the_code_shown_once(site: Site, tmp_path: Path) -> None:
    admin = signed_in(site, "admin@rusd.org")
    a = site.world.campus_a
    answer = admin.form(f"/district/campuses/{a}/kiosks", {"name": "Gym entrance"})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    code = re.search(r'id="enrollment-code">([A-Z2-9]{5}-[A-Z2-9]{5})<', answer.text).group(1)  # type: ignore[union-attr]
    assert f"kiosk enroll --server {site.url} --code {code}" in answer.text
    with site.server.sessions() as db:
        assert code not in repr([(k.enrollment_code_hash, k.name) for k in db.scalars(select(Kiosk))])
    again = admin.form(f"/district/campuses/{a}/kiosks", {"name": "gym ENTRANCE"})  # a reload, or a typo
    assert again.status_code == 400 and "already has a kiosk named" in again.text
    enrollment = enroll(site.url, code, tmp_path / "enrollment.json")
    assert enrollment.kiosk_name == "Gym entrance"
    client = SyncClient(Store(tmp_path / "kiosk.sqlite3"), enrollment)
    client.sync()
    page = admin.get(site.url + "/district").text
    assert "Gym entrance" in page and code not in page
    # A new code for the same kiosk (re-imaged), then revoke it: confirmation first.
    fresh = admin.form(f"/district/kiosks/{enrollment.kiosk_id}/code")
    new_code = re.search(r'id="enrollment-code">([A-Z2-9-]+)<', fresh.text).group(1)  # type: ignore[union-attr]
    assert new_code != code
    confirm = admin.get(site.url + f"/district/kiosks/{enrollment.kiosk_id}/revoke")
    assert confirm.status_code == 200 and "Revoke this kiosk" in confirm.text
    revoked = admin.form(f"/district/kiosks/{enrollment.kiosk_id}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/district?notice=revoked"
    with pytest.raises(SyncError) as shut:
        client.sync()
    assert shut.value.kind == "unauthorized"
    row = {r[1]: r for r in tables(admin.get(site.url + "/district").text)["kiosks"][1:]}["Gym entrance"]
    assert row[7] == "Revoked"
    assert admin.form("/district/kiosks/nope/revoke").status_code == 404


def test_add_a_campus_and_a_secretary_for_it(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    bad_zone = admin.form("/district/campuses", {"name": "Washington High", "timezone": "Mars/Olympus"})
    assert bad_zone.status_code == 400 and "not a time zone" in bad_zone.text
    bad_language = admin.form("/district/campuses", {"name": "Washington High", "timezone": "America/Denver",
                                                     "languages": "en klingon"})  # fmt: skip
    assert bad_language.status_code == 400 and "klingon" in bad_language.text
    added = admin.form("/district/campuses", {"name": "Washington High", "timezone": "America/Denver",
                                              "languages": "es, en", "oneroster_org": "sch-wash"})  # fmt: skip
    assert added.status_code == 303
    duplicate = admin.form("/district/campuses", {"name": "washington high", "timezone": "UTC", "languages": "en"})
    assert duplicate.status_code == 400 and "already a campus named" in duplicate.text
    no_language = admin.form("/district/campuses", {"name": "Adams", "timezone": "UTC", "languages": " , "})
    assert no_language.status_code == 400 and "at least one language" in no_language.text
    too_long = admin.form("/district/campuses", {"name": "A" * 201, "timezone": "UTC", "languages": "en"})
    assert too_long.status_code == 400 and "too long" in too_long.text
    with site.server.sessions() as db:
        campus = db.scalars(select(Campus).where(Campus.name == "Washington High")).one()
        assert (campus.timezone, campus.languages, campus.default_language) == ("America/Denver", "es en", "es")
    user = {"name": "Wanda Wu", "email": "Wanda@rusd.org", "role": "secretary", "campus": str(campus.id),
            "password": "long enough password"}  # fmt: skip
    assert admin.form("/district/users", user | {"password": "short"}).status_code == 400
    assert admin.form("/district/users", user | {"campus": ""}).status_code == 400
    assert admin.form("/district/users", user).headers["location"] == "/district/users?notice=user"
    assert admin.form("/district/users", user).status_code == 400  # the email is taken
    listed = tables(admin.get(site.url + "/district/users").text)["users"]
    assert ["Wanda Wu", "wanda@rusd.org", "Secretary", "Washington High", "Active"] in [row[:5] for row in listed]
    wanda = Browser(site.url)
    assert wanda.sign_in("wanda@rusd.org", "long enough password").status_code == 303
    assert "Washington High" in wanda.get(site.url + "/office").text


# -- managing users ----------------------------------------------------------------------------------------
def user_id(server: LoopbackServer, email: str) -> int:
    with server.sessions() as db:
        return db.scalars(select(User.id).where(User.email == email)).one()


def sessions_of(server: LoopbackServer, email: str) -> int:
    with server.sessions() as db:
        query = select(func.count()).select_from(WebSession).join(User).where(User.email == email)
        return db.scalar(query) or 0


def is_signed_in(browser: Browser) -> bool:
    return browser.get(browser.url + "/office", allow_redirects=False).status_code == 200


def test_an_admin_disables_a_user_at_once_and_re_enables_them(site: Site) -> None:
    desk, laptop = signed_in(site, "sec.a@rusd.org"), signed_in(site, "sec.a@rusd.org")
    admin = signed_in(site, "admin@rusd.org")
    sara = user_id(site.server, "sec.a@rusd.org")
    page = admin.get(site.url + "/district/users").text
    assert f'action="/district/users/{sara}/disable"' in page
    answer = admin.form(f"/district/users/{sara}/disable")
    assert answer.status_code == 303 and answer.headers["location"] == "/district/users?notice=disabled"
    assert not is_signed_in(desk) and not is_signed_in(laptop)  # both open sessions ended at once
    assert sessions_of(site.server, "sec.a@rusd.org") == 0
    refused = Browser(site.url).sign_in("sec.a@rusd.org")
    assert refused.status_code == 401 and "do not match an active account" in refused.text
    listed = admin.get(site.url + "/district/users?notice=disabled").text
    assert "signed out everywhere" in listed and f'action="/district/users/{sara}/enable"' in listed
    assert {r[0]: r for r in tables(listed)["users"]}["Sara Lincoln"][4] == "Disabled"
    assert is_signed_in(signed_in(site, "sec.b@rusd.org"))  # nobody else was touched
    assert admin.form(f"/district/users/{sara}/enable").headers["location"] == "/district/users?notice=enabled"
    assert Browser(site.url).sign_in("sec.a@rusd.org").status_code == 303
    assert is_signed_in(admin)


def test_an_admin_cannot_disable_themselves(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    ada = user_id(site.server, "admin@rusd.org")
    assert f"/district/users/{ada}/disable" not in admin.get(site.url + "/district/users").text  # no button
    answer = admin.form(f"/district/users/{ada}/disable")
    assert answer.status_code == 400 and "You cannot disable yourself" in answer.text
    assert is_signed_in(admin)
    with site.server.sessions() as db:
        assert db.get_one(User, ada).active


def test_an_admin_sets_a_new_password_and_the_user_is_signed_out(site: Site) -> None:
    sara_desk = signed_in(site, "sec.a@rusd.org")
    admin = signed_in(site, "admin@rusd.org")
    sara = user_id(site.server, "sec.a@rusd.org")
    form = admin.get(site.url + f"/district/users/{sara}/password")
    assert form.status_code == 200 and "New password for" in form.text and "Sara Lincoln" in form.text
    short = admin.form(f"/district/users/{sara}/password", {"password": "too short"})
    assert short.status_code == 400 and "at least 10 characters long" in short.text and 'id="password-error"' in short.text
    assert is_signed_in(sara_desk)  # nothing changed
    answer = admin.form(f"/district/users/{sara}/password", {"password": " a new pass phrase "})
    assert answer.status_code == 303 and answer.headers["location"] == "/district/users?notice=password"
    assert not is_signed_in(sara_desk) and sessions_of(site.server, "sec.a@rusd.org") == 0
    assert Browser(site.url).sign_in("sec.a@rusd.org").status_code == 401  # the old password is gone
    assert Browser(site.url).sign_in("sec.a@rusd.org", " a new pass phrase ").status_code == 303  # spaces kept
    # An admin setting their own: this session stays, their others end.
    other_tab = signed_in(site, "admin@rusd.org")
    ada = user_id(site.server, "admin@rusd.org")
    assert admin.form(f"/district/users/{ada}/password", {"password": "my own new password"}).status_code == 303
    assert is_signed_in(admin) and not is_signed_in(other_tab)
    assert Browser(site.url).sign_in("admin@rusd.org", "my own new password").status_code == 303


def test_user_management_refuses_hostile_requests(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    secretary = signed_in(site, "sec.b@rusd.org")
    sara, ada = user_id(site.server, "sec.a@rusd.org"), user_id(site.server, "admin@rusd.org")
    for bad in ("999999", "abc", "99999999999999999999", "-1", "1.5"):
        for action in ("disable", "enable", "password"):
            answer = admin.form(f"/district/users/{bad}/{action}", {"password": "long enough password"})
            assert answer.status_code == 404 and "No such user" in answer.text, (bad, action)
        assert admin.get(site.url + f"/district/users/{bad}/password").status_code == 404, bad
    for target in (sara, ada):  # another role: refused whoever the target is
        assert secretary.form(f"/district/users/{target}/disable").status_code == 403
        assert secretary.form(f"/district/users/{target}/password", {"password": "take over this one"}).status_code == 403
        assert secretary.get(site.url + f"/district/users/{target}/password").status_code == 403
    no_token = admin.post(site.url + f"/district/users/{sara}/disable", allow_redirects=False)
    foreign = admin.post(site.url + f"/district/users/{sara}/disable", data={"csrf": secretary.csrf},
                         allow_redirects=False)  # fmt: skip
    cross_site = admin.form(f"/district/users/{sara}/disable", headers={"Origin": "http://evil.example"})
    assert no_token.status_code == foreign.status_code == cross_site.status_code == 403
    anonymous = requests.post(site.url + f"/district/users/{sara}/disable", allow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    with site.server.sessions() as db:
        assert all(u.active for u in db.scalars(select(User)))
    assert Browser(site.url).sign_in("sec.a@rusd.org").status_code == 303  # the password is unchanged


# -- campus settings ----------------------------------------------------------------------------------------
def settings_form(**changes: str) -> dict[str, str]:
    return {"name": "Lincoln Elementary School", "timezone": "America/Denver", "languages": "es en",
            "default_language": "es", "oneroster_org": "sch-lincoln"} | changes  # fmt: skip


def test_campus_settings_reach_the_kiosks_at_their_next_pull(site: Site, tmp_path: Path) -> None:
    config = Config(campus_name="Lincoln Elementary", data_dir=tmp_path / "kiosk", timezone="America/Chicago")
    desk = FrontDesk(config, Store(config.database_path))
    client = SyncClient(desk.store, enroll(site.url, site.world.code_a, config.enrollment_path))
    desk._synced(client.sync())
    assert desk.server_settings()["default_language"] == "en"
    admin = signed_in(site, "admin@rusd.org")
    a = site.world.campus_a
    assert f'href="/district/campuses/{a}/settings"' in admin.get(site.url + "/district").text
    page = admin.get(site.url + f"/district/campuses/{a}/settings")
    assert page.status_code == 200
    assert 'name="name" value="Lincoln Elementary"' in page.text and 'value="America/Chicago"' in page.text
    assert re.search(r'name="languages" value="en" checked>.*name="languages" value="es" checked>', page.text, re.S)
    assert '<option value="en" selected>' in page.text
    before = campus(site.server, a).settings_revision
    answer = admin.form(f"/district/campuses/{a}/settings", settings_form())
    assert answer.status_code == 303 and answer.headers["location"] == "/district?notice=settings"
    saved = campus(site.server, a)
    assert (saved.name, saved.timezone, saved.languages, saved.default_language, saved.oneroster_org) == (
        "Lincoln Elementary School", "America/Denver", "es en", "es", "sch-lincoln")  # fmt: skip
    assert saved.settings_revision > before
    desk._synced(client.sync())  # what the kiosk's sync thread does each round
    assert desk.campus_name == "Lincoln Elementary School"
    assert desk.server_settings() == {"campus_name": "Lincoln Elementary School", "timezone": "America/Denver",
                                      "languages": ["es", "en"], "default_language": "es"}  # fmt: skip
    assert str(desk.zone) == "America/Denver" and desk.default_language == "es"  # what the kiosk now uses
    # Its own name in another case is not a duplicate; the other campus's kiosks hear nothing.
    assert admin.form(f"/district/campuses/{a}/settings", settings_form(name="LINCOLN Elementary School")).status_code == 303
    assert campus(site.server, site.world.campus_b).name == "Roosevelt Middle"


BAD_SETTINGS = [
    ({"name": "roosevelt MIDDLE"}, "There is already a campus named “roosevelt MIDDLE”."),
    ({"name": "  "}, "Give the campus a name."),
    ({"name": "L" * 201}, "The name is too long: at most 200 characters."),
    ({"timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone name like America/Chicago."),
    ({"timezone": ""}, "is not a time zone name"),
    ({"languages": ""}, "Give at least one language"),
    ({"languages": "en klingon"}, "The kiosk does not offer klingon"),
    ({"languages": "en", "default_language": "es"}, "The default language must be one of those offered: en."),
    ({"default_language": "xx"}, "The default language must be one of those offered"),
]


def test_campus_settings_refuse_bad_input_and_keep_what_was_typed(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    a = site.world.campus_a
    before = campus(site.server, a)
    for changes, message in BAD_SETTINGS:
        answer = admin.form(f"/district/campuses/{a}/settings", settings_form(**changes))
        assert answer.status_code == 400 and message in answer.text, changes
        assert 'id="settings-error"' in answer.text and 'name="oneroster_org" value="sch-lincoln"' in answer.text
    typed = admin.form(f"/district/campuses/{a}/settings", settings_form(name="<b>Lincoln</b>", timezone="x"))
    assert "&lt;b&gt;Lincoln&lt;/b&gt;" in typed.text and "<b>Lincoln" not in typed.text  # escaped
    after = campus(site.server, a)
    assert (after.name, after.timezone, after.languages, after.default_language, after.settings_revision) == (
        before.name, before.timezone, before.languages, before.default_language, before.settings_revision)  # fmt: skip


def test_campus_settings_are_for_admins_and_known_campuses_only(site: Site) -> None:
    admin, secretary = signed_in(site, "admin@rusd.org"), signed_in(site, "sec.a@rusd.org")
    a = site.world.campus_a
    for bad in ("999999", "abc", "99999999999999999999", "-1"):
        assert admin.get(site.url + f"/district/campuses/{bad}/settings").status_code == 404, bad
        assert admin.form(f"/district/campuses/{bad}/settings", settings_form()).status_code == 404, bad
        assert admin.get(site.url + f"/district/campuses/{bad}/staff").status_code == 404, bad
        assert admin.form(f"/district/campuses/{bad}/kiosks", {"name": "Door"}).status_code == 404, bad
    assert secretary.get(site.url + f"/district/campuses/{a}/settings").status_code == 403  # even their own campus
    assert secretary.form(f"/district/campuses/{a}/settings", settings_form()).status_code == 403
    no_token = admin.post(site.url + f"/district/campuses/{a}/settings", data=settings_form(), allow_redirects=False)
    assert no_token.status_code == 403
    assert campus(site.server, a).name == "Lincoln Elementary"


KIOSK_CSV = (
    "id,first_name,last_name,display_name,role,room,languages\n"
    "T-1,María,García,Ms. García,3rd grade,12,es\n"
    "T-2,John,Smith,,Principal,,\n"
    "T-3,,Nobody,,,,\n"  # line 4: no first name
    "T-4,Lan,Nguyễn,,Aide,,vi\n"
)
ONEROSTER_USERS = (
    "sourcedId,status,enabledUser,orgSourcedIds,role,givenName,familyName\n"
    "t-1,,true,sch-lincoln,teacher,María,García\n"
    "t-2,,true,sch-lincoln,teacher,John,Smith\n"
    "s-1,,true,sch-lincoln,student,Tommy,Kim\n"
    "t-9,,true,sch-lincoln,teacher,R2D2!,Droid\n"  # line 5: not a name
    "t-7,,true,sch-other,teacher,Ahmed,Haddad\n"
)
ONEROSTER_ORGS = "sourcedId,name,type\nsch-lincoln,Lincoln Elementary,school\nsch-other,Other School,school\n"


def test_import_staff_from_a_plain_csv_and_from_oneroster(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    a = site.world.campus_a
    path = f"/district/campuses/{a}/staff"
    form = admin.get(site.url + path)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    plain = admin.form(path, files={"files": ("staff.csv", KIOSK_CSV.encode("utf-8-sig"), "text/csv")})
    assert plain.status_code == 200
    assert _figure(plain.text, "added") == 3 and _figure(plain.text, "removed") == 0
    assert tables(plain.text)["row-problems"][1:] == [["4", "empty first_name"]]
    with site.server.sessions() as db:
        names = sorted(s.last_name for s in db.scalars(select(Staff).where(Staff.campus_id == a, Staff.active)))
    assert names == ["García", "Nguyễn", "Smith"]
    # The district's OneRoster export: the school is chosen by its sourcedId.
    files = [("files", ("users.csv", ONEROSTER_USERS.encode(), "text/csv")),
             ("files", ("orgs.csv", ONEROSTER_ORGS.encode(), "text/csv"))]  # fmt: skip
    no_school = admin.form(path, files=files)
    assert no_school.status_code == 400 and "choose which school" in no_school.text
    assert "sch-other" in no_school.text and "Other School" in no_school.text  # the schools to choose from
    roster = admin.form(path, {"org": "sch-lincoln"}, files=files)
    assert roster.status_code == 200
    # t-1 and t-2 are new ids (the SIS's, not the CSV's), T-1, T-2, T-4 are gone.
    assert (_figure(roster.text, "added"), _figure(roster.text, "changed"), _figure(roster.text, "removed")) == (2, 0, 3)
    assert tables(roster.text)["row-problems"][1:] == [["5", "givenName has characters that are not letters"]]
    unreadable = admin.form(path, files={"files": ("staff.csv", "id,first_name,last_name\n".encode("utf-16"))})
    assert unreadable.status_code == 400 and "UTF-16" in unreadable.text
    empty = admin.form(path, files={"files": ("staff.csv", b"id,first_name,last_name\nT-1,,\n")})
    assert empty.status_code == 400 and "directory was not changed" in empty.text
    with site.server.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Staff).where(Staff.campus_id == a, Staff.active)) == 2


def _figure(html: str, name: str) -> int:
    found = re.search(rf'<dd id="{name}">(\d+)</dd>', html)
    assert found, f"no {name} figure"
    return int(found.group(1))


# -- headers --------------------------------------------------------------------------------------------------
def test_every_page_has_the_security_headers_and_no_outside_resources(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    for path in ("/login", "/office", "/office/search?q=a", "/district", "/district/users", "/nowhere/at/all"):
        answer = admin.get(site.url + path)
        assert answer.headers["content-security-policy"].startswith("default-src 'self'"), path
        assert answer.headers["x-frame-options"] == "DENY" and answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["cache-control"] == "no-store"
        if answer.headers["content-type"].startswith("text/html"):
            assert not re.search(r'(src|href)="(https?:)?//', answer.text), path
            assert "<script>" not in answer.text and " style=" not in answer.text  # nothing inline
    for asset in ("/static/site.css", "/static/site.js"):
        answer = admin.get(site.url + asset)
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-cache"
    api = requests.get(site.url + "/api/v1/sync/changes")
    assert "content-security-policy" not in api.headers  # the kiosks' API is not a page


def test_every_page_has_the_favicon_it_names(site: Site) -> None:
    """A browser tab shows the kiosk's icon, not a 404 for /favicon.ico in the server's log."""
    browser = Browser(site.url)
    login = browser.get(site.url + "/login")
    assert '<link rel="icon" href="/static/favicon.svg"' in login.text
    icon = browser.get(site.url + "/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml") and "<svg" in icon.text


def test_the_office_sees_the_interpreters_language_and_the_student_and_exports_them(site: Site) -> None:
    a = site.world.campus_a
    store(site.server, a, visit("Fatima", "Haddad", hour=9, interpreter=True, interpreter_language="fa-AF",
                                student_name="Omar Haddad"))  # fmt: skip
    browser = signed_in(site, "sec.a@rusd.org")
    arrivals = section(browser.get(site.url + "/office").text, "arrivals-title")
    assert "Interpreter: " in arrivals and "Dari (دری)" in arrivals, "the secretary knows whom to call"
    assert "Omar Haddad" in arrivals
    answer = browser.get(site.url + f"/office/export.csv?from={today().isoformat()}&to={today().isoformat()}")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    fatima = dict(zip(rows[0], rows[1]))
    assert (fatima["Interpreter language"], fatima["Student"]) == ("Dari", "Omar Haddad")


# -- checking someone in at the office ----------------------------------------------------------------------
def test_the_office_checks_someone_in_by_the_kiosks_rules(site: Site) -> None:
    a, b = site.world.campus_a, site.world.campus_b
    with site.server.sessions.begin() as db:
        service.replace_staff(db, a, [StaffMember("t-1", "Lucía", "García", display_name="Ms. García", room="12")])
        service.replace_staff(db, b, [StaffMember("r-1", "Rita", "Moreno")])
    browser = signed_in(site, "sec.a@rusd.org")
    form = {"first_name": "Ana", "last_name": "Pérez", "reason": "meeting", "host_id": "t-1", "language": "es"}
    refused = {
        "first_name": ("R2", "The first name can have only letters, spaces, apostrophes, hyphens and periods."),
        "last_name": ("\u200b", "Type the visitor&#39;s last name."),
        "reason": ("pick-up", "Choose why they came."),
        "host_id": ("r-1", "That staff member is not in this campus&#39;s directory: search again."),  # another campus's
        "language": ("tlh", "Choose the visitor&#39;s language."),
    }  # fmt: skip
    for key, (value, message) in refused.items():
        answer = browser.form("/office/check-in", form | {key: value})
        assert answer.status_code == 400 and message in answer.text, key
    long = browser.form("/office/check-in", form | {"first_name": "x" * 51})
    assert long.status_code == 400 and "The first name is too long: at most 50 characters." in long.text
    assert 'value="' + "x" * 51 + '"' in long.text  # kept as typed, to correct
    with site.server.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Visit)) == 0
    found = browser.form("/office/check-in", form | {"find": "1", "host_query": "room 12", "host_id": ""})
    assert found.status_code == 200 and 'value="t-1" checked' in found.text and "Rita" not in found.text
    done = browser.form("/office/check-in", form | {"first_name": " Ana\u200b", "interpreter": "yes"})
    assert done.status_code == 303 and done.headers["location"] == "/office?notice=checked-in"
    with site.server.sessions() as db:
        visit = db.scalars(select(Visit)).one()
    assert (visit.campus_id, visit.kiosk_id, visit.first_name, visit.host_name, visit.interpreter) == (
        a, None, "Ana", "Ms. García", True)  # fmt: skip
    page = browser.get(site.url + "/office?notice=checked-in").text
    assert "The visitor is checked in" in page and "At the office" in section(page, "arrivals-title")
    exported = list(csv.reader(io.StringIO(browser.get(site.url + "/office/export.csv").text.lstrip("\ufeff"))))
    assert exported[0][-1] == "Checked in at" and exported[1][-1] == "office"
    assert browser.get(site.url + f"/office/check-in?campus={b}").status_code == 403
    admin = signed_in(site, "admin@rusd.org")
    assert admin.get(site.url + f"/office/check-in?campus={b}").status_code == 200
