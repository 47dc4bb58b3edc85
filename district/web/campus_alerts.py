"""A campus's alert settings, on its campus page: each office's channels and language, a test alert,
and the routing rules. District administrators only; a secretary sees alert statuses on the front
office page but never edits (or sees) a channel."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from district.alerts import manage
from district.alerts.channels import ChannelError
from district.db import transaction
from district.models import Campus, Office
from district.web import alert_forms, rule_rows
from district.web.auth import Admin, Posted
from district.web.campuses import settings_form, stored_values
from district.web.forms import by_id_or_404, field
from district.web.pages import PageError, read, redirect
from kiosk.wire import OFFICES

router = APIRouter(include_in_schema=False)


def office_or_404(db: Session, campus_id: str, key: str) -> tuple[Campus, Office]:
    place = by_id_or_404(db, Campus, campus_id, "campus")
    office = (
        db.scalar(select(Office).where(Office.campus_id == place.id, Office.key == key)) if key in OFFICES else None
    )
    if office is None:
        raise PageError(404, "No such office", "That office does not exist: a campus has " + ", ".join(OFFICES) + ".")
    return place, office


def back(place: Campus, notice: str, anchor: str) -> RedirectResponse:
    return redirect(f"/district/campuses/{place.id}/settings?notice={notice}#{anchor}")


@router.post("/district/campuses/{campus_id}/offices/{key}")
def save_office(request: Request, campus_id: str, key: str, viewer: Admin, form: Posted) -> Response:
    """Remove some channels, add others, set the language; a bad URL is refused, naming the office."""
    remove, added, language = alert_forms.edit_of(form)
    with transaction(request) as db:
        place, office = office_or_404(db, campus_id, key)
        view = alert_forms.office_views(db, place, viewer.csrf)[key]
        try:
            urls = manage.edited_channels(office.alert_urls, remove, added, viewer.csrf, view.name)
            office.alert_language = manage.check_language(language, view.name)
        except ChannelError as exc:
            view.error = str(exc)
            return settings_form(request, db, place, stored_values(place), status=400, offices={key: view})
        office.alert_urls = urls
    return back(place, "channels", f"office-{key}")


@router.post("/district/campuses/{campus_id}/offices/{key}/test")
def test_office(request: Request, campus_id: str, key: str, viewer: Admin, form: Posted) -> HTMLResponse:
    """Send a test alert now, on the office's saved channels, and show how it went (masked)."""
    with read(request) as db:
        place, office = office_or_404(db, campus_id, key)
        urls, language = office.alert_urls, office.alert_language
        view = alert_forms.office_views(db, place, viewer.csrf)[key]
    delivery = manage.send_test(urls, language, place, view.name)  # with no database session open: it may take seconds
    with read(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        return settings_form(
            request, db, place, stored_values(place), offices={key: alert_forms.test_result(view, delivery)}
        )


@router.post("/district/campuses/{campus_id}/rules/form")
def save_rule_rows(request: Request, campus_id: str, viewer: Admin, form: Posted) -> Response:
    """Save the rules from their form (rows): read into the rules' JSON, checked and stored as typed JSON is."""
    rows = rule_rows.rows_from(form)
    text, problems = rule_rows.rules_json(rows)
    with transaction(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        return stored_rules(request, db, place, text, field(form, "expiry_minutes", 10), problems,
                            lambda shown: alert_forms.rules_view(place, expiry=shown[0], problems=shown[1],
                                                                 rows=rows + rule_rows.rows_of(())))  # fmt: skip


def stored_rules(request: Request, db: Session, place: Campus, text: str, expiry: str, problems: list[str],
                 refused: Callable[[tuple[str, list[str]]], alert_forms.RulesView]) -> Response:  # fmt: skip
    """Save checked rules and go back to them; else the campus page again, with `refused((expiry, problems))`."""
    try:
        if problems:
            raise manage.RulesError(problems)
        warnings = manage.save_rules(place, text, expiry)
    except manage.RulesError as exc:
        return settings_form(request, db, place, stored_values(place), status=400, rules=refused((expiry, exc.problems)))
    if warnings:
        db.flush()
        shown = alert_forms.rules_view(place, warnings=warnings)
        return settings_form(request, db, place, stored_values(place), notice="rules", rules=shown)
    return back(place, "rules", "rules")


@router.post("/district/campuses/{campus_id}/rules")
def save_rules(request: Request, campus_id: str, viewer: Admin, form: Posted) -> Response:
    """Save typed rules (or the defaults); every problem is shown with its line, and the text as typed."""
    typed = form.get("rules")
    text = typed[: manage.MAX_RULES_TEXT + 1] if isinstance(typed, str) else ""
    with transaction(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        return stored_rules(request, db, place, "" if field(form, "use") == "defaults" else text,
                            field(form, "expiry_minutes", 10), [],
                            lambda shown: alert_forms.rules_view(place, text, shown[0], shown[1]))  # fmt: skip
