"""Performance benchmarks for the Welcome Kiosk, against the targets of the performance issue.

    cd /work/main && SDL_VIDEODRIVER=offscreen python benchmarks/bench_kiosk.py [--only NAME]

NAME is one of: cold_start, confirm, search, memory. Every figure is printed next to its
target with "met" or "MISSED"; nothing asserts, because machines are noisy. Everything that
needs Kivy runs the real app in a fresh headless subprocess (a Kivy window is made once per
process), driven through kiosk.driver with real taps; this parent process never imports Kivy.
Scratch data (stores, the generated staff list, KIVY_HOME) lives in temporary directories
that are removed at the end, and every subprocess has a timeout.

Frames are timed when they have really been drawn: the window's flip is wrapped so that the
time is taken after the buffer swap and a glFinish (Mesa's software GL draws lazily).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from figures import at_most, filesystem_of, ms, percentile, spread

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULT_PREFIX = "BENCH-RESULT "
TARGETS = ("cold_start", "confirm", "pass", "search", "memory")
WINDOW = (800, 480)  # the Raspberry Pi display the kiosk is laid out for

COLD_START_TARGET_S = 2.0
CONFIRM_TARGET_MS = 100.0
PASS_TARGET_MS = 300.0
SEARCH_TARGET_MS = 20.0
RSS_TARGET_MB = 200.0
GROWTH_TARGET_MB = 5.0

# Made-up people, with the accents, apostrophes and scripts the kiosk must handle.
FIRST_NAMES = (
    "Ana", "José", "María", "Zoë", "François", "Søren", "Łukasz", "Đức", "Chloé", "Björn", "Ömer", "Renée",
    "Siobhán", "Aoife", "Nguyễn Thị", "Jürgen", "Inés", "Rafael", "Aaliyah", "Mohammed", "Olúwaseun", "Priya",
    "Anh", "Mei", "Hiroshi", "Kwame", "Fatima", "Grace", "Liam", "Noah", "Emma", "Olivia", "Ava", "Mateo",
    "Sofía", "Camila", "Ángel", "Thảo", "Dmitri", "Agnieszka", "Ioana", "Zeynep", "Øystein", "Ólafur",
)  # fmt: skip
LAST_NAMES = (
    "García", "Núñez", "O'Brien", "Nguyễn", "Müller", "Øvergaard", "Kowalczyk", "D'Angelo", "Van der Berg",
    "Smith-Jones", "Johnson", "López", "Martínez", "Hernández", "Pérez", "Kim", "Park", "Chen", "Wang",
    "Okafor", "Adeyemi", "Dubois", "Lefèvre", "Rossi", "Bianchi", "Schröder", "Jovanović", "Novák",
    "Dvořák", "Yılmaz", "Çelik", "Şahin", "Ó Súilleabháin", "MacDonald", "St. John", "Lê", "Trần", "Phạm",
    "Haddad", "Khoury", "Cohen", "Levi", "Silva", "Santos", "Ferreira", "Kuznetsova", "Ivanov", "Brown",
)  # fmt: skip
TITLES = ("Ms.", "Mr.", "Mx.", "Dr.", "Mrs.")
ROLES = (
    "Kindergarten", "1st grade", "2nd grade", "3rd grade", "4th grade", "5th grade", "Principal",
    "Assistant principal", "Counselor", "Nurse", "Librarian", "PE", "Music", "Art", "Speech therapist",
    "Special education", "ESL", "Custodian", "Cafeteria", "Secretary", "Math coach", "Reading specialist",
)  # fmt: skip
ROOMS = ("Main office", "Gym", "Library", "Cafeteria", "Portable 3", "Portable 7", "Music room", "Annex B")
REASON_CODES = ("meeting", "pickup", "dropoff", "volunteer", "delivery", "event", "other")
# What visitors type into the host search, one keystroke at a time (each prefix is timed).
SEARCH_QUERIES = (
    "garcia", "garcía", "ms. garc", "nguyen", "obrien", "o'brien", "van der", "maria lopez",
    "room 1", "room 104", "3rd g", "3rd grade room 2", "kindergarten", "principal", "dr. kim",
    "schroder", "sofia", "zzzz", "qx",
)  # fmt: skip
# Typed on the host screen's own keyboard (letters, apostrophe, hyphen and space only).
SCREEN_QUERIES = ("garcia", "nguyen", "obrien", "lopez maria", "kindergarten", "zzzz")


# ------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------
# ------------------------------------------------------------------------------------------
# Subprocesses
# ------------------------------------------------------------------------------------------
def child_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("SDL_VIDEODRIVER", "offscreen")
    env["KIVY_HOME"] = str(scratch / "kivy-home")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def child_command(name: str, *args: object) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", name, *(str(a) for a in args)]


def run_child(name: str, args: list[object], scratch: Path, timeout: float) -> dict:
    """Run one child to completion; its result is the JSON on its BENCH-RESULT line."""
    import subprocess

    proc = subprocess.Popen(
        child_command(name, *args), env=child_env(scratch), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"child {name!r} took longer than {timeout:.0f} s and was stopped") from None
    return parse_result(name, proc.returncode, out, err)


def parse_result(name: str, returncode: int, out: str, err: str) -> dict:
    for line in out.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
            if "error" in result:
                raise RuntimeError(f"child {name!r} failed: {result['error']}")
            return result
    tail = "\n".join(err.strip().splitlines()[-15:])
    raise RuntimeError(f"child {name!r} exited with {returncode} and no result; its last output:\n{tail}")


def report(result: dict) -> None:
    """In a child: hand the result to the parent on stdout."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# ------------------------------------------------------------------------------------------
