"""What the confirmation screen may truthfully say about who knows a visitor has arrived.

The district server sends the alerts; the kiosk only asks it, about one visit, what came of
them (wire.py: GET /arrivals). "Ms. García knows you are here." is said only once an alert to
her was delivered; until then, when it failed, or with no server at all, the visitor is asked
to tell the front desk. An interpreter told because they speak the visitor's language is not
"someone who knows you are here" (unless they are the host): they are not who the visitor came
for. No Kivy here: ArrivalWatch calls back from its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk import wire
from kiosk.sync import SyncError
from kiosk.text import strip_invisible

log = logging.getLogger(__name__)

KINDS = ("not_yet", "host_told", "office_told", "on_the_way", "office_seen")
FINAL = ("on_the_way", "office_seen")  # an acknowledgement: nothing the server says later can be better
MAX_SHOWN_NAME = 60  # a name from the server is shown in a sentence: keep it to one or two lines
POLL_SECONDS = 1.0  # how often a watch asks: "on my way" shows within about a second
LIMIT_SECONDS = 120.0  # a watch never outlives this, whatever happens to the screen that started it


@dataclass(frozen=True)
class Truth:
    """kind: one of KINDS; name: the staff member (host_told, on_the_way) or the office's key (office_told)."""

    kind: str
    name: str = ""


NOT_YET = Truth("not_yet")


class ArrivingVisit(Protocol):
    id: str
    host_id: str | None
    host_name: str | None


class ArrivalSource(Protocol):
    def arrivals(self, ids: list[str]) -> list[dict[str, Any]]: ...


def _shown(name: str | None) -> str:
    """A name from the server as it may appear on screen: no invisible or bidi controls, not too long."""
    text = strip_invisible(name or "")
    return text if len(text) <= MAX_SHOWN_NAME else text[: MAX_SHOWN_NAME - 1] + "…"


def truth(visit: ArrivingVisit, arrival: dict[str, Any] | None) -> Truth:
    """The best true thing to say, in this order: acknowledged, host told, an office told, not yet.
    `arrival` is the server's answer for this visit (checked by SyncClient.arrivals), or None."""
    if arrival is None:
        return NOT_YET
    acknowledged = arrival.get("acknowledged")
    if acknowledged:
        if acknowledged["via"] == "office":
            return Truth("office_seen", "front_office")
        if acknowledged["via"] == "link" and _shown(acknowledged["by"]):
            return Truth("on_the_way", _shown(acknowledged["by"]))
    told = arrival["told"]
    if visit.host_id:
        for who in told:
            if who["kind"] == "staff" and who["key"] == visit.host_id:
                name = _shown(who["name"]) or _shown(visit.host_name)
                if name:
                    return Truth("host_told", name)
    offices = {who["key"] for who in told if who["kind"] == "office"}
    for key in wire.OFFICES:  # front_office first
        if key in offices:
            return Truth("office_told", key)
    return NOT_YET


class ArrivalWatch:
    """Asks the server about one visit every `interval` s, from a daemon thread, until stop() or
    `limit` s, or an acknowledgement; calls `on_truth` (from that thread) each time the Truth changes.
    A failed request is only logged at debug level: the screen keeps its last truth and it asks again."""

    def __init__(
        self,
        source: ArrivalSource,
        visit: ArrivingVisit,
        on_truth: Callable[[Truth], None],
        interval: float | None = None,
        limit: float | None = None,
    ) -> None:
        self.source = source
        self.visit = visit
        self.on_truth = on_truth
        self.interval = POLL_SECONDS if interval is None else interval
        self.limit = LIMIT_SECONDS if limit is None else limit
        self.truth = truth(visit, None)
        self.polls = 0
        self._bug_logged = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="arrival-watch", daemon=True)

    def start(self) -> ArrivalWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Never waits: a request in flight finishes on its own, and its answer is dropped."""
        self._stop.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._poll()
            if self.truth.kind in FINAL:
                return
            self._stop.wait(self.interval)

    def _poll(self) -> None:
        self.polls += 1
        try:
            answer = self.source.arrivals([self.visit.id])
            now = truth(self.visit, next((a for a in answer if a["visit_id"] == self.visit.id), None))
        except SyncError as exc:
            log.debug("arrival of visit %s: not known (%s)", self.visit.id, exc)
            return
        except Exception:  # a bug must not end the watch: the visitor still sees the front-desk line
            level = logging.WARNING if not self._bug_logged else logging.DEBUG
            log.log(level, "arrival of visit %s: unexpected error", self.visit.id, exc_info=True)
            self._bug_logged = True
            return
        if now == self.truth or self._stop.is_set():
            return
        self.truth = now
        log.info("arrival of visit %s: %s", self.visit.id, now.kind)  # no names in logs
        try:
            self.on_truth(now)
        except Exception:
            log.exception("arrival of visit %s: the screen could not take the news", self.visit.id)
