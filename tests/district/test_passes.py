"""Visitor passes on the server (district.passes, district.web.passes), on SQLite and PostgreSQL: a
secretary issues one on the office page and gets it ready to print in the visitor's language, with a QR
code that reads back as the pass's code; only its hash is stored; kiosks of its campus learn it, and its
revocation, by their pull; a bad form comes back with what to fix; another campus's pass is out of reach."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import numpy as np
import requests
from PIL import Image
from sqlalchemy import select
from test_web import Site, signed_in, site, tables, today  # noqa: F401 (site is a fixture)

from district import service
from district.models import Office, VisitorPass
from kiosk import passcode, qrdecode
from kiosk.directory import StaffMember

FORM = {"first_name": "María José", "last_name": "Nguyễn", "reason": "meeting", "language": "es", "uses": "1"}


def staffed(site: Site) -> None:
    with site.server.sessions.begin() as db:
        service.replace_staff(db, site.world.campus_a, [StaffMember("t-7", "Lucía", "García", role="Grade 3")])


def issue(browser: requests.Session, **changes: str) -> requests.Response:
    return browser.form("/office/passes", FORM | {"host_id": "t-7", "first_day": today().isoformat(),  # type: ignore[attr-defined]
                                                  "last_day": today().isoformat()} | changes)  # fmt: skip


def mail_through(site: Site, relay: object) -> None:
    """Campus A's front office gets an email channel through `relay` (a receivers.SmtpReceiver)."""
    with site.server.sessions.begin() as db:
        office = db.scalars(select(Office).where(Office.campus_id == site.world.campus_a,
                                                 Office.key == "front_office")).one()  # fmt: skip
        office.alert_urls = relay.url(to="office@lincoln.example.org")  # type: ignore[attr-defined]


def pass_row(site: Site) -> VisitorPass:
    with site.server.sessions() as db:
        return db.scalars(select(VisitorPass)).one()


def test_a_secretary_issues_a_pass_and_gets_it_to_print_in_the_visitors_language(site: Site) -> None:
    staffed(site)
    secretary = signed_in(site, "sec.a@rusd.org")
    answer = issue(secretary)
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert 'lang="es"' in page and "Pase de visitante" in page and "Para María José" in page
    assert "Lucía García" in page and "Lincoln Elementary" in page
    stored = pass_row(site)
    assert (stored.first_name, stored.host_id, stored.max_uses, stored.created_by) == (
        "María José", "t-7", 1, "sec.a@rusd.org")  # fmt: skip
    code = read_code(page)
    assert passcode.read(code).kind == "pass" and passcode.digest(code) == stored.code_hash
    assert code not in str(stored.__dict__)  # only the hash is kept
    listed = tables(secretary.get(site.url + "/office/passes").text)["passes"]
    assert listed[1][:3] == ["María José Nguyễn", "Meet a staff member", "Lucía García"]


def read_code(page: str) -> str:
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg, "no QR code on the page"
    return render_svg_and_decode(svg.group(0))


def render_svg_and_decode(svg: str) -> str:
    """Draw qrcode's path SVG (one "Mx,yH..V..H..z" square a module) as pixels; decode it as a camera would."""
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    assert view, svg[:200]
    size = int(float(view.group(1)))
    scale = 8
    grid = np.full((size * scale, size * scale), 255, np.uint8)
    path = re.search(r' d="([^"]+)"', svg)
    assert path, svg[:200]
    for x, y in re.findall(r"M(\d+),(\d+)H", path.group(1)):
        col, row = int(x), int(y)
        grid[row * scale : (row + 1) * scale, col * scale : (col + 1) * scale] = 0
    codes = qrdecode.zxing(np.asarray(Image.fromarray(grid)))
    assert len(codes) == 1, codes
    return codes[0]


def test_the_kiosks_of_its_campus_learn_a_pass_and_its_revocation_and_no_other_campus_does(site: Site) -> None:
    staffed(site)
    secretary = signed_in(site, "sec.a@rusd.org")
    assert issue(secretary).status_code == 200
    stored = pass_row(site)
    with site.server.sessions() as db:
        pulled = service.changes(db, site.world.campus_a, 0)
        other = service.changes(db, site.world.campus_b, 0)
    [synced] = pulled["passes"]
    assert synced["code_hash"] == stored.code_hash and synced["revoked"] is False and other["passes"] == []
    assert synced["valid_until_ms"] - synced["valid_from_ms"] == 86_400_000 - 1  # the whole campus day
    revoke = secretary.form(f"/office/passes/{stored.id}/revoke")
    assert revoke.status_code == 303 and "notice=revoked" in revoke.headers["location"]
    with site.server.sessions() as db:
        after = service.changes(db, site.world.campus_a, pulled["cursor"])
    assert [(p["id"], p["revoked"]) for p in after["passes"]] == [(stored.id, True)]
    page = secretary.get(site.url + revoke.headers["location"]).text
    assert "kiosks refuse it from their next sync" in page and "Revoked" in page
    assert secretary.form(f"/office/passes/{stored.id}/revoke").status_code == 404  # once is enough


