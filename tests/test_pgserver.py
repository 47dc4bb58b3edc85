"""tests/pgserver.py: a throwaway PostgreSQL starts, holds Unicode, and leaves nothing behind when stopped."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from pgserver import PostgresServer, find_pg_bin, require_postgres
from sqlalchemy import create_engine, text

NAME = "محمد 王小明"


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_server_round_trip_and_cleanup() -> None:
    bin_dir = require_postgres()
    started = time.monotonic()
    with PostgresServer(bin_dir) as server:
        print(f"PostgreSQL start-up took {time.monotonic() - started:.2f}s")
        assert server.port is not None and server.base_dir is not None
        port, base_dir = server.port, server.base_dir
        assert port_is_open(port)

        urls = [server.create_database("kiosk_a"), server.create_database("kiosk_b")]
        assert urls[0] == f"postgresql+psycopg://kiosk_test@127.0.0.1:{port}/kiosk_a"
        for i, url in enumerate(urls):
            engine = create_engine(url)
            try:
                with engine.begin() as conn:
                    conn.execute(text("CREATE TABLE visitor (id serial PRIMARY KEY, name text NOT NULL)"))
                    conn.execute(text("INSERT INTO visitor (name) VALUES (:name)"), {"name": f"{NAME} {i}"})
                with engine.connect() as conn:
                    assert conn.execute(text("SELECT name FROM visitor")).scalars().all() == [f"{NAME} {i}"]
                    assert conn.execute(text("SHOW server_encoding")).scalar() == "UTF8"
            finally:
                engine.dispose()

        # create_database() gives a fresh, empty database even if one of that name exists (and is connected to).
        idle = server.connect("kiosk_a")
        try:
            server.create_database("kiosk_a")
        finally:
            idle.close()
        engine = create_engine(urls[0])
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT to_regclass('visitor')")).scalar() is None
        finally:
            engine.dispose()

        # The load tests need many concurrent connections.
        with server.connect() as conn:
            assert conn.execute("SHOW max_connections").fetchone() == ("200",)

    assert not base_dir.exists()
    assert not port_is_open(port)
    assert server.port is None
    server.stop()  # stopping twice is harmless


def test_find_pg_bin_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    found = find_pg_bin()
    if found is not None:
        monkeypatch.setenv("PG_BIN", str(found))
        assert find_pg_bin() == found
    monkeypatch.setenv("PG_BIN", str(tmp_path))  # exists, but has no initdb
    assert find_pg_bin() is None


def test_missing_postgres_skips_locally_but_fails_on_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PG_BIN"):
        require_postgres()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required on CI"):
        require_postgres()
