"""`make demo`: the district server with a demo campus, and the kiosk enrolled to it.

A newcomer checks in on the kiosk window and watches the arrival appear on the
front-office page. Everything lives under one folder (default .demo/), so deleting it
starts the demo afresh. Demo passwords are printed: this is not for real data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn

from district import service
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


def seed(sessions, kiosk_dir: Path) -> str | None:  # type: ignore[no-untyped-def]
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


def serve_demo(data_dir: Path, host: str, port: int) -> int:
    from kiosk.sync import enroll

    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(ServerSettings(database_url=f"sqlite:///{data_dir / 'district.sqlite3'}", secure_cookies=False,
                                    public_url=f"http://{host}:{port}"))
    kiosk_dir = data_dir / "kiosk"
    code = seed(app.state.sessions, kiosk_dir)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            print(f"The district server could not start on {host}:{port} (is the port in use?)", file=sys.stderr)
            return 1
        time.sleep(0.05)
    url = f"http://{host}:{port}"
    if code is not None:
        enroll(url, code, kiosk_dir / "enrollment.json")
    print(f"District server: {url}/office  (front office: {SECRETARY})  {url}/district  (district IT: {ADMIN})")
    print(f"Demo password for both: {DEMO_PASSWORD}.  The kiosk opens in its own window; close it to stop.")
    try:
        kiosk = subprocess.run([sys.executable, "-m", "kiosk.cli", "demo", "--data-dir", str(kiosk_dir)], check=False)
    except KeyboardInterrupt:
        return 0
    finally:
        server.should_exit = True
        thread.join(5)
    return kiosk.returncode
