"""What a kiosk accepts, the server accepts: Hypothesis through the real kiosk and the real server.

A visitor told "Welcome" must never be refused later because the two sides clean text
differently. The kiosk's own check-in validation (FrontDesk.check_in) decides what is kept;
the visit then goes through the real SyncClient to the real server on loopback (SQLite and
PostgreSQL), which must store it as sent. The same for a host who came from a staff import
(the kiosk's CSV or OneRoster), sent to the kiosk by the server.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import World
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from district import service
from district.models import Staff, Visit
from district.roster import parse_upload
from kiosk import interpreting
from kiosk.checkin import Draft, FrontDesk
from kiosk.config import Config
from kiosk.directory import DirectoryError
from kiosk.store import Store
from kiosk.sync import SyncClient, enroll
from kiosk.text import NameProblem

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
PIECES = st.text(
    st.sampled_from(
        "aeZ\u00e9\u0627\u0646\u0915\u0937\u4e2d\u1100\u1161\u11a8\uac00"  # letters, jamo
        "\u0301\u0308\u0323\u0654\u094d"  # combining marks
        "\u200b\u200c\u200d\u2060\u202e\u00ad\ufe0f\u034f\u3164\u1160\x7f\x00\t\x85"  # invisibles
        " '-."
    ),
    max_size=30,
)
# An invisible between a letter (or a leading jamo) and what composes with it: what broke before.
SPLIT = st.builds(
    lambda before, letter, invisible, mark, after: before + letter + invisible + mark + after,
    PIECES, st.sampled_from("aeoAZ\u0627\u1100"), st.sampled_from("\u200b\u2060\u00ad\x7f\ufe0f\u202e\u200c\u034f"),
    st.sampled_from("\u0301\u0308\u0323\u0654\u1161"), PIECES,
)  # fmt: skip
SOME_TEXT = st.one_of(ANY_TEXT, PIECES, SPLIT)


class Kiosk:
    """One kiosk, enrolled once for all of a test's examples."""

    def __init__(self, world: World, tmp_path: Path) -> None:
        config = Config(campus_name="Lincoln Elementary", data_dir=tmp_path / "kiosk", timezone="America/Chicago")
        self.desk = FrontDesk(config, Store(config.database_path))
        self.client = SyncClient(self.desk.store, enroll(world.server.url, world.code_a, config.enrollment_path))
        self.world = world

    def confirmed_visit_is_stored(self, draft: Draft) -> Visit | None:
        """Check in as the screen would; if the kiosk confirmed it, push it and return the server's row."""
        try:
            visit = self.desk.check_in(draft)
        except NameProblem:
            return None
        sent, refused = self.client.push()
        assert (sent, refused) == (1, 0), self.desk.store.refused_events()
        with self.world.server.sessions() as db:
            stored = db.get(Visit, visit.id)
        assert stored is not None
        assert (stored.first_name, stored.last_name) == (visit.first_name, visit.last_name)
        assert (stored.student_name, stored.interpreter_language) == (visit.student_name, visit.interpreter_language)
        assert stored.flag is None, "what the kiosk confirmed is stored as it was sent"
        return stored


@pytest.fixture
def kiosk(world: World, tmp_path: Path) -> Kiosk:
    return Kiosk(world, tmp_path)


@settings(max_examples=50)
@given(first=SOME_TEXT, last=SOME_TEXT)
def test_a_visitor_the_kiosk_welcomed_is_stored_by_the_server(kiosk: Kiosk, first: str, last: str) -> None:
    kiosk.confirmed_visit_is_stored(Draft(language="es", first_name=first, last_name=last, reason="dropoff"))


@settings(max_examples=40)
@given(student=SOME_TEXT, language=st.sampled_from(interpreting.LANGUAGES))
def test_the_student_and_the_interpreters_language_the_kiosk_took_are_stored(
    kiosk: Kiosk, student: str, language: str
) -> None:
    draft = Draft(language="en", first_name="Fatima", last_name="Haddad", reason="pickup", student_name=student,
                  interpreter=True, interpreter_language=language)  # fmt: skip
    kiosk.confirmed_visit_is_stored(draft)


def _csv(*rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _host_is_stored(kiosk: Kiosk, files: dict[str, bytes], org: str | None) -> None:
    try:
        roster = parse_upload(files, org)
    except DirectoryError as refused:  # the whole file (a NUL byte): nothing stored, a reason given
        assert "NUL" in str(refused)
        return
    with kiosk.world.server.sessions.begin() as db:
        service.replace_staff(db, kiosk.world.campus_a, roster.members)
    kiosk.client.pull()
    kiosk.desk.use_synced_directory()
    for member in roster.members:
        host = kiosk.desk.directory.get(member.id)
        assert host == member
        draft = Draft(language="en", first_name="Ana", last_name="Núñez", reason="meeting", host=host)
        stored = kiosk.confirmed_visit_is_stored(draft)
        assert stored is not None and (stored.host_id, stored.host_name) == (member.id, member.name)
    with kiosk.world.server.sessions() as db:
        rows = db.scalars(select(Staff).where(Staff.campus_id == kiosk.world.campus_a, Staff.active)).all()
    assert {r.external_id for r in rows} == {m.id for m in roster.members}


@settings(max_examples=25)
@given(staff_id=SOME_TEXT, first=SOME_TEXT, last=SOME_TEXT, display=SOME_TEXT, long=st.booleans())
def test_a_host_imported_from_the_kiosk_csv_is_accepted_on_every_visit(
    kiosk: Kiosk, staff_id: str, first: str, last: str, display: str, long: bool
) -> None:
    if long:  # near the limits: two 200-character names and no display name
        first, last, display = (first + "x" * 200)[:200], (last + "y" * 200)[:200], ""
    files = {"staff.csv": _csv(["id", "first_name", "last_name", "display_name"], [staff_id, first, last, display])}
    _host_is_stored(kiosk, files, None)


NAMEISH = st.one_of(PIECES, SPLIT)  # mostly letters: most rows become staff, and so are tested


@settings(max_examples=30)
@given(staff_id=st.one_of(SOME_TEXT, SPLIT), given_name=NAMEISH, family_name=NAMEISH)
def test_a_host_imported_from_oneroster_is_accepted_on_every_visit(
    kiosk: Kiosk, staff_id: str, given_name: str, family_name: str
) -> None:
    header = ["sourcedId", "role", "givenName", "familyName", "orgSourcedIds"]
    files = {"users.csv": _csv(header, [staff_id, "teacher", given_name, family_name, "org-1"])}
    _host_is_stored(kiosk, files, "org-1")
