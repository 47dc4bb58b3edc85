"""The server's SQLite writers take turns in the order they asked (district.writer_gate), on a real
SQLite file: a short write (a heartbeat) queued behind busy writers gets its turn when theirs ends,
instead of losing SQLite's busy-handler race again and again (issue 11, point 13)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text

from district import writer_gate
from district.db import make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.sqlite3'}")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE turn (n INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    engine.dispose()


def gate(engine: Engine) -> writer_gate.WriterGate:
    found = writer_gate.gate_of(engine)
    assert found is not None
    return found


def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.005)


def write(c: Connection, who: str) -> None:
    c.execute(text("INSERT INTO turn (who) VALUES (:who)"), {"who": who})


def writer(engine: Engine, who: str) -> threading.Thread:
    def run() -> None:
        with engine.begin() as c:
            write(c, who)

    thread = threading.Thread(target=run, name=who)
    thread.start()
    return thread


def turns(engine: Engine) -> list[str]:
    with engine.connect() as c:
        return list(c.scalars(text("SELECT who FROM turn ORDER BY n")))


def test_writers_get_their_turns_in_the_order_they_asked(engine: Engine) -> None:
    with engine.begin() as busy:
        write(busy, "busy")
        waiting = []
        for who in ["push 1", "heartbeat", "push 2", "office"]:
            waiting.append(writer(engine, who))
            until(lambda n=len(waiting): gate(engine).waiting == n)  # queued before the next one asks
    for thread in waiting:
        thread.join(20)
    assert turns(engine) == ["busy", "push 1", "heartbeat", "push 2", "office"]
    assert gate(engine).waiting == 0


def test_a_writer_that_just_finished_queues_behind_those_already_waiting(engine: Engine) -> None:
    """No barging: the writer that lets go cannot take the turn straight back (what starved heartbeats)."""
    c = engine.connect()
    c.begin()
    write(c, "push, part 1")
    heartbeat = writer(engine, "heartbeat")
    until(lambda: gate(engine).waiting == 1)
    c.commit()
    c.begin()
    write(c, "push, part 2")  # waits for the heartbeat's turn to end
    c.commit()
    c.close()
    heartbeat.join(20)
    assert turns(engine) == ["push, part 1", "heartbeat", "push, part 2"]


@pytest.mark.parametrize("ending", ["rollback", "close", "invalidate"])
def test_a_transaction_however_it_ends_gives_the_turn_on(engine: Engine, ending: str) -> None:
    c = engine.connect()
    c.begin()
    write(c, "gone")
    next_one = writer(engine, "next")
    until(lambda: gate(engine).waiting == 1)
    {"rollback": c.rollback, "close": c.close, "invalidate": c.invalidate}[ending]()
    next_one.join(20)
    assert not next_one.is_alive()
    assert turns(engine) == ["next"]
    c.close()


def test_a_write_outside_a_transaction_ends_its_turn_at_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'auto.sqlite3'}", isolation_level="AUTOCOMMIT")
    writer_gate.install(engine, timeout=30)
    with engine.connect() as c:
        c.execute(text("CREATE TABLE turn (n INTEGER PRIMARY KEY, who TEXT)"))
        write(c, "autocommit")
        assert gate(engine).waiting == 0 and not gate(engine).holds(c.connection.dbapi_connection)
        other = writer(engine, "other")
        other.join(20)
    assert turns(engine) == ["autocommit", "other"]
    engine.dispose()


def test_a_turn_never_given_back_delays_the_others_only_until_the_timeout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'stuck.sqlite3'}", connect_args={"timeout": 0.1})
    writer_gate.install(engine, timeout=0.3)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE turn (n INTEGER PRIMARY KEY, who TEXT)"))
    stuck = engine.connect()
    stuck.begin()
    write(stuck, "stuck")
    errors: list[BaseException] = []

    def late() -> None:
        try:
            with engine.begin() as c:
                write(c, "late")
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            errors.append(exc)

    with caplog.at_level(logging.WARNING, "district.writer_gate"):
        thread = threading.Thread(target=late)
        thread.start()
        thread.join(20)
    assert not thread.is_alive()
    assert [type(e).__name__ for e in errors] == ["OperationalError"]  # SQLite's "database is locked", as before
    assert "going on without waiting in line" in caplog.text
    stuck.rollback()
    stuck.close()
    engine.dispose()


def test_a_thread_already_writing_does_not_wait_for_itself(tmp_path: Path) -> None:
    """Two connections in one thread: the second's write meets SQLite's lock at once, as it did before
    the gate, instead of waiting out the gate's timeout for a turn only this thread could give back."""
    engine = create_engine(f"sqlite:///{tmp_path / 'self.sqlite3'}", connect_args={"timeout": 0.1})
    writer_gate.install(engine, timeout=60)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE turn (n INTEGER PRIMARY KEY, who TEXT)"))
    started = time.monotonic()
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        write(first, "first")
        with pytest.raises(Exception, match="database is locked"):
            with second.begin():
                write(second, "second")
        first.commit()
    assert time.monotonic() - started < 30  # not the gate's 60 s
    assert turns(engine) == ["first"]
    engine.dispose()
