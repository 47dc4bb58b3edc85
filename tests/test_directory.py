"""kiosk/directory.py: the staff CSV is read row by row, and visitors find staff as they type."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from kiosk.directory import MAX_HOST_NAME, Directory, DirectoryError, StaffMember, load_csv, parse_csv
from kiosk.text import MAX_FIELD_LENGTH, fold

GOOD = (
    "id,first_name,last_name,display_name,role,room,languages\n"
    "T-17,María,García,Ms. García,3rd grade,Room 12,es; en\n"
    "T-18,John,Smith,,Principal,Office,en\n"
    "T-19,小明,王,王老师,Art,Room 3,zh\n"
)


def write(tmp_path: Path, data: bytes, name: str = "staff.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def ids(members: list[StaffMember]) -> list[str]:
    return [m.id for m in members]


# --- reading the file ------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no BOM", "BOM"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_a_csv_loads_with_or_without_bom(tmp_path: Path, bom: bytes, newline: str) -> None:
    directory = load_csv(write(tmp_path, bom + GOOD.replace("\n", newline).encode("utf-8")))
    assert directory.problems == []
    assert ids(directory.members) == ["T-17", "T-18", "T-19"]
    garcia = directory.get("T-17")
    assert garcia == StaffMember(
        id="T-17", first_name="María", last_name="García", display_name="Ms. García",
        role="3rd grade", room="Room 12", languages=("es", "en"),
    )  # fmt: skip
    assert garcia.name == "Ms. García"
    assert directory.get("T-18").name == "John Smith"  # type: ignore[union-attr]
    assert directory.get("T-19").last_name == "王"  # type: ignore[union-attr]
    assert directory.get("nobody") is None
    assert len(directory) == 3


def test_parse_csv_copes_with_a_bom_left_in_the_text() -> None:
    directory = parse_csv("\ufeff" + GOOD)
    assert ids(directory.members) == ["T-17", "T-18", "T-19"]


def test_column_names_ignore_case_spaces_and_order() -> None:
    text = " Last Name ,ID,First  Name,DISPLAY NAME,Role,Email\nGarcía,T-17,María,Ms. García,Art,mg@example.org\n"
    directory = parse_csv(text)
    assert directory.problems == []
    (member,) = directory.members
    assert (member.id, member.first_name, member.last_name) == ("T-17", "María", "García")
    assert member.display_name == "Ms. García" and member.role == "Art"
    assert member.room == "" and member.languages == ()


def test_only_the_required_columns_are_needed() -> None:
    directory = parse_csv("id,first_name,last_name\n1,Ana,López\n")
    assert directory.members == [StaffMember("1", "Ana", "López")]


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("first_name,last_name", "id"),
        ("id,first,last", "first_name"),
        ("id,first_name", "last_name"),
        ("Name,Room", "id"),
    ],
)
def test_a_missing_required_column_is_a_directory_error(header: str, missing: str) -> None:
    with pytest.raises(DirectoryError) as caught:
        parse_csv(header + "\n1,Ana,López\n")
    assert missing in str(caught.value)


def test_an_empty_file_is_a_directory_error(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError) as caught:
        load_csv(write(tmp_path, b""))
    assert "empty" in str(caught.value)


def test_bad_rows_are_reported_by_line_and_good_rows_kept() -> None:
    text = (
        "id,first_name,last_name,role\n"  # line 1
        "1,Ana,López,Nurse\n"  # 2
        ",Bea,Baker,\n"  # 3: empty id
        "1,Carl,Cruz,\n"  # 4: id used on line 2
        "\n"  # 5: blank, skipped silently
        "4,,Diaz,\n"  # 6: no first name
        "5,Eve\n"  # 7: no last name (short row)
        f"6,Fay,Fox,{'x' * (MAX_FIELD_LENGTH + 1)}\n"  # 8: overlong role
        "7,Gus,Gray,Coach\n"  # 9
    )
    directory = parse_csv(text)
    assert ids(directory.members) == ["1", "7"]
    assert [p.line for p in directory.problems] == [3, 4, 6, 7, 8]
    reasons = [p.reason for p in directory.problems]
    assert "id" in reasons[0] and "empty" in reasons[0]
    assert "'1'" in reasons[1] and "earlier" in reasons[1]
    assert "first_name" in reasons[2]
    assert "last_name" in reasons[3]
    assert "role" in reasons[4] and str(MAX_FIELD_LENGTH) in reasons[4]
    assert str(directory.problems[0]).startswith("line 3: ")


def test_a_csv_error_is_reported_by_line_and_reading_goes_on() -> None:
    text = (
        "id,first_name,last_name\n"
        "1,Ana,López\n"
        f'2,"{"x" * 140_000}",Huge\n'  # line 3: beyond the csv module's field limit
        "3,Carl,Cruz\n"
    )
    directory = parse_csv(text)
    assert ids(directory.members) == ["1", "3"]
    assert [p.line for p in directory.problems] == [3]


def test_a_bad_row_after_a_quoted_multi_line_field_keeps_its_line_number() -> None:
    text = (
        "id,first_name,last_name,room\n"  # 1
        '1,Ana,López,"Building B\nRoom 12"\n'  # 2-3
        ",Bea,Baker,\n"  # 4: empty id
    )
    directory = parse_csv(text)
    assert ids(directory.members) == ["1"]
    assert directory.members[0].room == "Building B Room 12"
    assert [p.line for p in directory.problems] == [4]


def test_a_bad_row_spanning_lines_is_reported_at_the_line_where_it_starts() -> None:
    text = (
        "id,first_name,last_name,room\n"  # 1
        '1,Ana,López,"Building B\nRoom 12"\n'  # 2-3
        ',Bea,Baker,"Building C\nRoom 4"\n'  # 4-5: empty id
    )
    assert [p.line for p in parse_csv(text).problems] == [4]


def test_invisible_characters_in_cells_are_removed() -> None:
    directory = parse_csv("id,first_name,last_name\n\u200b1,Ana\u200b,\u202eLópez\n")
    assert directory.members == [StaffMember("1", "Ana", "López")]


def test_a_missing_file_is_a_directory_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(DirectoryError) as caught:
        load_csv(path)
    assert str(path) in str(caught.value) and "does not exist" in str(caught.value)


def test_a_folder_is_a_directory_error(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError) as caught:
        load_csv(tmp_path)
    assert "folder" in str(caught.value)


def test_a_cp1252_file_is_a_directory_error_naming_the_line(tmp_path: Path) -> None:
    text = "id,first_name,last_name\n1,Ana,Lopez\n2,María,García\n"
    with pytest.raises(DirectoryError) as caught:
        load_csv(write(tmp_path, text.encode("cp1252")))
    message = str(caught.value)
    assert "line 3" in message
    assert "UTF-8" in message


def test_a_bom_file_with_a_cp1252_row_names_the_right_line(tmp_path: Path) -> None:
    # Saved as "CSV UTF-8" (with BOM), then a row added in an editor using Windows-1252.
    data = b"\xef\xbb\xbf" + "id,first_name,last_name\n1,Ana,Lopez\n2,Élodie,Martin\n".encode("cp1252")
    with pytest.raises(DirectoryError) as caught:
        load_csv(write(tmp_path, data))
    assert "line 3" in str(caught.value)


def test_a_file_with_nul_bytes_is_a_directory_error(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError) as caught:
        load_csv(write(tmp_path, GOOD.encode("utf-8") + b"\x00\x00\x00"))
    assert "NUL" in str(caught.value)


def test_a_utf16_file_is_a_directory_error(tmp_path: Path) -> None:
    # Excel's "Unicode Text" export.
    with pytest.raises(DirectoryError) as caught:
        load_csv(write(tmp_path, GOOD.encode("utf-16")))
    assert "UTF-8" in str(caught.value)


# --- search ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def staff() -> Directory:
    return parse_csv(
        "id,first_name,last_name,display_name,role,room\n"
        "1,María,García,Ms. García,3rd grade,Room 12\n"
        "2,John,Smith,,Principal,Office\n"
        "3,Arthur,Zimmer,,Music,Room 7\n"
        "4,Amy,Adams,,Art,Room 3\n"
        "5,Grace,Garza,,2nd grade,Room 14\n"
        "6,José,Núñez,,Counselor,Room 20\n"
        "7,Siobhán,O'Brien,,Nurse,Health office\n"
        "8,Zoë,D'Angelo,,PE,Gym\n"
        "9,Ana,Lopez,,3rd grade,Room 11\n"
        "10,小明,王,王老师,Chinese,Room 5\n"
    )


def names(found: list[StaffMember]) -> list[str]:
    return [m.last_name for m in found]


@pytest.mark.parametrize("query", ["garc", "García", "GARCIA", "garcía", "  garc  ", "maría", "maria", "ms garcia"])
def test_search_finds_by_name_ignoring_case_and_accents(staff: Directory, query: str) -> None:
    assert names(staff.search(query)) == ["García"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("nunez", ["Núñez"]),
        ("zoe", ["D'Angelo"]),
        ("siobhan", ["O'Brien"]),
        ("王", ["王"]),
        ("小明", ["王"]),
        ("ga", ["García", "Garza"]),
    ],
)
def test_search_by_name(staff: Directory, query: str, found: list[str]) -> None:
    assert names(staff.search(query)) == found


@pytest.mark.parametrize(("query", "last"), [("obrien", "O'Brien"), ("dangelo", "D'Angelo")])
def test_search_finds_names_with_an_apostrophe_typed_without_it(staff: Directory, query: str, last: str) -> None:
    # On a touch keyboard the apostrophe is on another page; visitors leave it out.
    assert last in names(staff.search(query))


def test_search_finds_by_role(staff: Directory) -> None:
    assert names(staff.search("3rd")) == ["García", "Lopez"]
    assert names(staff.search("principal")) == ["Smith"]


def test_search_finds_by_room(staff: Directory) -> None:
    assert names(staff.search("room 12")) == ["García"]
    assert names(staff.search("gym")) == ["D'Angelo"]


def test_room_search_works_when_the_room_column_holds_only_a_number() -> None:
    directory = parse_csv("id,first_name,last_name,room\n1,María,García,12\n2,John,Smith,14\n")
    assert names(directory.search("room 12")) == ["García"]


def test_every_word_typed_must_match(staff: Directory) -> None:
    assert names(staff.search("maria garc")) == ["García"]
    assert names(staff.search("ana lopez")) == ["Lopez"]
    assert staff.search("ana garcia") == []
    assert names(staff.search("3rd lopez")) == ["Lopez"]
    assert staff.search("3rd smith") == []


def test_name_matches_come_before_role_matches(staff: Directory) -> None:
    # "art" starts Arthur Zimmer's name and Amy Adams' role: the name match comes first
    # even though Adams sorts before Zimmer.
    assert names(staff.search("art")) == ["Zimmer", "Adams"]


def test_matches_are_alphabetical_by_last_name(staff: Directory) -> None:
    assert names(staff.search("room")) == [
        "Adams", "García", "Garza", "Lopez", "Núñez", "Zimmer", "王",
    ]  # fmt: skip


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_search_respects_the_limit(staff: Directory, limit: int) -> None:
    assert len(staff.search("room", limit=limit)) == limit
    assert staff.search("room", limit=limit) == staff.search("room")[:limit]


def test_the_default_limit_is_eight() -> None:
    many = parse_csv("id,first_name,last_name\n" + "".join(f"{i},Ana,Lopez{i:02}\n" for i in range(20)))
    assert len(many.search("ana")) == 8


@pytest.mark.parametrize("query", ["", "   ", "\t", "'-.,", "!!!", "\u200b"])
def test_an_empty_query_finds_nobody(staff: Directory, query: str) -> None:
    assert staff.search(query) == []


def test_a_query_matching_nobody_finds_nobody(staff: Directory) -> None:
    assert staff.search("xyz") == []
    assert staff.search("arcia") == []  # words are matched from their start


def test_an_empty_directory_finds_nobody() -> None:
    assert Directory().search("ana") == []


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_of_zero_or_less_finds_nobody(staff: Directory, limit: int) -> None:
    assert staff.search("room", limit=limit) == []


def test_staff_with_the_same_name_keep_the_order_of_the_file() -> None:
    twins = parse_csv("id,first_name,last_name\nb,Ana,Lopez\na,Ana,Lopez\nc,ana,LÓPEZ\n")
    assert ids(twins.search("ana")) == ["b", "a", "c"]


# --- the search index gives exactly what a scan of every member gives -------------------------

_SCAN_WORD = re.compile(r"\w+")


class Scan:
    """The search as it was before the index: every member checked, in alphabetical order."""

    def __init__(self, members: list[StaffMember]) -> None:
        self.index: list[tuple[tuple[str, ...], tuple[str, ...], StaffMember]] = []
        for m in members:
            name = fold(f"{m.first_name} {m.last_name} {m.display_name}")
            name_words = tuple(dict.fromkeys(_SCAN_WORD.findall(name) + _SCAN_WORD.findall(re.sub(r"['’‘]", "", name))))
            room = f"{'room ' if m.room[:1].isdigit() else ''}{m.room}"
            other_words = tuple(_SCAN_WORD.findall(fold(f"{m.role} {room}")))
            self.index.append((name_words, other_words, m))
        self.index.sort(key=lambda e: (fold(e[2].last_name), fold(e[2].first_name)))

    def search(self, query: str, limit: int = 8) -> list[StaffMember]:
        tokens = _SCAN_WORD.findall(fold(query))
        if not tokens:
            return []
        by_name: list[StaffMember] = []
        by_other: list[StaffMember] = []
        for name_words, other_words, member in self.index:
            named = 0
            for token in tokens:
                if any(w.startswith(token) for w in name_words):
                    named += 1
                elif not any(w.startswith(token) for w in other_words):
                    break
            else:
                (by_name if named else by_other).append(member)
                if len(by_name) >= limit:
                    break
        return (by_name + by_other)[:limit]


# Names as schools have them, and as spreadsheets and keyboards mangle them: accents composed and
# decomposed, three kinds of apostrophe, RTL and CJK scripts, ligatures, full-width and Arabic digits.
_FIRST = (
    "María", "Mari\u0301a", "\u0301Eve", "José", "Zoë", "Siobhán", "İlkay", "Ørjan", "Đức", "Nguyễn Thị", "Ana", "Anna",
    "Ann-Marie", "Jean Luc", "محمد", "فاطمة", "שרה", "דוד", "小明", "美玲", "さくら", "민준", "Ａｎａ", "ﬁona",
)  # fmt: skip
_LAST = (
    "García", "Garci\u0301a", "Garza", "O'Brien", "O’Brien", "O‘Neil", "D'Angelo", "d’Arcy", "Núñez", "Straße",
    "Strasse", "Van der Berg", "Smith-Jones", "St. John", "Lê", "王", "李", "佐藤", "김", "العلي", "כהן", "Roomba",
    "Art", "Third", "12", "Ó Súilleabháin", "Ölz", "Øvergaard",
)  # fmt: skip
_ROLES = (
    "", "3rd grade", "1st grade", "Art", "Music", "PE", "Nurse", "Principal", "ESL", "معلم", "老师", "Room parent",
)  # fmt: skip
_ROOMS = (
    "", "12", "1", "104", "Room 12", "Gym", "Health office", "Portable 3", "１２", "١٢", "B-2", "2²", "Music room",
)  # fmt: skip
_HOSTILE = "aeioumnrgs '’‘-.,\t\u0301\u0308\u200b\u202e\u05d3\u0645\u738b\u674e\u0031\u0032\u0033\u0661\uff11ßİﬁ²"


@pytest.fixture(scope="module")
def big() -> tuple[Directory, Scan]:
    rng = random.Random(2024)
    members = []
    for i in range(5000):
        display = f"{rng.choice(['Ms.', 'Mr.', 'Dr.'])} {rng.choice(_LAST)}" if rng.random() < 0.5 else ""
        first, last, role, room = rng.choice(_FIRST), rng.choice(_LAST), rng.choice(_ROLES), rng.choice(_ROOMS)
        members.append(StaffMember(str(i), first, last, display_name=display, role=role, room=room))
    return Directory(members), Scan(members)


def random_queries(members: list[StaffMember], count: int, seed: int) -> list[str]:
    """What visitors type: parts of real names, roles and rooms, cut short and mistyped, and junk."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.7:
            m = rng.choice(members)
            words = f"{m.first_name} {m.last_name} {m.display_name} {m.role} {m.room}".split()
            parts = [w[: rng.randint(1, len(w))] for w in rng.sample(words, min(len(words), rng.randint(1, 3)))]
            query = rng.choice([" ", "  ", "-", ", ", "'"]).join(parts)
            queries.append(rng.choice([query, query.upper(), fold(query), f" {query} "]))
        else:
            queries.append("".join(rng.choice(_HOSTILE) for _ in range(rng.randint(1, 12))))
    return queries


