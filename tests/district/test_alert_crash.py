"""Alerts across a server crash (issue 11, point 12): a sender process SIGKILLed in the middle of a send.
Its claim is taken again as soon as the server restarts (not CLAIM_MS later), and the second copy says
it is one. The real sender in a real process, a real receiver, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import LoopbackServer
from receivers import HttpReceiver
from sqlalchemy import select
from test_alerts import Campus_

from district import service
from district.alerts import queue
from district.alerts.worker import AlertWorker
from district.models import Alert

SENDER = """
import sys, time
from district.alerts.worker import AlertWorker
from district.db import make_engine, make_sessions
AlertWorker(make_sessions(make_engine(sys.argv[1])), sys.argv[2], poll=0.05).start()
time.sleep(600)
"""


@pytest.fixture
def quiet(database_url: str) -> Iterator[LoopbackServer]:
    """The server without its own alert sender: the senders are the test's."""
    server = LoopbackServer(database_url).start()
    yield server
    server.dispose()


def test_a_send_cut_by_a_crash_goes_again_at_once_and_says_it_is_a_resend(
    quiet: LoopbackServer, database_url: str, tmp_path: Path
) -> None:
    slow = HttpReceiver(delay=1.0)  # the message arrives, and the process dies before it hears "ok"
    try:
        lincoln = Campus_(quiet, tmp_path)
        lincoln.channels("front_office", slow.json_url("front"))
        process = subprocess.Popen([sys.executable, "-c", SENDER, database_url, quiet.url], env=os.environ.copy())
        try:
            visit_id = lincoln.check_in("delivery", host=None)
            deadline = time.monotonic() + 20
            while slow.attempts == 0:
                assert time.monotonic() < deadline and process.poll() is None, "the sender never sent"
                time.sleep(0.02)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        [first] = slow.inbox.wait_for(1)
        restarted = time.monotonic()
        worker = AlertWorker(quiet.sessions, quiet.url, poll=0.05)  # the server, restarted on this machine
        worker.start()
        try:
            second = slow.inbox.wait_for(2, timeout=15)[1]
            [alert] = lincoln.wait_settled(visit_id)
        finally:
            worker.stop()
        assert second.at - restarted < 5  # not CLAIM_MS (two minutes) later
        assert alert.status == "delivered" and alert.attempts == 2
        assert "Sent again" not in first.text
        assert f"Sent again (alert {alert.id})" in second.text and "Ana Pérez" in second.text
    finally:
        slow.close()


def test_a_sender_that_stops_beating_loses_its_claims_and_cannot_record_over_the_next_one(
    quiet: LoopbackServer, tmp_path: Path
) -> None:
    lincoln = Campus_(quiet, tmp_path)
    lincoln.channels("front_office", "json://127.0.0.1:9/front")
    visit_id = lincoln.check_in("delivery", host=None)
    now = service.now_ms()
    with quiet.sessions.begin() as db:  # two servers on other machines
        queue.register_sender(db, "sender-a", "host-a", now)
        queue.register_sender(db, "sender-b", "host-b", now)
        [job] = queue.claim_due(db, now, 1, "sender-a")[0]
        assert not job.resend
    later = now + queue.LEASE_MS + 1  # b beats on; a went silent (a machine that lost power)
    with quiet.sessions.begin() as db:
        queue.beat(db, "sender-b", later)
        [again] = queue.claim_due(db, later, 1, "sender-b")[0]
        assert again.alert_id == job.alert_id and again.resend
    with quiet.sessions.begin() as db:
        assert queue.finish(db, job.alert_id, True, None, later, "sender-a") == "gone"  # a woke up, too late
        assert queue.finish(db, job.alert_id, True, None, later, "sender-b") == "delivered"
    with quiet.sessions() as db:
        assert db.scalars(select(Alert.status).where(Alert.visit_id == visit_id)).one() == "delivered"
