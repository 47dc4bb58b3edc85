"""`make demo`: the district server with a demo campus, and the kiosk enrolled to it.

A newcomer checks in on the kiosk window and watches the arrival appear on the
front-office page, and the alert reach Ms. García on the "Alerts received" page
(district/demo_inbox.py), where her "On my way" link tells the visitor she is coming.
Everything lives under one folder (default .demo/), so deleting it starts the demo afresh.
Demo passwords are printed: this is not for real data.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from district import demo_inbox, service
from district.app import ServerSettings, create_app
from district.roster import parse_upload
from kiosk.demo import STAFF_CSV

DEMO_PASSWORD = "welcome-demo"
ADMIN = "admin@example.org"
SECRETARY = "office@example.org"


def local_timezone() -> str:
    """This machine's IANA zone name, so the demo's 'today' is the viewer's today."""
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return "UTC"
    return target.split("zoneinfo/", 1)[-1] if "zoneinfo/" in target else "UTC"


def seed(sessions) -> str | None:  # type: ignore[no-untyped-def]
    """Make the demo campus, staff, users and kiosk once; the kiosk's enrollment code, or None if done before."""
    with sessions.begin() as db:
        if db.query(service.Campus).count():
            return None
        campus = service.add_campus(db, "Lincoln Elementary School", local_timezone(), ["en", "es"])
        roster = parse_upload({"staff.csv": STAFF_CSV.read_bytes()})
        service.replace_staff(db, campus.id, roster.members)
        service.add_user(db, ADMIN, "District IT", DEMO_PASSWORD, "district_admin", None)
        service.add_user(db, SECRETARY, "Front office", DEMO_PASSWORD, "secretary", campus.id)
        return service.add_kiosk(db, campus.id, "Front door").code


class PortBusy(Exception):
    """The demo cannot listen where it was asked to; the message says what to type instead."""


def listen(host: str, port: int) -> socket.socket:
    """The demo's listening socket, taken before anything else so that a busy port is one clear line."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a restart right after a stop
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reasons = {errno.EADDRINUSE: "is in use (by another program, or a demo already running)",
                   errno.EACCES: "needs root (ports below 1024)"}  # fmt: skip
        why = reasons.get(exc.errno or 0, f"cannot be used ({exc.strerror})")
        raise PortBusy(f"Port {port} on {host} {why}. Choose another: make demo PORT={free_port_near(host, port)}")
    return sock


def free_port_near(host: str, port: int) -> int:
    """A port to suggest: the next free one after `port`, else any free one."""
    for candidate in [*range(max(port, 1023) + 1, max(port, 1023) + 50), 0]:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    return 8081


@dataclass
class DemoServer:
    """The demo's district server running in a thread, its alert inbox installed, and the kiosk enrolled to it."""

    url: str
    kiosk_dir: Path
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.engine.dispose()


def start(data_dir: Path, host: str = "127.0.0.1", port: int = 8080) -> DemoServer:
    """Everything of the demo but the kiosk's window; PortBusy if it cannot listen on host:port."""
    sock = listen(host, port)
    url = f"http://{host}:{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(ServerSettings(database_url=f"sqlite:///{data_dir / 'district.sqlite3'}", secure_cookies=False,
                                    public_url=url))  # fmt: skip
    demo_inbox.install(app, data_dir / "alerts-received.jsonl")
    code = seed(app.state.sessions)
    with app.state.sessions.begin() as db:
        demo_inbox.point_channels_here(db, url)  # every start: the port may differ from the last one's
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise PortBusy(f"The district server could not start on {url} (see the lines above)")
        time.sleep(0.05)
    kiosk_dir = data_dir / "kiosk"
    point_kiosk_here(kiosk_dir, url, code)
    return DemoServer(url, kiosk_dir, app, server, thread)


def point_kiosk_here(kiosk_dir: Path, url: str, code: str | None) -> None:
    """Enroll the demo kiosk the first time; later, follow the server to this start's port."""
    from kiosk.sync import enroll, load_enrollment, save_enrollment

    path = kiosk_dir / "enrollment.json"
    if code is not None:
        enroll(url, code, path)
        return
    enrollment = load_enrollment(path)
    if enrollment is not None and enrollment.server_url != url:
        save_enrollment(path, replace(enrollment, server_url=url))


def how_to_use(url: str) -> str:
    return "\n".join([
        f"Welcome Kiosk demo: open {url}/office in your browser.",
        f"  Front office     {url}/office        sign in as {SECRETARY}",
        f"  District IT      {url}/district      sign in as {ADMIN}",
        f"  Alerts received  {url}{demo_inbox.PAGE}   what staff's phones and inboxes would get",
        f"  Password for both: {DEMO_PASSWORD}",
        "The kiosk opens in its own window; close it, or press Ctrl+C here, to stop the demo.",
    ])  # fmt: skip


def serve_demo(data_dir: Path, host: str, port: int) -> int:
    logging.getLogger("district.app").addFilter(_no_https_advice)
    try:
        demo = start(data_dir, host, port)
    except PortBusy as exc:
        print(exc, file=sys.stderr)
        return 1
    print(how_to_use(demo.url), flush=True)
    # Its own process group: Ctrl+C reaches this process only, which then ends the kiosk quietly
    # (SIGTERM, as systemd does), instead of both printing a KeyboardInterrupt traceback.
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--data-dir", str(demo.kiosk_dir)],
                             process_group=0)  # fmt: skip
    for ended in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal, `kill`: take the kiosk's window along
        signal.signal(ended, _exit)
    try:
        return kiosk.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if kiosk.poll() is None:
            kiosk.terminate()
            kiosk.wait(10)
        demo.stop()
        print(f"\nThe demo has stopped. What it stored stays in {data_dir}/ for the next start "
              "(delete it to start afresh).")


def _exit(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def _no_https_advice(record: logging.LogRecord) -> bool:
    """The demo's "on my way" links are http://127.0.0.1 on purpose: that warning is for a district's server."""
    return not str(record.msg).startswith("alert links use")
