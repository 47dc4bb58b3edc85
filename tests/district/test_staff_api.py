"""The staff API (district.staff_api) with tokens made on the office page (district.web.tokens), against
the real server on loopback, on SQLite and PostgreSQL: another system issues a pass that reads back from
its QR code and reaches the campus's kiosks; the form's checks, in the form's words; a token works on its
own campus only, and stops when revoked, expired, or its user may no longer act there."""

from __future__ import annotations

import base64
import html
import io
import re

import numpy as np
import pytest
import requests
from PIL import Image
from sqlalchemy import select, update
from test_passes import mail_through, staffed
from test_web import Browser, Site, signed_in, site, tables, today  # noqa: F401 (site is a fixture)

from district import service
from district.models import ApiToken, User, VisitorPass
from kiosk import passcode, qrdecode

PASS = {"first_name": "María José", "last_name": "Nguyễn", "reason": "meeting", "language": "es", "host_id": "t-7"}


def make_token(browser: Browser, label: str = "Conference scheduler", days: str = "90", campus: str = "") -> str:
    made = browser.form("/office/tokens" + (f"?campus={campus}" if campus else ""), {"label": label, "days": days})
    assert made.status_code == 200, made.text
    found = re.search(r'id="api-token">(wks_[A-Za-z0-9_-]+)<', made.text)
    assert found, made.text
    return found.group(1)


