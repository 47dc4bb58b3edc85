"""What every page handler uses: its database unit of work, the templates, redirects and error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

TEMPLATES = Path(__file__).parent.parent / "templates"
LIVE_POLL_MS = 1000
ROLE_LABELS = {"secretary": "Secretary", "district_admin": "District admin"}
NOTICES = {
    "revoked": "The kiosk was revoked: it can no longer send or receive anything until it is given a new code.",
    "campus": "The campus was added. Add its kiosks and import its staff below.",
    "settings": "The campus settings were saved. Its kiosks pick them up at their next sync, within a minute.",
    "user": "The user was added. Give them their password in person or by phone, not by email.",
    "disabled": "The user was disabled and signed out everywhere. They cannot sign in until re-enabled.",
    "enabled": "The user was re-enabled: they can sign in again with their password.",
    "channels": "The alert channels were saved. The next alert uses them.",
    "rules": "The routing rules were saved. The next arrival is routed by them.",
    "checked-in": "The visitor is checked in: they are at the top of today's arrivals, and whoever must know is "
    "being told, as for a kiosk's check-in.",
    "password": "The password was changed and the user was signed out everywhere. Give them the new password in "
    "person or by phone, not by email.",
}


class PageError(Exception):
    """Shown as a page with its status: the person reads why, and a way back."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def read(request: Request) -> Session:
    """A read-only unit of work (closed, never committed)."""
    return request.app.state.sessions()


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.globals.update(poll_ms=LIVE_POLL_MS, role_labels=ROLE_LABELS)
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    context.setdefault("nav", "")
    return HTMLResponse(env.get_template(template).render(**context), status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def notice_text(key: str) -> str:
    """The message a redirect's ?notice= names; an unknown key shows nothing."""
    return NOTICES.get(key, "")


async def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(request, "error.html", exc.status, title=exc.title, message=exc.message)
