"""Signing in and out: the sign-in form, the per-email throttle, and the start page."""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from district import queries, security, service
from district.db import transaction
from district.web.auth import LoginForm, Posted, Signed, login_cookie, session_cookie
from district.web.forms import field, secret
from district.web.pages import redirect, render
from kiosk.pin import hash_secret, verify_secret

SIGN_IN_REFUSED = "That email and password do not match an active account."
router = APIRouter(include_in_schema=False)


class LoginThrottle:
    """Failed sign-ins per email: five lock the email for a minute.

    Kept in this process's memory: a restart forgets it, and with several workers each counts
    on its own. That still turns password guessing into a few guesses a minute, without a table
    an attacker could fill. Unknown emails are counted too, so the lock says nothing about
    which emails exist. At most MAX_EMAILS are remembered; expired entries go first.
    """

    LIMIT = 5
    LOCK_SECONDS = 60
    MAX_EMAILS = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # email -> (failures, locked until)
        self._lock = threading.Lock()

    def locked_for(self, email: str) -> int:
        with self._lock:
            _, until = self._failures.get(email, (0, 0.0))
            return max(0, int(until - self.clock() + 0.999))

    def failed(self, email: str) -> None:
        with self._lock:
            now = self.clock()
            count, until = self._failures.get(email, (0, 0.0))
            if until and until <= now:
                count = 0  # the lock has passed: start counting again
            count += 1
            self._failures[email] = (0, now + self.LOCK_SECONDS) if count >= self.LIMIT else (count, 0.0)
            if len(self._failures) > self.MAX_EMAILS:
                self._forget_oldest(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email, None)

    def _forget_oldest(self, now: float) -> None:
        for key, (_, until) in list(self._failures.items()):
            if until <= now and len(self._failures) > self.MAX_EMAILS // 2:
                del self._failures[key]
        while len(self._failures) > self.MAX_EMAILS:
            del self._failures[next(iter(self._failures))]


def safe_next(target: str) -> str:
    """Only a path on this site: "//evil.org" and "/\\evil.org" would leave it."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and not any(c in target for c in "\r\n\\"):
        return target
    return ""


@functools.cache
def decoy_hash() -> str:
    """What an unknown email's password is checked against, so it costs as long as a known one."""
    return hash_secret(security.new_token())


def home(role: str) -> str:
    return "/district" if role == "district_admin" else "/office"


@router.get("/")
def root(viewer: Signed) -> RedirectResponse:
    return redirect(home(viewer.role))


@router.get("/login")
def login_page(request: Request, next: str = "") -> HTMLResponse:
    return login_response(request, next, "", 200)


def login_response(request: Request, next_url: str, error: str, status: int, email: str = "") -> HTMLResponse:
    """The sign-in form, with the double-submit token in its cookie and hidden field. An existing
    token is reused, so two sign-in tabs (or a reload) do not invalidate each other."""
    token = request.cookies.get(login_cookie(request), "")
    token = token if re.fullmatch(r"[A-Za-z0-9_-]{43}", token) else security.new_token()
    response = render(request, "login.html", status, csrf=token, next=safe_next(next_url), error=error, email=email)
    secure = request.app.state.settings.secure_cookies
    response.set_cookie(login_cookie(request), token, max_age=12 * 3600, path="/", secure=secure, httponly=True,
                        samesite="lax")  # fmt: skip
    return response


@router.post("/login")
def login(request: Request, form: LoginForm) -> Response:
    email, password = field(form, "email", 254).lower(), secret(form)[:service.MAX_PASSWORD]
    next_url = field(form, "next", 2000)
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.locked_for(email)
    if wait:
        message = f"Too many failed sign-ins for this email. Try again in {wait} seconds."
        return login_response(request, next_url, message, 429, email)
    settings = request.app.state.settings
    with transaction(request) as db:
        user = queries.user_by_email(db, email)
        # An unknown email costs the same scrypt work as a wrong password: timing tells nothing.
        matches = verify_secret(password, user.password_hash if user else decoy_hash())
        allowed = user is not None and matches and user.active
        new = service.start_web_session(db, user.id, settings.session_hours) if allowed and user else None
        role = user.role if user else ""
    if new is None:
        throttle.failed(email)
        return login_response(request, next_url, SIGN_IN_REFUSED, 401, email)
    throttle.succeeded(email)
    response = redirect(safe_next(next_url) or home(role))
    response.set_cookie(session_cookie(request), new.token, max_age=settings.session_hours * 3600, path="/",
                        secure=settings.secure_cookies, httponly=True, samesite="lax")  # fmt: skip
    response.delete_cookie(login_cookie(request), path="/", secure=settings.secure_cookies, httponly=True)
    return response


@router.post("/logout")
def logout(request: Request, viewer: Signed, form: Posted) -> RedirectResponse:
    with transaction(request) as db:
        service.end_web_session(db, viewer.token_hash)
    response = redirect("/login")
    secure = request.app.state.settings.secure_cookies
    response.delete_cookie(session_cookie(request), path="/", secure=secure, httponly=True, samesite="lax")
    return response