HOSTILE_QUERIES = [
    "", " ", "\t\n", "\u200b", "'", "’’’", "-'.,", "x" * 10_000,
    "".join(random.Random(1).choice(_HOSTILE) for _ in range(10_000)),
    "\u0301", "\u0301\u0308\u0301", "a\u0301", "e\u0301\u0301\u0301", "Garci\u0301a", "garcia", "GARCÍA",
    "o", "o'", "o'b", "o’brien", "o‘neil", "obrien", "o brien", "d", "d'a", "darcy", "dangelo",
    "محمد", "مح", "\u202eمحمد", "שרה", "כה", "王", "王 李", "小明", "佐", "김", "민", "ａｎａ", "ana", "fiona", "ﬁ",
    "straße", "strasse", "STRASSE", "ss", "ß", "ilkay", "İl", "orjan", "duc", "nguyen thi", "le",
    "1", "12", "１２", "١٢", "٢", "104", "2", "22", "room", "room 1", "room 12", "room 1 room 12", "3rd g",
    "3rd grade room 12", "1st 1", "art", "art room", "music room", "roomba", "third", "b 2", "b-2",
    "ms garc", "dr", "mr. o'brien", "van der", "smith-jones", "st. john", "ann marie", "ann-m", "jean l",
    "maria garc", "maria maria", "garc maria", "zzz", "qx", "room zzz",
]  # fmt: skip


