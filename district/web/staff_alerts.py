"""Staff members' alert channels: one person's on their own page (with a test alert), or everyone's
from a CSV (staff_id, alert_urls, alert_language), where each bad row is reported with its line and
every other row is still applied. District administrators only; channels are only ever shown masked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from district.alerts import manage
from district.alerts.channels import ChannelError
from district.db import transaction
from district.models import Campus, Staff
from district.web import alert_forms
from district.web.auth import Admin, Posted
from district.web.forms import by_id_or_404
from district.web.pages import PageError, read, redirect, render
from district.web.staff import page, uploaded_files

router = APIRouter(include_in_schema=False)


def member_or_404(db: Session, campus_id: str, staff_id: str) -> tuple[Campus, Staff]:
    place = by_id_or_404(db, Campus, campus_id, "campus")
    member = by_id_or_404(db, Staff, staff_id, "staff member")
    if member.campus_id != place.id or not member.active:
        raise PageError(404, "No such staff member", "That staff member is not in this campus's directory.")
    return place, member


def member_page(request: Request, place: Campus, view: alert_forms.ChannelsView, status: int = 200) -> HTMLResponse:
    return render(request, "staff_channels.html", status, nav="district", campus=place, person=view,
                  alert_languages=alert_forms.language_choices(place), url_examples=alert_forms.URL_EXAMPLES,
                  max_urls=alert_forms.MAX_URLS)  # fmt: skip


@router.get("/district/campuses/{campus_id}/staff/{staff_id}/alerts")
def channels_page(request: Request, campus_id: str, staff_id: str, viewer: Admin) -> HTMLResponse:
    with read(request) as db:
        place, member = member_or_404(db, campus_id, staff_id)
        return member_page(request, place, alert_forms.staff_view(member, viewer.csrf))


@router.post("/district/campuses/{campus_id}/staff/{staff_id}/alerts")
def save_channels(request: Request, campus_id: str, staff_id: str, viewer: Admin, form: Posted) -> Response:
    remove, added, language = alert_forms.edit_of(form)
    with transaction(request) as db:
        place, member = member_or_404(db, campus_id, staff_id)
        view = alert_forms.staff_view(member, viewer.csrf)
        try:
            urls = manage.edited_channels(member.alert_urls, remove, added, viewer.csrf, view.name)
            language = manage.check_language(language, view.name)
        except ChannelError as exc:
            view.error = str(exc)
            return member_page(request, place, view, 400)
        member.alert_urls, member.alert_language = urls, language
    return redirect(f"/district/campuses/{place.id}/staff?notice=channels#staff-{member.id}")


@router.post("/district/campuses/{campus_id}/staff/{staff_id}/alerts/test")
def test_channels(request: Request, campus_id: str, staff_id: str, viewer: Admin, form: Posted) -> HTMLResponse:
    """Send a test alert now, on the saved channels, and show how it went (masked)."""
    with read(request) as db:
        place, member = member_or_404(db, campus_id, staff_id)
        view = alert_forms.staff_view(member, viewer.csrf)
        urls, language = member.alert_urls, member.alert_language
    delivery = manage.send_test(urls, language, place, view.name)
    return member_page(request, place, alert_forms.test_result(view, delivery))


@router.post("/district/campuses/{campus_id}/staff/channels")
def import_channels(request: Request, campus_id: str, viewer: Admin, form: Posted) -> HTMLResponse:
    """Everyone's channels from a CSV: every good row applied, every bad one shown with its line."""
    files = uploaded_files(form)
    with transaction(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        if len(files) != 1:
            problem = "Choose one CSV file with the columns staff_id, alert_urls, alert_language."
            return render(request, "staff.html", 400, **page(db, place, viewer.csrf, channel_error=problem))
        try:
            result = manage.import_channels(db, place.id, next(iter(files.values())))
        except manage.ImportRefused as exc:
            return render(request, "staff.html", 400, **page(db, place, viewer.csrf, channel_error=str(exc)))
        return render(request, "staff.html", **page(db, place, viewer.csrf, channel_import=result))
