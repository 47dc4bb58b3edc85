"""A campus's staff directory: importing the kiosk's CSV or the district's OneRoster export. The same
page lists each staff member's alert channels (masked; district.web.staff_alerts edits them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from district import queries, service
from district.db import transaction
from district.models import Campus
from district.roster import list_orgs, parse_upload
from district.web.alert_forms import staff_views
from district.web.auth import Admin, Posted
from district.web.forms import by_id_or_404, field
from district.web.pages import notice_text, read, render
from kiosk.directory import DirectoryError

router = APIRouter(include_in_schema=False)


def page(db: Session, place: Campus, secret: str, **changes: Any) -> dict[str, Any]:
    """Everything the staff page shows; `changes` for an import's result or error."""
    return {"nav": "district", "campus": place, "count": queries.staff_counts(db).get(place.id, 0),
            "org": place.oneroster_org or "", "result": None, "roster": None, "error": "", "orgs": [],
            "staff_alerts": staff_views(db, place, secret), "channel_import": None, "channel_error": "",
            "notice": ""} | changes  # fmt: skip


@router.get("/district/campuses/{campus_id}/staff")
def staff_page(request: Request, campus_id: str, viewer: Admin, notice: str = "") -> HTMLResponse:
    with read(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        return render(request, "staff.html", **page(db, place, viewer.csrf, notice=notice_text(notice)))


def uploaded_files(form: FormData) -> dict[str, bytes]:
    """The uploaded files by name (Starlette has spooled them to disk; reading them is blocking)."""
    return {item.filename: item.file.read() for item in form.getlist("files")
            if isinstance(item, UploadFile) and item.filename}  # fmt: skip


@router.post("/district/campuses/{campus_id}/staff")
def import_staff(request: Request, campus_id: str, viewer: Admin, form: Posted) -> HTMLResponse:
    """Replace a campus's directory from an upload; each bad row is shown with its line number."""
    files, org = uploaded_files(form), field(form, "org")
    with transaction(request) as db:
        place = by_id_or_404(db, Campus, campus_id, "campus")
        org = org or place.oneroster_org or ""
        try:
            roster = parse_upload(files, org or None)
        except DirectoryError as exc:
            return render(request, "staff.html", 400, **page(db, place, viewer.csrf, org=org, error=str(exc),
                                                             orgs=orgs_in(files)))  # fmt: skip
        if not roster.members:
            return render(request, "staff.html", 400, **page(db, place, viewer.csrf, org=org, roster=roster,
                          error="No row could be used, so the directory was not changed."))  # fmt: skip
        result = service.replace_staff(db, place.id, roster.members)
        return render(request, "staff.html", **page(db, place, viewer.csrf, org=org, roster=roster, result=result))


def orgs_in(files: dict[str, bytes]) -> list[Any]:
    """The schools an uploaded orgs.csv lists, so the admin can pick the right sourcedId."""
    for name, data in files.items():
        if name.replace("\\", "/").rsplit("/", 1)[-1].lower() == "orgs.csv":
            try:
                return list_orgs(data.decode("utf-8-sig"))
            except (DirectoryError, UnicodeDecodeError):
                return []
    return []
