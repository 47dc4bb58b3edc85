"""The District page: visits per campus per day, the front office's waiting times, the languages chosen,
every kiosk, and the campuses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from district import queries, service
from district.alerts import manage
from district.models import Campus
from district.web import pickers
from district.web.auth import Admin
from district.web.formatting import duration, language_names, short_day
from district.web.kiosks import kiosk_view
from district.web.pages import notice_text, read, render

DISTRICT_DAYS = 14
LANGUAGE_DAYS = 30
DEFAULT_LANGUAGES = ("en", "es")  # ticked on the add-campus form
WAIT_DAYS = 7
FLAGGED_DAYS = 14
router = APIRouter(include_in_schema=False)


def wait_text(ms: int | None) -> str:
    """A waiting time for the table: seconds under a minute (the difference a good front office makes)."""
    if ms is None:
        return "–"
    seconds = ms // 1000
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 600 and seconds % 60:
        return f"{seconds // 60} min {seconds % 60} s"
    return duration(ms)


def district_today(places: Sequence[Campus], now: int) -> date:
    """The newest campus date: a district spanning two time zones counts up to its later today."""
    return max((queries.local_now(c, now).date() for c in places), default=datetime.now(UTC).date())


@router.get("/district")
def district(request: Request, viewer: Admin, notice: str = "") -> HTMLResponse:
    now = service.now_ms()
    with read(request) as db:
        places = queries.campuses(db)
        ids = [c.id for c in places]
        today = district_today(places, now)
        per_day = queries.visits_per_day(db, ids, today, DISTRICT_DAYS)
        chosen = queries.languages_chosen(db, ids, today - timedelta(days=LANGUAGE_DAYS - 1), today)
        zones = {c.id: queries.zone_of(c) for c in places}
        flagged = queries.flagged_per_kiosk(db, now - FLAGGED_DAYS * 86_400_000)
        kiosks = [kiosk_view(k, name, zones[k.campus_id], now, flagged.get(k.id, 0)) for k, name in queries.kiosks(db)]
        staff = queries.staff_counts(db)
        local_days = {c.id: queries.local_now(c, now).date() for c in places}
        waits = manage.campus_waits(db, {cid: (d - timedelta(days=WAIT_DAYS - 1), d) for cid, d in local_days.items()})
        undelivered = manage.failed_alerts(db, ids, now - WAIT_DAYS * 86_400_000)
    language_rows = [(language_names(c.code), c) for c in chosen]
    return render(
        request, "district.html", nav="district", campuses=places, per_day=per_day, today=today,
        days=[(f"{d:%a}", short_day(d)) for d in per_day.days], languages=language_rows, kiosks=kiosks, staff=staff,
        notice=notice_text(notice), zone_groups=pickers.zones_today(),
        language_picks=pickers.language_picks(DEFAULT_LANGUAGES), language_days=LANGUAGE_DAYS,
        waits=waits, undelivered=undelivered, wait_days=WAIT_DAYS, wait_text=wait_text, flagged_days=FLAGGED_DAYS,
    )  # fmt: skip