# Generated data
# ------------------------------------------------------------------------------------------
def make_staff(count: int, seed: int = 7) -> list:
    import random

    from kiosk.directory import StaffMember

    rng = random.Random(seed)
    staff = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        display = f"{rng.choice(TITLES)} {last}" if rng.random() < 0.6 else ""
        room = str(rng.randint(1, 240)) if rng.random() < 0.8 else rng.choice(ROOMS)
        languages = ("en", "es") if rng.random() < 0.3 else ("en",)
        staff.append(
            StaffMember(id=f"s-{i:05d}", first_name=first, last_name=last, display_name=display,
                        role=rng.choice(ROLES), room=room, languages=languages)
        )  # fmt: skip
    return staff


def write_staff_csv(path: Path, staff: list) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "first_name", "last_name", "display_name", "role", "room", "languages"])
        for m in staff:
            writer.writerow([m.id, m.first_name, m.last_name, m.display_name, m.role, m.room, ";".join(m.languages)])
    return path


def prefill_store(database: Path, visits: int, days: int = 730, seed: int = 11) -> float:
    """`visits` past visits over `days` local days before today, in the Store's own schema.

    The Store creates the schema (and WAL mode); the rows go in with one executemany in one
    transaction; the WAL is then checkpointed and the file synced, so the app does not pay for it.
    """
    import random
    import sqlite3
    from datetime import date, datetime, timedelta

    from kiosk.ids import new_id
    from kiosk.store import Store

    started = time.perf_counter()
    store = Store(database)
    store.status()  # connects: creates the schema, turns WAL on
    store.close()
    rng = random.Random(seed)
    hosts = [(m.id, m.name) for m in make_staff(300)]
    today = date.today()

    def rows():  # type: ignore[no-untyped-def]
        per_day, extra = divmod(visits, days)
        for d in range(days, 0, -1):
            day = today - timedelta(days=d)
            opening_ms = int(datetime(day.year, day.month, day.day, 7, 0).timestamp() * 1000)  # local 07:00
            count = per_day + (1 if d <= extra else 0)
            for offset in sorted(rng.randrange(10 * 3600 * 1000) for _ in range(count)):
                checked_in = opening_ms + offset
                reason = rng.choice(REASON_CODES)
                host_id, host_name = rng.choice(hosts) if reason == "meeting" else (None, None)
                signed_out = rng.random() < 0.97  # a few forget to sign out
                yield (
                    new_id(now_ms=checked_in), rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), reason,
                    host_id, host_name, "es" if rng.random() < 0.3 else "en", int(rng.random() < 0.05),
                    checked_in, day.isoformat(),
                    checked_in + rng.randrange(5, 120) * 60_000 if signed_out else None,
                    ("visitor" if rng.random() < 0.8 else "staff") if signed_out else None,
                )  # fmt: skip

    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB while loading
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO visit (id, first_name, last_name, reason, host_id, host_name, language, interpreter,"
            " checked_in_ms, local_day, signed_out_ms, signed_out_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows(),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stored = conn.execute("SELECT count(*) FROM visit").fetchone()[0]
    finally:
        conn.close()
    # On disk for good, as on a kiosk that has been running: otherwise the app's first fsync
    # (at its first WAL checkpoint) would pay for writing back the whole pre-filled file.
    fd = os.open(database, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if stored != visits:
        raise RuntimeError(f"prefill stored {stored} visits, not {visits}")
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------
# Target 1: cold start to the welcome screen drawn
# ------------------------------------------------------------------------------------------
def bench_cold_start(scratch: Path, runs: int = 5) -> dict:
    import subprocess

    clock = time.get_clock_info("perf_counter").implementation
    shared_clock = "CLOCK_MONOTONIC" in clock  # then parent and child read the same clock
    totals, stages = [], []
    for run in range(runs):
        data = scratch / f"cold-{run}"
        data.mkdir()
        started = time.perf_counter()
        proc = subprocess.Popen(
            child_command("cold_start", data), env=child_env(scratch), cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RuntimeError("a cold start took longer than 60 s") from None
        result = parse_result("cold_start", proc.returncode, out, err)
        stamps = result["stamps"]
        drawn = stamps["drawn"] - started if shared_clock else None
        if drawn is None or drawn <= 0:
            raise RuntimeError(f"cannot compare the child's clock with ours ({clock})")
        totals.append(drawn)
        stages.append({k: v - started for k, v in stamps.items()})
        print(
            f"  run {run + 1}: {drawn:.3f} s  (interpreter up {stages[-1]['interpreter']:.3f} s, Kivy and window "
            f"{stages[-1]['window']:.3f} s, app built {stages[-1]['on_start']:.3f} s, drawn {drawn:.3f} s)",
            flush=True,
        )
    median = percentile(totals, 50)
    return {
        "runs": totals,
        "median": median,
        "max": max(totals),
        "stages": {k: percentile([s[k] for s in stages], 50) for k in stages[0]},
        "line": (
            f"cold start to welcome drawn ({runs} runs, {WINDOW[0]}x{WINDOW[1]} headless): median {median:.2f} s, "
            f"max {max(totals):.2f} s (target <= {COLD_START_TARGET_S:g} s, every run: "
            f"{at_most(max(totals), COLD_START_TARGET_S)})"
        ),
    }


def child_cold_start(data_dir: str) -> None:
    """What `kiosk demo` does, on a fresh data dir; prints when the welcome screen is drawn."""
    stamps = {"interpreter": time.perf_counter()}
    from kiosk.demo import demo_config
    from kiosk.launch import prepare_kivy

    config = demo_config(Path(data_dir), window_size=WINDOW)
    prepare_kivy(config)
    from kiosk.app import KioskApp
    from kiosk.checkin import FrontDesk
    from kiosk.store import Store

    stamps["window"] = time.perf_counter()
    app = KioskApp(FrontDesk(config, Store(config.database_path)))
    frames = FrameClock()

    def on_start(*_args: object) -> None:
        stamps["on_start"] = time.perf_counter()
        assert app.current == "welcome", app.current

        def drawn(at: float) -> None:
            stamps["drawn"] = at
            report({"stamps": stamps})
            app.stop()

        frames.after_next(drawn)

    app.bind(on_start=on_start)
    app.run()


# ------------------------------------------------------------------------------------------
# Frame timing inside an app child
# ------------------------------------------------------------------------------------------
class FrameClock:
    """Calls back with the time just after the next frame is really on screen."""

    def __init__(self) -> None:
        from kivy.core.window import Window
        from kivy.graphics.opengl import glFinish

        self._waiting: list = []
        self.count = 0
        original = Window.flip

        def flip() -> None:
            original()
            self.count += 1
            if self._waiting:
                glFinish()
                at = time.perf_counter()
                waiting, self._waiting = self._waiting, []
                for callback in waiting:
                    callback(at)

        Window.flip = flip  # WindowBase.on_flip calls self.flip(): this instance attribute

    def after_next(self, callback) -> None:  # type: ignore[no-untyped-def]
        self._waiting.append(callback)


def start_app_child(data_dir: Path, staff_csv: Path | None):  # type: ignore[no-untyped-def]
    """prepare_kivy at 800x480 and a KioskApp on a FrontDesk, as `kiosk demo` builds them.

    Call it before anything imports Kivy (prepare_kivy must run first).
    """
    from dataclasses import replace

    from kiosk.demo import demo_config
    from kiosk.launch import prepare_kivy

    config = demo_config(data_dir, window_size=WINDOW)
    if staff_csv is not None:
        config = replace(config, directory_csv=staff_csv)
    prepare_kivy(config)
    from kiosk.app import KioskApp
    from kiosk.checkin import FrontDesk
    from kiosk.store import Store

    desk = FrontDesk(config, Store(config.database_path))
    return KioskApp(desk), desk


def visitor_draft(i: int, desk, language: str = "en"):  # type: ignore[no-untyped-def]
    """A complete draft, different for every i (names, reason, host)."""
    from kiosk.checkin import Draft

    reason = REASON_CODES[i % len(REASON_CODES)] if i % 2 else "meeting"
    members = desk.directory.members
    host = members[(i * 7919) % len(members)] if reason == "meeting" and members else None
    return Draft(
        language=language, first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
        last_name=LAST_NAMES[(i // len(FIRST_NAMES) + i) % len(LAST_NAMES)],
        reason=reason, host=host, interpreter=i % 5 == 0, interpreter_language="es" if i % 5 == 0 else None,
        student_name=FIRST_NAMES[(i + 3) % len(FIRST_NAMES)] if reason == "pickup" else "",
    )  # fmt: skip


def run_script(app, script) -> None:  # type: ignore[no-untyped-def]
    """kiosk.driver.run, reporting an exception to the parent instead of a bare traceback."""
    from kiosk.driver import run

    try:
        run(app, script)
    except BaseException as exc:  # noqa: BLE001 - handed to the parent
        import traceback

        traceback.print_exc()
        report({"error": f"{type(exc).__name__}: {exc}"})
        raise SystemExit(1) from None


def wait_until(done, limit: int = 120):  # type: ignore[no-untyped-def]
    """Yield frames until done() (the driver lets Kivy draw at each yield)."""
    for _ in range(limit):
        if done():
            return
        yield None
    raise AssertionError("waited 120 frames for something that did not happen")


# ------------------------------------------------------------------------------------------
# Target 2: the Check in tap to the confirmation drawn, with 1,000,000 past visits
# ------------------------------------------------------------------------------------------
def bench_confirm(scratch: Path, visits: int = 1_000_000, taps: int = 300) -> dict:
    data = scratch / "confirm"
    data.mkdir()
    staff_csv = write_staff_csv(scratch / "staff-confirm.csv", make_staff(5000))
    print(f"  pre-filling {visits:,} visits over 2 years ...", flush=True)
    seconds = prefill_store(data / "kiosk.sqlite3", visits)
    size_mb = (data / "kiosk.sqlite3").stat().st_size / 1e6
    print(f"  pre-filled in {seconds:.1f} s ({size_mb:.0f} MB on {filesystem_of(data)}); tapping {taps} times ...",
          flush=True)  # fmt: skip
    result = run_child("confirm", [data, staff_csv, taps], scratch, timeout=300)
    total = result["total"]
    p99 = percentile(total, 99)
    result.update(
        line=(
            f"check-in tap to confirmation drawn ({visits:,} visits, {taps} taps): {spread(total)} "
            f"(target p99 <= {CONFIRM_TARGET_MS:g} ms: {at_most(p99 * 1000, CONFIRM_TARGET_MS)})"
        ),
        details=[
            f"first tap after start (loads the done screen; not counted): {ms(result['first'])}",
            f"  of which the store write (add_visit, WAL + synchronous=FULL): {spread(result['store'])}",
            f"  of which the tap handler (check_in + switch to done, before drawing): {spread(result['handler'])}",
            f"  of which layout + drawing the frame: {spread([t - h for t, h in zip(total, result['handler'])])}",
            f"visits in the store after the run: {result['visits_after']:,}",
        ],
    )
    return result


def child_confirm(data_dir: str, staff_csv: str, taps: str) -> None:
    app, desk = start_app_child(Path(data_dir), Path(staff_csv))
    from kiosk.driver import frames, tap

    clock = FrameClock()
    store_times: list[float] = []
    original_add = desk.store.add_visit

    def timed_add(visit) -> None:  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        original_add(visit)
        store_times.append(time.perf_counter() - began)

    desk.store.add_visit = timed_add  # only timed: the same Store does the work
    warmup, count = 5, int(taps)
    total: list[float] = []
    handler: list[float] = []
    first: list[float] = []

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        for i in range(warmup + count):
            app.draft = visitor_draft(i, desk)
            app.show("review")
            yield from frames(2)  # the review screen is drawn and idle
            screen = app.root.current_screen
            assert app.current == "review", app.current
            drawn: list[float] = []
            began = time.perf_counter()
            tap(screen.ids.confirm)
            handled = time.perf_counter()
            assert app.current == "done", f"tap {i}: on {app.current!r}, message {screen.message!r}"
            clock.after_next(drawn.append)
            yield from wait_until(lambda: drawn)
            if i == 0:
                first.append(drawn[0] - began)
            if i >= warmup:
                total.append(drawn[0] - began)
                handler.append(handled - began)
        store_after = desk.store.status().visits_total
        report({
            "total": total, "handler": handler, "store": store_times[warmup:], "first": first[0],
            "visits_after": store_after,
        })  # fmt: skip

    run_script(app, script)


# ------------------------------------------------------------------------------------------
# Target 2b: a pass held up to the camera to the confirmation drawn (issue 12)
# ------------------------------------------------------------------------------------------
def bench_pass(scratch: Path, shows: int = 30) -> dict:
    data = scratch / "pass"
    data.mkdir()
    result = run_child("pass", [data, shows], scratch, timeout=300)
    total = result["total"]
    verdict = at_most(percentile(total, 99) * 1000, PASS_TARGET_MS)
    result.update(
        line=(
            f"pass in the camera's view to confirmation drawn ({shows} passes, camera at 30 frames/s, the kiosk's "
            f"decoder): {spread(total)} (target p99 <= {PASS_TARGET_MS:g} ms: {verdict})"
        ),
        details=[f"  of which to the code read (the capture thread's frame, then decoding): {spread(result['read'])}"],
    )
    return result


class HeldUp:
    """A camera (kiosk.camera's FrameSource) at 30 frames/s that sees an empty entrance until a pass is
    held up: `show(picture)` puts it in view and notes when the first frame with it is captured."""

    name = "bench camera"

    def __init__(self) -> None:
        import numpy as np

        self.empty = np.full((480, 640), 128, np.uint8)
        self.picture = None
        self.in_view_at: float | None = None

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def show(self, picture) -> None:  # type: ignore[no-untyped-def]
        self.in_view_at = None
        self.picture = picture

    def read(self, preview: bool = False):  # type: ignore[no-untyped-def]
        import numpy as np

        from kiosk.camera.base import Frame

        time.sleep(1 / 30)
        grey = self.empty if self.picture is None else self.picture
        if self.picture is not None and self.in_view_at is None:
            self.in_view_at = time.perf_counter()
        return Frame(grey, np.dstack([grey] * 3) if preview else None)


def child_pass(data_dir: str, shows: str) -> None:
    app, desk = start_app_child(Path(data_dir), None)
    import numpy as np
    import qrcode
    from PIL import Image

    from kiosk import passcode
    from kiosk.camera.scanner import Scanner
    from kiosk.driver import frames
    from kiosk.qrdecode import DECODERS
    from kiosk.store import StoredPass
    from kiosk.sync import Enrollment, SyncClient, SyncWorker

    count = int(shows)
    now = int(time.time() * 1000)
    codes = [passcode.new_code() for _ in range(count + 1)]
    desk.store.apply_changes(1, [], [], None, passes=[
        StoredPass(i + 1, passcode.digest(c), "Ana", "Pérez", "es", "volunteer", None, None, now - 86_400_000,
                   now + 86_400_000, 1, 0, False) for i, c in enumerate(codes)
    ])  # fmt: skip
    client = SyncClient(desk.store, Enrollment("http://127.0.0.1:9", "k", "Front door", "t"), ntp=lambda: True)
    desk.sync_worker = SyncWorker(client, 3600, on_synced=desk._synced)  # never started: the time is the wall's

    def held_up(code: str):  # type: ignore[no-untyped-def]
        scene = Image.fromarray(np.random.default_rng(len(code)).integers(70, 190, (480, 640), dtype=np.uint8))
        scene.paste(qrcode.make(code, box_size=5, border=4).get_image().convert("L"), (240, 120))
        return np.asarray(scene)

    pictures = [held_up(c) for c in codes]
    camera = HeldUp()
    read_at: list[float] = []
    scanner = Scanner(camera, DECODERS["kiosk"], lambda texts: (read_at.append(time.perf_counter()),
                                                                app._codes_seen(texts)), fps=30)  # fmt: skip
    app.scanner = scanner
    clock = FrameClock()
    total: list[float] = []
    read: list[float] = []

    def script(app):  # type: ignore[no-untyped-def]
        scanner.start()
        yield from frames(10)
        for i, picture in enumerate(pictures):  # the first one warms up (loads the done screen): not counted
            app.home()
            yield 0.3
            read_at.clear()
            camera.show(picture)
            yield from wait_until(lambda: app.current == "done", limit=600)
            drawn: list[float] = []
            clock.after_next(drawn.append)
            yield from wait_until(lambda: drawn)
            if i:
                total.append(drawn[0] - camera.in_view_at)
                read.append(read_at[0] - camera.in_view_at)
            camera.show(None)
        scanner.stop()
        report({"total": total, "read": read})

    run_script(app, script)


# ------------------------------------------------------------------------------------------
# Target 3: staff search per keystroke over 5,000 staff
# ------------------------------------------------------------------------------------------
def bench_search(scratch: Path, staff_count: int = 5000, repeats: int = 20, screen: bool = True) -> dict:
    import gc

    from kiosk.directory import Directory, load_csv

    staff = make_staff(staff_count)
    builds: list[float] = []
    for _ in range(3):  # the kiosk rebuilds it whenever the server sends a new directory
        began = time.perf_counter()
        directory = Directory(list(staff))
        builds.append(time.perf_counter() - began)
    built = percentile(builds, 50)
    staff_csv = write_staff_csv(scratch / "staff-search.csv", staff)
    began = time.perf_counter()
    loaded = load_csv(staff_csv)
    load_seconds = time.perf_counter() - began
    assert len(loaded) == staff_count, (len(loaded), loaded.problems[:3])

    keystrokes = [q[:n] for q in SEARCH_QUERIES for n in range(1, len(q) + 1)]
    times: list[float] = []
    by_prefix: dict[str, list[float]] = {k: [] for k in keystrokes}
    gc.collect()
    for _ in range(repeats):
        for prefix in keystrokes:
            t0 = time.perf_counter()
            directory.search(prefix, limit=6)  # the host screen asks for 6
            elapsed = time.perf_counter() - t0
            times.append(elapsed)
            by_prefix[prefix].append(elapsed)
    slowest = sorted(by_prefix, key=lambda k: percentile(by_prefix[k], 50), reverse=True)[:3]
    p99 = percentile(times, 99)

    def fine(seconds: float) -> str:  # searches take well under a millisecond: 0.1 ms steps hide them
        return f"{seconds * 1000:.2f} ms"

    result = {
        "times": times,
        "line": (
            f"staff search per keystroke ({staff_count:,} staff, {len(keystrokes)} keystrokes x {repeats}): "
            f"p50 {fine(percentile(times, 50))}, p99 {fine(p99)}, max {fine(max(times))} "
            f"(target <= {SEARCH_TARGET_MS:g} ms: {at_most(p99 * 1000, SEARCH_TARGET_MS)} at p99)"
        ),
        "details": [
            "slowest keystrokes (median): "
            + ", ".join(f"{k!r} {fine(percentile(by_prefix[k], 50))} ({len(directory.search(k, 6))} found)"
                        for k in slowest),  # fmt: skip
            (
                f"building the search index of {staff_count:,} staff: {ms(built)} (median of 3); reading the CSV: "
                f"{ms(load_seconds)}; the directory with its index holds {directory_size_mb(staff_count):.1f} MB"
            ),
        ],
    }
    if screen:
        data = scratch / "search-screen"
        data.mkdir()
        shown = run_child("host_screen", [data, staff_csv], scratch, timeout=180)
        p99 = percentile(shown["total"], 99)
        result["details"].append(
            f"host screen, key tap to results drawn ({len(shown['total'])} taps): {spread(shown['total'])} "
            f"(includes up to one frame of waiting, 16.7 ms at 60 fps; "
            f"{'within' if p99 * 1000 <= SEARCH_TARGET_MS else 'over'} {SEARCH_TARGET_MS:g} ms at p99)"
        )
        result["details"].append(
            f"  of which HostScreen.search (the search, then 6 new result buttons): {spread(shown['search'])}"
        )
        result["screen"] = shown
    return result


def child_host_screen(data_dir: str, staff_csv: str) -> None:
    app, desk = start_app_child(Path(data_dir), Path(staff_csv))
    from kivy.clock import Clock

    from kiosk.checkin import Draft
    from kiosk.driver import frames, tap

    clock = FrameClock()
    total: list[float] = []
    search_times: list[float] = []
    pending: list[list[float]] = []  # where to put the time of the frame after the next search

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        app.draft = Draft(language="en", first_name="Ana", last_name="Pérez", reason="meeting")
        app.show("host")
        yield from frames(3)
        screen = app.root.current_screen
        original_search = screen.search

        def timed_search(*args: object) -> None:
            t0 = time.perf_counter()
            original_search(*args)
            if pending:  # a timed keystroke (not the clearing between queries)
                search_times.append(time.perf_counter() - t0)
            while pending:  # the search runs in a Clock tick: the next flip shows its results
                clock.after_next(pending.pop().append)

        # The query field's binding calls screen._search_trigger(): the same kind of trigger, timed.
        screen._search_trigger = Clock.create_trigger(timed_search, 0)
        keys = {k.key: k for k in screen.ids.keyboard.walk() if getattr(k, "key", "")}
        for _round in range(3):
            for query in SCREEN_QUERIES:
                screen.ids.query.text = ""
                yield from frames(3)
                for ch in query:
                    drawn: list[float] = []
                    pending.append(drawn)
                    began = time.perf_counter()
                    tap(keys["space" if ch == " " else ch])
                    yield from wait_until(lambda: bool(drawn))
                    assert screen.ids.query.text.endswith(ch), (screen.ids.query.text, ch)
                    total.append(drawn[0] - began)
                    yield from frames(1)
        search_count = len(search_times)
        report({"total": total, "search": search_times, "searches": search_count})

    run_script(app, script)


# ------------------------------------------------------------------------------------------
# Target 4: resident memory, and its growth over 1,000 check-ins
# ------------------------------------------------------------------------------------------
def bench_memory(scratch: Path, checkins: int = 1000, warmup: int = 50) -> dict:
    data = scratch / "memory"
    data.mkdir()
    staff_csv = write_staff_csv(scratch / "staff-memory.csv", make_staff(5000))
    result = run_child("memory", [data, staff_csv, checkins, warmup], scratch, timeout=420)
    directory_mb = directory_size_mb(5000)
    peak, growth = result["peak_mb"], result["after_mb"] - result["warm_mb"]
    result.update(
        line=(
            f"resident memory: peak {peak:.1f} MB (target <= {RSS_TARGET_MB:g} MB: {at_most(peak, RSS_TARGET_MB)}); "
            f"growth over {checkins:,} check-ins {growth:+.2f} MB "
            f"(target <= {GROWTH_TARGET_MB:g} MB: {at_most(growth, GROWTH_TARGET_MB)})"
        ),
        details=[
            f"RSS at the welcome screen {result['start_mb']:.1f} MB, after {warmup} check-ins {result['warm_mb']:.1f} MB, "
            f"after {checkins:,} {result['after_mb']:.1f} MB; Python objects tracked by gc "
            f"{result['objects_warm']:,} -> {result['objects_after']:,}",
            f"RSS high-water mark (VmHWM): {result['peak_before_app_mb']:.1f} MB once the window was made and the "
            f"staff CSV read, {result['peak_start_mb']:.1f} MB at the welcome screen, {result['peak_warm_mb']:.1f} MB "
            f"after {warmup} check-ins, {peak:.1f} MB at the end",
            "rises of the high-water mark by 2 MB or more after warm-up (check-in, MB): "
            + (", ".join(f"{n}: {mb}" for n, mb in result["jumps"]) or "none"),
            "RSS every 100 check-ins (MB): " + (", ".join(f"{m:.1f}" for m in result["samples"]) or "(fewer than 100)"),
            (f"of the final RSS, {result['software_gl_mb']:.1f} MB is Mesa's software renderer (libLLVM, swrast), "
             "which headless runs draw with; a kiosk drawing with its GPU mostly does without it")
            if result.get("software_gl_mb") is not None else "",
            f"the app ran with a {5000:,}-staff directory (about {directory_mb:.1f} MB of it, by tracemalloc) and a "
            f"fresh store; {result['visits']:,} visits stored",
        ],
    )
    return result


def directory_size_mb(staff_count: int) -> float:
    """What a Directory of `staff_count` staff holds in Python memory (members and index)."""
    import tracemalloc

    from kiosk.directory import Directory

    tracemalloc.start()
    try:
        directory = Directory(make_staff(staff_count))
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del directory
    return size / 2**20


def software_gl_mb() -> float | None:
    """Resident MB of this process's mappings of Mesa's software renderer (llvmpipe: libLLVM and
    the gallium/swrast driver), which a kiosk with a GPU driver does not load."""
    total, counting = 0, False
    try:
        with open("/proc/self/smaps") as smaps:
            for line in smaps:
                fields = line.split()
                if len(fields) >= 5 and "-" in fields[0]:  # a mapping's header line
                    path = fields[5].lower() if len(fields) > 5 else ""
                    counting = any(k in path for k in ("libllvm", "swrast", "gallium", "/dri/"))
                elif counting and fields[0] == "Rss:":
                    total += int(fields[1])
    except OSError:
        return None
    return total / 1024


def child_memory(data_dir: str, staff_csv: str, checkins: str, warmup: str) -> None:
    import gc
    import resource

    import psutil

    app, desk = start_app_child(Path(data_dir), Path(staff_csv))
    from kiosk.driver import frames, tap

    process = psutil.Process()
    total, warm = int(checkins), int(warmup)
    readings: dict = {"samples": [], "jumps": []}
    last_peak = [0.0]

    def rss_mb() -> float:
        gc.collect()
        return process.memory_info().rss / 2**20

    def peak_mb() -> float:
        """This process's RSS high-water mark. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
        fork and exec, so it would report the parent's peak (the pre-fill) as ours."""
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    readings["peak_before_app_mb"] = peak_mb()  # Kivy's window is made, the staff CSV read

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        readings["start_mb"] = rss_mb()
        readings["peak_start_mb"] = peak_mb()
        for i in range(total):
            app.draft = visitor_draft(i, desk, language="es" if i % 4 == 3 else "en")
            app.show("review")
            yield from frames(1)
            screen = app.root.current_screen
            tap(screen.ids.confirm)
            assert app.current == "done", f"check-in {i}: on {app.current!r}"
            yield from frames(1)
            app.home()
            yield from frames(1)
            done = i + 1
            peak_now = peak_mb()
            if done > warm and peak_now - last_peak[0] >= 2:  # the high-water mark rose after warm-up
                readings["jumps"].append((done, round(peak_now, 1)))
            last_peak[0] = peak_now
            if done == warm:
                yield from frames(2)
                readings["warm_mb"] = rss_mb()
                readings["peak_warm_mb"] = peak_mb()
                readings["objects_warm"] = len(gc.get_objects())
            if done % 100 == 0:
                readings["samples"].append(rss_mb())
        yield from frames(2)
        readings["after_mb"] = rss_mb()
        readings["objects_after"] = len(gc.get_objects())
        readings["peak_mb"] = peak_mb()
        readings["software_gl_mb"] = software_gl_mb()
        readings["visits"] = desk.store.status().visits_total
        report(readings)

    run_script(app, script)


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------
CHILDREN = {
    "cold_start": child_cold_start,
    "confirm": child_confirm,
    "pass": child_pass,
    "host_screen": child_host_screen,
    "memory": child_memory,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=TARGETS, action="append", help="run only this target (repeatable)")
    parser.add_argument("--runs", type=int, default=5, help="cold starts (default 5)")
    parser.add_argument("--visits", type=int, default=1_000_000, help="past visits in the store (default 1,000,000)")
    parser.add_argument("--taps", type=int, default=300, help="timed Check in taps (default 300)")
    parser.add_argument("--shows", type=int, default=30, help="passes held up to the camera (default 30)")
    parser.add_argument("--repeats", type=int, default=20, help="repetitions of every search keystroke (default 20)")
    parser.add_argument("--checkins", type=int, default=1000, help="check-ins for the memory target (default 1000)")
    parser.add_argument("--no-screen-search", action="store_true", help="skip timing the search on the host screen")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child[0]](*args.child[1:])
        return 0

    import platform
    import shutil
    import tempfile

    print(
        f"Welcome Kiosk benchmarks: Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"{platform.machine()}, SDL_VIDEODRIVER={os.environ.get('SDL_VIDEODRIVER', '(unset)')}",
        flush=True,
    )
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set, so every start compiles the kiosk's modules from source", flush=True)
    chosen = args.only or list(TARGETS)
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    print(f"scratch directory {scratch} ({filesystem_of(scratch)})", flush=True)
    plans = {
        "cold_start": lambda: bench_cold_start(scratch, args.runs),
        "confirm": lambda: bench_confirm(scratch, args.visits, args.taps),
        "pass": lambda: bench_pass(scratch, args.shows),
        "search": lambda: bench_search(scratch, repeats=args.repeats, screen=not args.no_screen_search),
        "memory": lambda: bench_memory(scratch, args.checkins),
    }
    results: dict[str, dict] = {}
    failures: dict[str, str] = {}
    began = time.perf_counter()
    try:
        for name in TARGETS:
            if name not in chosen:
                continue
            print(f"\n== {name} ==", flush=True)
            t0 = time.perf_counter()
            try:
                results[name] = plans[name]()
            except Exception as exc:  # noqa: BLE001 - one target failing must not hide the others
                failures[name] = str(exc)
                print(f"  FAILED: {exc}", flush=True)
                continue
            print(f"  {results[name]['line']}", flush=True)
            for detail in results[name].get("details", []):
                print(f"    {detail}", flush=True)
            print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print("\n" + "=" * 100)
    print(f"Summary ({time.perf_counter() - began:.0f} s in all; no pass/fail: figures vary from run to run)")
    print("=" * 100)
    for name in TARGETS:
        if name in results:
            print(results[name]["line"])
        elif name in failures:
            print(f"{name}: FAILED: {failures[name].splitlines()[0]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
