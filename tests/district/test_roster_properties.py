"""Staff imports under Hypothesis: any file, in the kiosk's CSV format or OneRoster's, is either
refused as a whole with a reason, or gives staff who are clean and within every limit, plus
line-numbered problems, and what is stored (SQLite and PostgreSQL) is exactly what was read."""

from __future__ import annotations

import csv
import io

from conftest import World
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from district import service
from district.models import Staff
from district.roster import Roster, list_orgs, parse_upload
from district.schemas import parse_event
from kiosk.directory import MAX_HOST_NAME, DirectoryError
from kiosk.ids import new_id
from kiosk.text import MAX_FIELD_LENGTH, strip_invisible

CELL = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.text(st.sampled_from('aZé\u0301\u200b\u2060\u00ad\u3164\u202e\u1100\u1161 ,"\n\r\t\x00'), max_size=12),
    st.sampled_from(["teacher", "aide", "administrator", "student", "org-1", "org-1,org-2", "true", "false",
                     "tobedeleted", "x" * 201, "é" * 120]),
    # A letter, an invisible, then what composes with the letter: the sequence that broke imports.
    st.builds(lambda letter, invisible, mark: letter + invisible + mark, st.sampled_from("aeZ\u1100"),
              st.sampled_from("\u200b\u2060\u00ad\x7f\ufe0f\u202e"), st.sampled_from("\u0301\u0308\u1161")),
)  # fmt: skip
KIOSK_HEADER = ["id", "first_name", "last_name", "display_name", "role", "room", "languages"]
USERS_HEADER = ["sourcedId", "status", "enabledUser", "orgSourcedIds", "role", "givenName", "familyName"]
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=8), min_size=1, max_size=6)


def text_of(header: list[str], rows: list[list[str]], quoted: bool) -> str:
    """The rows as a spreadsheet would write them, or joined raw (stray quotes and short rows)."""
    if not quoted:
        return "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


def read(files: dict[str, bytes], org: str | None) -> Roster | None:
    try:
        return parse_upload(files, org)
    except DirectoryError as refused:
        assert str(refused)  # a reason, never an empty message
        return None


def check(roster: Roster, text: str) -> None:
    lines = text.count("\n") + 2
    assert all(1 < p.line <= lines and p.reason for p in roster.problems), roster.problems
    assert len({m.id for m in roster.members}) == len(roster.members)
    for m in roster.members:
        for value in (m.id, m.first_name, m.last_name, m.display_name, m.role, m.room, *m.languages):
            assert strip_invisible(value) == value and len(value) <= MAX_FIELD_LENGTH, value
        assert m.id and m.first_name and m.last_name and len(m.name) <= MAX_HOST_NAME
        # A visit to this person passes the server's push validation as the kiosk would send it.
        parse_event({"type": "visit", "id": new_id(1_700_000_000_000), "first_name": "Ana", "last_name": "Ruiz",
                     "reason": "meeting", "host_id": m.id, "host_name": m.name, "language": "en",
                     "interpreter": False, "checked_in_ms": 1_700_000_000_000, "local_day": "2023-11-14"})  # fmt: skip


def stored_as_read(world: World, roster: Roster) -> None:
    with world.server.sessions.begin() as db:
        service.replace_staff(db, world.campus_a, roster.members)
    with world.server.sessions() as db:
        rows = db.scalars(select(Staff).where(Staff.campus_id == world.campus_a, Staff.active)).all()
        stored = {(r.external_id, r.first_name, r.last_name, r.display_name, r.role, r.room) for r in rows}
    assert stored == {(m.id, m.first_name, m.last_name, m.display_name, m.role, m.room) for m in roster.members}


@settings(max_examples=40)
@given(header=st.permutations(KIOSK_HEADER), rows=ROWS, quoted=st.booleans())
def test_any_kiosk_csv_is_refused_or_read_clean_and_stored_as_read(
    world: World, header: list[str], rows: list[list[str]], quoted: bool
) -> None:
    text = text_of(header, rows, quoted)
    roster = read({"staff.csv": text.encode()}, None)
    if roster is not None:
        check(roster, text)
        stored_as_read(world, roster)


@settings(max_examples=40)
@given(header=st.permutations(USERS_HEADER), rows=ROWS, quoted=st.booleans(), orgs=st.lists(CELL, max_size=3))
def test_any_oneroster_export_is_refused_or_read_clean_and_stored_as_read(
    world: World, header: list[str], rows: list[list[str]], quoted: bool, orgs: list[str]
) -> None:
    text = text_of(header, rows, quoted)
    orgs_text = text_of(["sourcedId", "name"], [["org-1", name] for name in orgs], quoted)
    roster = read({"users.csv": text.encode(), "orgs.csv": orgs_text.encode()}, "org-1")
    if roster is not None:
        check(roster, text)
        stored_as_read(world, roster)
    try:
        schools = list_orgs(orgs_text)
    except DirectoryError:
        return
    for school in schools:  # what the admin picks from: a name people read
        assert school.name and strip_invisible(school.name) == school.name and len(school.name) <= MAX_FIELD_LENGTH