def test_a_bad_pass_form_comes_back_with_what_to_fix_and_stores_nothing(site: Site) -> None:
    staffed(site)
    secretary = signed_in(site, "sec.a@rusd.org")
    yesterday = (today() - timedelta(days=1)).isoformat()
    cases = {
        "The first name can have only letters": {"first_name": "M4ria"},
        "Choose why they are coming": {"reason": "karaoke"},
        "a pick-up is checked in at the kiosk": {"reason": "pickup"},
        "more than 366 days away": {"first_day": "9999-12-30", "last_day": "9999-12-31"},
        "The last day has passed": {"first_day": yesterday, "last_day": yesterday},
        "The last day is before the first day.": {"last_day": yesterday},
        "is not a date like": {"first_day": "tomorrow"},
        "at most 366 days": {"last_day": (today() + timedelta(days=400)).isoformat()},
        "1 to 500": {"uses": "0"},
        "not in this campus's directory": {"host_id": "nobody"},
        "Choose the visitor's language.": {"language": "xx"},
    }
    for expected, change in cases.items():
        answer = issue(secretary, **change)
        text = html.unescape(answer.text)
        assert answer.status_code == 400 and expected in text, (change, text[-2000:])
        assert 'value="María José"' in text or "first_name" in change  # what was typed is kept
    assert issue(secretary, uses="100000").status_code == 400
    with site.server.sessions() as db:
        assert db.scalars(select(VisitorPass)).all() == []


def test_a_secretary_cannot_see_or_revoke_another_campus_s_passes(site: Site) -> None:
    staffed(site)
    assert issue(signed_in(site, "sec.a@rusd.org")).status_code == 200
    stored = pass_row(site)
    other = signed_in(site, "sec.b@rusd.org")
    assert "María José" not in other.get(site.url + "/office/passes").text
    assert other.form(f"/office/passes/{stored.id}/revoke").status_code == 404
    assert other.get(site.url + f"/office/passes?campus={site.world.campus_a}").status_code == 403
    assert pass_row(site).revoked_ms is None


def test_a_volunteer_list_gets_one_pass_each_and_one_bad_line_stops_them_all(site: Site) -> None:
    staffed(site)
    secretary = signed_in(site, "sec.a@rusd.org")
    fields = {"reason": "volunteer", "language": "en", "uses": "40", "first_day": today().isoformat(),
              "last_day": (today() + timedelta(days=60)).isoformat(), "csrf": secretary.csrf}  # fmt: skip
    good = "first_name,last_name,language\nAna,Pérez,es\nBo,Li,\nFatima,Haddad,en\n".encode()
    answer = secretary.post(site.url + "/office/passes", data=fields, files={"list": ("volunteers.csv", good)})
    assert answer.status_code == 200, answer.text[-2000:]
    svgs = re.findall(r"<svg.*?</svg>", answer.text, re.S)
    codes = [render_svg_and_decode(svg) for svg in svgs]
    with site.server.sessions() as db:
        stored = {p.code_hash: p for p in db.scalars(select(VisitorPass))}
    assert [stored[passcode.digest(c)].first_name for c in codes] == ["Ana", "Bo", "Fatima"]
    assert [stored[passcode.digest(c)].language for c in codes] == ["es", "en", "en"]
    assert {p.max_uses for p in stored.values()} == {40} and "Pase de visitante" in answer.text
    bad = "first_name,last_name\nZoe,Okafor\nR2D2,Droid\n,\n".encode()
    refused = secretary.post(site.url + "/office/passes", data=fields, files={"list": ("more.csv", bad)})
    text = html.unescape(refused.text)
    assert refused.status_code == 400 and "line 3: first name: only letters" in text
    utf16 = secretary.post(site.url + "/office/passes", data=fields,
                           files={"list": ("excel.csv", "first_name,last_name\nA,B\n".encode("utf-16"))})  # fmt: skip
    assert utf16.status_code == 400 and "UTF-16" in html.unescape(utf16.text)
    with site.server.sessions() as db:
        assert len(db.scalars(select(VisitorPass)).all()) == 3  # Zoe's list issued nothing


def test_a_pass_is_emailed_in_the_visitors_language_through_the_front_offices_relay(site: Site) -> None:
    from receivers import SmtpReceiver

    staffed(site)
    secretary = signed_in(site, "sec.a@rusd.org")
    assert "give the front office an email channel" in html.unescape(issue(secretary, email="ana@example.org").text)
    relay = SmtpReceiver()
    try:
        mail_through(site, relay)
        assert "does not look right" in issue(secretary, email="ana at example").text
        answer = issue(secretary, email="ana@example.org")
        assert answer.status_code == 200 and "Emailed to ana@example.org." in answer.text
        [(to, message)] = relay.messages(1)
        assert to == ["ana@example.org"]  # the visitor, not the office's own address
        assert message["Subject"] == "Su pase de visitante para Lincoln Elementary"
        body = message.get_body(("plain", "html")).get_content()
        assert "Para María José" in body and "Lucía García" in body
        [png] = [part for part in message.iter_attachments() if part.get_content_type() == "image/png"]
        grey = np.asarray(Image.open(io.BytesIO(png.get_content())).convert("L"))
        [code] = qrdecode.zxing(grey)
        assert passcode.digest(code) == pass_row(site).code_hash
        assert relay.PASSWORD not in answer.text
    finally:
        relay.close()
