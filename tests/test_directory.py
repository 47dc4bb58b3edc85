"""kiosk/directory.py: the staff CSV is read row by row, and visitors find staff as they type."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.directory import Directory, DirectoryError, StaffMember, load_csv, parse_csv
from kiosk.text import MAX_FIELD_LENGTH

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
