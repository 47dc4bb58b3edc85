"""What the confirmation may say about who knows a visitor is here (kiosk/arrival.py), and the
watch that asks a real HTTP server on loopback, however it answers or when it is gone."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kiosk import wire
from kiosk.arrival import NOT_YET, ArrivalWatch, Truth, truth
from kiosk.store import Store
from kiosk.sync import Enrollment, SyncClient, SyncError


@dataclass(frozen=True)
class V:
    id: str = "v1"
    host_id: str | None = "t-001"
    host_name: str | None = "Ms. García"


def arrival(told=(), acknowledged=None, pending: int = 0, failed: int = 0, visit_id: str = "v1") -> dict[str, Any]:
    return {"visit_id": visit_id, "told": [dict(t) for t in told], "pending": pending, "failed": failed,
            "acknowledged": acknowledged}  # fmt: skip


HOST = {"kind": "staff", "key": "t-001", "name": "Ms. García"}
INTERPRETER = {"kind": "staff", "key": "t-009", "name": "Mr. Reyes"}
FRONT = {"kind": "office", "key": "front_office", "name": "Front office"}
ATTENDANCE = {"kind": "office", "key": "attendance", "name": "Attendance"}
VOLUNTEERS = {"kind": "office", "key": "volunteers", "name": "Volunteers"}
NO_HOST = V(host_id=None, host_name=None)

TABLE = [
    ("no server, or not there yet", V(), None, NOT_YET),
    ("sent to nobody yet", V(), arrival(pending=2), NOT_YET),
    ("every alert failed", V(), arrival(failed=2), NOT_YET),
    ("the host was told", V(), arrival([HOST], pending=1), Truth("host_told", "Ms. García")),
    ("the host, by the server's name", V(), arrival([{**HOST, "name": "Ana García"}]), Truth("host_told", "Ana García")),
    ("the host, nameless: the kiosk's name", V(), arrival([{**HOST, "name": ""}]), Truth("host_told", "Ms. García")),
    ("only an interpreter was told", V(), arrival([INTERPRETER]), NOT_YET),
    ("the interpreter is the host", V(host_id="t-009", host_name="Mr. Reyes"), arrival([INTERPRETER]),
     Truth("host_told", "Mr. Reyes")),
    ("host before an office", V(), arrival([FRONT, HOST]), Truth("host_told", "Ms. García")),
    ("the host not told, the office was", V(), arrival([FRONT], failed=1), Truth("office_told", "front_office")),
    ("no host: front office", NO_HOST, arrival([FRONT]), Truth("office_told", "front_office")),
    ("no host: attendance", NO_HOST, arrival([ATTENDANCE]), Truth("office_told", "attendance")),
    ("no host: volunteers", NO_HOST, arrival([VOLUNTEERS]), Truth("office_told", "volunteers")),
    ("front office first", NO_HOST, arrival([VOLUNTEERS, ATTENDANCE, FRONT]), Truth("office_told", "front_office")),
    ("attendance before volunteers", NO_HOST, arrival([VOLUNTEERS, ATTENDANCE]), Truth("office_told", "attendance")),
    ("a staff member told, with no host", NO_HOST, arrival([INTERPRETER]), NOT_YET),
    ("on the way", V(), arrival([HOST], {"by": "Ms. García", "via": "link"}), Truth("on_the_way", "Ms. García")),
    ("on the way, someone else", V(), arrival([HOST], {"by": "Mr. Johnson", "via": "link"}),
     Truth("on_the_way", "Mr. Johnson")),
    ("on the way beats everything", NO_HOST, arrival([FRONT], {"by": "Mr. Johnson", "via": "link"}),
     Truth("on_the_way", "Mr. Johnson")),
    ("seen by the front office", V(), arrival([HOST], {"by": "Ms. Diaz", "via": "office"}),
     Truth("office_seen", "front_office")),
    ("seen, with nobody told", NO_HOST, arrival([], {"by": "", "via": "office"}), Truth("office_seen", "front_office")),
    ("acknowledged by nobody by name", V(), arrival([HOST], {"by": " ", "via": "link"}),
     Truth("host_told", "Ms. García")),
    ("a bidi override is not shown", V(), arrival([{**HOST, "name": "Ms.\u202e aícraG"}]),
     Truth("host_told", "Ms. aícraG")),
]  # fmt: skip


@pytest.mark.parametrize(("case", "visit", "answer", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_the_truth(case: str, visit: V, answer: dict[str, Any] | None, expected: Truth) -> None:
    assert truth(visit, answer) == expected


def test_a_very_long_name_is_cut_to_fit_a_sentence() -> None:
    said = truth(V(), arrival([{**HOST, "name": "A" * 150}]))
    assert said.kind == "host_told" and len(said.name) == 60 and said.name.endswith("…")


# -- a real HTTP server on loopback, answering what the test scripts --------------------------------

TOKEN = "s3cret-token"


class Scripted:
    """A district server stand-in: GET /api/v1/arrivals answers `reply(ids)` (a status and a body);
    everything else is 503, so a sync worker pointed at it just backs off."""

    def __init__(self, port: int = 0) -> None:
        self.reply = lambda ids: (200, {"arrivals": []})
        self.requests: list[tuple[str, dict[str, str]]] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                scripted.requests.append((self.path, dict(self.headers)))
                if parts.path != wire.API + "/arrivals":
                    return self._send(503, b"{}")
                ids = parse_qs(parts.query).get("ids", [""])[0].split(",")
                status, body = scripted.reply(ids)
                self._send(status, body if isinstance(body, bytes) else json.dumps(body).encode())

            def do_POST(self) -> None:
                self._send(503, b"{}")

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def answer(self, **fields: Any) -> None:
        """From now on, every asked visit has this arrival."""
        self.reply = lambda ids: (200, {"arrivals": [arrival(visit_id=i, **fields) for i in ids]})

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    server = Scripted()
    yield server
    server.stop()


@pytest.fixture
def client_for(tmp_path: Path):
    stores: list[Store] = []

    def make(url: str) -> SyncClient:
        stores.append(Store(tmp_path / "kiosk.sqlite3"))
        return SyncClient(stores[-1], Enrollment(url, "k1", "Front door", TOKEN))

    yield make
    for store in stores:
        store.close()


def test_arrivals_asks_with_the_token_and_reads_the_answer(scripted: Scripted, client_for) -> None:
    scripted.answer(told=[HOST, FRONT], pending=1, acknowledged={"by": "Ms. García", "via": "link"})
    [got] = client_for(scripted.url).arrivals(["v1"])
    assert got == arrival([HOST, FRONT], {"by": "Ms. García", "via": "link"}, pending=1)
    path, headers = scripted.requests[-1]
    assert path == "/api/v1/arrivals?ids=v1"
    assert headers["Authorization"] == f"Bearer {TOKEN}"


def test_arrivals_for_several_visits_and_none(scripted: Scripted, client_for) -> None:
    client = client_for(scripted.url)
    scripted.reply = lambda ids: (200, {"arrivals": [arrival(visit_id="v2")]})  # v1 not on the server yet
    assert [a["visit_id"] for a in client.arrivals(["v1", "v2"])] == ["v2"]
    assert scripted.requests[-1][0] == "/api/v1/arrivals?ids=v1%2Cv2"
    count = len(scripted.requests)
    assert client.arrivals([]) == [] and len(scripted.requests) == count, "nothing to ask: no request"
    with pytest.raises(ValueError):
        client.arrivals([f"v{i}" for i in range(wire.MAX_ARRIVAL_IDS + 1)])


NONSENSE = {
    "not json": b"<html>502 Bad Gateway</html>",
    "a list": b"[]",
    "no arrivals": b"{}",
    "arrivals is an object": json.dumps({"arrivals": {"v1": {}}}).encode(),
    "an arrival is a string": json.dumps({"arrivals": ["v1"]}).encode(),
    "no told": json.dumps({"arrivals": [{"visit_id": "v1", "pending": 0, "failed": 0, "acknowledged": None}]}).encode(),
    "told is a string": json.dumps({"arrivals": [{**arrival(), "told": "everyone"}]}).encode(),
    "told by carrier pigeon": json.dumps(
        {"arrivals": [arrival([{"kind": "pigeon", "key": "p", "name": "P"}])]}
    ).encode(),
    "an unknown office": json.dumps({"arrivals": [arrival([{**FRONT, "key": "principal"}])]}).encode(),
    "a told without a key": json.dumps({"arrivals": [arrival([{"kind": "staff", "name": "X"}])]}).encode(),
    "a name that is a number": json.dumps({"arrivals": [arrival([{**HOST, "name": 7}])]}).encode(),
    "a huge name": json.dumps({"arrivals": [arrival([{**HOST, "name": "x" * 5000}])]}).encode(),
    "pending is a string": json.dumps({"arrivals": [arrival(pending="2")]}).encode(),
    "pending is true": json.dumps({"arrivals": [arrival(pending=True)]}).encode(),
    "failed is negative": json.dumps({"arrivals": [arrival(failed=-1)]}).encode(),
    "acknowledged is yes": json.dumps({"arrivals": [arrival(acknowledged="yes")]}).encode(),
    "acknowledged by a list": json.dumps({"arrivals": [arrival(acknowledged={"by": ["a"], "via": "link"})]}).encode(),
    "acknowledged by fax": json.dumps({"arrivals": [arrival(acknowledged={"by": "A", "via": "fax"})]}).encode(),
    "a visit not asked about": json.dumps({"arrivals": [arrival(visit_id="someone-else")]}).encode(),
    "a visit id that is a number": json.dumps({"arrivals": [arrival(visit_id=1)]}).encode(),
}


@pytest.mark.parametrize("case", list(NONSENSE))
def test_a_nonsense_arrivals_answer_is_an_answer_error(scripted: Scripted, client_for, case: str) -> None:
    scripted.reply = lambda ids: (200, NONSENSE[case])
    with pytest.raises(SyncError) as error:
        client_for(scripted.url).arrivals(["v1"])
    assert error.value.kind == "answer"


@pytest.mark.parametrize(("status", "kind"), [(401, "unauthorized"), (404, "refused"), (500, "server")])
def test_arrivals_http_errors_have_the_usual_kinds(scripted: Scripted, client_for, status: int, kind: str) -> None:
    scripted.reply = lambda ids: (status, {"detail": "no"})
    with pytest.raises(SyncError) as error:
        client_for(scripted.url).arrivals(["v1"])
    assert error.value.kind == kind


def test_arrivals_fails_fast_when_the_server_is_gone(client_for) -> None:
    gone = Scripted()
    gone.stop()
    started = time.monotonic()
    with pytest.raises(SyncError) as error:
        client_for(gone.url).arrivals(["v1"])
    assert error.value.kind == "offline" and time.monotonic() - started < 3.5


# -- the watch ---------------------------------------------------------------------------------------


class Seen:
    """Collects what the watch calls back with, from its thread."""

    def __init__(self) -> None:
        self.truths: list[Truth] = []
        self.changed = threading.Condition()

    def __call__(self, truth: Truth) -> None:
        with self.changed:
            self.truths.append(truth)
            self.changed.notify_all()

    def wait_for(self, count: int, seconds: float = 5.0) -> list[Truth]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.truths) >= count, seconds), f"saw only {self.truths}"
            return list(self.truths)


def wait_until(condition, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_watch_calls_back_only_on_a_change_and_ends_at_on_my_way(scripted: Scripted, client_for) -> None:
    seen = Seen()
    watch = ArrivalWatch(client_for(scripted.url), V(), seen, interval=0.02).start()
    wait_until(lambda: watch.polls >= 3)  # the visit is not on the server yet: nothing to say
    assert seen.truths == []
    scripted.answer(pending=2)
    wait_until(lambda: watch.polls >= 6)
    assert seen.truths == []
    scripted.answer(told=[INTERPRETER], pending=1)
    wait_until(lambda: watch.polls >= 9)
    assert seen.truths == [], "an interpreter being told is not news for the visitor"
    scripted.answer(told=[INTERPRETER, HOST])
    assert seen.wait_for(1) == [Truth("host_told", "Ms. García")]
    polls = watch.polls
    wait_until(lambda: watch.polls >= polls + 3)
    assert len(seen.truths) == 1, "the same news is not told twice"
    scripted.answer(told=[HOST], acknowledged={"by": "Ms. García", "via": "link"})
    assert seen.wait_for(2)[1] == Truth("on_the_way", "Ms. García")
    watch.join(2)
    assert not watch.running, "nothing better than an acknowledgement can come: the watch ends"


def test_the_watch_survives_nonsense_and_errors(scripted: Scripted, client_for) -> None:
    seen = Seen()
    watch = ArrivalWatch(client_for(scripted.url), V(), seen, interval=0.02).start()
    for case in ("not json", "told by carrier pigeon", "pending is true"):
        scripted.reply = lambda ids, body=NONSENSE[case]: (200, body)
        wait_until(lambda polls=watch.polls: watch.polls >= polls + 2)
    for status in (500, 401, 404):
        scripted.reply = lambda ids, s=status: (s, {"detail": "no"})
        wait_until(lambda polls=watch.polls: watch.polls >= polls + 2)
    assert watch.running and watch.truth == NOT_YET and seen.truths == []
    scripted.answer(told=[FRONT])
    assert seen.wait_for(1) == [Truth("office_told", "front_office")]
    watch.stop()
    watch.join(2)
    assert not watch.running


def test_the_watch_survives_a_stopped_server_and_hears_it_again(client_for) -> None:
    server = Scripted()
    port = server.port
    server.stop()
    seen = Seen()
    watch = ArrivalWatch(client_for(f"http://127.0.0.1:{port}"), V(), seen, interval=0.02).start()
    try:
        wait_until(lambda: watch.polls >= 5)
        assert watch.running and watch.truth == NOT_YET and seen.truths == []
        back = Scripted(port)  # the server is back on the same address
        try:
            back.answer(told=[HOST])
            assert seen.wait_for(1) == [Truth("host_told", "Ms. García")]
        finally:
            back.stop()
    finally:
        watch.stop()
        watch.join(5)
    assert not watch.running


def test_the_watch_keeps_secrets_out_of_the_log(client_for, caplog: pytest.LogCaptureFixture) -> None:
    gone = Scripted()
    gone.stop()
    caplog.set_level("DEBUG", logger="kiosk")
    watch = ArrivalWatch(client_for(gone.url), V(), Seen(), interval=0.02).start()
    wait_until(lambda: watch.polls >= 3)
    watch.stop()
    watch.join(5)
    assert "not known" in caplog.text
    assert TOKEN not in caplog.text and "García" not in caplog.text


def test_the_watch_ends_at_its_time_limit_and_stop_never_waits(scripted: Scripted, client_for) -> None:
    watch = ArrivalWatch(client_for(scripted.url), V(), Seen(), interval=0.02, limit=0.2).start()
    watch.join(3)
    assert not watch.running and watch.polls >= 2
    slow = threading.Event()

    def hang(ids: list[str]) -> tuple[int, dict[str, Any]]:
        slow.wait(5)
        return 200, {"arrivals": [arrival([HOST], visit_id=ids[0])]}

    scripted.reply = hang
    asked = len(scripted.requests)
    seen = Seen()
    watch = ArrivalWatch(client_for(scripted.url), V(), seen).start()
    wait_until(lambda: len(scripted.requests) > asked)  # the first poll is in flight, right away
    started = time.monotonic()
    watch.stop()
    assert time.monotonic() - started < 0.05
    slow.set()
    watch.join(5)
    assert not watch.running and seen.truths == [], "an answer that arrives after stop() is dropped"
