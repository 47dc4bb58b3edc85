"""Real receivers for alerts on loopback: an SMTP server (aiosmtpd) and an HTTP endpoint that
takes Apprise's JSON webhooks and ntfy messages. Each records what arrived and when, and the
HTTP one can be told to answer errors or to answer slowly, to test a channel that misbehaves."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from loopback import free_port


@dataclass
class Received:
    at: float  # time.monotonic() on arrival
    path: str
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Everything a person would read in it (title and message), whatever the service's shape."""
        if isinstance(self.body, dict):
            return "\n".join(str(self.body.get(k, "")) for k in ("title", "message") if self.body.get(k))
        return self.body


class _Inbox:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = threading.Condition()

    def add(self, item: Any) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Any]:
        """At least `count` items, waiting up to `timeout` s; AssertionError with what did arrive."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.items) >= count, timeout):
                raise AssertionError(f"expected {count} alerts within {timeout} s, got {len(self.items)}")
            return list(self.items)


class HttpReceiver:
    """Answers every POST with `status` after `delay` seconds, and records it."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.status, self.delay = status, delay
        self.inbox = _Inbox()
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                receiver.attempts += 1
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.status < 300:
                    try:
                        body: dict[str, Any] | str = json.loads(raw)
                    except ValueError:
                        body = raw
                    receiver.inbox.add(Received(time.monotonic(), self.path, body, dict(self.headers)))
                payload = b'{"ok": true}'
                self.send_response(receiver.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def received(self) -> list[Received]:
        return list(self.inbox.items)

    def json_url(self, path: str = "alerts") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def ntfy_url(self, topic: str = "front-office") -> str:
        return f"ntfy://127.0.0.1:{self.port}/{topic}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it is handed. It asks for
    a login (user "kiosk", password PASSWORD) as a district's relay would; loopback has no TLS."""

    PASSWORD = "s3cret-relay-pass"

    def __init__(self) -> None:
        self.inbox = _Inbox()
        inbox = self.inbox

        class Handler:
            async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                inbox.add((time.monotonic(), envelope.rcpt_tos, message))
                return "250 OK"

        self.port = free_port()
        def authenticate(_server: object, _session: object, _envelope: object, _mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"kiosk", self.PASSWORD.encode())
            return AuthResult(success=ok)

        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticate, auth_require_tls=False
        )
        self.controller.start()

    def url(self, to: str = "ms.garcia@school.example.org") -> str:
        """An Apprise mailto:// URL for this server: plain SMTP with a login (loopback has no TLS)."""
        return (f"mailto://kiosk:{self.PASSWORD}@127.0.0.1:{self.port}"
                f"?from=kiosk@school.example.org&to={to}&mode=insecure")  # fmt: skip

    def messages(self, count: int = 1, timeout: float = 10.0) -> list[tuple[list[str], EmailMessage]]:
        return [(to, message) for _, to, message in self.inbox.wait_for(count, timeout)]

    def close(self) -> None:
        self.controller.stop()
