"""Performance benchmarks for the district server and kiosk sync, against their targets.

    cd /work/main && python benchmarks/bench_district.py [--only NAME] [--database sqlite|postgresql|both]

NAME is one of: drain (a kiosk's 10,000-visit backlog through the real SyncClient.push()),
ingest (500-visit pushes from concurrent kiosks, visits stored per second, exactly once), and
heartbeat (2,000 kiosks every 30 s, open loop, latency percentiles), and busy (those heartbeats
while two kiosks drain backlogs of 10,000 visits and their sign-outs at once). Every figure is printed
next to its target with "met" or "MISSED"; nothing asserts, because machines are noisy: each
measurement also prints how much CPU the server, this load generator and the rest of the
machine used meanwhile, so a figure taken while something else was busy can be told apart.

The server always runs in a separate process (`python -m district.cli --database-url URL
serve`, as deployed: one uvicorn worker unless --workers), so the load made here and the
server do not share one GIL; this process sets up campuses and kiosks through district.service
beforehand and checks the database afterwards. PostgreSQL is a throwaway cluster
(tests/pgserver.py), switched back to durable commits (fsync, synchronous_commit and
full_page_writes on) as production runs it; SQLite is a file in the scratch directory with
the server's own settings (WAL, synchronous=FULL). Every target starts on a fresh, empty
database. Scratch data lives in a temporary directory that is removed at the end.
--profile DIR samples the server with py-spy (pip install py-spy) to see where its time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from figures import at_least, at_most, filesystem_of, ms, percentile, spread

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "tests"):  # tests/ for pgserver
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

TARGETS = ("drain", "ingest", "heartbeat", "busy")
DATABASES = ("sqlite", "postgresql")

DRAIN_TARGET_S = 10.0
INGEST_TARGET_PER_S = 2000.0
HEARTBEAT_P99_TARGET_MS = 100.0
CAMPUS_ZONE = "America/Chicago"

# Made-up visitors: Spanish, Vietnamese, Arabic and Chinese names (in their own scripts and
# romanised), and a few more, as the kiosk's name rules accept them (kiosk.text.clean_name).
FIRST_NAMES = (
    "María José", "José Luis", "Guadalupe", "Juan Carlos", "Sofía", "Ximena", "Iñaki", "Begoña", "Ángel",
    "Nguyễn Thị Minh", "Thảo", "Đức", "Phương", "Quỳnh", "Trâm", "Hùng", "Ngọc Ánh",
    "محمد", "فاطمة", "عبد الله", "Mohammed", "Abdul-Rahman", "Nour", "Layla", "Yousef",
    "王芳", "李娜", "张伟", "Zhāng Wěi", "Xiùyīng", "Chen Jie", "Mei-Ling",
    "Siobhán", "Zoë", "Olúwaseun", "Łukasz", "Renée", "Grace", "Liam",
)  # fmt: skip
LAST_NAMES = (
    "García Márquez", "Hernández", "Núñez", "de la Cruz", "López-Ortiz", "Peña",
    "Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Huỳnh", "Võ",
    "Al-Hassan", "حداد", "الخوري", "El Amrani", "Abu Bakr", "Haddad",
    "王", "李", "陈", "Zhāng", "Chén", "Ou-Yang",
    "O'Brien", "D'Angelo", "Ó Súilleabháin", "Van der Berg", "Smith",
)  # fmt: skip
HOSTS = (
    ("s-0001", "Ana", "Pérez"), ("s-0002", "Thanh", "Nguyễn"), ("s-0003", "Omar", "Haddad"),
    ("s-0004", "Wei", "Chen"), ("s-0005", "Siobhán", "O'Brien"), ("s-0006", "Guadalupe", "Ramírez"),
)  # fmt: skip
LANGUAGES = ("en", "en", "es")  # what visitors tap; the campuses offer English and Spanish
CAMPUS_LANGUAGES = ("en", "es")
REASON_CODES = ("meeting", "pickup", "dropoff", "volunteer", "delivery", "event", "other")


# ------------------------------------------------------------------------------------------
# CPU accounting: who was busy during a measurement (the server, this process, the machine)
# ------------------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")  # /proc's CPU times are in clock ticks


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process and its live descendants (uvicorn's workers) have used so far."""
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, cpu)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)  # ppid, utime+stime
    if pid not in stats:
        return float("nan")
    family, total = {pid}, 0.0
    for child, (parent, cpu) in sorted(stats.items()):  # children have larger pids (no pid wrap-around here)
        if child in family or parent in family:
            family.add(child)
            total += cpu
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


