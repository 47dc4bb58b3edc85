"""Campuses: adding one, and editing its settings (name, time zone, languages), which its kiosks pull.
The same page holds the campus's alert settings (district.web.campus_alerts saves them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from district import service
from district.db import transaction
from district.models import Campus
from district.web import pickers
from district.web.alert_forms import campus_alerts
from district.web.auth import Admin, Posted
from district.web.formatting import language_names
from district.web.forms import by_id_or_404, field
from district.web.pages import PageError, notice_text, read, redirect, render
from kiosk.language import languages
from kiosk.text import strip_invisible

SETTINGS_FIELDS = ("name", "timezone", "languages", "default_language", "oneroster_org")
router = APIRouter(include_in_schema=False)


def campus_values(db: Session, form: FormData, title: str, campus_id: int | None = None) -> dict[str, Any]:
    """A campus's settings from the add or the settings form, checked; or PageError(400, title) saying
    what to correct. The default language is the form's, else the first offered."""
    name, zone = field(form, "name", 4 * service.MAX_CAMPUS_NAME), field(form, "timezone", 64)
    codes = list(dict.fromkeys(languages_sent(form).replace(",", " ").split()))
    default = field(form, "default_language", 35) or next(iter(codes), "")
    try:
        name = service.check_campus(db, name, zone, codes, default, campus_id)
    except service.Refused as problem:
        raise PageError(400, title, str(problem)) from None
    return {"name": name, "timezone": zone, "languages": codes, "default_language": default,
            "oneroster_org": strip_invisible(field(form, "oneroster_org")) or None}  # fmt: skip


def languages_sent(form: FormData) -> str:
    """The languages ticked, in the form's order (the buttons' order), or typed as codes ("en es")."""
    return " ".join(v[:35] for v in form.getlist("languages")[:50] if isinstance(v, str))


@router.post("/district/campuses")
def add_campus(request: Request, viewer: Admin, form: Posted) -> RedirectResponse:
    with transaction(request) as db:
        service.add_campus(db, **campus_values(db, form, "Campus not added"))
    return redirect("/district?notice=campus")


def stored_values(place: Campus) -> dict[str, str]:
    return {key: getattr(place, key) or "" for key in SETTINGS_FIELDS}


def settings_form(request: Request, db: Session, place: Campus, values: dict[str, str], error: str = "",
                  status: int = 200, notice: str = "", **alerts: Any) -> HTMLResponse:  # fmt: skip
    """The campus page: its settings form, then its alert settings (`alerts`: an office's or the rules'
    error or test result, shown in place of what is stored)."""
    choices = [(code, *language_names(code)) for code in languages()]
    return render(request, "campus.html", status, nav="district", campus=place, values=values, error=error,
                  zone_groups=pickers.zones_today(), unlisted_zone=pickers.unlisted_zone(values["timezone"]),
                  language_picks=pickers.language_picks(values["languages"].split()), language_choices=choices,
                  notice=notice_text(notice), **campus_alerts(db, place, request.state.viewer.csrf, **alerts))  # fmt: skip


@router.get("/district/campuses/{campus_id}/settings")
def settings_page(request: Request, campus_id: str, viewer: Admin, notice: str = "") -> HTMLResponse:
    with read(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        return settings_form(request, db, place, stored_values(place), notice=notice)


@router.post("/district/campuses/{campus_id}/settings")
def save_settings(request: Request, campus_id: str, viewer: Admin, form: Posted) -> Response:
    """Saved through service.update_settings, which gives the settings a new revision for the kiosks."""
    with transaction(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        try:
            values = campus_values(db, form, "Settings not saved", place.id)
        except PageError as refused:  # the form again, as typed, with what to correct
            typed = {key: field(form, key, 400) for key in SETTINGS_FIELDS} | {"languages": languages_sent(form)}
            return settings_form(request, db, place, typed, refused.message, refused.status)
        service.update_settings(db, place, **values)
    return redirect("/district?notice=settings")
