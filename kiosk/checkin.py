"""The kiosk's use cases: check in, sign out, and what staff mode shows.

FrontDesk is built by the command line and handed to the app (the GUI never builds its
own core). Every method is quick and local: it touches only the local store and the
in-memory directory, so a screen can call it on a tap.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk import clock, passes
from kiosk.arrival import ArrivalWatch, Truth
from kiosk.clock import ClockStatus, Stamp
from kiosk.config import Config
from kiosk.directory import Directory, DirectoryError, StaffMember, load_csv
from kiosk.ids import new_id
from kiosk.language import languages as installed_languages
from kiosk.pin import PinAttempt, PinGate
from kiosk.reasons import BY_CODE
from kiosk.passes import PassCheck
from kiosk.store import Store, StoreStatus, StoredPass, StoreUnavailable, Visit
from kiosk.sync import SyncClient, SyncReport, SyncStatus, SyncWorker, enroll
from kiosk.text import MAX_STUDENT_NAME_LENGTH, NameProblem, clean_name

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Draft:
    """What a visitor has entered so far; nothing is stored until check_in()."""

    language: str
    first_name: str = ""
    last_name: str = ""
    reason: str | None = None
    host: StaffMember | None = None
    interpreter: bool = False
    interpreter_language: str | None = None  # which language the interpreter should speak (a code)
    student_name: str = ""  # whom a visitor picks up
    pass_id: int | None = None  # the visitor pass they showed (kiosk.passes), which filled in the rest

    def with_(self, **changes: object) -> Draft:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DirectoryState:
    directory: Directory
    source: Path | None
    error: str | None  # why the file could not be used; the last good list is kept
    mtime_ns: int | None = None
    from_server: bool = False  # once the district server has sent a directory, the CSV is not read


class _StoredLockout:
    """The PIN gate's count, kept in the store so that a restart does not reset it."""

    KEY = "pin_lockout"

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self) -> str | None:
        try:
            return self.store.get_state(self.KEY)
        except StoreUnavailable:
            return None

    def save(self, value: str) -> None:
        try:
            self.store.set_state(self.KEY, value)
        except StoreUnavailable as exc:
            log.warning("staff mode: could not keep the count of wrong PINs (%s); it is kept in memory", exc.reason)