@pytest.mark.parametrize("limit", [1, 6, 8, 10_000])
def test_the_index_finds_what_a_scan_finds_for_hostile_queries(big: tuple[Directory, Scan], limit: int) -> None:
    directory, plain = big
    for query in HOSTILE_QUERIES:
        assert ids(directory.search(query, limit)) == ids(plain.search(query, limit)), query[:40]


@pytest.mark.parametrize("query", ["a " * 5_000, "room " * 2_000, "Room 1 " * 1_500], ids=["a", "room", "room 1"])
def test_a_word_typed_over_and_over_finds_what_it_finds_once(big: tuple[Directory, Scan], query: str) -> None:
    # 10,000 characters pasted: the scan takes seconds to list everyone for it, so the full list
    # is compared with the scan of the words typed once.
    directory, plain = big
    assert ids(directory.search(query, 6)) == ids(plain.search(query, 6))
    once = " ".join(dict.fromkeys(query.split()))
    assert ids(directory.search(query, 10_000)) == ids(plain.search(once, 10_000))
    assert len(directory.search(query, 10_000)) > 100


def test_the_index_finds_what_a_scan_finds_for_random_queries(big: tuple[Directory, Scan]) -> None:
    directory, plain = big
    rng = random.Random(5)
    for query in random_queries(directory.members, 400, seed=6):
        limit = rng.choice([1, 6, 8, 50, 10_000])
        assert ids(directory.search(query, limit)) == ids(plain.search(query, limit)), (query, limit)


