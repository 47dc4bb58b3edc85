"""The kiosk's sync client against a server that answers nonsense (a real HTTP server on loopback)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk.store import Store
from kiosk.sync import Enrollment, SyncClient, SyncError, backoff

ANSWERS = {
    "not json": b"<html>502 Bad Gateway</html>",
    "a list": b"[1, 2]",
    "cursor goes back": json.dumps({"cursor": 3, "more": False, "staff": [], "sign_outs": []}).encode(),
    "huge cursor": json.dumps({"cursor": 10**30, "more": False, "staff": [], "sign_outs": []}).encode(),
    "staff is a string": json.dumps({"cursor": 9, "more": False, "staff": "everyone", "sign_outs": []}).encode(),
    "sign-out by a stranger": json.dumps(
        {"cursor": 9, "more": False, "staff": [], "sign_outs": [{"visit_id": "x", "at_ms": 1, "by": "mallory"}]}
    ).encode(),
    "sign-out in year 10^20": json.dumps(
        {"cursor": 9, "more": False, "staff": [], "sign_outs": [{"visit_id": "x", "at_ms": 10**30, "by": "office"}]}
    ).encode(),
}


@pytest.fixture
def nonsense_server():
    state = {"answer": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state["answer"])))
            self.end_headers()
            self.wfile.write(state["answer"])

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("case", list(ANSWERS))
def test_a_nonsense_answer_is_an_error_and_changes_nothing(nonsense_server, tmp_path: Path, case: str) -> None:
    state, url = nonsense_server
    store = Store(tmp_path / "kiosk.sqlite3")
    client = SyncClient(store, Enrollment(url, "k1", "Front door", "token"))
    store.forget_server_state(client.identity)  # enrolled with this server...
    store.apply_changes(5, [], [], None)  # ...and synced up to cursor 5
    state["answer"] = ANSWERS[case]
    with pytest.raises(SyncError) as error:
        client.pull()
    assert error.value.kind == "answer"
    assert store.get_state("cursor") == "5"


def test_backoff_doubles_up_to_its_cap_with_half_of_it_random() -> None:
    assert [backoff(n, rand=lambda: 0.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert [backoff(n, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff(50, rand=lambda: 1.0) == 300.0 and backoff(50, rand=lambda: 0.0) == 150.0
