"""Arrival alerts end to end: a kiosk checks in, the server routes and sends with Apprise, and real
receivers on loopback get the messages (SMTP via aiosmtpd, a JSON webhook, ntfy). Also: faults
of channels (down, slow, erroring, malformed), expiry, escalation, and the kiosk's status API."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from loopback import LoopbackServer
from receivers import HttpReceiver, SmtpReceiver
from sqlalchemy import select, update
from test_sync import enrolled, make_desk

from district import service
from district.alerts import channels, queue
from district.alerts.worker import AlertWorker
from district.models import Alert, Campus, Office, Staff, Visit
from kiosk import wire
from kiosk.checkin import Draft
from kiosk.clock import Stamp, stamp
from kiosk.directory import StaffMember

LINK = re.compile(r"https?://127\.0\.0\.1:\d+/ack/[A-Za-z0-9_-]+")


@pytest.fixture
def alerting(database_url: str) -> Iterator[LoopbackServer]:
    """The server with its alert sender running, as in production."""
    server = LoopbackServer(database_url, alerts=True).start()
    yield server
    server.dispose()


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


STAFF = [
    StaffMember("t1", "Lucía", "García", display_name="Ms. García", languages=("es", "en")),
    StaffMember("t2", "David", "Lee", display_name="Mr. Lee", languages=("en",)),
    StaffMember("t3", "Omar", "Haddad", display_name="Mr. Haddad", languages=("ar", "en")),
]


class Campus_:
    """A campus on the alerting server with staff, channels and an enrolled kiosk."""

    def __init__(self, server: LoopbackServer, tmp_path: Path, name: str = "Lincoln Elementary") -> None:
        self.server = server
        with server.sessions.begin() as db:
            campus = service.add_campus(db, name, "America/Chicago", ["en", "es"])
            service.replace_staff(db, campus.id, STAFF)
            code = service.add_kiosk(db, campus.id, f"{name} front door").code
            self.id = campus.id
        self.desk = make_desk(tmp_path, name.split()[0].lower())
        self.client = enrolled(self.desk, server.url, code)
        self.client.sync()  # the directory, so the kiosk can choose a host
        assert self.desk.use_synced_directory()

    def channels(self, who: str, *urls: str, language: str = "") -> None:
        """Set a staff member's (by directory id) or an office's (by key) Apprise URLs, as the admin page does."""
        with self.server.sessions.begin() as db:
            if who in wire.OFFICES:
                row = db.scalar(select(Office).where(Office.campus_id == self.id, Office.key == who))
            else:
                row = db.scalar(select(Staff).where(Staff.campus_id == self.id, Staff.external_id == who))
            row.alert_urls, row.alert_language = "\n".join(urls), language

    def set(self, **values: object) -> None:
        with self.server.sessions.begin() as db:
            db.execute(update(Campus).where(Campus.id == self.id).values(**values))

    def check_in(self, reason: str = "meeting", host: str | None = "t1", language: str = "en", **kw: object) -> str:
        member = self.desk.directory.get(host) if host else None
        student = {"student_name": "Sam Pérez"} if reason == "pickup" else {}
        draft = Draft(language=language, first_name="Ana", last_name="Pérez", reason=reason, host=member, **student | kw)
        visit_id = self.desk.check_in(draft).id
        self.client.push()
        return visit_id

    def alerts(self, visit_id: str) -> list[Alert]:
        with self.server.sessions() as db:
            return list(db.scalars(select(Alert).where(Alert.visit_id == visit_id).order_by(Alert.id)))

    def wait_settled(self, visit_id: str, timeout: float = 15.0) -> list[Alert]:
        """The visit's alerts once none is still pending or being sent."""
        deadline = time.monotonic() + timeout
        while True:
            alerts = self.alerts(visit_id)
            if alerts and all(a.status in ("delivered", "failed") for a in alerts):
                return alerts
            if time.monotonic() > deadline:
                raise AssertionError(f"alerts still unsettled: {[(a.recipient_name, a.status) for a in alerts]}")
            time.sleep(0.05)