class CpuMeter:
    """CPU used between start() and stop(), as a share of one core: server, this process, whole machine."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def start(self) -> CpuMeter:
        self.t0 = time.perf_counter()
        self.server0 = process_cpu(self.server_pid)
        self.self0 = time.process_time()
        self.machine0 = machine_busy()[0]
        return self

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        return {
            "server": (process_cpu(self.server_pid) - self.server0) / wall,
            "client": (time.process_time() - self.self0) / wall,
            "machine": (machine_busy()[0] - self.machine0) / wall,
        }


def cpu_line(cpu: dict[str, float]) -> str:
    other = cpu["machine"] - cpu["server"] - cpu["client"]
    return (
        f"CPU in cores (of {os.cpu_count()}): server process {cpu['server']:.2f}, this load generator "
        f"{cpu['client']:.2f}, rest of the machine (PostgreSQL, kernel, ...) {max(other, 0):.2f}"
    )


# ------------------------------------------------------------------------------------------
# Databases
# ------------------------------------------------------------------------------------------
class Databases:
    """Fresh, empty databases on demand: SQLite files in the scratch directory, or databases
    on one throwaway PostgreSQL cluster started on first use (with durable commits)."""

    def __init__(self, scratch: Path, pg_unsafe: bool = False) -> None:
        self.scratch = scratch
        self.pg_unsafe = pg_unsafe
        self.postgres = None  # pgserver.PostgresServer once started
        self._count = 0

    @staticmethod
    def postgres_missing() -> str | None:
        from pgserver import missing_reason

        return missing_reason()

    def fresh(self, kind: str, name: str) -> str:
        self._count += 1
        name = f"{name}_{self._count}"
        if kind == "sqlite":
            return f"sqlite:///{self.scratch / (name + '.sqlite3')}"
        return self._postgres().create_database(name)

    def _postgres(self):  # type: ignore[no-untyped-def]
        if self.postgres is None:
            from pgserver import PostgresServer

            server = PostgresServer()
            server.start()
            self.postgres = server
            if not self.pg_unsafe:
                self._make_durable(server)
        return self.postgres

    @staticmethod
    def _make_durable(server) -> None:  # type: ignore[no-untyped-def]
        """pgserver turns fsync off for fast tests; production commits durably, so turn it back on
        (later lines of postgresql.conf win; all three settings take effect on a reload)."""
        with open(server.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# --- benchmarks/bench_district.py: durable, as in production ---\n"
                       "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n")  # fmt: skip
        with server.connect() as conn:
            conn.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 10
        while True:
            with server.connect() as conn:
                values = [conn.execute(f"SHOW {s}").fetchone()[0] for s in ("fsync", "synchronous_commit")]
            if values == ["on", "on"]:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not take fsync/synchronous_commit on: {values}")
            time.sleep(0.1)

    def describe(self, kind: str) -> str:
        if kind == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=FULL, on {filesystem_of(self.scratch)}"
        server = self._postgres()
        with server.connect() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            settings = {
                s: conn.execute(f"SHOW {s}").fetchone()[0] for s in ("fsync", "synchronous_commit", "shared_buffers")
            }
        return f"PostgreSQL {version} on loopback TCP, " + ", ".join(f"{k}={v}" for k, v in settings.items())

    def stop(self) -> None:
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None


@contextmanager
def district_sessions(url: str) -> Iterator[Any]:
    """Sessions on the district database from this process (schema brought up to date)."""
    from district.db import make_engine, make_sessions, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        yield make_sessions(engine)
    finally:
        engine.dispose()


def count_visits(url: str, signed_out: bool = False):  # type: ignore[no-untyped-def]
    """The visits in the district database; with `signed_out`, (visits, of which signed out)."""
    from sqlalchemy import func, select

    from district import service
    from district.models import Visit

    with district_sessions(url) as sessions, sessions() as db:
        total = service.count_visits(db)
        if not signed_out:
            return total
        out = db.scalar(select(func.count()).select_from(Visit).where(Visit.signed_out_ms.is_not(None))) or 0
        return total, out


def add_campuses(sessions, count: int, prefix: str = "Campus") -> list[int]:  # type: ignore[no-untyped-def]
    from district import service

    with sessions.begin() as db:
        return [service.add_campus(db, f"{prefix} {i + 1}", CAMPUS_ZONE, CAMPUS_LANGUAGES).id
                for i in range(count)]  # fmt: skip


def add_enrolled_kiosks(sessions, campus_ids: list[int], count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` kiosks spread over the campuses, already enrolled: rows with the token's hash, as
    district.service.enroll leaves them, put in with one bulk insert. Returns their tokens."""
    import uuid

    from sqlalchemy import insert

    from district import security, service
    from district.models import Kiosk

    now = service.now_ms()
    tokens = [security.new_token() for _ in range(count)]
    rows = [
        {"id": str(uuid.uuid4()), "campus_id": campus_ids[i % len(campus_ids)], "name": f"Front door {i + 1}",
         "token_hash": security.digest(token), "created_ms": now, "enrolled_ms": now, "version": "bench"}
        for i, token in enumerate(tokens)
    ]  # fmt: skip
    with sessions.begin() as db:
        db.execute(insert(Kiosk), rows)
    return tokens


# ------------------------------------------------------------------------------------------
# The server, in its own process
# ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ServerOptions:
    workers: int = 1  # `serve --workers`
    profile: Path | None = None  # a directory for py-spy's samples


