"""The confirmation after a check-in says who knows the visitor is here, and only what the
district server (here a scripted one on loopback) has confirmed; it changes while it is shown.

Set SCREENSHOTS_DIR to keep the PNGs (done-*.png); otherwise they go to a temporary folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_arrival import FRONT, HOST, Scripted

from kiosk import arrival
from kiosk.checkin import Draft
from kiosk.driver import enter_name, find, frames, run, screenshot, tap, type_text
from kiosk.language import translator
from kiosk.sync import Enrollment, SyncClient


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)


@pytest.fixture
def scripted():
    server = Scripted()
    yield server
    server.stop()


@pytest.fixture
def connected(desk, scripted, monkeypatch):
    """The kiosk enrolled to the scripted server (its sync rounds fail and back off: only arrivals answer)."""
    monkeypatch.setattr(arrival, "POLL_SECONDS", 0.2)
    desk.start_sync(SyncClient(desk.store, Enrollment(scripted.url, "k1", "Front door", "token")), interval=60)
    yield desk
    desk.stop_sync()


def wait_for(condition, seconds: float = 10):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        yield from frames(1)


def check_in_with_taps(app, language: str = "en"):  # type: ignore[no-untyped-def]
    """Welcome, name, reason, whom, review, confirm: as a visitor, to see Ms. García."""
    tr = translator(language)
    yield from frames(3)
    if language != "en":
        tap(find(app.root.current_screen, "Español"))
        yield from frames(2)
    tap(app.root.current_screen.ids.check_in)
    yield from frames(2)
    yield from enter_name(app, "José", "Núñez")
    yield from frames(2)
    tap(find(app.root.current_screen, tr("Meet a staff member")))
    yield from frames(2)
    type_text(app, "garc")
    yield from frames(3)
    tap(find(app.root.current_screen, "Ms. García, 3rd grade, " + tr("Room {room}").format(room="12")))
    yield from frames(2)
    assert app.current == "review"
    tap(app.root.current_screen.ids.confirm)
    yield from frames(2)
    assert app.current == "done"


def body(app) -> str:  # type: ignore[no-untyped-def]
    return app.screen("done").body


@pytest.mark.parametrize("language", ["en", "es"])
def test_not_connected_the_visitor_is_asked_to_tell_the_front_desk(make_app, desk, shots, language):
    app = make_app()
    tr = translator(language)
    seen = {}

    def script(app):
        yield from check_in_with_taps(app, language)
        seen["title"], seen["body"] = app.screen("done").title, body(app)
        find(app.root.current_screen, seen["body"])
        seen["watch"] = app.screen("done")._watch
        yield from frames(3)
        screenshot(shots / f"done-{language}-not-connected.png")
        if language == "en":
            yield 3.5  # no watch: the confirmation's usual time
            seen["after"] = app.current
            yield from frames(2)  # let the screens' reset triggers run before the app stops

    run(app, script)
    assert seen["title"] == tr("Welcome, {name}.").format(name="José")
    assert seen["body"] == tr("Please let the front desk know you are here.")
    assert seen["watch"] is None and seen.get("after", "welcome") == "welcome"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_host_is_told_then_on_the_way(make_app, connected, scripted, shots, language):
    app = make_app(connected)
    tr = translator(language)
    seen = {}

    def script(app):
        yield from check_in_with_taps(app, language)
        assert body(app) == tr("Please let the front desk know you are here.")  # not on the server yet
        watch = app.screen("done")._watch
        assert watch is not None and watch.running
        yield from wait_for(lambda: watch.polls >= 2)
        assert body(app) == tr("Please let the front desk know you are here.")
        scripted.answer(pending=1)  # stored, alert still being sent
        yield from wait_for(lambda: watch.polls >= 4)
        assert body(app) == tr("Please let the front desk know you are here.")
        scripted.answer(told=[HOST, FRONT])
        yield from wait_for(lambda: body(app) == tr("{name} knows you are here.").format(name="Ms. García"))
        find(app.root.current_screen, body(app))
        yield from frames(3)
        screenshot(shots / f"done-{language}-host-told.png")
        scripted.answer(told=[HOST, FRONT], acknowledged={"by": "Ms. García", "via": "link"})
        yield from wait_for(lambda: body(app) == tr("{name} is on the way.").format(name="Ms. García"))
        yield from frames(3)
        screenshot(shots / f"done-{language}-on-the-way.png")
        yield from wait_for(lambda: not watch.running, 3)  # an acknowledgement ends the watch
        tap(find(app.root.current_screen, tr("Done")))
        yield from frames(2)
        seen["after"] = app.current
        yield from frames(2)

    run(app, script)
    assert seen["after"] == "welcome"


def test_the_confirmation_stays_longer_while_watched_and_news_after_leaving_is_dropped(make_app, connected, scripted):
    app = make_app(connected)
    seen = {}

    def script(app):
        yield from check_in_with_taps(app)
        watch = app.screen("done")._watch
        yield 3.5  # confirmation_seconds is 3 in these tests
        seen["still"] = app.current
        tap(find(app.root.current_screen, "Done"))
        yield from frames(2)
        seen["after"] = app.current
        scripted.answer(told=[HOST])
        yield from frames(2)
        yield from wait_for(lambda: not watch.running, 3)
        yield 0.2
        seen["body"] = body(app)

    run(app, script)
    assert seen["still"] == "done" and seen["after"] == "welcome"
    assert seen["body"] == "Please let the front desk know you are here.", "a late answer does not write on it"


OFFICE_CASES = [
    ("pickup", {"told": [FRONT]}, "The front office knows you are here.", "office-told"),
    ("pickup", {"told": [{**FRONT, "key": "attendance"}]}, "The attendance office knows you are here.", "attendance"),
    ("volunteer", {"told": [{**FRONT, "key": "volunteers"}]}, "The volunteer coordinator knows you are here.",
     "volunteers"),
    ("delivery", {"told": [FRONT], "acknowledged": {"by": "Ms. Diaz", "via": "office"}},
     "The front office has seen that you are here.", "office-seen"),
]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_office_is_told_and_names_of_every_length_and_script_fit(make_app, connected, scripted, shots, language):
    app = make_app(connected)
    tr = translator(language)
    long_name = "Dra. Maximiliana Alexandrina Montgomery-Castellanos"
    arabic = "أ. فاطمة الزهراء"

    def confirm(app, reason: str):  # type: ignore[no-untyped-def]
        host = connected.search_staff("garcía")[0] if reason == "meeting" else None
        student = "Lía D'Angelo" if reason == "pickup" else ""
        app.draft = Draft(language=language, first_name="Zoë", last_name="D'Angelo", reason=reason, host=host,
                          student_name=student)  # fmt: skip
        app.show("review")
        yield from frames(2)
        tap(app.root.current_screen.ids.confirm)
        yield from frames(2)
        assert app.current == "done"

    def script(app):
        yield from frames(2)
        app.set_language(language)
        for reason, fields, english, shot in OFFICE_CASES:
            scripted.answer(**fields)
            yield from confirm(app, reason)
            yield from wait_for(lambda english=english: body(app) == tr(english))
            yield from frames(3)
            screenshot(shots / f"done-{language}-{shot}.png")
            app.home()
            app.set_language(language)
        for name, shown, shot in (
            (long_name, long_name, "long-name"),
            (arabic, f"\u2068{arabic}\u2069", "arabic-name"),
        ):
            scripted.answer(told=[{**HOST, "name": name}])
            yield from confirm(app, "meeting")
            yield from wait_for(lambda shown=shown: body(app) == tr("{name} knows you are here.").format(name=shown))
            yield from frames(3)
            label = find(app.root.current_screen, body(app))
            assert label.texture_size[0] <= label.width + 1, "the line wraps inside the screen"
            screenshot(shots / f"done-{language}-{shot}.png")
            app.home()
            app.set_language(language)

    run(app, script)