def test_the_index_finds_what_a_scan_finds_as_each_key_is_typed(big: tuple[Directory, Scan]) -> None:
    directory, plain = big
    for query in ("maria garc", "o'brien", "room 12", "3rd grade room 1", "王老师", "dr. d’arcy", "ﬁona strasse"):
        for n in range(1, len(query) + 1):
            assert ids(directory.search(query[:n], 6)) == ids(plain.search(query[:n], 6)), query[:n]


def test_a_directory_read_from_csv_searches_like_a_scan(big: tuple[Directory, Scan]) -> None:
    # parse_csv normalises the text (NFC, no invisible characters); the index must not care.
    members = big[0].members
    rows = "".join(
        f'{m.id},"{m.first_name}","{m.last_name}","{m.display_name}","{m.role}","{m.room}"\n' for m in members
    )
    directory = parse_csv("id,first_name,last_name,display_name,role,room\n" + rows)
    assert len(directory) == len(members)
    plain = Scan(directory.members)
    for query in HOSTILE_QUERIES[:30] + random_queries(members, 100, seed=8):
        assert ids(directory.search(query)) == ids(plain.search(query)), query[:40]


# --- what the server will accept back: names and ids cleaned once for good ---------------------


def test_a_name_or_id_split_by_an_invisible_is_stored_as_cleaning_it_again_would() -> None:
    # "Jose" ZWSP + combining acute: once cleaned to "José", not to "Jose" + U+0301, which the
    # server would clean again, find different, and refuse every visit to this person for.
    directory = parse_csv("id,first_name,last_name\nT\u200b\u0301-1,Jose\u200b\u0301,Nun\u2060\u0303ez\n")
    [member] = directory.members
    assert (member.id, member.first_name, member.last_name) == ("T\u0301-1", "José", "Nuñez")
    assert member.name == "José Nuñez"


def test_two_names_too_long_together_for_a_host_name_are_a_row_problem() -> None:
    longest = "A" * MAX_FIELD_LENGTH
    text = f"id,first_name,last_name,display_name\nT-1,{longest},{longest},\nT-2,{longest},{longest},Ms. A\n"
    directory = parse_csv(text)
    assert [str(p) for p in directory.problems] == [
        f"line 2: first_name and last_name together are longer than {MAX_HOST_NAME} characters: "
        "give a shorter display_name"
    ]
    assert [m.name for m in directory.members] == ["Ms. A"]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "staff.csv" if kind == "fifo" else Path("/dev/zero")
    if kind == "fifo":
        os.mkfifo(path)  # nothing writes to it: reading would wait for ever
    with pytest.raises(DirectoryError) as caught:
        load_csv(path)
    assert str(caught.value) == f"{path} is not a regular file (a device or a pipe cannot be read as one)"
