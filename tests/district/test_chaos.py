"""Chaos (issue 11): the kiosk and the district server SIGKILLed at random while visits flow, then every visit the
kiosk confirmed is on the server exactly once, as the kiosk stored it, with its arrival alert queued once.

Both sides are real processes, as deployed: the server is `district.cli serve` (one uvicorn worker, its alert
sender on, the offices' alerts going to a loopback webhook) on SQLite or PostgreSQL, the kiosk is
tests/chaos_kiosk.py (the real FrontDesk, Store, SyncWorker and ArrivalWatch; visitors instead of a touch screen).
The test only kills, restarts and compares. The kills follow a plan drawn from a seeded
random.Random; the seed is printed and CHAOS_SEED=N replays the plan (the moments the kills land on still depend
on the machine's timing, which is the point).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from loopback import free_port
from receivers import HttpReceiver
from sqlalchemy import func, select, text

from district import service
from district.db import make_engine, make_sessions, upgrade
from district.models import Alert, Kiosk, Office, Visit
from kiosk.directory import StaffMember
from kiosk.sync import enroll

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "chaos_kiosk.py"
# Per database: kiosk kills, server kills, kills of both at once (a power cut to the whole building). PostgreSQL
# gets fewer: its server takes longer to start, and the suite runs both.
PLANS = {"sqlite": (14, 6, 2), "postgresql": (10, 4, 2)}
STAFF = [StaffMember(f"s{i}", first, last, role=role, languages=languages) for i, (first, last, role, languages) in
         enumerate([("Elena", "García", "3rd grade", ("es",)), ("Thanh", "Nguyễn", "Principal", ("vi",)),
                    ("Ahmad", "Karimi", "Counselor", ("fa-AF", "ps")), ("Mary", "Johnson", "Nurse", ())])]  # fmt: skip
# A 5xx answer, an error logged or a traceback. WARNING is not trouble: "offline" is what a kill looks like.
SERVER_TROUBLE = re.compile(r'HTTP/1\.[01]" 5\d\d|\bERROR\b|CRITICAL|Traceback')
KIOSK_TROUBLE = re.compile(r"HTTP 5\d\d|\bERROR\b|CRITICAL|Traceback|unexpected")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("DISTRICT_DATABASE_URL", None)
    return env


class ServerProcess:
    """`python -m district.cli --database-url URL serve` on a fixed loopback port (the kiosk is enrolled with
    its address), its output appended to one log across restarts."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.database_url, self.log = database_url, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        command = [sys.executable, "-m", "district.cli", "--database-url", self.database_url, "serve",
                   "--port", str(self.port), "--insecure-cookies", "--workers", "1"]  # fmt: skip
        with self.log.open("ab") as log:
            log.write(f"=== chaos: server start {self.starts}\n".encode())
            self.proc = subprocess.Popen(command, cwd=ROOT, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"the server exited with {self.proc.returncode}:\n{tail(self.log)}"
            try:
                if requests.get(self.url + "/api/v1/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"the server did not answer within {timeout} s:\n{tail(self.log)}"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        with self.log.open("ab") as log:
            log.write(b"=== chaos: server SIGKILLed\n")

    def stop(self) -> None:
        """SIGTERM: uvicorn finishes its requests and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"the server did not stop on SIGTERM:\n{tail(self.log)}") from None


class KioskProcess:
    """tests/chaos_kiosk.py: a new process with its own seed each time it is started."""

    def __init__(self, data_dir: Path, confirmed: Path, log: Path, seed: int) -> None:
        self.data_dir, self.confirmed, self.log, self.seed = data_dir, confirmed, log, seed
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"=== chaos: kiosk start {self.starts}\n".encode())
            self.proc = subprocess.Popen(
                [sys.executable, str(DRIVER), "run", str(self.data_dir), str(self.confirmed),
                 str(self.seed * 1000 + self.starts)],
                cwd=ROOT, env=child_env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.proc is not None
        assert self.proc.poll() is None, f"the kiosk exited by itself ({self.proc.returncode}):\n{tail(self.log)}"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        with self.log.open("ab") as log:
            log.write(b"=== chaos: kiosk SIGKILLed\n")

    def drain(self, timeout: float = 60) -> dict[str, object]:
        """A clean start with no visitors, until the outbox has reached the server (ok), or `timeout`."""
        with self.log.open("ab") as log:
            log.write(b"=== chaos: kiosk drain\n")
            done = subprocess.run([sys.executable, str(DRIVER), "drain", str(self.data_dir), "--timeout", str(timeout)],
                                  check=False, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=log,
                                  stdin=subprocess.DEVNULL, timeout=timeout + 30)  # fmt: skip
        lines = done.stdout.decode().splitlines()
        return {"ok": done.returncode == 0, **(json.loads(lines[-1]) if lines else {})}


@dataclass
class Confirmed:
    """What the kiosk told visitors (tests/chaos_kiosk.py's log); a line cut by a kill promised nothing."""

    checked_in: list[str] = field(default_factory=list)
    signed_out: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Confirmed:
        confirmed = cls()
        text = path.read_text() if path.exists() else ""
        for line in text.splitlines(keepends=True):
            if not line.endswith("\n"):
                continue
            kind, visit_id = line.split()
            (confirmed.checked_in if kind == "in" else confirmed.signed_out).append(visit_id)
        return confirmed


VISIT_FIELDS = ("id", "first_name", "last_name", "reason", "host_id", "host_name", "language", "interpreter",
                "checked_in_ms", "local_day", "signed_out_ms", "signed_out_by", "interpreter_language",
                "student_name")  # fmt: skip


def kiosk_visits(database: Path) -> tuple[dict[str, tuple], tuple[int, int], list[str], str]:
    """The kiosk store's visits, its outbox (waiting, refused), the server's first reasons for refusing and PRAGMA
    integrity_check, read directly."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute(f"SELECT {', '.join(VISIT_FIELDS)} FROM visit").fetchall()
        outbox = conn.execute(
            "SELECT count(*) FILTER (WHERE refused IS NULL), count(*) FILTER (WHERE refused IS NOT NULL) FROM outbox"
        ).fetchone()
        refusals = [r for (r,) in conn.execute("SELECT DISTINCT refused FROM outbox WHERE refused IS NOT NULL LIMIT 3")]
    finally:
        conn.close()
    visits = {row[0]: (*row[:7], bool(row[7]), *row[8:]) for row in rows}
    return visits, outbox, refusals, integrity


@dataclass
class ServerSide:
    visits: dict[str, tuple]
    rows: int
    alerts: dict[tuple[str, str, str, str], int]  # (visit, kind, recipient kind, recipient): alert rows
    kiosk_backlog: int | None
    kiosk_refused: int | None
    integrity: str  # SQLite's PRAGMA integrity_check; "ok" for PostgreSQL, which has none


def server_side(database_url: str, campus_id: int) -> ServerSide:
    engine = make_engine(database_url)
    try:
        with make_sessions(engine)() as db:
            columns = [getattr(Visit, name) for name in VISIT_FIELDS]
            rows = db.execute(select(*columns).where(Visit.campus_id == campus_id)).all()
            count = db.scalar(select(func.count()).select_from(Visit).where(Visit.campus_id == campus_id))
            alert = (Alert.visit_id, Alert.kind, Alert.recipient_kind, Alert.recipient_key)
            alerts = {tuple(key): n for *key, n in db.execute(select(*alert, func.count()).group_by(*alert))}
            kiosk = db.scalars(select(Kiosk).where(Kiosk.campus_id == campus_id)).one()
            sqlite = engine.dialect.name == "sqlite"
            integrity = db.execute(text("PRAGMA integrity_check")).scalar_one() if sqlite else "ok"
            visits = {r[0]: tuple(r) for r in rows}
            return ServerSide(visits, count or 0, alerts, kiosk.backlog, kiosk.refused, integrity)
    finally:
        engine.dispose()


def compare(confirmed: Confirmed, on_kiosk: dict[str, tuple], on_server: ServerSide) -> list[str]:
    """Every way the three records disagree. The kiosk's store may hold a visit or sign-out not confirmed (killed
    just before its line): it must reach the server like any other."""
    problems = []

    def some(ids: set[str] | list[str], what: str) -> None:
        if ids:
            problems.append(f"{len(ids)} {what}: {sorted(ids)[:5]}")

    confirmed_in, kiosk_ids, server_ids = set(confirmed.checked_in), set(on_kiosk), set(on_server.visits)
    if len(confirmed_in) != len(confirmed.checked_in):
        problems.append("a visit id was confirmed twice")
    some(confirmed_in - kiosk_ids, "confirmed visits the kiosk's store does not have")
    some(confirmed_in - server_ids, "confirmed visits are not on the server")
    if on_server.rows != len(server_ids):
        problems.append(f"{on_server.rows} visit rows on the server for {len(server_ids)} ids")
    some(server_ids - kiosk_ids, "visits on the server that this kiosk never stored")
    some(kiosk_ids - server_ids, "visits stored on the kiosk never reached the server")
    out = VISIT_FIELDS.index("signed_out_ms")
    some([v for v in confirmed.signed_out if v not in on_kiosk or on_kiosk[v][out] is None],
         "confirmed sign-outs the kiosk's store does not have")  # fmt: skip
    some([v for v in confirmed.signed_out if v not in on_server.visits or on_server.visits[v][out] is None],
         "confirmed sign-outs are not on the server")  # fmt: skip
    some(server_ids - {visit for visit, *_ in on_server.alerts}, "visits on the server with no alert queued")
    some([f"{key}: {n}" for key, n in on_server.alerts.items() if n > 1], "alerts queued more than once")
    differ = sorted(v for v in kiosk_ids & server_ids if on_kiosk[v] != on_server.visits[v])
    if differ:
        shown = "\n".join(f"  kiosk  {on_kiosk[v]}\n  server {on_server.visits[v]}" for v in differ[:3])
        problems.append(f"{len(differ)} visits differ between the kiosk and the server ({VISIT_FIELDS}):\n{shown}")
    return problems


def unleash(plan: list[str], rng: random.Random, server: ServerProcess, kiosk: KioskProcess) -> None:
    """The kills, in the plan's order, each after a random while of visits flowing."""
    for target in plan:
        # Visits flow, the kiosk syncs (or backs off). A short wait lands the kill in a start-up: the kiosk's
        # first sync, the server's first requests, a backlog sent at once by a kiosk just restarted.
        time.sleep(rng.uniform(0.05, 0.5) if rng.random() < 0.4 else rng.uniform(0.5, 2.0))
        if target in ("kiosk", "both"):
            kiosk.kill()
        if target in ("server", "both"):
            server.kill()
            time.sleep(rng.uniform(0, 1.5))  # down for a while: the kiosk goes on checking visitors in
            server.start()
        if target in ("kiosk", "both"):
            kiosk.start()
    kiosk.kill()


def test_kiosk_and_server_killed_at_random_while_visits_flow(database_url: str, tmp_path: Path) -> None:
    """Kills land anywhere: in a check-in's commit, between it and "Welcome", in a push the server has stored but
    not answered, in the kiosk's settling of the outbox, in the server's commit, at start-up. None may lose,
    double or change a visit, nor make the server answer 5xx."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    kiosk_kills, server_kills, both_kills = PLANS[backend]
    plan = ["kiosk"] * kiosk_kills + ["server"] * server_kills + ["both"] * both_kills
    rng.shuffle(plan)
    print(f"\nchaos: seed {seed} (CHAOS_SEED={seed} replays this plan), {backend}: {' '.join(plan)}")
    started = time.monotonic()
    receiver = HttpReceiver()
    receiver.server.handle_error = lambda *_: None  # a sender killed mid-send: a broken pipe, nothing to print
    engine = make_engine(database_url)
    upgrade(engine)
    with make_sessions(engine).begin() as db:
        campus = service.add_campus(db, "Lincoln Elementary", "America/Chicago", ["en", "es"])
        service.replace_staff(db, campus.id, STAFF)  # the kiosk pulls it, and visitors pick hosts from it
        code = service.add_kiosk(db, campus.id, "Lincoln front door").code
        for office in db.scalars(select(Office).where(Office.campus_id == campus.id)):  # every visit has an alert
            office.alert_urls = receiver.json_url(office.key)
        campus_id = campus.id
    engine.dispose()
    server = ServerProcess(database_url, tmp_path / "server.log")
    kiosk = KioskProcess(tmp_path / "kiosk", tmp_path / "confirmed.log", tmp_path / "kiosk.log", seed)
    counts: dict[str, object] = {}
    try:
        server.start()
        enroll(server.url, code, kiosk.data_dir / "enrollment.json")
        kiosk.start()
        unleash(plan, rng, server, kiosk)
        chaos_s = time.monotonic() - started
        server.stop()  # the end: both started cleanly, and the kiosk sends what it has
        server.start()
        drained = kiosk.drain()
        server.stop()

        confirmed = Confirmed.read(kiosk.confirmed)
        on_kiosk, outbox, refusals, integrity = kiosk_visits(kiosk.data_dir / "kiosk.sqlite3")
        on_server = server_side(database_url, campus_id)
        counts.update(
            confirmed_in=len(confirmed.checked_in), confirmed_out=len(confirmed.signed_out),
            stored_on_kiosk=len(on_kiosk), stored_not_confirmed=len(set(on_kiosk) - set(confirmed.checked_in)),
            on_server=on_server.rows, alerts=sum(on_server.alerts.values()), received=receiver.attempts, outbox=outbox, kiosk_starts=kiosk.starts, server_starts=server.starts,
            seconds=f"{chaos_s:.1f} of chaos, {time.monotonic() - started:.1f} in all",
        )  # fmt: skip
        print(f"chaos: {counts}")
        problems = compare(confirmed, on_kiosk, on_server)
        if not drained["ok"]:
            problems.append(f"the kiosk did not empty its outbox within a minute: {drained}")
        if integrity != "ok" or on_server.integrity != "ok":
            problems.append(f"a store is damaged: the kiosk's {integrity!r}, the server's {on_server.integrity!r}")
        if outbox != (0, 0):
            problems.append(f"the kiosk's outbox is not empty: {outbox[0]} waiting, {outbox[1]} refused {refusals}")
        if (on_server.kiosk_backlog, on_server.kiosk_refused) != (0, 0):
            problems.append(f"the last heartbeat: backlog {on_server.kiosk_backlog}, refused {on_server.kiosk_refused}")
        for name, log, pattern in (("server", server.log, SERVER_TROUBLE), ("kiosk", kiosk.log, KIOSK_TROUBLE)):
            trouble = [line for line in log.read_text(errors="replace").splitlines() if pattern.search(line)]
            if trouble:
                problems.append(f"{len(trouble)} lines of trouble in the {name}'s log: {trouble[:10]}")
        if len(confirmed.checked_in) < 100:
            problems.append("too few visits flowed for the kills to mean much")
        assert not problems, "\n".join(problems)
    except BaseException:
        print(f"chaos: FAILED with seed {seed} ({backend}; replay with CHAOS_SEED={seed}); {counts}\n"
              f"--- the server's log, {server.log} ---\n{tail(server.log)}\n"
              f"--- the kiosk's log, {kiosk.log} ---\n{tail(kiosk.log)}")  # fmt: skip
        raise
    finally:
        for proc in (kiosk.proc, server.proc):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        receiver.close()
