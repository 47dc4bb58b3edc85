"""Staff rosters uploaded to the district server, turned into one campus's directory.

Two formats are accepted: the kiosk's own directory CSV (read by kiosk.directory.parse_csv, so
both ends agree on it), and the OneRoster 1.1 CSV export that student information systems
produce (users.csv, optionally with orgs.csv naming the schools). As on the kiosk, a bad row is
reported with its line number and the good rows are kept; only a file that cannot be read at
all is refused, with a message the district's IT staff can act on.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from kiosk.directory import MAX_ROWS, Directory, DirectoryError, RowProblem, StaffMember, parse_csv
from kiosk.text import MAX_FIELD_LENGTH, MAX_NAME_LENGTH, NameProblem, clean_label, clean_name, strip_invisible

USERS_REQUIRED = ("sourcedId", "role", "givenName", "familyName", "orgSourcedIds")
USERS_OPTIONAL = ("status", "enabledUser")
ORGS_REQUIRED = ("sourcedId", "name")
ORGS_OPTIONAL = ("status", "type", "identifier")
# OneRoster 1.1 roles the front office may be visiting, and how the kiosk shows them.
STAFF_ROLES = {"teacher": "Teacher", "administrator": "Administrator", "aide": "Aide"}
# A OneRoster users.csv lists the whole district, students and parents too (about 155 bytes a
# row): 100 MB is some 600,000 people. A campus's staff list is far smaller (MAX_ROWS applies).
MAX_UPLOAD_BYTES = 100_000_000
_NAME_REASONS = {
    NameProblem.EMPTY: "is empty",
    NameProblem.TOO_LONG: f"is longer than {MAX_NAME_LENGTH} characters",
    NameProblem.CHARACTERS: "has characters that are not letters",
}


@dataclass
class Roster(Directory):
    """A Directory, plus how many of the campus's rows were left out on purpose.

    `skipped` counts this campus's students, parents and other non-staff, and disabled or
    to-be-deleted accounts, so the admin page can say why 40 staff came from a 900-row file.
    Rows for other campuses are not counted: they were never this campus's.
    """

    skipped: int = 0


@dataclass(frozen=True)
class Org:
    """A school (or district, department...) from orgs.csv, for the admin to choose from."""

    sourced_id: str
    name: str
    type: str = ""
    identifier: str = ""


def decode(data: bytes, name: str) -> str:
    """The text of an uploaded file: UTF-8, with or without a BOM, as the kiosk reads its own CSV."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DirectoryError(
            f"{name} is {-(-len(data) // 1_000_000)} MB; the limit is {MAX_UPLOAD_BYTES // 1_000_000} MB"
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DirectoryError(f"{name} is UTF-16 ('Unicode text'); export it again as CSV in UTF-8")
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise DirectoryError(f"{name} is not UTF-8 (line {line}); export it again as CSV in UTF-8") from None
    if "\x00" in text:
        raise DirectoryError(f"{name} contains NUL bytes: it is not a text CSV file")
    return text


def detect_format(header_line: str) -> Literal["oneroster", "kiosk"]:
    """Which parser a file needs, from its first line: people name files anything, headers less so."""
    try:
        columns = {strip_invisible(c) for c in next(csv.reader([header_line]), [])}
    except csv.Error:
        return "kiosk"
    return "oneroster" if {"sourcedId", "givenName"} <= columns else "kiosk"


def parse_upload(files: Mapping[str, bytes], org_id: str | None = None) -> Roster:
    """The campus directory from an upload: one kiosk CSV, or OneRoster's users.csv (+ orgs.csv).

    `files` maps the uploaded file names to their bytes; other OneRoster files (classes.csv,
    enrollments.csv...) are ignored. `org_id` is the campus's OneRoster sourcedId; a kiosk
    CSV is already one campus's, so it is not needed there.
    """
    by_name = {name.replace("\\", "/").rsplit("/", 1)[-1].lower(): (name, data) for name, data in files.items()}
    if "users.csv" in by_name:
        main = by_name["users.csv"]
    elif len(by_name) == 1:
        (main,) = by_name.values()
    elif not by_name:
        raise DirectoryError("no file was uploaded")
    else:
        names = ", ".join(sorted(name for name, _ in by_name.values()))
        raise DirectoryError(f"expected one staff CSV file, or a OneRoster export with users.csv; got {names}")
    text = decode(main[1], main[0])
    if detect_format(text.split("\n", 1)[0]) == "kiosk":
        directory = parse_csv(text)
        return Roster(members=directory.members, problems=directory.problems)
    if not org_id:
        raise DirectoryError(f"{main[0]} is a OneRoster export for a whole district: choose which school it is for")
    orgs = by_name.get("orgs.csv")
    return parse_oneroster(text, decode(orgs[1], orgs[0]) if orgs else None, org_id)


