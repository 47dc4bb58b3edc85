"""The kiosk's side of syncing with the district server (requests, in a background thread).

Up: the outbox, oldest first, in batches; the server answers each event stored, duplicate
or refused, and only then is the event dropped from the outbox, so a batch cut off half
way, a crash or a power cut only means it is sent again, and a resend is harmless.
Down: the campus's staff directory, sign-outs made on the front-office page and the
campus settings, newer than a cursor stored with the data it covers.
The screen never waits on any of this: check-in writes to the local store and returns.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import random
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from kiosk import __version__, clock, wire
from kiosk.clock import ClockStatus, Stamp
from kiosk.directory import StaffMember
from kiosk.store import RemoteSignOut, Store, StoredPass, StoreUnavailable
from kiosk.text import MAX_FIELD_LENGTH

log = logging.getLogger(__name__)
TIMEOUT = (5.0, 30.0)  # connect, read: a slow server must not hold the sync thread for long
ARRIVALS_TIMEOUT = (3.0, 3.0)  # asked every second while a visitor reads the confirmation: fail fast
ACK_VIA = ("link", "office")  # how staff said "on my way": the alert's link, or the front-office page


class SyncError(Exception):
    """This sync attempt failed; `kind` is offline, unauthorized, refused, server or answer."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Enrollment:
    server_url: str
    kiosk_id: str
    kiosk_name: str
    token: str

    def __repr__(self) -> str:  # never put the token in a log line
        return f"Enrollment({self.server_url!r}, kiosk {self.kiosk_id})"


def check_server_url(url: str) -> str:
    """The server's base URL, or ValueError: https, except plain http to this machine (a pilot)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"not a server address like https://kiosks.example.org: {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the server address must not carry a user, password, query or fragment")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("use https: plain http would send visitors' names unencrypted")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def save_enrollment(path: Path, enrollment: Enrollment) -> None:
    """Written atomically and readable only by the kiosk's user (mode 600): it holds the token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps(enrollment.__dict__, indent=2).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def load_enrollment(path: Path) -> Enrollment | None:
    """The saved enrollment, or None if this kiosk was never enrolled (or the file is damaged)."""
    try:
        if path.stat().st_mode & 0o077:
            log.warning("%s was readable by others; making it private (mode 600)", path)
            path.chmod(0o600)
        data = json.loads(path.read_text())
        return Enrollment(
            check_server_url(data["server_url"]), str(data["kiosk_id"]), str(data["kiosk_name"]), str(data["token"])
        )
    except FileNotFoundError:
        return None
    except PermissionError:
        log.error("%s is not readable by this user: enroll as the user the kiosk runs as (sudo -u kiosk ...)", path)
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("%s cannot be used (%s); enroll the kiosk again", path, type(exc).__name__)
        return None


def _session(ca_bundle: Path | None) -> requests.Session:
    session = requests.Session()
    session.verify = str(ca_bundle) if ca_bundle else True  # TLS verification is never switched off
    session.headers["User-Agent"] = f"welcome-kiosk/{__version__}"
    return session


def _call(
    session: requests.Session, method: str, url: str, timeout: tuple[float, float] = TIMEOUT, **kwargs: Any
) -> dict[str, Any]:
    """One request; SyncError for every way it can fail, with the server's own reason when it gives one."""
    try:
        # verify= on each request: requests lets $REQUESTS_CA_BUNDLE override a session's own bundle
        # (psf/requests#3829), which would silently drop the district's CA.
        response = session.request(method, url, timeout=timeout, verify=session.verify, **kwargs)
    except requests.exceptions.SSLError as exc:
        if "WRONG_VERSION_NUMBER" in str(exc) or "wrong version number" in str(exc):
            raise SyncError("offline", "the server at this address does not speak https (is it http?)") from None
        raise SyncError("offline", f"TLS certificate not trusted ({exc.__class__.__name__}); see server.ca_bundle")
    except requests.RequestException as exc:
        raise SyncError("offline", exc.__class__.__name__) from None
    if response.status_code == 401:
        raise SyncError("unauthorized", _detail(response))
    if response.status_code == 404:
        raise SyncError("refused", "no district server API at this address: give the server's root address")
    if 400 <= response.status_code < 500:
        raise SyncError("refused", f"{response.status_code} {_detail(response)}")
    if response.status_code != 200:
        raise SyncError("server", f"HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise SyncError("answer", "the server's answer is not JSON") from None
    if not isinstance(answer, dict):
        raise SyncError("answer", "the server's answer is not an object")
    return answer


def _detail(response: requests.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail)[:300] if detail else response.reason or ""


def enroll(server_url: str, code: str, path: Path, ca_bundle: Path | None = None) -> Enrollment:
    """Trade a one-time code for this kiosk's token and save it (mode 600)."""
    base = check_server_url(server_url)
    answer = _call(
        _session(ca_bundle), "POST", base + wire.API + "/enroll",
        json={"code": code, "hostname": socket.gethostname()[:100], "version": __version__},
    )  # fmt: skip
    try:
        enrollment = Enrollment(base, str(answer["kiosk_id"]), str(answer["kiosk_name"]), str(answer["token"]))
    except KeyError as exc:
        raise SyncError("answer", f"the server's answer has no {exc}") from None
    save_enrollment(path, enrollment)
    log.info("enrolled as kiosk %s (%s) with %s", enrollment.kiosk_name, enrollment.kiosk_id, base)
    return enrollment


@dataclass(frozen=True)
class SyncReport:
    sent: int
    refused: int
    changes: int
    directory_changed: bool


SERVER_TIME = "server_time"  # sync_state: [server ms, boot id, uptime ms] at the last heartbeat


class SyncClient:
    """`stamp`, `wall_ms` and `ntp` are the kiosk's clocks (kiosk.clock), a seam for tests."""

    def __init__(
        self, store: Store, enrollment: Enrollment, ca_bundle: Path | None = None,
        stamp: Callable[[], Stamp] = clock.stamp, wall_ms: Callable[[], int] = clock.wall_ms,
        ntp: Callable[[], bool | None] = clock.ntp_synchronized,
    ) -> None:  # fmt: skip
        self.store = store
        self._stamp, self._wall_ms, self._ntp = stamp, wall_ms, ntp
        self.clock = ClockStatus()  # as judged at the last heartbeat
        self.enrollment = enrollment
        self.base = enrollment.server_url + wire.API
        self.http = _session(ca_bundle)
        self.http.headers["Authorization"] = f"Bearer {enrollment.token}"
        # arrivals() is called from other threads than sync(), and a requests.Session is not
        # thread-safe: it gets its own session, used by one caller at a time.
        self._arrivals_http = _session(ca_bundle)
        self._arrivals_http.headers["Authorization"] = f"Bearer {enrollment.token}"
        self._arrivals_lock = threading.Lock()

    def push(self) -> tuple[int, int]:
        """Send the outbox until it is empty; (delivered, refused)."""
        delivered = refused = 0
        while batch := self.store.outbox_batch(wire.MAX_BATCH):
            now = self._stamp()
            events = [wire.aged(o.event, o.stamp.age_at(now) if o.stamp else None) for o in batch]
            answer = _call(self.http, "POST", self.base + "/sync/push", json={"events": events})
            results = answer.get("results")
            if not isinstance(results, list) or len(results) != len(batch):
                raise SyncError("answer", "the push answer does not match the batch")
            done: list[int] = []
            failed: dict[int, str] = {}
            for outgoing, result in zip(batch, results):
                status = result.get("status") if isinstance(result, dict) else None
                if status in ("stored", "duplicate"):
                    done.append(outgoing.seq)
                elif status == "refused":
                    failed[outgoing.seq] = str(result.get("error", "refused"))[:500]
                    log.error("the server refused outbox event %d: %s", outgoing.seq, failed[outgoing.seq])
                else:
                    raise SyncError("answer", f"unknown status {status!r}")
            self.store.outbox_settle(done, failed)
            delivered += len(done)
            refused += len(failed)
        return delivered, refused

    @property
    def identity(self) -> str:
        return f"{self.enrollment.server_url} {self.enrollment.kiosk_id}"

    def pull(self) -> tuple[int, bool]:
        """Fetch changes until up to date; (number of changes, whether the directory changed)."""
        count, directory_changed = 0, False
        if self.store.get_state("enrolled_as") != self.identity:
            self.store.forget_server_state(self.identity)
            directory_changed = True
        while True:
            since = int(self.store.get_state("cursor") or 0)
            answer = _call(self.http, "GET", self.base + "/sync/changes", params={"since": since})
            if answer.get("reset") is True:
                log.warning("sync: the server no longer has changes this kiosk saw (restored?): pulling everything")
                self.store.forget_server_state(self.identity)
                directory_changed = True
                continue
            try:
                cursor = int(answer["cursor"])
                if not since <= cursor < 2**63:
                    raise ValueError(f"cursor {cursor} after {since}")
                for key in ("staff", "sign_outs"):
                    if not isinstance(answer[key], list) or not all(isinstance(x, dict) for x in answer[key]):
                        raise TypeError(f"{key} is not a list of objects")
                staff = [_staff_member(s) for s in answer["staff"]]
                sign_outs = [
                    RemoteSignOut(str(s["visit_id"]), int(s["at_ms"]), str(s["by"])) for s in answer["sign_outs"]
                ]
                if any(not 0 <= s.at_ms < 2**63 for s in sign_outs):
                    raise ValueError("a sign-out time out of range")
                settings = answer.get("settings")
                if settings is not None and not isinstance(settings, dict):
                    raise TypeError("settings")
                passes = [_pass(p) for p in answer.get("passes") or []]
            except (KeyError, TypeError, ValueError) as exc:
                raise SyncError("answer", f"the changes are malformed ({exc})") from None
            if sign_outs and any(s.by not in wire.SIGNED_OUT_BY for s in sign_outs):
                raise SyncError("answer", "a sign-out by an unknown party")
            self.store.apply_changes(
                cursor, staff, sign_outs, settings, has_directory=answer.get("has_directory") is not False,
                first_page=since == 0, passes=passes, now_ms=self.trusted_now_ms(),
            )  # fmt: skip
            count += len(staff) + len(sign_outs) + len(passes) + (settings is not None)
            directory_changed |= bool(staff) or since == 0
            if not answer.get("more") or cursor <= since:
                return count, directory_changed

    def heartbeat(self) -> None:
        """Also judges this kiosk's clock: systemd's word, and how far it is from the server's answer."""
        backlog, refused = self.store.outbox_counts()
        try:
            free = shutil.disk_usage(self.store.path.parent).free
        except OSError:
            free = None
        last = self.store.get_state("last_sync_ms")
        ntp = self._ntp()
        self.clock = clock.judge(ntp, self.clock.offset_ms)
        sent_ms = self._wall_ms()
        beat = {"version": __version__, "backlog": backlog, "refused": refused,
                "last_sync_ms": int(last) if last else None, "free_disk_bytes": free,
                "clock": self.clock.state, "sent_ms": sent_ms, "refused_reason": self.store.last_refusal()}  # fmt: skip
        answer = _call(self.http, "POST", self.base + "/sync/heartbeat", json=beat)
        server_ms = answer.get("server_time_ms")
        if type(server_ms) is int:  # the server's time halfway through the call against ours
            self.clock = clock.judge(ntp, (sent_ms + self._wall_ms()) // 2 - server_ms)
            at = self._stamp()
            if at.boot is not None:  # by the boot's clock, which no time server or power cut moves
                self.store.set_state(SERVER_TIME, json.dumps([server_ms, at.boot, at.uptime_ms]))

    def trusted_now_ms(self) -> int | None:
        """The time as far as this kiosk can vouch for it: the district server's time at the last
        heartbeat of this boot plus the boot clock's time since, whatever the wall clock says; else the
        wall clock if a time server set it; else None (a Pi after a power cut, before any network)."""
        try:
            server_ms, boot, uptime = json.loads(self.store.get_state(SERVER_TIME) or "null") or (0, None, 0)
        except (ValueError, TypeError):
            server_ms, boot, uptime = 0, None, 0
        age = Stamp(boot, uptime).age_at(self._stamp()) if isinstance(boot, str) and type(uptime) is int else None
        if age is not None and type(server_ms) is int:
            return server_ms + age
        return self._wall_ms() if self._ntp() else None

    def arrivals(self, ids: list[str]) -> list[dict[str, Any]]:
        """Who has been told of these visits' arrivals (see wire.py); a visit the server does not have
        yet is absent. Quick to fail (ARRIVALS_TIMEOUT); SyncError like every other call."""
        if len(ids) > wire.MAX_ARRIVAL_IDS:
            raise ValueError(f"at most {wire.MAX_ARRIVAL_IDS} visits per request, not {len(ids)}")
        if not ids:
            return []
        with self._arrivals_lock:
            answer = _call(self._arrivals_http, "GET", self.base + "/arrivals", timeout=ARRIVALS_TIMEOUT,
                           params={"ids": ",".join(ids)})  # fmt: skip
        arrivals = answer.get("arrivals")
        if not isinstance(arrivals, list):
            raise SyncError("answer", "the arrivals answer has no list of arrivals")
        try:
            checked = [_arrival(raw) for raw in arrivals]
        except (KeyError, TypeError, ValueError) as exc:
            raise SyncError("answer", f"the arrivals are malformed ({exc})") from None
        if any(a["visit_id"] not in ids for a in checked):
            raise SyncError("answer", "an arrival for a visit that was not asked about")
        return checked

    def sync(self) -> SyncReport:
        """One full round: push, pull, heartbeat. SyncError (or StoreUnavailable) if any step failed."""
        sent, refused = self.push()
        changes, directory_changed = self.pull()
        self.store.set_state("last_sync_ms", str(self._wall_ms()))
        self.heartbeat()
        return SyncReport(sent, refused, changes, directory_changed)


def _staff_member(raw: Any) -> tuple[StaffMember, bool]:
    languages = raw.get("languages") or []
    if not isinstance(languages, list):
        raise TypeError("languages")
    member = StaffMember(
        id=str(raw["id"]), first_name=str(raw["first_name"]), last_name=str(raw["last_name"]),
        display_name=str(raw.get("display_name") or ""), role=str(raw.get("role") or ""),
        room=str(raw.get("room") or ""), languages=tuple(str(x) for x in languages),
    )  # fmt: skip
    return member, bool(raw.get("active", True))


def _pass(raw: Any) -> StoredPass:
    """One visitor pass of the answer (kiosk.wire: pass), checked field by field."""
    if not isinstance(raw, dict):
        raise TypeError("a pass is not an object")
    numbers = [raw[k] for k in ("id", "valid_from_ms", "valid_until_ms", "max_uses", "uses")]
    if any(type(n) is not int or not 0 <= n < 2**63 for n in numbers):
        raise ValueError("a pass's id, days or uses are not numbers")
    code_hash = raw["code_hash"]
    if not isinstance(code_hash, str) or len(code_hash) != 64 or not all(c in "0123456789abcdef" for c in code_hash):
        raise ValueError("a pass's code_hash is not a SHA-256")
    texts = [raw[k] for k in ("first_name", "last_name", "language", "reason")]
    optional = [raw.get(k) for k in ("host_id", "host_name")]
    if not all(isinstance(t, str) and len(t) <= 2 * MAX_FIELD_LENGTH for t in texts + [o or "" for o in optional]):
        raise TypeError("a pass's names are not text")
    return StoredPass(numbers[0], code_hash, *texts, *optional, numbers[1], numbers[2], numbers[3], numbers[4],
                      revoked=raw["revoked"] is True)  # fmt: skip


def _arrival(raw: Any) -> dict[str, Any]:
    """One arrival of the answer, checked field by field and copied (nothing else is kept)."""
    if not isinstance(raw, dict) or not isinstance(raw["told"], list):
        raise TypeError("an arrival is not an object with a list of who was told")
    told = [_told(t) for t in raw["told"]]
    counts = {key: raw[key] for key in ("pending", "failed")}
    if any(type(n) is not int or not 0 <= n < 2**31 for n in counts.values()):
        raise ValueError("pending and failed must be counts")
    acknowledged = raw["acknowledged"]
    if acknowledged is not None:
        if not isinstance(acknowledged, dict):
            raise TypeError("acknowledged is not an object")
        if acknowledged["via"] not in ACK_VIA:
            raise ValueError(f"acknowledged via {acknowledged['via']!r}")
        acknowledged = {"by": _text(acknowledged["by"], empty=True), "via": acknowledged["via"]}
    return {"visit_id": _text(raw["visit_id"]), "told": told, **counts, "acknowledged": acknowledged}


def _told(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise TypeError("told: not an object")
    told = {"kind": _text(raw["kind"]), "key": _text(raw["key"]), "name": _text(raw["name"], empty=True)}
    if told["kind"] not in ("staff", "office") or (told["kind"] == "office" and told["key"] not in wire.OFFICES):
        raise ValueError(f"told: {told['kind']} {told['key']!r}")
    return told


def _text(value: Any, empty: bool = False) -> str:
    if not isinstance(value, str) or not (value or empty) or len(value) > 2 * MAX_FIELD_LENGTH:  # the server's limit
        raise ValueError("not a short text")
    return value


def backoff(failures: int, base: float = 2.0, cap: float = 300.0, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after `failures` failed rounds: doubling up to `cap`, with half of it random
    ("equal jitter"), so a campus's kiosks coming back after an outage do not all call at once."""
    ceiling = min(cap, base * 2 ** min(failures - 1, 30))
    return ceiling / 2 + rand() * ceiling / 2


@dataclass
class SyncStatus:
    """What staff mode shows; updated by the worker thread."""

    enrolled: bool = False
    server: str = ""
    last_ok_ms: int | None = None
    last_error: str | None = None
    failures: int = 0
    clock: ClockStatus = ClockStatus()  # staff mode shows clock.text


class SyncWorker:
    """Runs SyncClient.sync() in a daemon thread: every `interval` s, at once after wake(), with
    backoff after failures. Never raises: a failure is logged (once per kind) and retried."""

    def __init__(self, client: SyncClient, interval: float = 15.0,
                 on_synced: Callable[[SyncReport], None] | None = None) -> None:  # fmt: skip
        self.client = client
        self.interval = interval
        self.on_synced = on_synced
        self.status = SyncStatus(enrolled=True, server=client.enrollment.server_url)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            delay = self.interval
            try:
                self._succeeded(self.client.sync())
            except (SyncError, StoreUnavailable) as exc:
                delay = self._failed(exc)
            except Exception:  # a bug must not end syncing for good: log it and try again later
                log.exception("sync failed unexpectedly")
                delay = self._failed(SyncError("bug", "unexpected error (see the log)"))
            self.status.clock = self.client.clock
            # After a failure, wait out the backoff even if a check-in asks for a sync sooner.
            (self._stop if self.status.failures else self._wake).wait(delay)

    def _succeeded(self, report: SyncReport) -> None:
        if self.status.failures:
            log.info("sync: the district server is reachable again")
        self.status.failures = 0
        self.status.last_error = None
        self.status.last_ok_ms = time.time_ns() // 1_000_000
        if report.sent or report.changes:
            log.info("sync: %d sent, %d refused, %d changes received", report.sent, report.refused, report.changes)
        if self.on_synced is not None:
            self.on_synced(report)

    def _failed(self, exc: Exception) -> float:
        message = str(exc)
        if message != self.status.last_error:
            log.warning("sync: %s (retrying with backoff)", message)
        self.status.failures += 1
        self.status.last_error = message
        return backoff(self.status.failures)
