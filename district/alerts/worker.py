"""The alert sender: a thread in each server process that drains the queue.

A push wakes it at once (arrival to alert in well under a second); otherwise it looks every
second, which also picks up retries, escalations and alerts another process queued. Sends
run in a small thread pool, each bounded by SEND_TIMEOUT whatever a channel does, and each
outcome is recorded in its own short transaction, so a slow channel delays only itself.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from sqlalchemy.orm import Session, sessionmaker

from district.alerts import channels, queue
from district.alerts.messages import language_for, render

log = logging.getLogger(__name__)
SEND_TIMEOUT = 20.0  # seconds for one alert on all its channels (Apprise's own socket timeouts are 4 s)
ESCALATION_EVERY = 5.0


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class AlertWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        public_url: str,
        poll: float = 1.0,
        senders: int = 8,
        send: Callable[..., channels.Delivery] = channels.send,
    ) -> None:
        self.sessions = sessions
        self.public_url = public_url.rstrip("/")
        self.poll = poll
        self.send = send
        self._pool = ThreadPoolExecutor(senders, thread_name_prefix="alert-send")
        self.senders = senders
        self._running = 0  # sends started and not finished (a hung one holds its slot until it ends)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-worker", daemon=True)
        self._last_escalation = 0.0
        self.id = str(uuid.uuid4())  # this sender, in the alert_sender table
        self._last_beat = 0.0

    def start(self) -> None:
        with self.sessions.begin() as db:
            dead = queue.register_sender(db, self.id, socket.gethostname(), now_ms())
        if dead:
            log.warning("alert worker: %d senders on this machine died; their alerts are sent again now", dead)
        self._last_beat = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except Exception:
                log.exception("alert worker: a round failed; trying again shortly")
            self._wake.wait(self.poll)

    def run_once(self) -> int:
        """One round: escalate what is due, then claim and start sending what is due. Returns jobs started."""
        if time.monotonic() - self._last_escalation >= ESCALATION_EVERY:
            self._last_escalation = time.monotonic()
            with self.sessions.begin() as db:
                if queue.escalate_due(db, now_ms()):
                    self._wake.set()
        if time.monotonic() - self._last_beat >= 1.0:  # alive: LEASE_MS without a beat and others take over
            self._last_beat = time.monotonic()
            with self.sessions.begin() as db:
                queue.beat(db, self.id, now_ms())
        free = self._free_senders()
        if not free:
            return 0
        with self.sessions.begin() as db:
            jobs, expired = queue.claim_due(db, now_ms(), free, self.id)
        if expired:
            log.warning("alert worker: %d alerts expired before they could be delivered", expired)
        for job in jobs:
            with self._lock:
                self._running += 1
            future = self._pool.submit(self._deliver, job)
            future.add_done_callback(self._done)
            threading.Thread(target=self._watch, args=(job, future), daemon=True, name="alert-watch").start()
        return len(jobs)

    def _free_senders(self) -> int:
        with self._lock:
            return max(0, self.senders - self._running)

    def _done(self, _future: Future[channels.Delivery]) -> None:
        with self._lock:
            self._running -= 1
        self._wake.set()  # a sender is free: more may be waiting (a burst of arrivals)

    def _deliver(self, job: queue.Job) -> channels.Delivery:
        link = f"{self.public_url}/ack/{job.ack_token}" if job.ack_token else None
        language = language_for(job.language, "en")
        resend_of = job.alert_id if job.resend else None
        text = render(job.about, language, job.why, link, job.waited_minutes, resend_of)
        if not job.urls:
            return channels.Delivery(False, f"{job.recipient_name}: no alert channel")
        return self.send(job.urls, text.title, text.body, job.recipient_name)

    def _watch(self, job: queue.Job, future: Future[channels.Delivery]) -> None:
        """Record the outcome; a send that overruns SEND_TIMEOUT counts as failed (retried later)."""
        try:
            delivery = future.result(timeout=SEND_TIMEOUT)
        except FutureTimeout:
            delivery = channels.Delivery(False, f"{job.recipient_name}: no answer within {SEND_TIMEOUT:.0f} s")
        except Exception as exc:  # noqa: BLE001
            delivery = channels.Delivery(False, f"{job.recipient_name}: {type(exc).__name__}")
        try:
            with self.sessions.begin() as db:
                status = queue.finish(db, job.alert_id, delivery.delivered, delivery.error, now_ms(), self.id)
        except Exception:
            log.exception("alert worker: could not record the outcome of alert %s", job.alert_id)
            return
        if status == "pending":
            log.info(
                "alert %s to %s not delivered yet (%s); will retry", job.alert_id, job.recipient_name, delivery.error
            )
        elif delivery.error:
            log.info("alert %s: %s", job.alert_id, delivery.error)
