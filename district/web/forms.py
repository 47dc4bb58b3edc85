"""Reading what a person sent: form fields, ids in paths and queries, dates and date ranges."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, TypeVar

from fastapi import Query
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from district.models import Base
from district.web.pages import PageError

Row = TypeVar("Row", bound=Base)

MAX_RANGE_DAYS = 366
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
FromDay = Annotated[str, Query(alias="from")]  # "from" is a Python keyword: the query's first day


def field(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def secret(form: FormData, name: str = "password") -> str:
    """A password as typed: not stripped, since spaces may be part of it."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def parse_id(text: str) -> int | None:
    """A row id from a URL, or None: too long a number would overflow the database's integer."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def by_id_or_404(db: Session, model: type[Row], row_id: str, what: str) -> Row:
    """The row a URL names; a 404 page for an unknown id or one that is not a number."""
    number = parse_id(row_id)
    row = db.get(model, number) if number is not None else None
    if row is None:
        raise PageError(404, f"No such {what}", f"That {what} does not exist.")
    return row


def parse_day(text: str, default: date, label: str) -> date:
    if not text:
        return default
    try:
        if DAY_PATTERN.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise PageError(400, "Dates not understood", f"The {label} date “{text[:40]}” is not a date like 2026-11-03.")


def date_range(first: str, last: str, default: tuple[date, date]) -> tuple[date, date]:
    """The days asked for, checked: real dates, in order, at most MAX_RANGE_DAYS."""
    start, end = parse_day(first, default[0], "start"), parse_day(last, default[1], "end")
    if end < start:
        raise PageError(400, "Dates not understood", "The end date is before the start date.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise PageError(400, "Too many days", f"Choose at most {MAX_RANGE_DAYS} days at a time.")
    return start, end