class ServerProcess:
    """`python -m district.cli --database-url URL serve` on a free loopback port, as deployed
    (by default one uvicorn worker; its access log on). Its output goes to a log file in the scratch
    directory. With a `profile` directory, py-spy samples it (and its workers) from when it answers
    until it stops, into PROFILE/<run>.txt (collapsed stacks, --format raw; only samples holding the GIL,
    that is where its Python CPU time goes)."""

    def __init__(self, url: str, log_path: Path, options: ServerOptions = ServerOptions()) -> None:
        self.database_url = url
        self.log_path = log_path
        self.workers = options.workers
        self.profile = options.profile
        self.spy: subprocess.Popen[bytes] | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:  # noqa: PYI034
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60) -> ServerProcess:
        import requests

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        env.pop("DISTRICT_DATABASE_URL", None)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; its log:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/api/v1/openapi.json", timeout=2).status_code == 200:
                    if self.profile is not None:
                        self._start_profiler()
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not answer within {timeout:.0f} s; its log:\n{self.log_tail()}")
            time.sleep(0.1)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "district.cli", "--database-url", self.database_url, "serve",
                "--port", str(self.port), "--insecure-cookies", "--workers", str(self.workers)]  # fmt: skip

    def _start_profiler(self) -> None:
        assert self.profile is not None
        spy = Path(sys.executable).with_name("py-spy")
        if not spy.exists():
            raise RuntimeError("--profile needs py-spy (pip install py-spy)")
        self.profile.mkdir(parents=True, exist_ok=True)
        out = self.profile / f"{self.log_path.parent.name}.txt"
        self.spy = subprocess.Popen([str(spy), "record", "--pid", str(self.pid), "--format", "raw", "--rate", "200",
                                     "--nonblocking", "--subprocesses", "--gil", "--output", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(1)  # let it attach

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.spy is not None:  # it writes its file once the server has exited
            try:
                self.spy.wait(30)
            except subprocess.TimeoutExpired:
                self.spy.kill()
                self.spy.wait(5)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# ------------------------------------------------------------------------------------------
# Generated visits
# ------------------------------------------------------------------------------------------
def host_members() -> list:
    from kiosk.directory import StaffMember

    return [StaffMember(id=i, first_name=f, last_name=l, room=str(100 + n)) for n, (i, f, l) in enumerate(HOSTS)]


class VisitMaker:
    """Visits as a kiosk makes them (cleaned names, UUIDv7 ids from their check-in time), spread over
    the `days` before now, each as a kiosk.store.Visit and as its wire event (kiosk.wire.visit_event)."""

    def __init__(self, seed: int, days: int = 14) -> None:
        from zoneinfo import ZoneInfo

        from kiosk.text import clean_name

        self.rng = random.Random(seed)
        self.zone = ZoneInfo(CAMPUS_ZONE)
        self.start = datetime.now(UTC) - timedelta(days=days)
        self.span_ms = days * 86_400_000
        self.hosts = host_members()
        for name in FIRST_NAMES + LAST_NAMES:  # the server refuses names the kiosk would not store as they are
            assert clean_name(name) == name, name

    def events(self, count: int) -> list[dict[str, Any]]:
        from kiosk import wire
        from kiosk.ids import new_id
        from kiosk.store import Visit

        rng = self.rng
        moments = sorted(rng.randrange(self.span_ms) for _ in range(count))
        events = []
        for offset in moments:
            moment = self.start + timedelta(milliseconds=offset)
            checked_in_ms = int(moment.timestamp() * 1000)
            reason = rng.choice(REASON_CODES)
            host = rng.choice(self.hosts) if reason == "meeting" else None
            visit = Visit(
                id=new_id(checked_in_ms), first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                reason=reason, host_id=host.id if host else None, host_name=host.name if host else None,
                language=rng.choice(LANGUAGES), interpreter=rng.random() < 0.1, checked_in=moment,
                local_day=moment.astimezone(self.zone).date().isoformat(),
            )  # fmt: skip
            events.append(wire.visit_event(visit, checked_in_ms))
        return events


def push_body(events: list[dict[str, Any]]) -> bytes:
    """The body exactly as the kiosk's requests session encodes json={"events": ...}."""
    return json.dumps({"events": events}, allow_nan=False).encode()


def make_backlog_store(directory: Path, visits: int, sign_outs: bool, seed: int = 5) -> tuple[Path, int]:
    """A kiosk store whose outbox holds `visits` check-ins (and, with `sign_outs`, the sign-out of
    most of them), made by the real FrontDesk.check_in / FrontDesk.sign_out at times spread over the
    past two weeks: a kiosk that was offline for a while. Returns the store file and its outbox size.

    Only to make it faster, the store's connection runs with synchronous=OFF while it is filled;
    it is then closed (checkpointing the WAL), so the file is copied whole for each run.
    """
    from kiosk.checkin import Draft, FrontDesk
    from kiosk.config import Config
    from kiosk.store import Store

    config = Config(campus_name="Lincoln Elementary", data_dir=directory, timezone=CAMPUS_ZONE)
    clock = [datetime.now(UTC)]
    desk = FrontDesk(config, Store(config.database_path), now=lambda: clock[0])
    desk.store._run(lambda conn: conn.execute("PRAGMA synchronous=OFF"))  # setup only
    rng = random.Random(seed)
    hosts = host_members()
    start = datetime.now(UTC) - timedelta(days=14)
    step = timedelta(days=14) / visits
    for i in range(visits):
        clock[0] = start + step * i
        reason = rng.choice(REASON_CODES)
        draft = Draft(
            language=rng.choice(LANGUAGES), first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
            reason=reason, host=rng.choice(hosts) if reason == "meeting" else None, interpreter=rng.random() < 0.1,
            student_name=rng.choice(FIRST_NAMES) if reason == "pickup" else "",
        )  # fmt: skip
        visit = desk.check_in(draft)
        if sign_outs and rng.random() < 0.97:
            clock[0] += timedelta(minutes=rng.randrange(5, 120))
            desk.sign_out(visit.id, "visitor" if rng.random() < 0.8 else "staff")
    backlog, refused = desk.store.outbox_counts()
    assert refused == 0
    desk.store.close()
    return config.database_path, backlog


# ------------------------------------------------------------------------------------------
# Target 1: a kiosk's backlog of 10,000 visits drains to the server
# ------------------------------------------------------------------------------------------
def time_sends(client: Any) -> list[float]:
    """The list each of the client's HTTP requests appends its time to: the request on the wire and
    the server's work, without the kiosk's own (outbox reads, JSON, deleting what was sent)."""
    times: list[float] = []
    send = client.http.send

    def timed_send(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return send(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - t0)

    client.http.send = timed_send
    return times


def drain_once(dbs: Databases, kind: str, template: Path, visits: int, scratch: Path, label: str,
               server_options: ServerOptions = ServerOptions()) -> dict:  # fmt: skip
    """One run on a fresh server database: enroll a new kiosk, copy the backlog store, SyncClient.push()."""
    from district import service
    from kiosk.store import Store
    from kiosk.sync import SyncClient, enroll

    url = dbs.fresh(kind, f"drain_{label}")
    with district_sessions(url) as sessions, sessions.begin() as db:
        campus = service.add_campus(db, "Lincoln Elementary", CAMPUS_ZONE, CAMPUS_LANGUAGES)
        code = service.add_kiosk(db, campus.id, "Lincoln front door").code
    run_dir = scratch / f"drain-{kind}-{label}"
    run_dir.mkdir()
    with ServerProcess(url, run_dir / "server.log", server_options) as server:
        enrollment = enroll(server.url, code, run_dir / "enrollment.json")
        shutil.copyfile(template, run_dir / "kiosk.sqlite3")
        store = Store(run_dir / "kiosk.sqlite3")
        backlog = store.outbox_counts()[0]
        sign_outs = store._run(
            lambda c: c.execute(
                "SELECT count(*) FROM outbox WHERE json_extract(event, '$.type') = 'sign_out'"
            ).fetchone()[0]
        )
        client = SyncClient(store, enrollment)
        in_http = time_sends(client)
        meter = CpuMeter(server.pid).start()
        began = time.perf_counter()
        delivered, refused = client.push()
        elapsed = time.perf_counter() - began
        cpu = meter.stop()
        left = store.outbox_counts()
        store.close()
    stored, signed_out = count_visits(url, signed_out=True)
    if (delivered, refused, left) != (backlog, 0, (0, 0)) or (stored, signed_out) != (visits, sign_outs):
        raise RuntimeError(f"drain: {delivered} delivered, {refused} refused, {left} left in the outbox, {stored} "
                           f"visits ({signed_out} signed out) on the server, expected {backlog} / {visits} ({sign_outs})")  # fmt: skip
    return {"seconds": elapsed, "http": sum(in_http), "requests": len(in_http), "cpu": cpu, "events": backlog}


def bench_drain(dbs: Databases, kind: str, scratch: Path, visits: int, runs: int, with_sign_outs: bool,
                server_options: ServerOptions = ServerOptions()) -> dict:  # fmt: skip
    template_dir = scratch / "backlog"
    if not (template_dir / "kiosk.sqlite3").exists():
        t0 = time.perf_counter()
        _, backlog = make_backlog_store(template_dir, visits, sign_outs=False)
        print(f"  made the kiosk store: {backlog:,} visits in its outbox via FrontDesk.check_in "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)  # fmt: skip
    template = template_dir / "kiosk.sqlite3"
    results = []
    for run in range(runs):
        r = drain_once(dbs, kind, template, visits, scratch, f"r{run}", server_options)
        results.append(r)
        print(f"  run {run + 1}: {r['seconds']:.2f} s ({visits / r['seconds']:,.0f} visits/s; {r['requests']} pushes, "
              f"{r['http']:.2f} s of it waiting on HTTP); {cpu_line(r['cpu'])}", flush=True)  # fmt: skip
    seconds = [r["seconds"] for r in results]
    median = percentile(seconds, 50)
    mid = sorted(results, key=lambda r: r["seconds"])[len(results) // 2]
    details = [
        (f"of the median run: {mid['http']:.2f} s in HTTP round trips (the server's work included), "
         f"{mid['seconds'] - mid['http']:.2f} s in the kiosk's own work (outbox reads, JSON, deleting what was sent)"),
    ]  # fmt: skip
    result = {"seconds": seconds, "median": median, "details": details,
              "line": (f"backlog drain, {visits:,} visits, SyncClient.push() ({runs} runs): median {median:.2f} s, "
                       f"max {max(seconds):.2f} s (target <= {DRAIN_TARGET_S:g} s: {at_most(median, DRAIN_TARGET_S)})")}  # fmt: skip
    if with_sign_outs:
        so_dir = scratch / "backlog-signouts"
        if not (so_dir / "kiosk.sqlite3").exists():
            make_backlog_store(so_dir, visits, sign_outs=True)
        r = drain_once(dbs, kind, so_dir / "kiosk.sqlite3", visits, scratch, "signouts", server_options)
        result["with_sign_outs"] = r
        details.append(
            f"the same visits and the sign-outs of 97% of them ({r['events']:,} events, as a real backlog has), "
            f"1 run: {r['seconds']:.2f} s ({r['http']:.2f} s in HTTP); {cpu_line(r['cpu'])}"
        )
    return result


# ------------------------------------------------------------------------------------------
# Target 2: server ingest, batches of 500 visits from concurrent kiosks
# ------------------------------------------------------------------------------------------
class Pusher:
    """One kiosk's HTTP session, POSTing prepared push bodies and checking every result is "stored"."""

    def __init__(self, base: str, token: str) -> None:
        import requests

        self.url = base + "/api/v1/sync/push"
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

    def push(self, body: bytes, expected: int) -> float:
        t0 = time.perf_counter()
        response = self.http.post(self.url, data=body, timeout=(5, 120))
        elapsed = time.perf_counter() - t0
        if response.status_code != 200:
            raise RuntimeError(f"push answered {response.status_code}: {response.text[:300]}")
        results = response.json()["results"]
        stored = sum(1 for r in results if r.get("status") == "stored")
        if len(results) != expected or stored != expected:
            raise RuntimeError(f"push: {stored} of {expected} stored; first results {results[:3]}")
        return elapsed


def push_concurrently(pushers: list[Pusher], shares: list[list[bytes]], batch: int) -> tuple[list[float], float]:
    """Each pusher in its own thread sends its share of bodies, all starting together; returns every
    push's latency and the wall time from the start to the last answer."""
    latencies: list[list[float]] = [[] for _ in pushers]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(pushers) + 1)

    def work(i: int) -> None:
        barrier.wait()
        try:
            for body in shares[i]:
                latencies[i].append(pushers[i].push(body, batch))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(pushers))]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"a push failed: {errors[0]}")
    return [x for lat in latencies for x in lat], elapsed


