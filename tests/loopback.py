"""The real district server on loopback (uvicorn in a thread), for tests of the server and of the kiosk."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from district.app import ServerSettings, create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackServer:
    """uvicorn serving the real app on 127.0.0.1; can be stopped and started again on the same port."""

    def __init__(
        self, database_url: str, port: int | None = None, tls: tuple[Path, Path] | None = None, alerts: bool = False
    ) -> None:
        self.port = port or free_port()
        self.tls = tls  # (certificate, key): serve https
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.app = create_app(
            ServerSettings(database_url=database_url, secure_cookies=False, public_url=self.url, alerts=alerts)
        )
        self.sessions: sessionmaker[Session] = self.app.state.sessions
        self.alert_worker = self.app.state.alert_worker  # started with the server: uvicorn runs without lifespan here
        self._worker_started = False
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LoopbackServer:
        certificate, key = self.tls or (None, None)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                ssl_certfile=certificate, ssl_keyfile=key)  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        if self.alert_worker is not None and not self._worker_started:
            self.alert_worker.start()
            self._worker_started = True
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(10)
            self._server = None

    def dispose(self) -> None:
        self.stop()
        if self._worker_started:
            self.alert_worker.stop()
        self.app.state.engine.dispose()
