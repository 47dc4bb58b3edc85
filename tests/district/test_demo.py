"""`make demo` as a newcomer meets it, minus the kiosk's window: the demo's own server (district.demo)
with its alert inbox, and the real kiosk core enrolled to it. A check-in for Ms. García reaches her on
the "Alerts received" page and the kiosk says she knows; her "On my way" link reaches the kiosk; a
demo restarted on another port still alerts; a busy port is one line naming `make demo PORT=…`; Ctrl+C
stops the demo and its kiosk quietly; and a district's real server has no inbox at all. Saves
screenshots of the pages (SCREENSHOTS_DIR)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
import requests
from loopback import LoopbackServer, free_port
from sqlalchemy import select
from test_browser import SCREENSHOTS, VIEWPORT, sync_api

from district import demo_inbox, service
from district.demo import ADMIN, DEMO_PASSWORD, SECRETARY, DemoServer, start
from district.models import Staff
from kiosk.arrival import ArrivalWatch, Truth
from kiosk.checkin import Draft, FrontDesk, Visit
from kiosk.demo import demo_config
from kiosk.store import Store
from kiosk.sync import SyncClient, load_enrollment

LINK = re.compile(r"http://127\.0\.0\.1:\d+/ack/[A-Za-z0-9_-]+")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoServer]:
    server = start(tmp_path / "demo", port=free_port())
    yield server
    server.stop()


class DemoKiosk:
    """The demo's kiosk without its window: its core, on the enrollment the demo made."""

    def __init__(self, demo: DemoServer) -> None:
        config = demo_config(demo.kiosk_dir)
        self.desk = FrontDesk(config, Store(config.database_path))
        enrollment = load_enrollment(config.enrollment_path)
        assert enrollment is not None and enrollment.server_url == demo.url
        self.client = SyncClient(self.desk.store, enrollment)
        self.client.sync()
        assert self.desk.use_synced_directory()

    def check_in_for_garcia(self, first: str = "Ana") -> Visit:
        draft = Draft(language="en", first_name=first, last_name="Pérez", reason="meeting",
                      host=self.desk.directory.get("t-001"))  # fmt: skip
        visit = self.desk.check_in(draft)
        self.client.push()
        return visit

    def watch(self, visit: Visit) -> Callable[[Truth], None]:
        """What the confirmation screen would say as it changes: a function that waits for one truth."""
        seen: list[Truth] = []
        changed = threading.Event()

        def on_truth(now: Truth) -> None:
            seen.append(now)
            changed.set()

        ArrivalWatch(self.client, visit, on_truth, interval=0.1, limit=30).start()

        def wait_for(wanted: Truth, timeout: float = 15.0) -> None:
            deadline = time.monotonic() + timeout
            while wanted not in seen:
                assert time.monotonic() < deadline, f"the kiosk said {seen}, never {wanted}"
                changed.wait(0.1)
                changed.clear()

        return wait_for


def received_by(demo: DemoServer, name: str, count: int = 1, timeout: float = 15.0) -> list[demo_inbox.Received]:
    deadline = time.monotonic() + timeout
    while len(found := [r for r in demo.app.state.demo_inbox.items() if r.to == name]) < count:
        assert time.monotonic() < deadline, f"{name} got {len(found)} alerts"
        time.sleep(0.05)
    return found


def test_a_check_in_reaches_ms_garcia_and_her_on_my_way_reaches_the_kiosk(demo: DemoServer) -> None:
    kiosk = DemoKiosk(demo)
    visit = kiosk.check_in_for_garcia()
    kiosk_says = kiosk.watch(visit)

    [alert] = received_by(demo, "Ms. García")
    assert alert.title == "Ana Pérez is at the front office"
    assert "Here to see: Ms. García" in alert.message
    kiosk_says(Truth("host_told", "Ms. García"))  # "Ms. García knows you are here."
    [arrival] = kiosk.client.arrivals([visit.id])
    assert {"kind": "staff", "key": "t-001", "name": "Ms. García"} in arrival["told"]

    link = LINK.search(alert.message)
    assert link is not None and link.group().startswith(demo.url + "/ack/")
    assert "On my way" in requests.get(link.group(), timeout=10).text
    requests.post(link.group(), headers={"Origin": demo.url}, timeout=10).raise_for_status()
    kiosk_says(Truth("on_the_way", "Ms. García"))  # "Ms. García is on the way."


def test_the_demo_restarted_on_another_port_still_alerts(tmp_path: Path) -> None:
    first = start(tmp_path / "demo", port=free_port())
    own = "json://127.0.0.1:9/garcia-phone"  # one set on the campus page (nothing listens there)
    with first.app.state.sessions.begin() as db:
        garcia = db.scalar(select(Staff).where(Staff.external_id == "t-001"))
        garcia.alert_urls += "\n" + own
    first.stop()
    again = start(tmp_path / "demo", port=free_port())
    try:
        with again.app.state.sessions() as db:
            urls = db.scalar(select(Staff.alert_urls).where(Staff.external_id == "t-001"))
        assert urls.split() == [demo_inbox.channel_url(again.url, 1, "staff", "t-001"), own]
        kiosk = DemoKiosk(again)  # its enrollment followed the server to the new port
        kiosk_says = kiosk.watch(kiosk.check_in_for_garcia())
        received_by(again, "Ms. García")
        kiosk_says(Truth("host_told", "Ms. García"))
    finally:
        again.stop()