def bench_ingest(dbs: Databases, kind: str, scratch: Path, visits: int, runs: int, clients: int,
                 idle_pushes: int, server_options: ServerOptions = ServerOptions()) -> dict:  # fmt: skip
    from kiosk import wire

    url = dbs.fresh(kind, "ingest")
    with district_sessions(url) as sessions:
        campus_ids = add_campuses(sessions, 2)
        tokens = add_enrolled_kiosks(sessions, campus_ids, clients)
    maker = VisitMaker(seed=21)
    batch = wire.MAX_BATCH
    per_run = max(batch * clients, visits // (batch * clients) * batch * clients)  # whole batches, even per client
    sent = 0
    run_dir = scratch / f"ingest-{kind}"
    run_dir.mkdir()
    with ServerProcess(url, run_dir / "server.log", server_options) as server:
        pushers = [Pusher(server.url, t) for t in tokens]
        for p in pushers:  # warm-up: connections, the server's first requests
            p.push(push_body(maker.events(batch)), batch)
            sent += batch
        # One kiosk alone, push after push: the latency a kiosk sees from a quiet server.
        idle = []
        for _ in range(idle_pushes):
            idle.append(pushers[0].push(push_body(maker.events(batch)), batch))
            sent += batch
        rates, loaded, cpus = [], [], []
        for run in range(runs):
            bodies = [push_body(maker.events(batch)) for _ in range(per_run // batch)]
            meter = CpuMeter(server.pid).start()
            flat, elapsed = push_concurrently(pushers, [bodies[i::clients] for i in range(clients)], batch)
            cpu = meter.stop()
            sent += per_run
            rate = per_run / elapsed
            rates.append(rate)
            loaded.extend(flat)
            cpus.append(cpu)
            print(f"  run {run + 1}: {per_run:,} visits in {elapsed:.2f} s = {rate:,.0f} visits/s; 500-visit push "
                  f"p50 {ms(percentile(flat, 50))}, p99 {ms(percentile(flat, 99))}; {cpu_line(cpu)}", flush=True)  # fmt: skip
    stored = count_visits(url)
    if stored != sent:
        raise RuntimeError(
            f"ingest: {stored:,} visits in the database after {sent:,} were sent (exactly once expected)"
        )
    median = percentile(rates, 50)
    return {
        "rates": rates, "median": median, "loaded": loaded, "idle": idle,
        "line": (f"server ingest, 500-visit pushes from {clients} kiosks at once ({runs} runs of {per_run:,} visits): "
                 f"median {median:,.0f} visits/s, min {min(rates):,.0f} (target >= {INGEST_TARGET_PER_S:,.0f}/s: "
                 f"{at_least(median, INGEST_TARGET_PER_S)})"),
        "details": [
            f"500-visit push latency under that load ({len(loaded)} pushes): {spread(loaded)}",
            f"500-visit push latency, one kiosk alone pushing {idle_pushes} batches one after another: {spread(idle)}",
            (f"exactly once: the database holds {stored:,} visits, every one sent ({sent:,}, warm-up included), "
             "each answered \"stored\""),
        ],
    }  # fmt: skip


# ------------------------------------------------------------------------------------------
# Target 3: heartbeats from 2,000 kiosks, every 30 s each, open loop
# ------------------------------------------------------------------------------------------
async def raw_poster(base: str, tokens: list[str], bodies: list[bytes]):  # type: ignore[no-untyped-def]
    """post(i) sends kiosk i's heartbeat on a new connection and returns the HTTP status; post(None)
    closes. Plain asyncio streams and a request made beforehand: a few tens of microseconds of CPU
    a request, so the load generator's own work hardly shows in the latencies it measures."""
    import asyncio
    from urllib.parse import urlsplit

    from kiosk import __version__

    parts = urlsplit(base)
    host, port = parts.hostname, parts.port
    requests_ = [
        (f"POST /api/v1/sync/heartbeat HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: welcome-kiosk/{__version__}\r\n"
         f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
         "Connection: close\r\n\r\n").encode() + body
        for token, body in zip(tokens, bodies)
    ]  # fmt: skip

    async def post(i: int | None) -> int:
        if i is None:
            return 0
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(requests_[i])
            answer = await asyncio.wait_for(reader.read(), 30)  # the server closes: Connection: close
        finally:
            writer.close()
        status_line = answer.split(b"\r\n", 1)[0].split()
        if len(status_line) < 2 or not status_line[1].isdigit():
            raise ConnectionError("no HTTP answer")
        return int(status_line[1])

    return post


async def httpx_poster(base: str, tokens: list[str], bodies: list[bytes]):  # type: ignore[no-untyped-def]
    """The same with httpx.AsyncClient, keep-alive off (heavier: about 3 ms of CPU a request here)."""
    import httpx

    http = httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
                             timeout=30)  # fmt: skip

    async def post(i: int | None) -> int:
        if i is None:
            await http.aclose()
            return 0
        response = await http.post("/api/v1/sync/heartbeat", content=bodies[i], headers={
            "Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"})  # fmt: skip
        return response.status_code

    return post


def heartbeat_schedule(kiosks: int, interval: float, duration: float, rng: random.Random) -> list[tuple[float, int]]:
    """(seconds from the start, kiosk) for every heartbeat: each kiosk at its own random phase."""
    offsets = [rng.uniform(0, interval) for _ in range(kiosks)]
    return sorted(
        (offset + k * interval, i) for i, offset in enumerate(offsets) for k in range(int(duration / interval) + 1)
        if offset + k * interval < duration
    )  # fmt: skip


def heartbeat_bodies(kiosks: int, rng: random.Random) -> list[bytes]:
    from kiosk import __version__

    return [json.dumps({"version": __version__, "backlog": 0, "refused": 0, "last_sync_ms": None,
                        "free_disk_bytes": rng.randrange(2, 30) * 10**9}).encode() for _ in range(kiosks)]  # fmt: skip


@dataclass
class Beats:
    """What a heartbeat load measured: each timed heartbeat's latency, how late it was sent, when it
    was answered (event loop clock), and the errors by kind."""

    latencies: list[float]
    lags: list[float]
    answered: list[float]
    errors: dict[str, int]
    start: float = 0.0  # the schedule's zero, event loop clock
    window_ms: int = 0  # wall clock when the timed heartbeats began


def run_heartbeats(base: str, tokens: list[str], bodies: list[bytes], schedule: list[tuple[float, int]],
                   client: str = "raw", until: Callable[[], bool] | None = None,
                   then: Callable[[], None] | None = None) -> Beats:  # fmt: skip
    """Open loop: a request goes at its scheduled time whether or not earlier ones were answered, each
    on a new connection (a kiosk's connection is long closed 30 s later: uvicorn keeps idle ones 5 s).
    50 heartbeats first warm the server, not counted; `then()` runs after them, just before the timed
    ones begin, and scheduling stops early once `until()` says so."""
    import asyncio

    beats = Beats([], [], [], {})

    async def load() -> None:
        loop = asyncio.get_running_loop()
        post = await (raw_poster if client == "raw" else httpx_poster)(base, tokens, bodies)

        async def beat(i: int, due: float | None) -> None:
            sent = loop.time()
            if due is not None:
                beats.lags.append(sent - due)
            try:
                status = await post(i)
                if status != 200:
                    beats.errors[f"HTTP {status}"] = beats.errors.get(f"HTTP {status}", 0) + 1
            except Exception as exc:  # noqa: BLE001 - counted as an error
                beats.errors[type(exc).__name__] = beats.errors.get(type(exc).__name__, 0) + 1
            if due is not None:
                beats.answered.append(loop.time())
                beats.latencies.append(beats.answered[-1] - sent)

        try:
            for i in range(min(50, len(tokens))):
                await beat(i, None)
            beats.errors.clear()
            if then is not None:
                then()
            beats.window_ms = int(time.time() * 1000)
            beats.start = start = loop.time() + 0.2
            tasks = []
            for at, i in schedule:
                if until is not None and until():
                    break
                delay = start + at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(beat(i, start + at)))
            await asyncio.gather(*tasks)
        finally:
            await post(None)

    asyncio.run(load())
    return beats


def bench_heartbeat(dbs: Databases, kind: str, scratch: Path, kiosks: int, interval: float, duration: float,
                    client: str = "raw", server_options: ServerOptions = ServerOptions(), seed: int = 3) -> dict:  # fmt: skip
    """2,000 kiosks heartbeating every 30 s each, on an otherwise quiet server."""
    from district.models import Kiosk

    url = dbs.fresh(kind, "heartbeat")
    with district_sessions(url) as sessions:
        campus_ids = add_campuses(sessions, max(1, kiosks // 20))  # 20 kiosks a campus
        tokens = add_enrolled_kiosks(sessions, campus_ids, kiosks)
    rng = random.Random(seed)
    schedule = heartbeat_schedule(kiosks, interval, duration, rng)
    bodies = heartbeat_bodies(kiosks, rng)
    run_dir = scratch / f"heartbeat-{kind}"
    run_dir.mkdir()
    with ServerProcess(url, run_dir / "server.log", server_options) as server:
        meter = CpuMeter(server.pid).start()
        beats = run_heartbeats(server.url, tokens, bodies, schedule, client)
        cpu = meter.stop()
    from sqlalchemy import func, select

    with district_sessions(url) as sessions, sessions() as db:
        seen = db.scalar(select(func.count()).select_from(Kiosk).where(Kiosk.last_seen_ms >= beats.window_ms)) or 0
    latencies, answered, start = beats.latencies, beats.answered, beats.start
    expected_kiosks = len({i for _, i in schedule})
    last = max(answered) - start  # the last answer, in seconds from the start of the schedule
    rate = len(latencies) / max(last, duration)  # answers per second, until the last one came
    in_window = sum(1 for t in answered if t - start <= duration)
    p99 = percentile(latencies, 99)
    n_errors = sum(beats.errors.values())
    return {
        "latencies": latencies, "lags": beats.lags, "errors": beats.errors, "rate": rate, "p99": p99,
        "line": (f"heartbeats, {kiosks:,} kiosks every {interval:g} s = {kiosks / interval:.1f}/s offered, "
                 f"{duration:g} s open loop, {client} client: {spread(latencies)} (target p99 <= {HEARTBEAT_P99_TARGET_MS:g} ms: "
                 f"{at_most(p99 * 1000, HEARTBEAT_P99_TARGET_MS)}); {n_errors} errors"),
        "details": [
            f"achieved {rate:.1f} answers/s for {len(schedule) / duration:.1f}/s scheduled ({len(latencies):,} heartbeats, "
            f"{in_window:,} answered within the {duration:g} s, the last {last - duration:+.2f} s after it); errors: "
            + error_list(beats.errors),
            lag_line(beats.lags),
            cpu_line(cpu),
            f"the database recorded a heartbeat from {seen:,} kiosks ({expected_kiosks:,} scheduled)",
        ],
    }  # fmt: skip


def error_list(errors: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none"


def lag_line(lags: list[float]) -> str:
    return (f"load generator lag (sent after scheduled time): p50 {ms(percentile(lags, 50))}, "
            f"p99 {ms(percentile(lags, 99))}, max {ms(max(lags))}")  # fmt: skip


# ------------------------------------------------------------------------------------------
# Target 4: the same heartbeats while two kiosks drain big backlogs (a pilot's SQLite server)
# ------------------------------------------------------------------------------------------
def drain_in_process(server_url: str, store_path: str, enrollment_path: str, answer) -> None:  # type: ignore[no-untyped-def]
    """A kiosk back online after days away: SyncClient.push() of its whole outbox, in its own process
    (as a real kiosk is), so its work does not slow the heartbeat load generator. Sends back
    (seconds, delivered, refused, left in the outbox, push latencies)."""
    from kiosk.store import Store
    from kiosk.sync import SyncClient, load_enrollment

    store = Store(Path(store_path))
    client = SyncClient(store, load_enrollment(Path(enrollment_path)))
    latencies = time_sends(client)
    began = time.perf_counter()
    delivered, refused = client.push()
    elapsed = time.perf_counter() - began
    answer.send((elapsed, delivered, refused, store.outbox_counts(), latencies))
    store.close()


def bench_busy(dbs: Databases, kind: str, scratch: Path, visits: int, kiosks: int, interval: float,
               client: str = "raw", server_options: ServerOptions = ServerOptions(), draining: int = 2,
               seed: int = 4) -> dict:  # fmt: skip
    """Heartbeats from `kiosks` kiosks, timed while `draining` kiosks push backlogs of `visits` visits
    and their sign-outs at once: what district IT sees on the status page the morning a campus's
    network comes back."""
    import multiprocessing

    from district import service
    from kiosk.sync import enroll

    so_dir = scratch / "backlog-signouts"
    if not (so_dir / "kiosk.sqlite3").exists():
        t0 = time.perf_counter()
        _, backlog = make_backlog_store(so_dir, visits, sign_outs=True)
        print(f"  made the kiosk store: {backlog:,} events (visits and sign-outs) in its outbox "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)  # fmt: skip
    url = dbs.fresh(kind, "busy")
    with district_sessions(url) as sessions:
        campus_ids = add_campuses(sessions, max(1, kiosks // 20))
        tokens = add_enrolled_kiosks(sessions, campus_ids, kiosks)
        with sessions.begin() as db:
            codes = [service.add_kiosk(db, campus_ids[0], f"Returning kiosk {n + 1}").code for n in range(draining)]
    rng = random.Random(seed)
    schedule = heartbeat_schedule(kiosks, interval, 600, rng)  # cut short when the drains end
    bodies = heartbeat_bodies(kiosks, rng)
    run_dir = scratch / f"busy-{kind}"
    run_dir.mkdir()
    spawn = multiprocessing.get_context("spawn")
    with ServerProcess(url, run_dir / "server.log", server_options) as server:
        workers = []
        for n, code in enumerate(codes):
            store_path, enrollment_path = run_dir / f"kiosk{n}.sqlite3", run_dir / f"enrollment{n}.json"
            enroll(server.url, code, enrollment_path)
            shutil.copyfile(so_dir / "kiosk.sqlite3", store_path)
            here, there = spawn.Pipe(duplex=False)
            proc = spawn.Process(target=drain_in_process, args=(server.url, str(store_path), str(enrollment_path), there))
            workers.append((proc, here))
        began: list[float] = []
        meter = CpuMeter(server.pid)

        def start_draining() -> None:  # once the heartbeats' warm-up is over
            meter.start()
            for proc, _ in workers:
                proc.start()
            began.append(time.monotonic())

        beats = run_heartbeats(server.url, tokens, bodies, schedule, client, then=start_draining,
                               until=lambda: not any(p.is_alive() for p, _ in workers))  # fmt: skip
        drained_in = time.monotonic() - began[0]
        cpu = meter.stop()
        drains = []
        for proc, here in workers:
            drains.append(here.recv() if here.poll(60) else None)
            proc.join(60)
    if any(d is None for d in drains):
        raise RuntimeError(f"a draining kiosk sent no result; the server log:\n{server.log_tail()}")
    for seconds, delivered, refused, left, _ in drains:
        if refused or left != (0, 0):
            raise RuntimeError(f"busy: a drain ended with {refused} refused and {left} left in the outbox")
    pushes = [x for d in drains for x in d[4]]
    latencies = beats.latencies
    if not latencies:
        raise RuntimeError(f"the drains ended in {drained_in:.1f} s, before any heartbeat was timed: more --visits")
    p99 = percentile(latencies, 99)
    events = sum(d[1] for d in drains)
    return {
        "latencies": latencies, "p99": p99, "errors": beats.errors, "drains": [d[0] for d in drains],
        "line": (f"heartbeats, {kiosks:,} kiosks every {interval:g} s, while {draining} kiosks drain "
                 f"{visits:,} visits and their sign-outs each: {spread(latencies)} (target p99 <= "
                 f"{HEARTBEAT_P99_TARGET_MS:g} ms: {at_most(p99 * 1000, HEARTBEAT_P99_TARGET_MS)}); "
                 f"{sum(beats.errors.values())} errors"),
        "details": [
            (f"{len(latencies):,} heartbeats in {drained_in:.1f} s; the drains took "
             + ", ".join(f"{d[0]:.1f} s" for d in drains) + f" ({events:,} events in all, "
             f"{events / max(drained_in, 1e-9):,.0f} events/s); errors: " + error_list(beats.errors)),
            f"the draining kiosks' pushes ({len(pushes)}): {spread(pushes)}",
            lag_line(beats.lags),
            cpu_line(cpu),
        ],
    }  # fmt: skip


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=TARGETS, action="append", help="run only this target (repeatable)")
    parser.add_argument("--database", choices=(*DATABASES, "both"), default="both", help="default: both")
    parser.add_argument("--duration", type=float, default=60, help="seconds of heartbeat load (default 60)")
    parser.add_argument("--runs", type=int, default=3, help="drain and ingest runs (default 3)")
    parser.add_argument("--visits", type=int, default=10_000, help="visits in the kiosk's backlog (default 10,000)")
    parser.add_argument("--no-sign-outs", action="store_true", help="skip the extra drain of visits plus sign-outs")
    parser.add_argument(
        "--ingest-visits", type=int, default=40_000, help="visits pushed per ingest run (default 40,000)"
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="concurrent kiosks pushing in the ingest target (default 4)"
    )
    parser.add_argument("--idle-pushes", type=int, default=30, help="pushes timed from one kiosk alone (default 30)")
    parser.add_argument("--kiosks", type=int, default=2000, help="kiosks heartbeating (default 2,000)")
    parser.add_argument("--interval", type=float, default=30, help="seconds between a kiosk's heartbeats (default 30)")
    parser.add_argument(
        "--load-client",
        choices=("raw", "httpx"),
        default="raw",
        help="heartbeat load: plain asyncio streams (default, lightest) or httpx.AsyncClient",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes (`serve --workers`; default 1; the CLI wants 1 for SQLite)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the server with py-spy into DIR/<target>-<database>[-<run>].txt",
    )
    parser.add_argument("--pg-unsafe", action="store_true",
                        help="leave the test cluster's fsync=off (to see what durable commits cost)")  # fmt: skip
    args = parser.parse_args(argv)

    import platform
    import tempfile

    print(f"Welcome Kiosk district benchmarks: Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
          f"{platform.machine()}", flush=True)  # fmt: skip
    chosen = args.only or list(TARGETS)
    kinds = list(DATABASES) if args.database == "both" else [args.database]
    scratch = Path(tempfile.mkdtemp(prefix="district-bench-"))
    dbs = Databases(scratch, pg_unsafe=args.pg_unsafe)
    skipped: dict[str, str] = {}
    if "postgresql" in kinds:
        reason = Databases.postgres_missing()
        if reason is not None:
            print(f"PostgreSQL skipped: {reason}", flush=True)
            skipped["postgresql"] = reason
            kinds.remove("postgresql")
    print(f"scratch directory {scratch} ({filesystem_of(scratch)})", flush=True)
    server_options = ServerOptions(args.workers, args.profile)
    plans: dict[str, Callable[[str], dict]] = {
        "drain": lambda kind: bench_drain(dbs, kind, scratch, args.visits, args.runs, not args.no_sign_outs,
                                          server_options),
        "ingest": lambda kind: bench_ingest(dbs, kind, scratch, args.ingest_visits, args.runs, args.clients,
                                            args.idle_pushes, server_options),
        "heartbeat": lambda kind: bench_heartbeat(dbs, kind, scratch, args.kiosks, args.interval, args.duration,
                                                  args.load_client, server_options),
        "busy": lambda kind: bench_busy(dbs, kind, scratch, args.visits, args.kiosks, args.interval,
                                        args.load_client, server_options),
    }  # fmt: skip
    results: dict[tuple[str, str], dict] = {}
    failures: dict[tuple[str, str], str] = {}
    began = time.perf_counter()
    try:
        for kind in kinds:
            print(f"\n### {dbs.describe(kind)}", flush=True)
            for name in TARGETS:
                if name not in chosen:
                    continue
                print(f"\n== {name} ({kind}) ==", flush=True)
                t0 = time.perf_counter()
                try:
                    results[(name, kind)] = plans[name](kind)
                except Exception as exc:  # noqa: BLE001 - one target failing must not hide the others
                    failures[(name, kind)] = str(exc)
                    print(f"  FAILED: {exc}", flush=True)
                    continue
                print(f"  {results[(name, kind)]['line']}", flush=True)
                for detail in results[(name, kind)].get("details", []):
                    print(f"    {detail}", flush=True)
                print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    finally:
        dbs.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    print("\n" + "=" * 100)
    print(f"Summary ({time.perf_counter() - began:.0f} s in all; no pass/fail: figures vary from run to run)")
    print("=" * 100)
    rows = summary_rows(results, failures, chosen, kinds, args)
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for kind, reason in skipped.items():
        print(f"{kind}: skipped ({reason})")
    return 1 if failures else 0


def summary_rows(results: dict, failures: dict, chosen: list[str], kinds: list[str], args: argparse.Namespace) -> list:
    def cell(name: str, kind: str, show: Callable[[dict], str]) -> str:
        if (name, kind) in results:
            return show(results[(name, kind)])
        return "FAILED" if (name, kind) in failures else "-"

    rows = [["figure", "target", *kinds]]
    if "drain" in chosen:
        rows.append([f"drain {args.visits:,} visits (median of {args.runs})", f"<= {DRAIN_TARGET_S:g} s",
                     *(cell("drain", k, lambda r: f"{r['median']:.2f} s {at_most(r['median'], DRAIN_TARGET_S)}")
                       for k in kinds)])  # fmt: skip
        if not args.no_sign_outs:
            rows.append(["  + their sign-outs (1 run)", "",
                         *(cell("drain", k, lambda r: f"{r['with_sign_outs']['seconds']:.2f} s") for k in kinds)])  # fmt: skip
    if "ingest" in chosen:
        rows.append([f"ingest, {args.clients} kiosks (median of {args.runs})", f">= {INGEST_TARGET_PER_S:,.0f} visits/s",
                     *(cell("ingest", k, lambda r: f"{r['median']:,.0f}/s {at_least(r['median'], INGEST_TARGET_PER_S)}")
                       for k in kinds)])  # fmt: skip
        rows.append(["  500-visit push p50/p99, loaded", "",
                     *(cell("ingest", k, lambda r: f"{percentile(r['loaded'], 50) * 1000:.0f}/"
                            f"{percentile(r['loaded'], 99) * 1000:.0f} ms") for k in kinds)])  # fmt: skip
        rows.append(["  500-visit push p50/p99, alone", "",
                     *(cell("ingest", k, lambda r: f"{percentile(r['idle'], 50) * 1000:.0f}/"
                            f"{percentile(r['idle'], 99) * 1000:.0f} ms") for k in kinds)])  # fmt: skip
    if "heartbeat" in chosen:
        rows.append([f"heartbeat p99, {args.kiosks:,} kiosks / {args.interval:g} s", f"<= {HEARTBEAT_P99_TARGET_MS:g} ms",
                     *(cell("heartbeat", k, lambda r: f"{r['p99'] * 1000:.1f} ms "
                            f"{at_most(r['p99'] * 1000, HEARTBEAT_P99_TARGET_MS)}") for k in kinds)])  # fmt: skip
        rows.append(["  p50 / max, rate, errors", "",
                     *(cell("heartbeat", k, lambda r: f"{percentile(r['latencies'], 50) * 1000:.1f} / "
                            f"{max(r['latencies']) * 1000:.0f} ms, {r['rate']:.1f}/s, {sum(r['errors'].values())}")
                       for k in kinds)])  # fmt: skip
        rows.append(
            [
                "  load generator lag p99",
                "",
                *(cell("heartbeat", k, lambda r: f"{percentile(r['lags'], 99) * 1000:.1f} ms") for k in kinds),
            ]
        )
    if "busy" in chosen:
        rows.append(["heartbeat p99 while 2 kiosks drain", f"<= {HEARTBEAT_P99_TARGET_MS:g} ms",
                     *(cell("busy", k, lambda r: f"{r['p99'] * 1000:.1f} ms "
                            f"{at_most(r['p99'] * 1000, HEARTBEAT_P99_TARGET_MS)}") for k in kinds)])  # fmt: skip
        rows.append(["  p50 / max, errors; drains", "",
                     *(cell("busy", k, lambda r: f"{percentile(r['latencies'], 50) * 1000:.1f} / "
                            f"{max(r['latencies']) * 1000:.0f} ms, {sum(r['errors'].values())}; "
                            + "/".join(f"{d:.1f}" for d in r["drains"]) + " s") for k in kinds)])  # fmt: skip
    return rows


if __name__ == "__main__":
    sys.exit(main())