@pytest.fixture
def lincoln(alerting: LoopbackServer, tmp_path: Path) -> Campus_:
    return Campus_(alerting, tmp_path)


def test_a_meeting_reaches_the_host_by_email_and_the_front_office_by_webhook(
    lincoln: Campus_, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    lincoln.channels("t1", smtp.url("lucia.garcia@school.example.org"), language="es")
    lincoln.channels("front_office", http.json_url("front-office"))
    visit_id = lincoln.check_in("meeting", host="t1")

    [(to, mail)] = smtp.messages(1)
    assert to == ["lucia.garcia@school.example.org"]
    # In her language (Spanish), with what she needs and no more.
    assert mail["subject"] == "Ana Pérez está en la oficina principal"
    text = mail.get_body(preferencelist=("plain", "html")).get_content()
    for expected in ("Lincoln Elementary", "Reunirse con un miembro del personal", "inglés"):
        assert expected in text
    assert LINK.search(text), "the email carries an 'on my way' link"

    [hook] = http.inbox.wait_for(1)
    assert hook.path == "/front-office"
    assert hook.body["title"] == "Ana Pérez is at the front office"
    assert "Here to see: Ms. García" in hook.body["message"] and "Reason: Meet a staff member" in hook.body["message"]

    alerts = lincoln.wait_settled(visit_id)
    assert {(a.recipient_name, a.why, a.status) for a in alerts} == {
        ("Ms. García", "host", "delivered"), ("Front office", "office", "delivered"),
    }  # fmt: skip
    assert all(a.ack_token is None for a in alerts), "the link's token is not kept once the alert is out"


def test_a_pickup_reaches_the_attendance_office_by_ntfy_and_spanish_speakers_are_told_too(
    lincoln: Campus_, http: HttpReceiver
) -> None:
    lincoln.channels("attendance", http.ntfy_url("attendance"))
    lincoln.channels("t1", http.json_url("garcia"))
    lincoln.channels("t2", http.json_url("lee"))  # speaks English only: not told
    lincoln.check_in("pickup", host=None, language="es")

    received = http.inbox.wait_for(2)
    time.sleep(0.3)
    assert sorted(r.path for r in http.received) == ["/", "/garcia"]
    ntfy = next(r for r in received if r.path == "/")
    assert ntfy.body["topic"] == "attendance"
    assert "Chose Spanish at the kiosk: an interpreter may help." in ntfy.body["message"]
    garcia = next(r for r in received if r.path == "/garcia")
    assert "because the staff directory lists you as speaking Spanish" in garcia.body["message"]


def test_an_interpreter_in_the_language_asked_for_is_told_and_attendance_hears_which_student(
    lincoln: Campus_, http: HttpReceiver
) -> None:
    """On English screens, a visitor asks for an Arabic interpreter: Arabic speakers are told, not Spanish ones,
    and the attendance office's message names the student and the interpreter's language."""
    lincoln.channels("attendance", http.json_url("attendance"))
    lincoln.channels("t1", http.json_url("garcia"))  # speaks Spanish: not told
    lincoln.channels("t3", http.json_url("haddad"))  # speaks Arabic
    visit_id = lincoln.check_in("pickup", host=None, language="en", interpreter=True, interpreter_language="ar",
                                student_name="Omar Haddad")  # fmt: skip
    received = http.inbox.wait_for(2)
    time.sleep(0.3)
    assert sorted(r.path for r in http.received) == ["/attendance", "/haddad"]
    attendance = next(r for r in received if r.path == "/attendance").body["message"]
    assert "Picking up: Omar Haddad" in attendance and "Asked for an interpreter for Arabic." in attendance
    haddad = next(r for r in received if r.path == "/haddad").body["message"]
    assert "because the staff directory lists you as speaking Arabic" in haddad
    with lincoln.server.sessions() as db:
        stored = db.get(Visit, visit_id)
        assert (stored.student_name, stored.interpreter_language) == ("Omar Haddad", "ar")


def test_a_host_without_a_channel_falls_back_to_the_front_office(lincoln: Campus_, http: HttpReceiver) -> None:
    lincoln.channels("front_office", http.json_url("front"))
    visit_id = lincoln.check_in("meeting", host="t2")
    [hook] = http.inbox.wait_for(1)
    assert "Mr. Lee could not be reached directly, so the front office is told." in hook.body["message"]
    [alert] = lincoln.wait_settled(visit_id)
    assert (alert.recipient_key, alert.why) == ("front_office", "fallback")


def test_a_malformed_url_names_the_staff_member_and_every_other_alert_still_goes(
    lincoln: Campus_, http: HttpReceiver, fast_retries: None
) -> None:
    # Saved straight into the database: the admin page refuses it, an old import or a hand edit may not.
    lincoln.channels("t1", "mailto://garcia:hunter2secret@", http.json_url("garcia-phone"))
    lincoln.channels("t3", "notaservice://hunter2secret")
    lincoln.channels("front_office", http.json_url("front"))
    visit_id = lincoln.check_in("meeting", host="t1", interpreter=True, language="ar")

    alerts = {a.recipient_name: a for a in lincoln.wait_settled(visit_id)}
    assert sorted(r.path for r in http.received) == ["/front", "/garcia-phone"]
    assert alerts["Ms. García"].status == "delivered"  # her other channel worked
    assert "Ms. García: channel 1 is not a valid Apprise URL" in alerts["Ms. García"].error
    assert alerts["Mr. Haddad"].status == "failed"
    assert alerts["Mr. Haddad"].error.startswith("Mr. Haddad: channel 1 is not a valid Apprise URL")
    assert not any("hunter2secret" in (a.error or "") for a in alerts.values())


@pytest.mark.parametrize("fault", ["down", "erroring", "slow"])
def test_a_channel_that_fails_is_retried_then_marked_failed_and_never_holds_the_kiosk(
    lincoln: Campus_, http: HttpReceiver, fast_retries: None, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = HttpReceiver(status=500 if fault == "erroring" else 200, delay=1.5 if fault == "slow" else 0)
    url = broken.json_url("host") + ("?rto=0.5" if fault == "slow" else "")
    if fault == "down":
        broken.close()
    lincoln.channels("t1", url)
    lincoln.channels("front_office", http.json_url("front"))
    started = time.monotonic()
    visit_id = lincoln.check_in("meeting", host="t1")
    assert time.monotonic() - started < 1.0, "check-in and push do not wait for channels"

    alerts = {a.recipient_name: a for a in lincoln.wait_settled(visit_id, timeout=30)}
    assert alerts["Front office"].status == "delivered"  # the other alert was not held up
    host = alerts["Ms. García"]
    assert (host.status, host.attempts) == ("failed", 3)
    assert host.error and "Ms. García" in host.error
    if fault != "down":
        assert broken.attempts == 3
        broken.close()
    status = lincoln.client.arrivals([visit_id])[0]
    assert (status["failed"], [t["key"] for t in status["told"]]) == (1, ["front_office"])


def test_an_alert_older_than_its_expiry_is_failed_not_delivered_as_new(lincoln: Campus_, http: HttpReceiver) -> None:
    lincoln.channels("front_office", http.json_url("front"))
    lincoln.set(alert_expiry_minutes=10)
    draft = Draft(language="en", first_name="Ana", last_name="Pérez", reason="delivery")
    lincoln.desk.now = lambda: datetime.now(UTC) - timedelta(minutes=25)  # checked in offline, 25 min ago
    boot = stamp()  # by the boot's clock too: the kiosk tells the server how long ago it was
    lincoln.desk.stamp = lambda: Stamp(boot.boot, boot.uptime_ms - 25 * 60_000)
    visit_id = lincoln.desk.check_in(draft).id
    lincoln.client.push()
    [alert] = lincoln.wait_settled(visit_id)
    assert alert.status == "failed"
    assert alert.error.startswith("expired: the visit reached the server 25 min after check-in")
    time.sleep(0.5)
    assert http.received == []


def test_escalation_when_nobody_acknowledges(lincoln: Campus_, http: HttpReceiver) -> None:
    lincoln.channels("t1", http.json_url("garcia"))
    lincoln.channels("front_office", http.json_url("front"))
    lincoln.set(alert_rules='[{"reason": "meeting", "notify": ["host"], "escalate_after": 1}]')
    visit_id = lincoln.check_in("meeting", host="t1")
    acknowledged = lincoln.check_in("meeting", host="t1")
    http.inbox.wait_for(2)
    with lincoln.server.sessions.begin() as db:  # a minute and a half later, one was acknowledged
        queue.acknowledge(db, db.get_one(Visit, acknowledged), "Ms. García", "link", service.now_ms())
        db.execute(update(Visit).values(checked_in_ms=Visit.checked_in_ms - 90_000))
    with lincoln.server.sessions.begin() as db:
        assert queue.escalate_due(db, service.now_ms()) == 1
    with lincoln.server.sessions.begin() as db:
        assert queue.escalate_due(db, service.now_ms()) == 0, "escalated once only"
    lincoln.server.alert_worker.wake()
    front = [r for r in http.inbox.wait_for(3) if r.path == "/front"]
    assert len(front) == 1
    assert front[0].body["title"] == "Ana Pérez is still waiting at the front office"
    assert "Nobody has answered for 1 min." in front[0].body["message"]
    assert [a.kind for a in lincoln.wait_settled(visit_id)] == ["arrival", "escalation"]


def test_the_kiosk_reads_who_was_told_and_the_acknowledgement(lincoln: Campus_, http: HttpReceiver) -> None:
    lincoln.channels("t1", http.json_url("garcia"))
    visit_id = lincoln.check_in("meeting", host="t1")
    lincoln.wait_settled(visit_id)
    [status] = lincoln.client.arrivals([visit_id])
    assert status == {
        "visit_id": visit_id, "told": [{"kind": "staff", "key": "t1", "name": "Ms. García"}],
        "pending": 0, "failed": 0, "acknowledged": None,
    }  # fmt: skip
    link = LINK.search(http.received[0].body["message"]).group(0)
    token = link.rsplit("/", 1)[1]
    with lincoln.server.sessions.begin() as db:
        alert = queue.alert_for_token(db, token)
        assert alert is not None and alert.visit_id == visit_id
        queue.acknowledge(db, db.get_one(Visit, visit_id), alert.recipient_name, "link", service.now_ms())
    [status] = lincoln.client.arrivals([visit_id])
    assert status["acknowledged"] == {"by": "Ms. García", "via": "link"}


def test_the_arrivals_api_refuses_bad_input_and_other_campuses_visits(
    lincoln: Campus_, tmp_path: Path, http: HttpReceiver
) -> None:
    other = Campus_(lincoln.server, tmp_path, "Roosevelt Middle")
    theirs = other.check_in("delivery", host=None)
    mine = lincoln.check_in("delivery", host=None)
    assert [a["visit_id"] for a in lincoln.client.arrivals([theirs, mine])] == [mine]
    url = f"{lincoln.server.url}{wire.API}/arrivals"
    auth = {"Authorization": f"Bearer {lincoln.client.enrollment.token}"}
    for ids in ("", ",", "not-a-uuid", ",".join([mine] * (wire.MAX_ARRIVAL_IDS + 1)), mine + "'; drop table visit;--",
                "x" * 5000):  # fmt: skip
        answer = requests.get(url, params={"ids": ids}, headers=auth, timeout=5)
        assert answer.status_code == 422, ids
    assert requests.get(url, params={"ids": mine}, timeout=5).status_code == 401


def test_two_server_processes_never_send_the_same_alert_twice(lincoln: Campus_, http: HttpReceiver) -> None:
    lincoln.channels("front_office", http.json_url("front"))
    lincoln.server.alert_worker.stop()  # hold the queue, then let two senders race for it
    ids = [lincoln.check_in("delivery", host=None) for _ in range(30)]
    workers = [AlertWorker(lincoln.server.sessions, lincoln.server.url, poll=0.05) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        http.inbox.wait_for(30, timeout=30)
        for visit_id in ids:
            lincoln.wait_settled(visit_id)
        time.sleep(0.3)
    finally:
        for worker in workers:
            worker.stop()
    assert len(http.received) == 30


def test_secrets_in_channel_urls_are_masked_wherever_they_are_shown(smtp: SmtpReceiver) -> None:
    for url in (
        smtp.url(),
        "workflows://prod-12.westus.logic.azure.com:443/abcdef0123456789/CCCCCCCCCCC3333signature",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
        "ntfys://user:ntfy-secret-pw@ntfy.example.org/front-office",
        "json://user:json-secret-pw@hooks.example.org/arrivals",
    ):
        shown = channels.masked(url)
        for secret in (SmtpReceiver.PASSWORD, "TIiajkdnlazkcOXrIdevi7FQ", "ntfy-secret-pw", "json-secret-pw",
                       "CCCCCCCCCCC3333"):  # fmt: skip
            assert secret not in shown, (url, shown)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("mailto://user:pass@mail.example.org?to=office@school.example.org", True),
        # Microsoft Teams through a Power Automate workflow (Office 365 connectors are retired), as
        # Apprise's URL or as the https address Teams shows: Apprise recognises it.
        ("workflows://prod-12.westus.logic.azure.com:443/abcdef0123456789/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", True),
        (("https://prod-12.westus.logic.azure.com:443/workflows/abcdef0123456789/triggers/manual/paths/invoke"
          "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"), True),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#front-office", True),
        ("gchat://workspace/key/token", True),
        ("twilio://ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb@15551234567/15557654321", True),
        ("ntfy://ntfy.example.org/front-office", True),
        ("json://hooks.example.org/arrivals", True),
        ("https://example.org/not-an-apprise-url", False),
        ("mailto://", False),
        ("nonsense", False),
        ("javascript:alert(1)", False),
        ("json://" + "a" * 3000, False),
    ],
)
def test_channel_urls_are_checked_when_saved(url: str, ok: bool) -> None:
    if ok:
        assert channels.check_urls([url], "Ms. García") == [url]
    else:
        with pytest.raises(channels.ChannelError, match="^Ms. García: "):
            channels.check_urls([url], "Ms. García")


def test_a_push_answers_before_slow_channels_deliver(lincoln: Campus_) -> None:
    slow = HttpReceiver(delay=2.0)
    try:
        lincoln.channels("front_office", slow.json_url("front"))
        timings = []
        for _ in range(5):
            started = time.monotonic()
            lincoln.check_in("delivery", host=None)
            timings.append(time.monotonic() - started)
        assert max(timings) < 1.0, timings
        slow.inbox.wait_for(5, timeout=20)
    finally:
        slow.close()


def test_many_arrivals_at_once_are_all_delivered(lincoln: Campus_, http: HttpReceiver) -> None:
    lincoln.channels("front_office", http.json_url("front"))
    for _ in range(40):  # a kiosk back online with a morning's check-ins
        lincoln.desk.check_in(Draft(language="en", first_name="Ana", last_name="Pérez", reason="delivery"))
    lincoln.client.push()
    assert len(http.inbox.wait_for(40, timeout=30)) == 40
    time.sleep(0.3)
    assert len(http.received) == 40


def test_ack_tokens_stay_out_of_the_access_log(lincoln: Campus_) -> None:
    import logging

    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "POST", "/ack/AbC_d-123456789012345678?x=1", "1.1", 303), None)  # fmt: skip
    for handler_filter in logging.getLogger("uvicorn.access").filters:
        handler_filter.filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "POST /ack/…?x=1 HTTP/1.1" 303'
