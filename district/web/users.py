"""Users: who may sign in. Adding one, disabling and re-enabling, and setting a new password.

Disabling a user or setting their password signs them out everywhere at once. An admin
cannot disable their own account, so there is always an administrator left to undo a mistake.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from district import queries, service
from district.db import transaction
from district.models import ROLES, User
from district.web.auth import Admin, Posted, Viewer
from district.web.forms import by_id_or_404, field, parse_id, secret
from district.web.pages import PageError, notice_text, read, redirect, render

MIN_PASSWORD = service.MIN_PASSWORD
router = APIRouter(include_in_schema=False)


@router.get("/district/users")
def users_page(request: Request, viewer: Admin, notice: str = "") -> HTMLResponse:
    with read(request) as db:
        people, places = queries.users(db), queries.campuses(db)
    names = {c.id: c.name for c in places}
    return render(request, "users.html", nav="users", users=people, campuses=places, campus_names=names,
                  notice=notice_text(notice), min_password=MIN_PASSWORD)  # fmt: skip


def new_password(form: FormData, title: str) -> str:
    password = secret(form)
    try:
        service.check_password(password)
    except service.Refused as problem:
        raise PageError(400, title, str(problem)) from None
    return password


def user_values(form: FormData) -> dict[str, Any]:
    """A new user from the form, or PageError saying what to correct."""
    email, role = field(form, "email", 254).lower(), field(form, "role", 20)
    try:
        name = service.user_name(field(form, "name", 4 * service.MAX_USER_NAME), email)
    except service.Refused as problem:
        raise PageError(400, "User not added", str(problem)) from None
    campus_id = parse_id(field(form, "campus", 12))
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise PageError(400, "User not added", "Enter an email address like name@district.org.")
    if role not in ROLES:
        raise PageError(400, "User not added", "Choose a role: secretary or district admin.")
    if role == "secretary" and campus_id is None:
        raise PageError(400, "User not added", "A secretary belongs to a campus: choose one.")
    password = new_password(form, "User not added")
    return {"email": email, "name": name, "password": password, "role": role,
            "campus_id": campus_id if role == "secretary" else None}  # fmt: skip


@router.post("/district/users")
def add_user(request: Request, viewer: Admin, form: Posted) -> RedirectResponse:
    values = user_values(form)
    with transaction(request) as db:
        if queries.user_by_email(db, values["email"]) is not None:
            raise PageError(400, "User not added", f"There is already a user with the email {values['email']}.")
        if values["campus_id"] is not None and queries.campus(db, values["campus_id"]) is None:
            raise PageError(400, "User not added", "That campus does not exist.")
        service.add_user(db, **values)
    return redirect("/district/users?notice=user")


def set_active(request: Request, user_id: str, viewer: Viewer, active: bool) -> RedirectResponse:
    with transaction(request) as db:
        user = by_id_or_404(db, User, user_id, "user")
        if not active and user.id == viewer.user_id:
            raise PageError(400, "You cannot disable yourself",
                            "You are signed in as this user. Another district administrator can disable it.")  # fmt: skip
        service.set_user_active(db, user, active)
    return redirect(f"/district/users?notice={'enabled' if active else 'disabled'}")


@router.post("/district/users/{user_id}/disable")
def disable_user(request: Request, user_id: str, viewer: Admin, form: Posted) -> RedirectResponse:
    return set_active(request, user_id, viewer, False)


@router.post("/district/users/{user_id}/enable")
def enable_user(request: Request, user_id: str, viewer: Admin, form: Posted) -> RedirectResponse:
    return set_active(request, user_id, viewer, True)


def password_form(request: Request, user: User, error: str = "", status: int = 200) -> HTMLResponse:
    return render(request, "user_password.html", status, nav="users", user=user, error=error,
                  min_password=MIN_PASSWORD)  # fmt: skip


@router.get("/district/users/{user_id}/password")
def password_page(request: Request, user_id: str, viewer: Admin) -> HTMLResponse:
    with read(request) as db:
        user = by_id_or_404(db, User, user_id, "user")
    return password_form(request, user)


@router.post("/district/users/{user_id}/password")
def set_password(request: Request, user_id: str, viewer: Admin, form: Posted) -> Response:
    """The admin sets a new password; the user is signed out everywhere (an admin setting their own
    stays signed in here)."""
    with transaction(request) as db:
        user = by_id_or_404(db, User, user_id, "user")
        try:
            password = new_password(form, "Password not changed")
        except PageError as refused:
            return password_form(request, user, refused.message, refused.status)
        service.set_password(db, user, password, keep_session=viewer.token_hash)
    return redirect("/district/users?notice=password")