def api(site: Site, token: str, method: str, path: str, **kwargs: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{site.url}/api/v1{path}", headers=headers, **kwargs)  # type: ignore[arg-type]


def decoded(png_base64: str) -> str:
    grey = np.asarray(Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("L"))
    [code] = qrdecode.zxing(grey)
    return code


def test_a_token_made_on_the_office_page_issues_a_pass_its_kiosks_learn(site: Site) -> None:
    staffed(site)
    secretary = signed_in(site, "sec.a@rusd.org")
    token = make_token(secretary)
    with site.server.sessions() as db:
        stored = db.scalars(select(ApiToken)).one()
    assert token not in str(stored.__dict__) and stored.campus_id == site.world.campus_a  # only its hash is kept
    page = secretary.get(site.url + "/office/tokens").text
    assert token not in page and tables(page)["tokens"][1][:2] == ["Conference scheduler", "Sara Lincoln"]

    answer = api(site, token, "POST", "/passes", json=PASS | {"uses": 3, "first_day": today().isoformat()})
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert (made["first_name"], made["host_name"], made["max_uses"], made["first_day"], made["last_day"]) == (
        "María José", "Lucía García", 3, today().isoformat(), today().isoformat())  # fmt: skip
    assert decoded(made["qr_png"]) == made["code"] and passcode.read(made["code"]).kind == "pass"
    with site.server.sessions() as db:
        row = db.scalars(select(VisitorPass)).one()
        pulled = service.changes(db, site.world.campus_a, 0)["passes"]
        other = service.changes(db, site.world.campus_b, 0)["passes"]
    assert row.code_hash == passcode.digest(made["code"]) and made["code"] not in str(row.__dict__)
    assert row.created_by == "sec.a@rusd.org (API: Conference scheduler)"
    assert [p["code_hash"] for p in pulled] == [row.code_hash] and other == []
    assert [p["id"] for p in api(site, token, "GET", "/passes").json()["passes"]] == [row.id]
    assert "code" not in api(site, token, "GET", f"/passes/{row.id}").json()  # the code is in the POST's answer only
    listed = tables(secretary.get(site.url + "/office/passes").text)["passes"]
    assert listed[1][:3] == ["María José Nguyễn", "Meet a staff member", "Lucía García"]
    last_used = tables(secretary.get(site.url + "/office/tokens").text)["tokens"][1][4]
    assert last_used == "just now"


def test_the_directory_gives_the_host_ids_a_pass_can_name(site: Site) -> None:
    staffed(site)
    token = make_token(signed_in(site, "sec.a@rusd.org"))
    assert api(site, token, "GET", "/directory", params={"q": "garc"}).json()["staff"] == [
        {"id": "t-7", "name": "Lucía García", "role": "Grade 3", "room": ""}]  # fmt: skip
    assert [s["id"] for s in api(site, token, "GET", "/directory").json()["staff"]] == ["t-7"]
    assert api(site, token, "GET", "/directory", params={"q": "nobody"}).json()["staff"] == []


@pytest.mark.parametrize(("changes", "words"), [
    ({"first_name": "  "}, "Type the visitor's first name."),
    ({"first_name": "Ana<script>"}, "first name"),
    ({"reason": "pickup"}, "a pick-up is checked in at the kiosk"),
    ({"reason": "party"}, "Choose why they are coming"),
    ({"language": "xx"}, "Choose the visitor's language."),
    ({"host_id": "t-99"}, "not in this campus's directory"),
    ({"first_day": "2026-02-30"}, "is not a date like 2026-11-03"),
    ({"first_day": "2020-01-01", "last_day": "2020-01-02"}, "The last day has passed"),
    ({"email": "ana at example"}, "does not look right"),
    ({"email": "ana@example.org"}, "give the front office an email channel"),
])  # fmt: skip
def test_a_bad_pass_is_a_422_in_the_forms_words_and_stores_nothing(site: Site, changes: dict, words: str) -> None:
    staffed(site)
    token = make_token(signed_in(site, "sec.a@rusd.org"))
    answer = api(site, token, "POST", "/passes", json=PASS | changes)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith("pass: ") and any(words in p for p in answer.json()["problems"])
    with site.server.sessions() as db:
        assert db.scalars(select(VisitorPass)).all() == []


@pytest.mark.parametrize(("body", "detail"), [
    (PASS | {"uses": 0}, "uses: Input should be greater than or equal to 1"),
    (PASS | {"uses": "1"}, "uses: Input should be a valid integer"),
    (PASS | {"valid_forever": True}, "valid_forever: Extra inputs are not permitted"),
    ({k: v for k, v in PASS.items() if k != "reason"}, "reason: Field required"),
])  # fmt: skip
def test_a_body_of_the_wrong_shape_is_a_precise_422(site: Site, body: dict, detail: str) -> None:
    token = make_token(signed_in(site, "sec.a@rusd.org"))
    answer = api(site, token, "POST", "/passes", json=body)
    assert (answer.status_code, answer.json()["detail"]) == (422, detail)


def test_a_token_acts_on_its_own_campus_only(site: Site) -> None:
    staffed(site)
    token_a = make_token(signed_in(site, "sec.a@rusd.org"))
    admin = signed_in(site, "admin@rusd.org")
    token_b = make_token(admin, "Roosevelt volunteers", campus=str(site.world.campus_b))
    pass_a = api(site, token_a, "POST", "/passes", json=PASS).json()["id"]
    assert api(site, token_b, "GET", f"/passes/{pass_a}").status_code == 404
    assert api(site, token_b, "POST", f"/passes/{pass_a}/revoke").status_code == 404
    assert api(site, token_b, "GET", "/passes").json()["passes"] == []
    assert api(site, token_b, "GET", "/directory").json()["staff"] == []  # Lucía works at Lincoln
    made_b = api(site, token_b, "POST", "/passes", json=PASS | {"host_id": ""})
    assert made_b.status_code == 201 and made_b.json()["host_name"] is None  # the front office is told
    with site.server.sessions() as db:
        assert db.get_one(VisitorPass, made_b.json()["id"]).campus_id == site.world.campus_b
    elsewhere = signed_in(site, "sec.a@rusd.org").get(site.url + f"/office/tokens?campus={site.world.campus_b}")
    assert elsewhere.status_code == 403


def test_revoking_by_the_api_reaches_the_kiosks_once(site: Site) -> None:
    token = make_token(signed_in(site, "sec.a@rusd.org"))
    made = api(site, token, "POST", "/passes", json=PASS | {"host_id": ""}).json()
    with site.server.sessions() as db:
        cursor = service.changes(db, site.world.campus_a, 0)["cursor"]
    revoked = api(site, token, "POST", f"/passes/{made['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    with site.server.sessions() as db:
        assert [(p["id"], p["revoked"]) for p in service.changes(db, site.world.campus_a, cursor)["passes"]] == [
            (made["id"], True)]  # fmt: skip
    assert api(site, token, "POST", f"/passes/{made['id']}/revoke").status_code == 409
    assert api(site, token, "POST", "/passes/999999/revoke").status_code == 404
    assert api(site, token, "GET", "/passes/0").status_code == 422


def test_a_token_stops_when_revoked_expired_or_its_user_may_no_longer_act(site: Site) -> None:
    secretary = signed_in(site, "sec.a@rusd.org")
    revoked, expired, disabled_user, moved_user = (make_token(secretary, f"system {n}") for n in range(4))
    for token in (revoked, expired, disabled_user, moved_user):
        assert api(site, token, "GET", "/passes").status_code == 200
    page = secretary.get(site.url + "/office/tokens").text
    first = re.search(r'data-token="(\d+)"><td dir="auto">system 0<', page)
    assert first, page
    answer = secretary.form(f"/office/tokens/{first.group(1)}/revoke")
    assert answer.status_code == 303 and "notice=revoked" in answer.headers["location"]
    assert "stops working at once" in secretary.get(site.url + answer.headers["location"]).text
    with site.server.sessions.begin() as db:
        db.execute(update(ApiToken).where(ApiToken.label == "system 1").values(expires_ms=service.now_ms() - 1))
    assert api(site, revoked, "GET", "/passes").status_code == 401
    assert api(site, expired, "GET", "/passes").status_code == 401
    assert api(site, disabled_user, "GET", "/passes").status_code == 200
    with site.server.sessions.begin() as db:
        db.execute(update(User).where(User.email == "sec.a@rusd.org").values(campus_id=site.world.campus_b))
    assert api(site, moved_user, "GET", "/passes").status_code == 401  # a secretary moved on: Lincoln's tokens end
    with site.server.sessions.begin() as db:
        db.execute(update(User).where(User.email == "sec.a@rusd.org").values(campus_id=site.world.campus_a,
                                                                               active=False))  # fmt: skip
    assert api(site, disabled_user, "GET", "/passes").status_code == 401


def test_only_a_staff_token_opens_the_staff_api_and_it_opens_nothing_else(site: Site) -> None:
    kiosk = requests.post(site.url + "/api/v1/enroll", json={"code": site.world.code_a}).json()["token"]
    staff = make_token(signed_in(site, "sec.a@rusd.org"))
    for token in ("", kiosk, "wks_" + "A" * 43, staff[:-1]):
        answer = api(site, token, "GET", "/passes")
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer", token
        assert "staff API token" in answer.json()["detail"]
    beat = {"version": "1.4.0", "backlog": 0, "refused": 0, "last_sync_ms": 1, "free_disk_bytes": 10**9}
    assert api(site, staff, "POST", "/sync/heartbeat", json=beat).status_code == 401
    assert api(site, staff, "GET", "/sync/changes").status_code == 401


def test_a_bad_token_form_says_what_to_fix(site: Site) -> None:
    secretary = signed_in(site, "sec.a@rusd.org")
    unnamed = secretary.form("/office/tokens", {"label": " ", "days": "90"})
    assert unnamed.status_code == 400 and "Say what the token is for" in html.unescape(unnamed.text)
    assert "Choose one of the lifetimes" in secretary.form("/office/tokens", {"label": "x", "days": "9999"}).text
    with site.server.sessions() as db:
        assert db.scalars(select(ApiToken)).all() == []


def test_a_pass_issued_by_the_api_is_emailed_in_the_visitors_language(site: Site) -> None:
    from receivers import SmtpReceiver

    staffed(site)
    token = make_token(signed_in(site, "sec.a@rusd.org"))
    relay = SmtpReceiver()
    try:
        mail_through(site, relay)
        answer = api(site, token, "POST", "/passes", json=PASS | {"email": "ana@example.org"})
        assert answer.status_code == 201, answer.text
        assert answer.json()["emailed"] == {"to": "ana@example.org", "delivered": True, "error": None}
        [(to, message)] = relay.messages(1)
        assert to == ["ana@example.org"] and message["Subject"] == "Su pase de visitante para Lincoln Elementary"
        [png] = [part for part in message.iter_attachments() if part.get_content_type() == "image/png"]
        grey = np.asarray(Image.open(io.BytesIO(png.get_content())).convert("L"))
        assert qrdecode.zxing(grey) == [answer.json()["code"]]
    finally:
        relay.close()
