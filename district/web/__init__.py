"""The web pages: the front office (secretaries) and the district (administrators).

Server-rendered HTML from Jinja2 templates with autoescaping, one CSS and one small JS file
and nothing from elsewhere, so the Content-Security-Policy can be "default-src 'self'" (no
inline scripts or styles). Every page works without JavaScript; the script only keeps the
front office's lists live by polling a fragment (an unchanged poll is a 304 on its ETag).

Where things are:
- pages: rendering templates, redirects, error pages, units of work; forms: reading input.
- auth: sessions, roles and CSRF; signin: signing in and out, with a per-email throttle.
- formatting: times, days, sizes and names as people read them; headers: CSP and friends.
- office, checkin, passes, export: the front office, its check-in form, its visitor passes and its CSV
  export (secretaries, and admins for any campus);
  alerting: how the office page shows each arrival's alerts and acknowledgement.
- ack: the "on my way" page behind the link in every alert (no sign-in: the link's token is the key).
- overview, campuses, kiosks, staff, users: the district administrators' pages; campus_alerts,
  staff_alerts and alert_forms: alert channels, routing rules and test alerts on them.

Security, in one place:
- Sign-in: email and password (scrypt, kiosk.pin). The cookie holds a random session token;
  the database keeps only its SHA-256, with an expiry (settings.session_hours) checked on
  every request. Five failed sign-ins for one email lock that email for a minute.
- CSRF: every form carries the session's csrf token, compared in constant time; the sign-in
  form, which has no session yet, uses a double-submit cookie. An Origin header, when the
  browser sends one, must name this server's host. The "on my way" POST (/ack/{token}) has no
  session: the 256-bit token in its path is the secret a forger lacks; its Origin is checked too.
- Roles: a secretary sees and acts on their own campus only (another campus's visit is a
  404, its pages a 403); the district pages are for district administrators.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from district.web import (
    ack,
    campus_alerts,
    campuses,
    checkin,
    export,
    kiosks,
    office,
    overview,
    passes,
    signin,
    staff,
    staff_alerts,
    tokens,
    users,
)
from district.web.auth import SignInNeeded, sign_in_needed
from district.web.headers import SecurityHeaders
from district.web.pages import PageError, make_environment, page_error

STATIC = Path(__file__).parent.parent / "static"


def install(app: FastAPI) -> None:
    app.state.templates = make_environment()
    app.state.login_throttle = signin.LoginThrottle()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (signin, office, checkin, passes, export, ack, overview, campuses, campus_alerts, kiosks, staff,
                   staff_alerts, tokens, users):  # fmt: skip
        app.include_router(module.router)
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_middleware(SecurityHeaders)
