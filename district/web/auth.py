"""Who is asking, and may they: the session cookie, roles, and CSRF checks on every form.

- The cookie holds a random session token; the database keeps only its SHA-256, with an
  expiry checked on every request. A disabled user's sessions are refused (and deleted).
- Every form carries the session's csrf token, compared in constant time; the sign-in form,
  which has no session yet, uses a double-submit cookie. An Origin header, when the browser
  sends one, must name this server's host.
- A secretary acts on their own campus only; admin_only pages are for district administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from district import queries, security, service
from district.db import transaction
from district.web.pages import PageError, redirect

CSRF_REFUSED = "The form was out of date or did not come from this site. Go back, reload the page and try again."


class SignInNeeded(Exception):
    pass


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    email: str
    role: str
    campus_id: int | None
    csrf: str
    token_hash: str

    @property
    def admin(self) -> bool:
        return self.role == "district_admin"

    def may_see(self, campus_id: int) -> bool:
        return self.admin or campus_id == self.campus_id


def session_cookie(request: Request) -> str:
    """__Host- cookies must be Secure; a plain-http pilot (secure_cookies False) cannot use them."""
    return "__Host-wk_session" if request.app.state.settings.secure_cookies else "wk_session"


def login_cookie(request: Request) -> str:
    return "__Host-wk_login" if request.app.state.settings.secure_cookies else "wk_login"


def signed_in(request: Request) -> Viewer:
    """The signed-in user; an unknown, expired or disabled session is refused (and deleted)."""
    token = request.cookies.get(session_cookie(request))
    if not token:
        raise SignInNeeded
    token_hash = security.digest(token)
    viewer = None
    with transaction(request) as db:
        found = queries.signed_in(db, token_hash)
        if found is None:
            raise SignInNeeded
        web_session, user = found
        if web_session.expires_ms <= service.now_ms() or not user.active:
            service.end_web_session(db, token_hash)
        else:
            viewer = Viewer(
                user.id, user.name, user.email, user.role, user.campus_id, web_session.csrf_token, token_hash
            )
    if viewer is None:
        raise SignInNeeded
    request.state.viewer = viewer
    return viewer


def admin_only(viewer: Annotated[Viewer, Depends(signed_in)]) -> Viewer:
    if not viewer.admin:
        raise PageError(403, "District administrators only", "This page is for the district's administrators.")
    return viewer


def check_origin(request: Request) -> None:
    """A browser names the page a form was sent from; it must be one of ours (a second CSRF line)."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower():
        raise PageError(403, "Form refused", "This form was sent from another site, so it was not accepted.")


async def posted(request: Request, viewer: Annotated[Viewer, Depends(signed_in)]) -> FormData:
    """The form of a signed-in POST, after its CSRF token and Origin are checked."""
    check_origin(request)
    form = await request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not security.same(token, viewer.csrf):
        raise PageError(403, "Form refused", CSRF_REFUSED)
    return form


async def login_form(request: Request) -> FormData:
    """The sign-in form: its hidden token must equal the cookie set with the form (double submit)."""
    check_origin(request)
    form = await request.form()
    token, cookie = form.get("csrf"), request.cookies.get(login_cookie(request))
    if not isinstance(token, str) or not cookie or not security.same(token, cookie):
        raise PageError(403, "Form refused", CSRF_REFUSED)
    return form


Signed = Annotated[Viewer, Depends(signed_in)]
Admin = Annotated[Viewer, Depends(admin_only)]
Posted = Annotated[FormData, Depends(posted)]
LoginForm = Annotated[FormData, Depends(login_form)]


async def sign_in_needed(request: Request, exc: Exception) -> Response:
    """Pages send the person to sign in and back; the live poll gets a 401 its script understands."""
    if request.url.path == "/office/live":
        return Response("sign in again", status_code=401, media_type="text/plain")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/login" if request.method != "GET" else f"/login?next={quote(target, safe='')}")
