"""A push is written a part at a time (service.apply_in_parts), so on SQLite the other writers wait
for one part, not for a whole 500-event batch (issue 11, point 13). The parts must answer exactly as
one transaction did, and a push cut off between parts must be completed once by its resend."""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from conftest import World
from loopback import LoopbackServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_sync import check_in, enrolled, make_desk, server_visits
from test_web import kiosk_id, visit

from district import api, service
from district.models import Alert, Office, Visit
from kiosk import wire
from kiosk.sync import SyncError


SURNAMES = ["García", "López", "Nguyễn", "Okafor", "Haddad", "Kim", "Novak"]


def mixed_batch() -> list[dict[str, Any]]:
    """Visits with a repeat of each kind, sign-outs of visits earlier and later in the batch, a
    sign-out of no visit, and an event the server cannot read: every answer a push can give."""
    visits = [visit("Ana", name, hour=8 + n) for n, name in enumerate(SURNAMES)]
    at = service.now_ms()
    return [
        wire.sign_out_event(visits[6]["id"], at, "visitor"),  # its visit comes later in the batch
        *visits[:4],
        visits[1],  # the same again: duplicate
        visits[2] | {"first_name": "Anna"},  # the same id, other content: refused
        {"type": "visit", "id": "not a visit"},
        *visits[4:],
        wire.sign_out_event(visits[0]["id"], at, "staff"),
        wire.sign_out_event(visits[0]["id"], at + 1000, "visitor"),  # already signed out: duplicate
        wire.sign_out_event("0190a2c1-0000-7000-8000-000000000000", at, "visitor"),  # no such visit
    ]


def office_alerted(server: LoopbackServer, *campus_ids: int) -> None:
    """The front office has a channel, so each visit (a pickup) gets one arrival alert."""
    with server.sessions.begin() as db:
        for office in db.scalars(select(Office).where(Office.campus_id.in_(campus_ids), Office.key == "front_office")):
            office.alert_urls = "json://127.0.0.1:9/office"


def transactions(server: LoopbackServer) -> Any:
    return lambda: server.sessions.begin()


def state(server: LoopbackServer, campus_id: int) -> tuple[list[tuple[Any, ...]], Counter[str]]:
    with server.sessions() as db:
        visits = db.execute(
            select(Visit.last_name, Visit.first_name, Visit.signed_out_by).where(Visit.campus_id == campus_id)
            .order_by(Visit.last_name)
        ).all()  # fmt: skip
        alerts = Counter(db.scalars(select(Visit.last_name).join(Alert, Alert.visit_id == Visit.id)
                                    .where(Visit.campus_id == campus_id)))  # fmt: skip
    return [tuple(v) for v in visits], alerts


@pytest.mark.parametrize("part", [1, 2, 3])
def test_a_push_in_parts_answers_and_stores_as_one_transaction_does(world: World, part: int) -> None:
    server, a, b = world.server, world.campus_a, world.campus_b
    office_alerted(server, a, b)
    with server.sessions.begin() as db:
        whole = service.apply_events(db, kiosk_id(server, a), a, mixed_batch())
    in_parts = service.apply_in_parts(transactions(server), kiosk_id(server, b), b, mixed_batch(), part=part)
    assert in_parts == whole
    assert [r["status"] for r in whole] == ["stored"] * 5 + ["duplicate", "refused", "refused"] + ["stored"] * 3 + [
        "stored", "duplicate", "refused"]  # fmt: skip
    assert state(server, b) == state(server, a)
    visits, alerts = state(server, b)
    assert len(visits) == 7 and set(alerts.values()) == {1}  # one arrival alert each, none twice


class ServerDied(Exception):
    pass


def test_a_push_cut_off_between_parts_is_completed_once_by_its_resend(world: World) -> None:
    server, a = world.server, world.campus_a
    office_alerted(server, a)
    batch = [visit("Bao", name, hour=8 + n) for n, name in enumerate(SURNAMES)]
    batch.append(wire.sign_out_event(batch[0]["id"], service.now_ms(), "visitor"))
    parts_left = 2

    def dying() -> AbstractContextManager[Session]:
        nonlocal parts_left
        if parts_left == 0:
            raise ServerDied  # the kiosk gets no answer, and keeps the whole batch in its outbox
        parts_left -= 1
        return server.sessions.begin()

    with pytest.raises(ServerDied):
        service.apply_in_parts(dying, kiosk_id(server, a), a, batch, part=3)
    with server.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Visit)) == 6  # two parts of three were kept
    again = service.apply_in_parts(transactions(server), kiosk_id(server, a), a, batch, part=3)
    assert [r["status"] for r in again] == ["duplicate"] * 6 + ["stored", "stored"]
    visits, alerts = state(server, a)
    assert len(visits) == 7 and sorted(alerts.values()) == [1] * 7
    assert [v for v in visits if v[2]] == [("García", "Bao", "visitor")]


def test_a_push_that_waits_too_long_for_its_turn_is_told_to_come_back_and_keeps_its_events(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite handles one push at a time; with many kiosks back at once, a push that cannot get its turn
    soon is a 503 with Retry-After (its worker thread goes back to heartbeats and pages), never lost."""
    turn = world.server.app.state.one_push
    if turn is None:
        pytest.skip("PostgreSQL takes pushes side by side")
    monkeypatch.setattr(api, "PUSH_WAIT_S", 0.2)
    desk = make_desk(tmp_path)
    ids = check_in(desk, 2)
    client = enrolled(desk, world.server.url, world.code_a)
    with turn:  # another kiosk's backlog
        answer = client.http.post(client.base + "/sync/push", json={"events": []})
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "10"
        with pytest.raises(SyncError):
            client.push()
    assert desk.store.outbox_counts() == (2, 0)  # kept for the next round
    assert client.push() == (2, 0)
    assert set(server_visits(world.server)) == set(ids)