def list_orgs(orgs_csv: str) -> list[Org]:
    """The active orgs in orgs.csv, in file order, so the admin can pick their school by name."""
    orgs: dict[str, Org] = {}
    for _line, values in read_table(orgs_csv, "orgs.csv", ORGS_REQUIRED, ORGS_OPTIONAL):
        if isinstance(values, str) or not values["sourcedId"] or values.get("status", "").lower() == "tobedeleted":
            continue
        name = _org_name(values["name"], values["sourcedId"])
        if name is not None:
            org = Org(values["sourcedId"], name, values.get("type", ""), values.get("identifier", ""))
            orgs.setdefault(org.sourced_id, org)
    return list(orgs.values())


def _org_name(name: str, sourced_id: str) -> str | None:
    """What the admin reads when choosing a school: its name by the one rule for names people read,
    else its sourcedId (a blank or absurd name), else None: a school nobody could recognise."""
    for text in (name, sourced_id):
        try:
            return clean_label(text, MAX_FIELD_LENGTH)
        except NameProblem:
            continue
    return None


def parse_oneroster(users_csv: str, orgs_csv: str | None, org_id: str) -> Roster:
    """The staff of one campus (OneRoster org `org_id`) in a OneRoster 1.1 users.csv.

    Only teachers, administrators and aides who are enabled and not marked tobedeleted are
    kept; a row with a problem is reported only if it belongs to this campus, so one school's
    admin does not wade through the whole district's typos.
    """
    org_id = strip_invisible(org_id)
    if not org_id:
        raise DirectoryError("no school was chosen for the OneRoster export")
    if orgs_csv is not None and org_id not in {org.sourced_id for org in list_orgs(orgs_csv)}:
        raise DirectoryError(f"orgs.csv has no active school with sourcedId {org_id!r}; choose one it lists")
    members: list[StaffMember] = []
    problems: list[RowProblem] = []
    skipped = 0
    first_line: dict[str, int] = {}
    for line, values in read_table(users_csv, "users.csv", USERS_REQUIRED, USERS_OPTIONAL):
        if isinstance(values, str):
            problems.append(RowProblem(line, values))
            continue
        if org_id not in {org.strip() for org in values["orgSourcedIds"].split(",")}:
            continue
        role = values["role"].lower()
        if not role:
            problems.append(RowProblem(line, "role is empty"))
            continue
        if (
            role not in STAFF_ROLES
            or values.get("status", "").lower() == "tobedeleted"
            or values.get("enabledUser", "").lower() == "false"
        ):
            skipped += 1
            continue
        member = _staff_member(values, STAFF_ROLES[role], line, first_line)
        if isinstance(member, str):
            problems.append(RowProblem(line, member))
        elif len(members) >= MAX_ROWS:
            raise DirectoryError(f"users.csv has more than {MAX_ROWS} staff for {org_id!r}; is the school right?")
        else:
            members.append(member)
    return Roster(members=members, problems=problems, skipped=skipped)


def _staff_member(values: dict[str, str], role: str, line: int, first_line: dict[str, int]) -> StaffMember | str:
    """The member a users.csv row describes, or the reason it cannot be one."""
    sourced_id = values["sourcedId"]
    if not sourced_id:
        return "sourcedId is empty"
    if len(sourced_id) > MAX_FIELD_LENGTH:
        return f"sourcedId is longer than {MAX_FIELD_LENGTH} characters"
    if sourced_id in first_line:
        return f"duplicate sourcedId {sourced_id} (first on line {first_line[sourced_id]})"
    first_line[sourced_id] = line
    names: dict[str, str] = {}
    reasons: list[str] = []
    for column in ("givenName", "familyName"):
        try:
            names[column] = clean_name(values[column], column)
        except NameProblem as exc:
            reasons.append(f"{column} {_NAME_REASONS[exc.code]}")
    if reasons:
        return "; ".join(reasons)
    return StaffMember(id=sourced_id, first_name=names["givenName"], last_name=names["familyName"], role=role)


def read_table(
    text: str, name: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line, values by column) for each non-blank row, or (line, reason) for a row csv cannot read.

    The header is checked now, so a wrong file fails before any row is looked at. Column names
    are matched exactly, as OneRoster says, after dropping white space and a BOM around them.
    """
    if len(text) > MAX_UPLOAD_BYTES:
        raise DirectoryError(f"{name} is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB, the limit")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DirectoryError(f"{name} is empty") from None
    except csv.Error as exc:
        raise DirectoryError(f"{name} line 1: {exc}") from None
    columns = [strip_invisible(h) for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        by_case = {c.lower(): c for c in columns}
        hints = [
            f"{c} (not {by_case[c.lower()]!r}: names are case-sensitive)" if c.lower() in by_case else c
            for c in missing
        ]
        raise DirectoryError(f"{name} is missing column(s): {', '.join(hints)}; the first line must name the columns")
    position = {c: columns.index(c) for c in required + optional if c in columns}

    def rows() -> Iterator[tuple[int, dict[str, str] | str]]:
        while True:
            line = reader.line_num + 1  # where the row starts, even if a quoted field spans lines
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, str(exc)
                continue
            if any(cell.strip() for cell in row):
                yield line, {c: strip_invisible(row[i]) if i < len(row) else "" for c, i in position.items()}

    return rows()