class FrontDesk:
    def __init__(
        self, config: Config, store: Store, now: Callable[[], datetime] = utc_now,
        stamp: Callable[[], Stamp] = clock.stamp,
    ) -> None:  # fmt: skip
        """`now` is the wall clock, which may be wrong; `stamp` the boot's clock, which dates events when it is."""
        self.config = config
        self.store = store
        self.now = now
        self.stamp = stamp
        self.pin_gate = PinGate(config.pin_hash, memory=_StoredLockout(store))
        self.directory_state = DirectoryState(Directory(), config.directory_csv, None)
        self.sync_worker: SyncWorker | None = None
        self._settings: dict[str, object] = {}
        self._load_settings()
        if not self.use_synced_directory():
            self.reload_directory()

    # -- the district server ------------------------------------------------------------
    def start_sync(self, client: SyncClient, interval: float = 15.0) -> None:
        """Sync in the background from now on; check-ins and sign-outs wake it."""
        self.sync_worker = SyncWorker(client, interval, on_synced=self._synced)
        self.sync_worker.start()

    def enroll(self, server_url: str, code: str) -> str:
        """Connect this kiosk to the district server with a one-time code (slow: call it off the UI
        thread). Returns the kiosk's name on the server; ValueError or SyncError say what went wrong."""
        enrollment = enroll(server_url, code, self.config.enrollment_path, self.config.ca_bundle)
        self.stop_sync()
        self.start_sync(SyncClient(self.store, enrollment, self.config.ca_bundle))
        return enrollment.kiosk_name

    def stop_sync(self) -> None:
        if self.sync_worker is not None:
            self.sync_worker.stop()

    def sync_status(self) -> SyncStatus:
        return self.sync_worker.status if self.sync_worker else SyncStatus()

    @property
    def clock_status(self) -> ClockStatus:
        """Whether this kiosk's clock can be believed (staff mode shows its .text), as of the last sync."""
        return self.sync_status().clock

    def send_refused_again(self) -> int:
        """Staff mode's "send refused again", after the server or this kiosk was fixed: how many go."""
        count = self.store.send_refused_again()
        log.info("sending %d refused events again", count)
        self._wake_sync()
        return count

    def _synced(self, report: SyncReport) -> None:
        if report.changes or report.directory_changed:
            self._load_settings()
        if report.directory_changed:
            self.use_synced_directory()

    def use_synced_directory(self) -> bool:
        """Take the directory the server sent, once it has sent one (it replaces the CSV)."""
        try:
            members = self.store.staff()
        except StoreUnavailable:
            return False
        if members is None:
            if self.directory_state.from_server:  # enrolled elsewhere, with no directory there yet: the CSV again
                self.directory_state = DirectoryState(Directory(), self.config.directory_csv, None)
                self.reload_directory()
            return False
        self.directory_state = DirectoryState(Directory(members), None, None, from_server=True)
        log.info("staff directory from the district server: %d staff", len(members))
        return True

    @property
    def campus_name(self) -> str:
        """The server's name for the campus once synced, else the config's."""
        return str(self.server_settings().get("campus_name") or self.config.campus_name)

    @property
    def languages(self) -> tuple[str, ...]:
        """The server's languages once synced (those this kiosk has catalogs for), else the config's."""
        offered = self._settings.get("languages")
        if isinstance(offered, list):
            known = tuple(c for c in offered if isinstance(c, str) and c in installed_languages())
            if known:
                return known
        return self.config.languages

    @property
    def default_language(self) -> str:
        languages = self.languages
        if languages == self.config.languages:
            return self.config.default_language
        default = self._settings.get("default_language")
        return default if isinstance(default, str) and default in languages else languages[0]

    def server_settings(self) -> dict[str, object]:
        return self._settings

    def _load_settings(self) -> None:
        try:
            raw = self.store.get_state("settings")
        except StoreUnavailable:
            return
        self._settings = json.loads(raw) if raw else {}

    def _wake_sync(self) -> None:
        if self.sync_worker is not None:
            self.sync_worker.wake()

    # -- the directory ------------------------------------------------------------------
    @property
    def directory(self) -> Directory:
        return self.directory_state.directory

    def reload_directory(self, force: bool = True) -> bool:
        """Reread the CSV if it changed (or `force`); keep the last good list when it is broken."""
        source = self.config.directory_csv
        if source is None or self.directory_state.from_server:
            return False
        try:
            mtime = source.stat().st_mtime_ns
        except OSError:
            mtime = None
        if not force and mtime == self.directory_state.mtime_ns:
            return False
        try:
            directory = load_csv(source)
        except DirectoryError as exc:
            if self.directory_state.error != str(exc):
                log.error("staff directory: %s", exc)
            self.directory_state = replace(self.directory_state, error=str(exc), mtime_ns=mtime)
            return True
        for problem in directory.problems:
            log.warning("staff directory %s: %s (row skipped)", source, problem)
        log.info("staff directory %s: %d staff", source, len(directory))
        self.directory_state = DirectoryState(directory, source, None, mtime)
        return True

    def search_staff(self, query: str, limit: int = 8) -> list[StaffMember]:
        return self.directory.search(query, limit)

    # -- time ---------------------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo | None:
        """The campus's time zone: the district server's once synced, else the config's."""
        name = self.server_settings().get("timezone")
        if isinstance(name, str):
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("the district server's time zone %r is unknown here", name)
        return self.config.zone

    def local_day(self, moment: datetime | None = None) -> date:
        moment = moment or self.now()
        return moment.astimezone(self.zone).date()

    # -- check in and sign out ----------------------------------------------------------
    @staticmethod
    def clean_names(first: str, last: str) -> tuple[str, str]:
        """Both names cleaned, or the NameProblem of the first field that is wrong."""
        return clean_name(first, "first_name"), clean_name(last, "last_name")

    @staticmethod
    def clean_student_name(name: str) -> str:
        """The name of the student a visitor picks up, checked as a visitor's name is."""
        return clean_name(name, "student_name", MAX_STUDENT_NAME_LENGTH)

    def check_in(self, draft: Draft) -> Visit:
        """Validate and store the visit durably; StoreUnavailable if it could not be stored."""
        first, last = self.clean_names(draft.first_name, draft.last_name)
        reason = BY_CODE.get(draft.reason or "")
        if reason is None:
            raise ValueError(f"unknown reason {draft.reason!r}")
        host = draft.host if reason.needs_host else None
        student = self.clean_student_name(draft.student_name) if reason.needs_student else None
        interpreter_language = draft.interpreter_language if draft.interpreter else None
        moment = self.now()
        visit = Visit(
            id=new_id(int(moment.timestamp() * 1000)),
            first_name=first, last_name=last, reason=reason.code,
            host_id=host.id if host else None, host_name=host.name if host else None,
            language=draft.language, interpreter=draft.interpreter,
            checked_in=moment, local_day=self.local_day(moment).isoformat(),
            interpreter_language=interpreter_language, student_name=student, pass_id=draft.pass_id,
        )  # fmt: skip
        self.store.add_visit(visit, self.stamp())
        self._wake_sync()
        log.info("checked in visit %s (reason %s, language %s)", visit.id, visit.reason, visit.language)
        return visit

    # -- visitor passes -----------------------------------------------------------------
    def trusted_now_ms(self) -> int | None:
        """The time this kiosk can vouch for (kiosk.passes: the clock rule); None if not enrolled."""
        return self.sync_worker.client.trusted_now_ms() if self.sync_worker else None

    def check_pass(self, text: str) -> PassCheck:
        """What a code shown at the camera or typed by a scanner is (kiosk.passes), checked offline."""
        # "today", for a visitor still on site, by the clock check_in dates visits with (the wall clock,
        # even when wrong); the pass's days by the time this kiosk can vouch for
        return passes.check(text, self.store, self.trusted_now_ms(), self.local_day().isoformat())

    def pass_draft(self, found: StoredPass) -> Draft:
        """The check-in a pass stands for: its visitor, reason and host (the directory's, else as the pass names
        them)."""
        host = None
        if found.host_id:
            host = self.directory.get(found.host_id) or StaffMember(found.host_id, "", "", found.host_name or "")
        return Draft(language=found.language, first_name=found.first_name, last_name=found.last_name,
                     reason=found.reason, host=host, pass_id=found.id)  # fmt: skip

    def watch_arrival(self, visit: Visit, on_truth: Callable[[Truth], None]) -> ArrivalWatch | None:
        """Ask the district server, in the background, who has been told of this visit; `on_truth` is
        called from that thread with each change. None when the kiosk is not connected to a server."""
        if self.sync_worker is None:
            return None
        return ArrivalWatch(self.sync_worker.client, visit, on_truth).start()

    def on_site(self) -> list[Visit]:
        """Today's visitors who have not signed out, earliest first."""
        return self.store.on_site(self.local_day())

    def visits_today(self) -> list[Visit]:
        return self.store.visits_on(self.local_day())

    def sign_out(self, visit_id: str, by: str = "visitor") -> bool:
        done = self.store.sign_out(visit_id, self.now(), by, self.stamp())
        if done:
            self._wake_sync()
        log.info("sign-out of visit %s by %s: %s", visit_id, by, "done" if done else "already signed out")
        return done

    # -- staff mode ---------------------------------------------------------------------
    def try_pin(self, pin: str) -> PinAttempt:
        attempt = self.pin_gate.try_pin(pin)
        if not attempt.ok:
            log.warning("staff mode: wrong PIN%s", f"; locked for {attempt.locked_seconds} s" if attempt.locked_seconds else "")
        return attempt

    def store_status(self) -> StoreStatus:
        return self.store.status()


__all__ = ["Draft", "FrontDesk", "NameProblem", "utc_now"]
