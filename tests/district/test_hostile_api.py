"""The kiosks' API and the staff API under hostile bodies (Hypothesis), on SQLite and PostgreSQL: never a 5xx
or a traceback, always a precise 4xx detail or a per-event reason, and nothing malformed stored. One server
per module."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conftest import World, malformed_text, two_campuses
from hypothesis import given, settings
from hypothesis import strategies as st
from loopback import LoopbackServer
from test_web import visit

from district import api_tokens, service
from district.models import Campus, User, Visit
from kiosk import passcode
from kiosk.text import clean_name

ODD = st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "\x7f", "é", "\U0001f600", '"', "\\"])
TEXT = st.text(st.characters() | ODD, max_size=30)
SCALAR = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | TEXT
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                     max_leaves=8)  # fmt: skip
DEEP = st.integers(1, 30_000).map(lambda n: "[" * n + "]" * n)


@pytest.fixture(scope="module")
def shared(shared_server: LoopbackServer) -> World:
    return two_campuses(shared_server)


@pytest.fixture(scope="module")
def token(shared: World) -> str:
    answer = requests.post(shared.server.url + "/api/v1/enroll", json={"code": shared.code_a})
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


@pytest.fixture(scope="module")
def staff_token(shared: World) -> str:
    with shared.server.sessions.begin() as db:
        user = User(email="sec@hostile.example", name="Sec", password_hash="-", role="secretary",
                    campus_id=shared.campus_a, active=True, created_ms=service.now_ms())  # fmt: skip
        db.add(user)
        db.flush()
        return api_tokens.create(db, user, db.get_one(Campus, shared.campus_a), "fuzzer", 30)[1]


def send(server: LoopbackServer, path: str, body: object, token: str = "") -> requests.Response:
    """A body as a hostile client writes it: NaN and Infinity allowed, lone surrogates as \\u escapes."""
    data = body if isinstance(body, str) else json.dumps(body, allow_nan=True)
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    return requests.post(f"{server.url}/api/v1{path}", data=data.encode("utf-8", "surrogatepass"), headers=headers)


def mutated(body: dict[str, Any]) -> st.SearchStrategy[object]:
    """A good body with one field replaced, dropped or added, or something else entirely."""
    keys = st.sampled_from(sorted(body)) | TEXT
    return st.one_of(
        st.tuples(keys, VALUE).map(lambda kv: {**body, kv[0]: kv[1]}),
        keys.map(lambda k: {key: v for key, v in body.items() if key != k}),
        VALUE,
        DEEP,
    )


def precise(answer: requests.Response) -> None:
    """Not a crash, and a 4xx says what was wrong ("version: has a NUL character, which is not text")."""
    assert answer.status_code < 500, answer.text
    assert "Traceback" not in answer.text
    if answer.status_code >= 400:
        detail = answer.json()["detail"]
        assert isinstance(detail, str) and detail.strip(), answer.text
        if answer.status_code == 422:
            assert re.match(r".+?: \S", detail, re.S), detail


def clean(server: LoopbackServer) -> None:
    assert malformed_text(server) == []


@pytest.fixture(scope="module")
def codes(shared: World) -> Iterator[str]:
    """A fresh enrollment code each time: a good code with a hostile version must be refused too."""

    def fresh() -> Iterator[str]:
        while True:
            with shared.server.sessions.begin() as db:
                code = service.add_kiosk(db, shared.campus_a, f"Door {uuid.uuid4()}").code
            yield code  # outside the transaction, which would hold SQLite's write lock

    return fresh()


@settings(max_examples=40)
@given(data=st.data())
def test_enroll_takes_any_body_without_a_crash(shared: World, codes: Iterator[str], data: st.DataObject) -> None:
    body = data.draw(mutated({"code": next(codes), "hostname": "pi-front", "version": "1.4.0"}))
    answer = send(shared.server, "/enroll", body)
    precise(answer)
    clean(shared.server)


@settings(max_examples=40)
@given(data=st.data(), since=TEXT, limit=TEXT)
def test_heartbeat_and_changes_take_any_input_without_a_crash(
    shared: World, token: str, data: st.DataObject, since: str, limit: str
) -> None:
    beat = {"version": "1.4.0", "backlog": 0, "refused": 0, "last_sync_ms": 1, "free_disk_bytes": 10**9}
    precise(send(shared.server, "/sync/heartbeat", data.draw(mutated(beat)), token))
    query = {"since": since.encode("utf-8", "surrogatepass"), "limit": limit.encode("utf-8", "surrogatepass")}
    precise(requests.get(f"{shared.server.url}/api/v1/sync/changes", params=query,
                         headers={"Authorization": f"Bearer {token}"}))  # fmt: skip
    clean(shared.server)


@settings(max_examples=40)
@given(data=st.data())
def test_push_takes_any_event_without_a_crash(shared: World, token: str, data: st.DataObject) -> None:
    good = visit("Ana", "García")
    events = data.draw(st.lists(mutated(good), max_size=3) | VALUE.map(lambda v: [v]))
    answer = send(shared.server, "/sync/push", data.draw(st.sampled_from([{"events": events}, events])), token)
    precise(answer)
    if answer.status_code == 200:
        results = answer.json()["results"]
        assert len(results) == len(events)
        for result in results:
            assert result["status"] in ("stored", "duplicate", "refused"), result
            assert result["status"] != "refused" or re.match(r".+?: \S", result["error"], re.S), result
    clean(shared.server)


@settings(max_examples=40)
@given(data=st.data())
def test_the_staff_api_takes_any_pass_without_a_crash(shared: World, staff_token: str, data: st.DataObject) -> None:
    good = {"first_name": "Ana", "last_name": "García", "reason": "meeting", "language": "es", "uses": 2}
    answer = send(shared.server, "/passes", data.draw(mutated(good)), staff_token)
    precise(answer)
    if answer.status_code == 201:  # what it took is what the kiosks will show: clean by the kiosk's rules
        made = answer.json()
        assert all(clean_name(made[k]) == made[k] for k in ("first_name", "last_name"))
        assert passcode.digest(made["code"]) in {p["code_hash"] for p in pulled_passes(shared)}
    clean(shared.server)


def pulled_passes(shared: World) -> list[dict[str, Any]]:
    with shared.server.sessions() as db:
        return service.changes(db, shared.campus_a, 0, limit=5000)["passes"]


# -- what the fuzzing found, as examples ---------------------------------------------------------------
@pytest.mark.parametrize(("body", "detail"), [
    ('{"code": "\\ud800"}', "code: Input should be a valid string, unable to parse raw data as a unicode string"),
    ('{"code": 1, "version": NaN}', "body: not JSON (NaN is not a number JSON allows)"),
    ('{"code": "x", "version": -Infinity}', "body: not JSON (-Infinity is not a number JSON allows)"),
])  # fmt: skip
def test_nan_infinity_and_lone_surrogates_are_a_precise_422_tokenless(shared: World, body: str, detail: str) -> None:
    answer = send(shared.server, "/enroll", body)
    assert (answer.status_code, answer.json()) == (422, {"detail": detail})


def test_nan_in_a_push_or_a_heartbeat_is_a_422(shared: World, token: str) -> None:
    for path, body in (("/sync/push", '{"events": [NaN]}'), ("/sync/heartbeat", '{"version": "1", "backlog": NaN}')):
        answer = send(shared.server, path, body, token)
        assert answer.status_code == 422
        assert answer.json()["detail"] == "body: not JSON (NaN is not a number JSON allows)"


def test_a_nul_in_the_version_of_a_good_enrollment_is_refused_and_the_code_still_works(
    shared: World, codes: Iterator[str]
) -> None:
    code = next(codes)
    answer = send(shared.server, "/enroll", {"code": code, "version": "1.4\x00"})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("version: has "), answer.text
    assert send(shared.server, "/enroll", {"code": code, "version": "1.4"}).status_code == 200
    clean(shared.server)


def test_a_body_nested_ten_thousand_deep_is_a_422(shared: World, token: str) -> None:
    answer = send(shared.server, "/sync/push", '{"events": ' + "[" * 10_000 + "]" * 10_000 + "}", token)
    assert (answer.status_code, answer.json()) == (422, {"detail": "body: not JSON (nested too deeply)"})


def test_the_same_visit_twice_in_one_batch_is_a_duplicate_or_refused_never_lost(shared: World, token: str) -> None:
    first = visit("Ana", "García")
    changed = first | {"first_name": "Anna"}
    answer = send(shared.server, "/sync/push", {"events": [first, first, changed]}, token)
    assert answer.json()["results"] == [
        {"status": "stored"}, {"status": "duplicate"},
        {"status": "refused", "error": "id: sent earlier in this batch with different content"},
    ]  # fmt: skip
    with shared.server.sessions() as db:
        assert db.get_one(Visit, first["id"]).first_name == "Ana"


def test_a_big_body_sent_chunked_is_a_413_like_a_declared_one(shared: World, token: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * (1024 * 1024)

    for data in (chunks(), b"x" * (5 * 1024 * 1024)):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        answer = requests.post(shared.server.url + "/api/v1/sync/push", data=data, headers=headers)
        assert answer.status_code == 413, answer.text
        assert answer.json() == {"detail": "What was sent is too large: this address takes at most 4 MB."}
