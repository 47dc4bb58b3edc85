"""The staff directory: who can be visited, and the type-ahead search over it.

In this version it comes from a CSV file (docs/configuration.md lists the columns); the
district server replaces that source later. A bad row is reported with its line number
and reason, and the good rows are kept: one typo in a spreadsheet must not empty the list.
"""

from __future__ import annotations

import codecs
import csv
import heapq
import io
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.files import FileRefused, read_regular, why_unusable
from kiosk.text import MAX_FIELD_LENGTH, fold, strip_invisible

REQUIRED_COLUMNS = ("id", "first_name", "last_name")
OPTIONAL_COLUMNS = ("display_name", "role", "room", "languages")
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# A visit's host name, as the server stores it (district/models.py); host_name() builds it.
MAX_HOST_NAME = 2 * MAX_FIELD_LENGTH
_WORD = re.compile(r"\w+")
_APOSTROPHES = re.compile("['’‘]")


class DirectoryError(Exception):
    """The whole file cannot be used (missing, unreadable, not UTF-8, wrong columns)."""


@dataclass(frozen=True)
class StaffMember:
    id: str
    first_name: str
    last_name: str
    display_name: str = ""  # how visitors know them: "Ms. García"
    role: str = ""  # "3rd grade", "Principal"
    room: str = ""
    languages: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return host_name(self.first_name, self.last_name, self.display_name)


def host_name(first_name: str, last_name: str, display_name: str = "") -> str:
    """How visitors, the office and alerts name a staff member: the one place this is built, so
    the kiosk's visits and the server's alerts agree (and stay within MAX_HOST_NAME)."""
    return display_name or f"{first_name} {last_name}"


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def _entry(member: StaffMember) -> tuple[tuple[str, str], tuple[str, ...], tuple[str, ...]]:
    """(sort key, name words, role and room words), folded once per member: a reload folds them all."""
    first, last = fold(member.first_name), fold(member.last_name)
    name = f"{first} {last} {fold(member.display_name)}"  # fold works character by character
    words = _WORD.findall(name)
    if _APOSTROPHES.search(name):  # "O'Brien" is found as "o", "brien" and "obrien"
        words += _WORD.findall(_APOSTROPHES.sub("", name))
    room = f"{'room ' if member.room[:1].isdigit() else ''}{member.room}"
    others = _WORD.findall(fold(f"{member.role} {room}"))
    return (last, first), tuple(dict.fromkeys(words)), tuple(dict.fromkeys(others))  # repeats dropped, order kept


class _WordIndex:
    """Which members (by rank) have a word starting with a given prefix.

    The distinct words are kept sorted, so the words a prefix starts are one run found by
    bisection: memory grows with the words, not with every prefix of every word, and a
    200-character word costs no more than a short one.
    """

    def __init__(self, words_by_rank: list[tuple[str, ...]]) -> None:
        postings: dict[str, list[int]] = {}
        for rank, words in enumerate(words_by_rank):
            for word in words:
                postings.setdefault(word, []).append(rank)
        self._words = sorted(postings)
        self._ranks = [tuple(postings[w]) for w in self._words]

    def starting(self, prefix: str) -> set[int]:
        """Ranks of the members with a word that starts with `prefix`."""
        found: set[int] = set()
        i = bisect_left(self._words, prefix)
        while i < len(self._words) and self._words[i].startswith(prefix):
            found.update(self._ranks[i])
            i += 1
        return found


