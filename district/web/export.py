"""The front office's CSV export: a campus's visits in a date range, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from district import queries
from district.models import Visit
from district.web.auth import Signed
from district.web.formatting import at, language_names, reason_label
from district.web.forms import FromDay
from district.web.office import campus_view, days_asked
from kiosk import interpreting

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("Date", "Checked in", "Signed out", "First name", "Last name", "Reason", "Visiting", "Language",
               "Interpreter requested", "Signed out by", "Visit id", "Interpreter language", "Student",
               "Checked in at")  # fmt: skip
router = APIRouter(include_in_schema=False)


def cell(value: object) -> object:
    """A spreadsheet runs a cell starting with = + - @ as a formula: make it text instead."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(v: Visit, zone: ZoneInfo) -> list[object]:
    arrived = at(v.checked_in_ms, zone)
    left = at(v.signed_out_ms, zone) if v.signed_out_ms is not None else None
    left_text = "" if left is None else f"{left:%H:%M}" if left.date() == arrived.date() else f"{left:%Y-%m-%d %H:%M}"
    own, english = language_names(v.language)
    return [cell(x) for x in (
        v.local_day, f"{arrived:%H:%M}", left_text, v.first_name, v.last_name, reason_label(v.reason),
        v.host_name or "", english or own, "yes" if v.interpreter else "no", v.signed_out_by or "", v.id,
        interpreting.english_name(v.interpreter_language) if v.interpreter_language else "", v.student_name or "",
        "office" if v.kiosk_id is None else "kiosk",
    )]  # fmt: skip


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "campus"


@router.get("/office/export.csv")
def office_export(request: Request, viewer: Signed, start: FromDay = "", to: str = "", campus: str = "") -> Response:
    """The campus's visits in a date range (by default today) as CSV, UTF-8 with a BOM so Excel shows accents right."""
    with campus_view(request, viewer, campus) as (db, place, now):
        first, last = days_asked(place, start, to, 1, now)
        visits = queries.visits_between(db, place.id, first, last)
    zone, out = queries.zone_of(place), io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(v, zone) for v in visits)
    filename = f"visits-{slug(place.name)}-{first.isoformat()}-to-{last.isoformat()}.csv"
    return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip
