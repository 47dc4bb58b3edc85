"""The web forms and page addresses under hostile input (Hypothesis), on SQLite and PostgreSQL: never a
5xx or a traceback, always the site's page with a message saying what to correct, and nothing malformed
stored. One server per module, shared by every example."""

from __future__ import annotations

import json
from datetime import date
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from conftest import malformed_text, two_campuses
from hypothesis import example, given, settings
from hypothesis import strategies as st
from loopback import LoopbackServer
from test_web import Browser, Site, csrf_in, signed_in, with_people

from district.alerts.manage import NESTED_TOO_DEEP
from district.models import Campus, User

ODD = st.sampled_from(["\x00", "\u202e", "\u200b", "\x7f", "é", "<", "%", "&", "=", '"', "\n"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)) | ODD, max_size=40)  # a browser sends no lone surrogate
SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
RULES = st.one_of(
    TEXT,
    st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                 max_leaves=8).map(lambda value: json.dumps(value, allow_nan=True)),
    st.integers(1, 30_000).map(lambda n: "[" * n + "]" * n),
    st.just('[{"reason": "pickup", "notify": ["attendance"], "hours": "07:00-16:00"}]'),
)  # fmt: skip


def maybe(good: str) -> st.SearchStrategy[str]:
    """A field's good value, or anything: a form half right reaches the checks a wholly wrong one never does."""
    return st.one_of(st.just(good), TEXT, TEXT.map(lambda t: good + t))


@pytest.fixture(scope="module")
def shared(shared_server: LoopbackServer) -> Site:
    return with_people(two_campuses(shared_server))


@pytest.fixture(scope="module")
def admin(shared: Site) -> Browser:
    return signed_in(shared, "admin@rusd.org")


def answered_with_a_page(answer: requests.Response) -> None:
    """Not a crash, and a refusal is the site's page saying what was wrong."""
    assert answer.status_code < 500, answer.text[:2000]
    assert "Traceback" not in answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("text/html"), answer.text[:300]
        said = re.search(r'<p class="lead">(.*?)</p>|role="alert"[^>]*>(.*?)</(?:p|div)>', answer.text, re.S)
        assert said and re.sub(r"<[^>]+>", "", said.group(1) or said.group(2)).strip(), answer.text[:2000]


def nothing_malformed(shared: Site) -> None:
    assert malformed_text(shared.server) == []


def lead(answer: requests.Response) -> str:
    found = re.search(r'<p class="lead">([^<]+)</p>', answer.text)
    assert found, answer.text[:2000]
    return found.group(1)


# -- properties ----------------------------------------------------------------------------------------
@settings(max_examples=25)
@given(email=maybe("sec.b@rusd.org"), password=TEXT, next_url=maybe("/office"))
@example(email="sec.b@rusd.org\x00", password="x", next_url="/office")  # a 500 on PostgreSQL, before
def test_sign_in_takes_any_input_without_a_crash(shared: Site, email: str, password: str, next_url: str) -> None:
    browser = requests.Session()
    token = csrf_in(browser.get(shared.url + "/login").text)
    answer = browser.post(shared.url + "/login", data={"csrf": token, "email": email, "password": password,
                                                      "next": next_url}, allow_redirects=False)  # fmt: skip
    answered_with_a_page(answer)
    nothing_malformed(shared)


@settings(max_examples=25)
@given(segment=TEXT, action=st.sampled_from(["/office/visits/{}/sign-out", "/office/visits/{}/seen",
                                             "/district/kiosks/{}/revoke", "/district/kiosks/{}/code",
                                             "/office/passes/{}/revoke"]))  # fmt: skip
def test_an_id_in_an_address_may_be_anything(shared: Site, admin: Browser, segment: str, action: str) -> None:
    answer = admin.form(action.format(quote(segment, safe="")))
    answered_with_a_page(answer)
    assert answer.status_code in (303, 400, 404), answer.text[:300]


