"""A kiosk in its own process for tests/district/test_chaos.py, built as `kiosk run` builds one (kiosk.cli._desk_for):
the real FrontDesk and Store, the real SyncWorker in its background thread, woken by every check-in and sign-out,
and the confirmation screen's ArrivalWatch. Only the touch screen is replaced, by a loop of visitors, so that the
test can SIGKILL it at any moment.

    python tests/chaos_kiosk.py run DATA_DIR CONFIRMED_LOG SEED   # visitors until killed
    python tests/chaos_kiosk.py drain DATA_DIR                      # no visitors: sync until the outbox is empty

CONFIRMED_LOG gets "in ID" once check_in() has returned (the visitor saw "Welcome") and "out ID" once sign_out()
has (the visitor saw "Goodbye"), each line fsynced before the next visitor: what the kiosk promised, to hold
against what the server has at the end. A kill between the store's commit and that line leaves a visit stored but
not listed, which may reach the server too: the test allows it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

from kiosk import interpreting, reasons
from kiosk.checkin import Draft, FrontDesk
from kiosk.config import Config
from kiosk.store import Store, StoreUnavailable
from kiosk.sync import SyncClient, load_enrollment

CAMPUS = "Lincoln Elementary"
ZONE = "America/Chicago"
FIRST = ["María", "José", "Thanh", "Nguyễn", "Fatima", "O'Brien", "Jean-Luc", "李", "محمد", "Ana", "Zoë", "Sam"]
LAST = ["Núñez", "García", "Trần", "Al-Sayed", "Smith-Jones", "王", "Kowalski", "D'Angelo", "Öztürk", "Lee"]
REASONS = [reason.code for reason in reasons.REASONS]
LANGUAGES = ["en", "es"]
log = logging.getLogger("chaos_kiosk")


def make_desk(data_dir: Path) -> FrontDesk:
    config = Config(campus_name=CAMPUS, data_dir=data_dir, timezone=ZONE)
    return FrontDesk(config, Store(config.database_path))


def start_sync(desk: FrontDesk) -> None:
    """As kiosk.cli._desk_for does: the enrollment the test made, and the worker's default interval."""
    enrollment = load_enrollment(desk.config.enrollment_path)
    if enrollment is None:
        raise SystemExit(f"not enrolled: no {desk.config.enrollment_path}")
    desk.start_sync(SyncClient(desk.store, enrollment, desk.config.ca_bundle))


class Confirmed:
    """An append-only log of what the kiosk told visitors; each line is on disk before the next visitor."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, kind: str, visit_id: str) -> None:
        os.write(self.fd, f"{kind} {visit_id}\n".encode())
        os.fsync(self.fd)


def draft(rng: random.Random, desk: FrontDesk) -> Draft:
    """A visitor's answers; the host is found as a visitor finds one, by typing the start of a name."""
    reason = rng.choice(REASONS)
    host = None
    staff = desk.directory.members  # the directory the server sent (or none yet)
    if reason == "meeting" and staff and rng.random() < 0.8:  # else Skip: the front desk will help
        host = next(iter(desk.search_staff(rng.choice(staff).last_name[:3])), None)
    interpreter = rng.random() < 0.1
    return Draft(
        language=rng.choice(LANGUAGES), first_name=rng.choice(FIRST), last_name=rng.choice(LAST), reason=reason,
        host=host,
        interpreter=interpreter, interpreter_language=rng.choice(interpreting.LANGUAGES) if interpreter else None,
        student_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}" if reason == "pickup" else "",
    )  # fmt: skip


def run(data_dir: Path, confirmed_path: Path, seed: int, pause: float, sign_out_share: float) -> None:
    """Visitors until killed: a check-in every 0..`pause` s, with rushes (the bell: one visitor after another, as
    fast as the store takes them) that make the outbox grow past a batch while the server is down; now and then
    a visitor on site signs out."""
    rng = random.Random(seed)
    desk = make_desk(data_dir)
    start_sync(desk)
    confirmed = Confirmed(confirmed_path)
    print("ready", flush=True)
    rush, phase_ends = False, 0.0
    watch, watched_at = None, 0.0
    while True:
        if time.monotonic() >= phase_ends:
            rush, phase_ends = rng.random() < 0.3, time.monotonic() + rng.uniform(0.3, 1.5)
        if not rush:
            time.sleep(rng.uniform(0, pause))
        try:
            visit = desk.check_in(draft(rng, desk))
        except StoreUnavailable as exc:  # the screen would say "please tell the front desk": nothing promised
            log.error("check-in not stored: %s", exc)
            continue
        confirmed.write("in", visit.id)
        if time.monotonic() - watched_at >= 1.0:  # the confirmation screen asks who was told (one at a time)
            if watch is not None:
                watch.stop()
            watch, watched_at = desk.watch_arrival(visit, lambda _truth: None), time.monotonic()
        if rng.random() < sign_out_share:
            on_site = desk.on_site()
            if on_site:
                leaving = rng.choice(on_site).id
                if desk.sign_out(leaving):
                    confirmed.write("out", leaving)


def drain(data_dir: Path, timeout: float) -> int:
    """Sync until a round has succeeded with the outbox empty (nothing new comes in); print the counts as JSON."""
    desk = make_desk(data_dir)
    started_ms = time.time_ns() // 1_000_000
    start_sync(desk)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            status = desk.sync_status()
            waiting, refused = desk.store.outbox_counts()
            if waiting == 0 and status.failures == 0 and (status.last_ok_ms or 0) > started_ms:
                print(json.dumps({"waiting": waiting, "refused": refused}), flush=True)
                return 0
            time.sleep(0.1)
        waiting, refused = desk.store.outbox_counts()
        status = desk.sync_status()
        print(json.dumps({"waiting": waiting, "refused": refused, "last_error": status.last_error}), flush=True)
        return 1
    finally:
        desk.stop_sync()
        desk.store.close()


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s {os.getpid()} %(levelname)s %(name)s: %(message)s")  # fmt: skip
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    visitors = sub.add_parser("run")
    visitors.add_argument("data_dir", type=Path)
    visitors.add_argument("confirmed", type=Path)
    visitors.add_argument("seed", type=int)
    visitors.add_argument("--pause", type=float, default=0.04, help="at most this many seconds between visitors")
    visitors.add_argument("--sign-outs", type=float, default=0.3, help="share of check-ins followed by a sign-out")
    empty = sub.add_parser("drain")
    empty.add_argument("data_dir", type=Path)
    empty.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    if args.command == "run":
        run(args.data_dir, args.confirmed, args.seed, args.pause, args.sign_outs)
        return 0
    return drain(args.data_dir, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
