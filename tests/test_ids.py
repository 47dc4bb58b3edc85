"""kiosk/ids.py: visit ids are UUIDv7, made on the kiosk, and sort by check-in time."""

from __future__ import annotations

import time
import uuid

import pytest

from kiosk import ids
from kiosk.ids import id_time_ms, new_id


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a kiosk process just started: ids made earlier in this test run with a clock days ahead (the
    wrong-clock tests) would otherwise keep later ids at that time, which is what the order promise says."""
    monkeypatch.setattr(ids, "_last_ms", -1)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_new_id_is_a_valid_uuid_version_7() -> None:
    visit_id = new_id()
    parsed = uuid.UUID(visit_id)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == visit_id  # canonical: lower case, hyphenated, 36 characters
    assert len(visit_id) == 36


def test_an_id_carries_the_time_it_was_made() -> None:
    before = _now_ms()
    made = id_time_ms(new_id())
    after = _now_ms()
    assert before <= made <= after + 100


def test_ids_strictly_increase_over_ten_thousand_calls() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(a < b for a, b in zip(ids, ids[1:]))  # as text, so the database index sorts them
    ints = [uuid.UUID(i).int for i in ids]
    assert all(a < b for a, b in zip(ints, ints[1:]))
    assert all(uuid.UUID(i).version == 7 for i in ids)


def test_id_time_ms_round_trips_a_given_time() -> None:
    # Ids never go backwards within a process, so give times later than any id made so far.
    start = max(_now_ms(), id_time_ms(new_id())) + 10
    for now_ms in (start, start + 1, start + 7):
        assert id_time_ms(new_id(now_ms=now_ms)) == now_ms


def test_ids_made_in_one_millisecond_still_increase() -> None:
    start = max(_now_ms(), id_time_ms(new_id())) + 20
    ids = [new_id(now_ms=start) for _ in range(100)]
    assert all(a < b for a, b in zip(ids, ids[1:]))
    assert all(id_time_ms(i) == start for i in ids)


def test_a_clock_that_steps_back_does_not_make_an_earlier_id() -> None:
    later = new_id(now_ms=max(_now_ms(), id_time_ms(new_id())) + 30)
    earlier_clock = new_id(now_ms=id_time_ms(later) - 5_000)
    assert earlier_clock > later