@settings(max_examples=60)
@given(data=st.data())
def test_district_forms_take_any_input_without_a_crash(shared: Site, admin: Browser, data: st.DataObject) -> None:
    campus_id = shared.world.campus_a
    campus_fields = {"name": maybe("Hoover High"), "timezone": maybe("America/Chicago"), "languages": maybe("en es"),
                     "default_language": maybe("en"), "oneroster_org": maybe("org-1")}  # fmt: skip
    path, fields = data.draw(st.sampled_from([
        ("/district/campuses", campus_fields),
        (f"/district/campuses/{campus_id}/settings", campus_fields | {"name": maybe("Lincoln Elementary")}),
        (f"/district/campuses/{campus_id}/kiosks", {"name": maybe("Gym door")}),
        ("/district/users", {"email": maybe("new@rusd.org"), "name": maybe("Noor"), "role": maybe("secretary"),
                             "campus": maybe(str(campus_id)), "password": maybe("long enough password")}),
        (f"/district/campuses/{campus_id}/rules", {"rules": RULES, "expiry_minutes": maybe("15"),
                                                  "use": st.sampled_from(["", "defaults"]) | TEXT}),
        (f"/office/passes?campus={campus_id}", {"first_name": maybe("Ana"), "last_name": maybe("Pérez"),
                                                "reason": maybe("volunteer"), "language": maybe("es"),
                                                "host_id": maybe(""), "first_day": maybe(date.today().isoformat()),
                                                "last_day": maybe(date.today().isoformat()), "uses": maybe("3")}),
    ]))  # fmt: skip
    form = {name: data.draw(strategy, label=name) for name, strategy in fields.items()}
    answered_with_a_page(admin.form(path, form))
    nothing_malformed(shared)


# -- what the fuzzing found, as examples ---------------------------------------------------------------
def test_a_nul_in_a_form_or_an_address_is_the_sites_page_naming_it(shared: Site, admin: Browser) -> None:
    browser = requests.Session()
    token = csrf_in(browser.get(shared.url + "/login").text)
    login = browser.post(shared.url + "/login", data={"csrf": token, "email": "admin@rusd.org\x00", "password": "x"})
    assert login.status_code == 400
    assert lead(login) == ("The form&#39;s field “email” has a NUL character, which is not text. "
                           "Remove it and send the form again.")  # fmt: skip
    campus = {"name": "Hoover\x00High", "timezone": "America/Chicago", "languages": "en"}
    added = admin.form("/district/campuses", campus)
    assert added.status_code == 400 and "“name” has a NUL character" in lead(added)
    for path in ("/office/visits/%00/sign-out", "/district/kiosks/%00/revoke"):
        answer = admin.form(path)
        assert answer.status_code == 404, path
        assert lead(answer) == "There is no page at this address: it has a NUL character (%00) in it."
    search = admin.get(shared.url + "/office/search?q=%00")
    assert search.status_code == 400 and "“q” has a NUL character" in lead(search)
    nothing_malformed(shared)


def test_rules_nested_ten_thousand_deep_are_refused_kindly_and_nothing_changes(shared: Site, admin: Browser) -> None:
    campus_id = shared.world.campus_a
    with shared.server.sessions() as db:
        before = db.get_one(Campus, campus_id).alert_rules
    answer = admin.form(f"/district/campuses/{campus_id}/rules",
                        {"rules": "[" * 10_000 + "]" * 10_000, "expiry_minutes": "15"})  # fmt: skip
    assert answer.status_code == 400
    assert NESTED_TOO_DEEP.replace("'", "&#39;") in answer.text
    with shared.server.sessions() as db:
        assert db.get_one(Campus, campus_id).alert_rules == before


def test_an_unknown_page_is_the_sites_404_page_and_the_api_keeps_json(shared: Site, admin: Browser) -> None:
    for path in ("/nope", "/office/nope", "/district/campuses/1/nope"):
        page = admin.get(shared.url + path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), path
        assert "<h1>No such page</h1>" in page.text and "Back to the start page" in page.text
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    api = requests.get(shared.url + "/api/v1/nope")
    assert (api.status_code, api.json()) == (404, {"detail": "Not Found"})


def test_a_form_field_over_a_megabyte_is_a_413_page(shared: Site, admin: Browser) -> None:
    answer = admin.form("/district/users", {"email": "x" * (1024 * 1024 + 1), "password": "long enough password"})
    assert answer.status_code == 413
    assert lead(answer).startswith("A field of the form is over 1 MB")
    with shared.server.sessions() as db:
        assert db.query(User).filter(User.email.like("xxx%")).count() == 0


def test_a_big_form_is_a_413_page_whether_its_length_is_declared_or_it_is_sent_chunked(
    shared: Site, admin: Browser
) -> None:
    def chunks() -> Iterator[bytes]:
        yield f"csrf={admin.csrf}".encode()
        for n in range(10):  # fields under Starlette's 1 MB each, 5 MB in all
            yield f"&note{n}=".encode() + b"x" * (512 * 1024)

    for body in (chunks(), b"".join(chunks())):
        answer = admin.post(shared.url + "/district/users", data=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert answer.status_code == 413 and answer.headers["content-type"].startswith("text/html")
        assert lead(answer) == "What was sent is too large: this address takes at most 4 MB."