def test_the_alerts_received_page_shows_the_message_and_its_link_works(browser: object, demo: DemoServer) -> None:
    expect = sync_api.expect
    kiosk = DemoKiosk(demo)
    kiosk_says = kiosk.watch(kiosk.check_in_for_garcia())
    received_by(demo, "Ms. García")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=VIEWPORT, locale="en-US")  # type: ignore[attr-defined]
    page.goto(demo.url + "/login?next=/office")
    page.fill("input[name=email]", SECRETARY)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    expect(page.locator("#live")).to_contain_text("✓ Ms. García")  # not "No one was alerted"
    page.screenshot(path=str(SCREENSHOTS / "demo-office.png"), full_page=True)

    page.click("nav >> text=Alerts received")
    message = page.locator("#inbox li", has_text="To: Ms. García")
    expect(message).to_contain_text("Ana Pérez is at the front office")
    page.screenshot(path=str(SCREENSHOTS / "demo-alerts-received.png"), full_page=True)

    message.locator("a", has_text="/ack/").click()
    page.click("#on-my-way")
    expect(page.locator("#ack-result")).to_contain_text("the visitor has been told you are on the way")
    kiosk_says(Truth("on_the_way", "Ms. García"))
    page.goto(demo.url + "/office")
    expect(page.locator("#live")).to_contain_text("Ms. García is on the way")
    page.screenshot(path=str(SCREENSHOTS / "demo-office-on-the-way.png"), full_page=True)
    page.close()


def test_a_busy_port_is_one_line_naming_make_demo_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "district.cli", "demo", "--data-dir", str(tmp_path / "demo"), "--port", str(port)],
            capture_output=True, text=True, timeout=60, check=False, env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
        )  # fmt: skip
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"Port {port} on 127.0.0.1 is in use")
    assert re.search(r"make demo PORT=\d+$", line)
    suggested = int(line.rsplit("=", 1)[1])
    assert suggested != port
    assert not (tmp_path / "demo").exists(), "nothing made before the port was known to be free"


def test_a_districts_server_has_no_inbox_and_no_link_to_it(tmp_path: Path) -> None:
    server = LoopbackServer(f"sqlite:///{tmp_path / 'district.sqlite3'}").start()
    try:
        alert = {"title": "Ana Pérez is at the front office", "message": "forged"}
        posted = requests.post(server.url + demo_inbox.PREFIX + "/1/staff/t-001", json=alert, timeout=10)
        assert posted.status_code == 404
        assert requests.get(server.url + demo_inbox.PAGE, timeout=10, allow_redirects=False).status_code == 404
        with server.sessions.begin() as db:
            service.add_user(db, ADMIN, "District IT", DEMO_PASSWORD, "district_admin", None)
        session = requests.Session()
        form = session.get(server.url + "/login", timeout=10).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        session.post(server.url + "/login", data={"csrf": csrf, "email": ADMIN, "password": DEMO_PASSWORD}, timeout=10)
        district_page = session.get(server.url + "/district", timeout=10)
        assert district_page.url == server.url + "/district" and "District IT" in district_page.text  # signed in
        assert "Alerts received" not in district_page.text
    finally:
        server.dispose()


def test_ctrl_c_stops_the_demo_and_its_kiosk_without_a_traceback(tmp_path: Path) -> None:
    """What a newcomer does in the terminal `make demo` runs in: Ctrl+C reaches its whole process group."""
    demo_args = ["-m", "district.cli", "demo", "--data-dir", str(tmp_path / "demo"), "--port", str(free_port())]
    # As a terminal starts it: Ctrl+C not ignored, whatever this test runner was started with.
    in_terminal = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                   "os.execv(sys.executable, sys.argv[1:])")  # fmt: skip
    demo = subprocess.Popen([sys.executable, "-c", in_terminal, sys.executable, *demo_args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**os.environ, "KIVY_HOME": str(tmp_path / "kivy")})  # fmt: skip
    assert demo.stdout is not None
    output = []
    try:
        for line in demo.stdout:  # until the kiosk's window is up
            output.append(line)
            if line.startswith("Staff mode:"):
                break
        [kiosk] = psutil.Process(demo.pid).children()
        time.sleep(1)
        os.killpg(demo.pid, signal.SIGINT)
        assert demo.wait(30) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
    output += demo.stdout.readlines()
    text = "".join(output)
    assert "Welcome Kiosk demo: open http://127.0.0.1:" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert "The demo has stopped." in text
    assert not kiosk.is_running() or kiosk.status() == psutil.STATUS_ZOMBIE, "the kiosk's window went too"
