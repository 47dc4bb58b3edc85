"""Staff connect the kiosk to a real district server (loopback) from staff mode, with the on-screen keyboard."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from loopback import LoopbackServer

from district import service
from kiosk.directory import StaffMember
from kiosk.driver import find, frames, run, screenshot, tap


@pytest.fixture
def server(tmp_path: Path):
    s = LoopbackServer(f"sqlite:///{tmp_path / 'district.sqlite3'}").start()
    with s.sessions.begin() as db:
        campus = service.add_campus(db, "Roosevelt Middle School", "America/Chicago")
        service.replace_staff(db, campus.id, [StaffMember("t1", "Thanh", "Nguyễn", role="Principal")])
        s.code = service.add_kiosk(db, campus.id, "Side door").code  # type: ignore[attr-defined]
    yield s
    s.dispose()


def type_keys(app, text: str):
    keyboard = app.root.current_screen.ids.keyboard
    for ch in text:
        tap(next(k for k in keyboard.walk() if getattr(k, "key", None) == ch))
        yield from frames(1)


def wait_for(condition, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        yield from frames(1)


def test_staff_connect_the_kiosk_with_a_code(make_app, desk, server, tmp_path):
    app = make_app()

    def script(app):
        yield from frames(3)
        app.show("admin")
        yield from frames(2)
        assert "not connected" in app.root.current_screen.status_text
        tap(app.root.current_screen.ids.kiosk_tab)
        yield from frames(4)  # the panel is laid out before its button is tapped
        tap(app.root.current_screen.panels["kiosk"].ids.connect)
        yield from frames(2)
        screen = app.root.current_screen
        assert app.current == "connect"
        # A wrong code first: the server's reason is shown, nothing is saved.
        screen.ids.server.text = ""
        yield from type_keys(app, server.url.lower())
        tap(screen.ids.code)
        yield from frames(1)
        yield from type_keys(app, "abcde-fghjk")
        tap(screen.ids.connect)
        yield from wait_for(lambda: not screen.busy and screen.message)
        assert "did not accept the code" in screen.message
        assert not desk.config.enrollment_path.exists()
        # The real code, typed in lower case with the address keyboard.
        tap(screen.ids.code)
        yield from type_keys(app, server.code.lower())
        tap(screen.ids.connect)
        yield from wait_for(lambda: not screen.busy and screen.message)
        assert screen.message == "Connected: this kiosk is “Side door” on the district server."
        yield from frames(3)
        screenshot(tmp_path / "connect.png")
        yield from wait_for(lambda: desk.sync_status().last_ok_ms is not None)
        yield from wait_for(lambda: len(desk.directory) == 1)
        assert desk.search_staff("nguy")[0].last_name == "Nguyễn"
        app.show("admin")
        yield from wait_for(lambda: app.campus_name == "Roosevelt Middle School", 15)
        app.root.current_screen.refresh()
        status = app.root.current_screen.status_text
        assert f"District server: {server.url}" in status and "Waiting to be sent: 0" in status
        app.home()  # the welcome screen greets with the server's name for the campus
        yield from frames(3)
        assert find(app.root, "Roosevelt Middle School") is not None

    try:
        run(app, script)
    finally:
        desk.stop_sync()