@dataclass
class Directory:
    members: list[StaffMember] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # Built once per directory (it is replaced, never edited): a keystroke then costs a few
    # set operations instead of a scan of every member (20 ms over 5,000 staff for "room 1").
    _ranked: list[StaffMember] = field(default_factory=list, init=False, repr=False, compare=False)
    _names: _WordIndex = field(init=False, repr=False, compare=False)
    _others: _WordIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A stable sort: staff with the same name keep the order of the file.
        entries = sorted(((*_entry(m), m) for m in self.members), key=lambda e: e[0])
        self._ranked = [m for *_, m in entries]
        self._names = _WordIndex([names for _key, names, _others, _m in entries])
        self._others = _WordIndex([others for _key, _names, others, _m in entries])

    def __len__(self) -> int:
        return len(self.members)

    def get(self, staff_id: str) -> StaffMember | None:
        return next((m for m in self.members if m.id == staff_id), None)

    def search(self, query: str, limit: int = 8) -> list[StaffMember]:
        """Members for whom every word typed starts a word of their name, role or room.

        'garc' finds García; 'room 12' and '3rd' find by room and grade. Name matches come
        before role and room matches, then alphabetical by last name.
        """
        tokens = list(dict.fromkeys(_WORD.findall(fold(query))))  # a repeated word adds nothing
        if not tokens or limit <= 0:
            return []
        matched: set[int] = set()
        by_name: list[set[int]] = []
        for i, token in enumerate(tokens):
            named = self._names.starting(token)
            either = named | self._others.starting(token)
            matched = either if i == 0 else matched & either
            if not matched:  # stop early: a pasted 10,000-character query must not cost more
                return []
            by_name.append(named)
        named_ranks = set().union(*(matched & named for named in by_name))
        first = heapq.nsmallest(limit, named_ranks)
        rest = heapq.nsmallest(limit - len(first), matched - named_ranks)
        return [self._ranked[rank] for rank in first + rest]


def _clean_field(value: str | None) -> str:
    return strip_invisible(value or "")


def parse_csv(text: str) -> Directory:
    """A Directory from CSV text; DirectoryError if the header is unusable."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DirectoryError("the file is empty") from None
    except csv.Error as exc:
        raise DirectoryError(f"line 1: {exc}") from None
    columns = [_clean_field(h).lower().replace(" ", "_") for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DirectoryError(f"missing column(s): {', '.join(missing)} (the first line must name the columns)")
    position = {name: i for i, name in enumerate(columns) if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    members: list[StaffMember] = []
    problems: list[RowProblem] = []
    seen: set[str] = set()
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(members) >= MAX_ROWS:
            problems.append(RowProblem(line, f"more than {MAX_ROWS} staff; the rest were not read"))
            break
        values = {name: _clean_field(row[i]) if i < len(row) else "" for name, i in position.items()}
        too_long = [name for name, v in values.items() if len(v) > MAX_FIELD_LENGTH]
        empty = [name for name in REQUIRED_COLUMNS if not values[name]]
        if empty:
            problems.append(RowProblem(line, f"empty {', '.join(empty)}"))
        elif too_long:
            problems.append(RowProblem(line, f"{', '.join(too_long)} longer than {MAX_FIELD_LENGTH} characters"))
        elif len(host_name(values["first_name"], values["last_name"], values.get("display_name", ""))) > MAX_HOST_NAME:
            problems.append(RowProblem(line, f"first_name and last_name together are longer than {MAX_HOST_NAME} "
                                             "characters: give a shorter display_name"))  # fmt: skip
        elif values["id"] in seen:
            problems.append(RowProblem(line, f"id {values['id']!r} is used on an earlier line"))
        else:
            seen.add(values["id"])
            langs = tuple(x.strip() for x in re.split(r"[;,]", values.get("languages", "")) if x.strip())
            members.append(
                StaffMember(
                    id=values["id"], first_name=values["first_name"], last_name=values["last_name"],
                    display_name=values.get("display_name", ""), role=values.get("role", ""),
                    room=values.get("room", ""), languages=langs,
                )
            )  # fmt: skip
    return Directory(members, problems)


def load_csv(path: Path) -> Directory:
    """The directory in a CSV file (UTF-8, with or without the BOM spreadsheets write)."""
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except (OSError, FileRefused) as exc:
        raise DirectoryError(f"{path} {why_unusable(exc)}") from None
    body = data.removeprefix(codecs.BOM_UTF8)  # spreadsheets write one; it is not part of the header
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise DirectoryError(
            f"{path} is not UTF-8 (line {line}); save it from the spreadsheet as 'CSV UTF-8'"
        ) from None
    if "\x00" in text:
        raise DirectoryError(f"{path} contains NUL bytes: it is not a text CSV file")
    return parse_csv(text)
