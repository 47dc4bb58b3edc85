"""The security headers every page gets: a strict Content-Security-Policy, no framing, no caching."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send

CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


class SecurityHeaders:
    """Headers on every page (not the kiosks' API, nor its docs, which load their own scripts).

    Pages may show personal data, so none is stored by a browser or proxy cache (no-store);
    the static files are revalidated (no-cache) so an upgrade shows at once.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Cache-Control"] = "no-cache" if static else "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
