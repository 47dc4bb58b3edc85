"""district/roster.py: staff uploads (kiosk CSV or OneRoster 1.1) become one campus's directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from district import roster
from district.roster import MAX_UPLOAD_BYTES, Org, Roster, detect_format, list_orgs, parse_oneroster, parse_upload
from kiosk.directory import DirectoryError, RowProblem, StaffMember

HEADER = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,"
    "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
)

ORGS = (
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    "dist-1,,,Riverside Unified,district,RUSD,\n"
    "sch-lincoln,,,Lincoln Elementary,school,101,dist-1\n"
    "sch-jefferson,,,Jefferson Middle,school,102,dist-1\n"
    "sch-old,tobedeleted,2024-06-30T00:00:00.000Z,Old Mill School,school,103,dist-1\n"
)

# A small but realistic district export; the comment is the line each row is on.
USERS = (
    HEADER
    + "\n"
    + (
        "t-1,,,true,sch-lincoln,teacher,mgarcia,{SIS:1001},María,García,Elena,1001,mgarcia@rusd.org,,,,03,\n"  # 2
        "t-2,,,true,sch-lincoln,teacher,jsmith,{SIS:1002},John,Smith,,1002,jsmith@rusd.org,,,,05,\n"  # 3
        "a-1,,,true,sch-lincoln,aide,lnguyen,{SIS:2001},Lan,Nguyễn,Thị,2001,lnguyen@rusd.org,,,,,\n"  # 4
        "adm-1,,,true,sch-lincoln,administrator,pobrien,{SIS:3001},Patricia,O'Brien,,3001,pobrien@rusd.org,,,,,\n"  # 5
        "s-1,,,true,sch-lincoln,student,tkim,{SIS:9001},Tommy,Kim,,9001,tkim@students.rusd.org,,,p-1,03,\n"  # 6
        "s-2,,,true,sch-lincoln,student,aali,{SIS:9002},Aisha,Ali,,9002,aali@students.rusd.org,,,,05,\n"  # 7
        "p-1,,,true,sch-lincoln,parent,skim,{SIS:8001},Sun,Kim,,8001,sun.kim@example.com,,555-0100,s-1,,\n"  # 8
        "t-3,,,false,sch-lincoln,teacher,gone,{SIS:1003},Former,Teacher,,1003,gone@rusd.org,,,,,\n"  # 9
        "t-4,tobedeleted,2024-06-30T00:00:00.000Z,true,sch-lincoln,teacher,left,{SIS:1004},Left,Already,,1004,,,,,,\n"
        't-5,,,true,"sch-lincoln,sch-jefferson",teacher,wang,{SIS:1005},小明,王,,1005,wang@rusd.org,,,,,\n'  # 11
        "t-6,,,true,sch-jefferson,teacher,ahaddad,{SIS:1006},Ahmed,Haddad,,1006,ahaddad@rusd.org,,,,07,\n"  # 12
        "g-1,,,true,sch-lincoln,guardian,grandma,{SIS:8002},Rosa,Díaz,,8002,,,,s-2,,\n"  # 13
    )
)

KIOSK_CSV = (
    "id,first_name,last_name,display_name,role,room,languages\nT-17,María,García,Ms. García,3rd grade,Room 12,es\n"
)


def user(sourced_id: str, given: str, family: str, *, role: str = "teacher", org: str = "sch-lincoln") -> str:
    """One users.csv row with the columns that matter here; the rest look like a real export."""
    return f"{sourced_id},,,true,{org},{role},u{sourced_id},,{given},{family},,,,,,,,"


def users(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def ids(directory: Roster) -> list[str]:
    return [m.id for m in directory.members]


# --- a realistic export ----------------------------------------------------------------------


def test_a_campus_gets_its_enabled_teachers_aides_and_administrators() -> None:
    lincoln = parse_oneroster(USERS, ORGS, "sch-lincoln")
    assert ids(lincoln) == ["t-1", "t-2", "a-1", "adm-1", "t-5"]
    assert lincoln.problems == []
    assert lincoln.skipped == 6  # two students, a parent, a guardian, a disabled and a to-be-deleted teacher
    assert lincoln.get("t-1") == StaffMember(
        id="t-1", first_name="María", last_name="García", display_name="", role="Teacher", room="", languages=()
    )
    assert lincoln.get("a-1").role == "Aide"  # type: ignore[union-attr]
    assert lincoln.get("adm-1").role == "Administrator"  # type: ignore[union-attr]
    assert lincoln.get("adm-1").name == "Patricia O'Brien"  # type: ignore[union-attr]


def test_a_user_in_two_schools_is_in_both_and_other_schools_staff_are_not_counted() -> None:
    jefferson = parse_oneroster(USERS, ORGS, "sch-jefferson")
    assert ids(jefferson) == ["t-5", "t-6"]
    assert jefferson.skipped == 0
    assert jefferson.problems == []


def test_the_result_is_a_searchable_directory() -> None:
    lincoln = parse_oneroster(USERS, ORGS, "sch-lincoln")
    assert [m.id for m in lincoln.search("garc")] == ["t-1"]
    assert [m.id for m in lincoln.search("aide")] == ["a-1"]
    assert [m.id for m in lincoln.search("王")] == ["t-5"]


def test_list_orgs_offers_the_active_orgs_in_file_order() -> None:
    assert list_orgs(ORGS) == [
        Org("dist-1", "Riverside Unified", "district", "RUSD"),
        Org("sch-lincoln", "Lincoln Elementary", "school", "101"),
        Org("sch-jefferson", "Jefferson Middle", "school", "102"),
    ]


def test_list_orgs_needs_only_sourced_id_and_name() -> None:
    assert list_orgs("name,sourcedId\nLincoln,sch-1\n,\n") == [Org("sch-1", "Lincoln")]


@pytest.mark.parametrize("org_id", ["sch-nowhere", "sch-old"])
def test_an_org_not_in_orgs_csv_is_refused_by_name(org_id: str) -> None:
    with pytest.raises(DirectoryError, match=org_id):
        parse_oneroster(USERS, ORGS, org_id)


def test_without_orgs_csv_an_unknown_org_just_has_no_staff() -> None:
    nowhere = parse_oneroster(USERS, None, "sch-nowhere")
    assert (ids(nowhere), nowhere.problems, nowhere.skipped) == ([], [], 0)


def test_an_org_id_with_stray_spaces_still_matches() -> None:
    assert ids(parse_oneroster(USERS, ORGS, " sch-jefferson ")) == ["t-5", "t-6"]


def test_role_and_flag_values_are_read_case_insensitively() -> None:
    text = users(
        "t-1,,,TRUE,sch-lincoln,Teacher,u,,Ann,Lee,,,,,,,,",
        "t-2,,,FALSE,sch-lincoln,teacher,u,,Bob,Lee,,,,,,,,",
        "t-3,TOBEDELETED,,true,sch-lincoln,teacher,u,,Cy,Lee,,,,,,,,",
        "t-4,,,,sch-lincoln,AIDE,u,,Di,Lee,,,,,,,,",  # enabledUser left empty: not disabled
    )
    result = parse_oneroster(text, None, "sch-lincoln")
    assert ids(result) == ["t-1", "t-4"]
    assert [m.role for m in result.members] == ["Teacher", "Aide"]
    assert result.skipped == 2


def test_columns_may_come_in_any_order_and_optional_ones_may_be_missing() -> None:
    text = "familyName,givenName,role,orgSourcedIds,sourcedId\nGarcía,María,teacher,sch-lincoln,t-1\n"
    assert ids(parse_oneroster(text, None, "sch-lincoln")) == ["t-1"]


# --- bad rows: reported with their line, the rest kept ---------------------------------------


def test_a_duplicate_sourced_id_is_reported_and_the_first_kept() -> None:
    text = users(user("t-1", "Ann", "Lee"), user("t-2", "Bob", "Ray"), user("t-1", "Ann", "Leigh"))
    result = parse_oneroster(text, None, "sch-lincoln")
    assert ids(result) == ["t-1", "t-2"]
    assert result.get("t-1").last_name == "Lee"  # type: ignore[union-attr]
    assert result.problems == [RowProblem(4, "duplicate sourcedId t-1 (first on line 2)")]


def test_empty_names_ids_and_roles_are_reported() -> None:
    text = users(
        user("t-1", "", "Lee"),
        user("t-2", "Bob", ""),
        user("", "Cy", "Ray"),
        user("t-4", "Di", "Fox", role=""),
        user("t-5", "  ", "\u200b"),
        user("t-6", "Eve", "Ng"),
    )
    result = parse_oneroster(text, None, "sch-lincoln")
    assert ids(result) == ["t-6"]
    assert result.problems == [
        RowProblem(2, "givenName is empty"),
        RowProblem(3, "familyName is empty"),
        RowProblem(4, "sourcedId is empty"),
        RowProblem(5, "role is empty"),
        RowProblem(6, "givenName is empty; familyName is empty"),
    ]


def test_a_short_row_is_a_problem_not_a_crash() -> None:
    result = parse_oneroster(
        users("t-1,,,true,sch-lincoln,teacher,u,,Ann", user("t-2", "Bob", "Ray")), None, "sch-lincoln"
    )
    assert ids(result) == ["t-2"]
    assert result.problems == [RowProblem(2, "familyName is empty")]


def test_other_campuses_bad_rows_are_not_this_campus_problem() -> None:
    text = users(
        user("t-1", "", "Lee", org="sch-jefferson"), user("t-1", "Bob", "Ray"), user("s-1", "", "", role="student")
    )
    result = parse_oneroster(text, None, "sch-lincoln")
    assert (ids(result), result.problems, result.skipped) == (["t-1"], [], 1)


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","Badge")',
        "=cmd|' /C calc'!A0",
        "+1-555-0100",
        "@SUM(A1:A9)",
        "<script>alert(1)</script>",
        "John 😀",
        "Agent 007",
    ],
)
def test_formulas_markup_and_symbols_are_not_names(name: str) -> None:
    quoted = '"' + name.replace('"', '""') + '"'
    result = parse_oneroster(users(user("t-1", "Ann", quoted), user("t-2", "Bob", "Ray")), None, "sch-lincoln")
    assert ids(result) == ["t-2"]
    assert result.problems == [RowProblem(2, "familyName has characters that are not letters")]


def test_invisible_and_bidi_override_characters_are_removed_from_names_and_ids() -> None:
    text = users(
        user("t-\u200b1", "Jo\u200bhn", "\u202eSmith\u202c"),
        user("t-2", "\ufeffMa\u2066ria\u2069", "Gar\u00adcía"),
        user("t-3", "\u200d\u200c", "Ray"),
    )
    result = parse_oneroster(text, None, "sch-lincoln")
    assert [(m.id, m.first_name, m.last_name) for m in result.members] == [
        ("t-1", "John", "Smith"),
        ("t-2", "Maria", "García"),
    ]
    assert result.problems == [RowProblem(4, "givenName is empty")]


def test_persian_zero_width_non_joiner_inside_a_name_is_kept() -> None:
    result = parse_oneroster(users(user("t-1", "می\u200cنا", "رضایی")), None, "sch-lincoln")
    assert result.members[0].first_name == "می\u200cنا"


def test_a_10000_character_field_is_refused_where_it_matters_and_ignored_where_not() -> None:
    huge = "a" * 10_000
    text = users(
        user("t-1", huge, "Lee"),
        user("t-" + "9" * 10_000, "Bob", "Ray"),
        f"t-3,,,true,sch-lincoln,teacher,u,,Cy,Fox,,,{huge}@example.org,,,,,",  # a long email is not our concern
    )
    result = parse_oneroster(text, None, "sch-lincoln")
    assert ids(result) == ["t-3"]
    assert result.problems == [
        RowProblem(2, "givenName is longer than 50 characters"),
        RowProblem(3, "sourcedId is longer than 200 characters"),
    ]


def test_a_field_too_large_for_csv_is_a_row_problem_and_reading_goes_on() -> None:
    text = users(f'"{"x" * 200_000}",,,true,sch-lincoln,teacher', user("t-2", "Bob", "Ray"))
    result = parse_oneroster(text, None, "sch-lincoln")
    assert ids(result) == ["t-2"]
    assert [p.line for p in result.problems] == [2]
    assert "field larger than field limit" in result.problems[0].reason


def test_line_numbers_count_quoted_fields_that_span_lines_and_blank_lines() -> None:
    text = users(
        't-1,,,true,sch-lincoln,teacher,u,,Ann,Lee,"Mary\nJo\nBeth",,,,,,,',  # lines 2-4
        "",  # line 5
        user("t-2", "", "Ray"),  # line 6
        't-3,,,true,sch-lincoln,teacher,u,,"Cy\nRus",Fox,,,,,,,,',  # lines 7-8: white space folds to one space
        user("t-4", "Di", "9"),  # line 9
    )
    result = parse_oneroster(text, None, "sch-lincoln")
    assert [(m.id, m.first_name) for m in result.members] == [("t-1", "Ann"), ("t-3", "Cy Rus")]
    assert result.problems == [
        RowProblem(6, "givenName is empty"),
        RowProblem(9, "familyName has characters that are not letters"),
    ]


# --- whole-file problems ---------------------------------------------------------------------


def test_missing_columns_are_named() -> None:
    text = "sourcedId,role,givenName,username\nt-1,teacher,Ann,alee\n"
    with pytest.raises(DirectoryError, match="missing column.*familyName, orgSourcedIds"):
        parse_oneroster(text, None, "sch-lincoln")


def test_a_column_in_the_wrong_case_is_pointed_out() -> None:
    text = HEADER.replace("familyName", "FamilyName") + "\n"
    with pytest.raises(DirectoryError, match="familyName.*'FamilyName'.*case-sensitive"):
        parse_oneroster(text, None, "sch-lincoln")


def test_white_space_and_a_bom_around_column_names_are_forgiven() -> None:
    text = "\ufeff" + " , ".join(HEADER.split(",")) + "\r\n" + user("t-1", "Ann", "Lee") + "\r\n"
    assert ids(parse_oneroster(text, None, "sch-lincoln")) == ["t-1"]


def test_an_empty_users_csv_is_refused() -> None:
    with pytest.raises(DirectoryError, match="users.csv is empty"):
        parse_oneroster("", None, "sch-lincoln")


@pytest.mark.parametrize("text", [HEADER, HEADER + "\n", HEADER + "\r\n\r\n"])
def test_a_header_only_file_has_no_staff_and_no_problems(text: str) -> None:
    result = parse_oneroster(text, None, "sch-lincoln")
    assert (ids(result), result.problems, result.skipped) == ([], [], 0)


def test_an_empty_org_id_is_refused() -> None:
    with pytest.raises(DirectoryError, match="no school"):
        parse_oneroster(USERS, None, "  ")


def test_more_staff_than_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster, "MAX_ROWS", 2)
    with pytest.raises(DirectoryError, match="more than 2 staff"):
        parse_oneroster(USERS, None, "sch-lincoln")


# --- uploads: bytes, file names, format detection --------------------------------------------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no BOM", "BOM"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_a_oneroster_upload_with_or_without_bom_and_crlf(bom: bytes, newline: str) -> None:
    files = {
        "users.csv": bom + USERS.replace("\n", newline).encode(),
        "orgs.csv": bom + ORGS.replace("\n", newline).encode(),
        "classes.csv": b"not even looked at \xff",
    }
    result = parse_upload(files, "sch-lincoln")
    assert ids(result) == ["t-1", "t-2", "a-1", "adm-1", "t-5"]
    assert result.problems == []
    assert result.skipped == 6


def test_upload_file_names_may_have_folders_and_capitals() -> None:
    files = {"export\\2024\\Users.CSV": USERS.encode(), "export/2024/ORGS.csv": ORGS.encode()}
    assert ids(parse_upload(files, "sch-jefferson")) == ["t-5", "t-6"]
    with pytest.raises(DirectoryError, match="sch-old"):
        parse_upload(files, "sch-old")  # orgs.csv was found and used


def test_a_kiosk_csv_upload_is_read_as_the_kiosk_reads_it() -> None:
    for name in ("staff.csv", "users.csv"):  # a school may well call its own file users.csv
        result = parse_upload({name: KIOSK_CSV.encode()})
        assert isinstance(result, Roster)
        assert result.members == [StaffMember("T-17", "María", "García", "Ms. García", "3rd grade", "Room 12", ("es",))]
        assert (result.problems, result.skipped) == ([], 0)


def test_a_oneroster_users_file_under_another_name_is_recognised() -> None:
    assert ids(parse_upload({"SIS staff export.csv": USERS.encode()}, "sch-jefferson")) == ["t-5", "t-6"]


def test_a_oneroster_upload_needs_a_school() -> None:
    with pytest.raises(DirectoryError, match="choose which school"):
        parse_upload({"users.csv": USERS.encode()})


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "no file"),
        ({"a.csv": b"x", "b.csv": b"y"}, "expected one staff CSV file.*a.csv, b.csv"),
        ({"users.csv": b""}, "empty"),
        (
            {"users.csv": HEADER.encode() + b"\nt-1,,,true,sch-lincoln,teacher,u,,Ren\xe9e,Lee\n"},
            "not UTF-8 \\(line 2\\)",
        ),
        ({"users.csv": "\ufeffsourcedId,givenName".encode("utf-16")}, "UTF-16"),
        ({"users.csv": HEADER.encode() + b"\n\x00\x00"}, "NUL"),
        ({"users.csv": b"x" * (MAX_UPLOAD_BYTES + 1)}, "101 MB; the limit is 100 MB"),
    ],
    ids=["nothing", "two unknown files", "empty", "latin-1", "utf-16", "nul", "too big"],
)
def test_unusable_uploads_are_refused_with_a_reason(files: dict[str, bytes], message: str) -> None:
    with pytest.raises(DirectoryError, match=message):
        parse_upload(files, "sch-lincoln")


def test_a_non_utf8_orgs_csv_is_refused_too() -> None:
    with pytest.raises(DirectoryError, match="orgs.csv is not UTF-8"):
        parse_upload(
            {"users.csv": USERS.encode(), "orgs.csv": ORGS.encode("cp1252") + "Ñandú,,,x,school,,\n".encode("cp1252")},
            "sch-lincoln",
        )


@pytest.mark.parametrize(
    "header, expected",
    [
        (HEADER, "oneroster"),
        ("\ufeff" + HEADER + "\r", "oneroster"),
        ('"sourcedId","givenName"', "oneroster"),
        ("id,first_name,last_name", "kiosk"),
        ("", "kiosk"),
    ],
)
def test_detect_format(header: str, expected: str) -> None:
    assert detect_format(header) == expected


def test_importing_the_roster_pulls_in_no_kivy() -> None:
    code = "import sys, district.roster; print(sorted(m for m in sys.modules if m.startswith(('kivy', 'kiosk.app'))))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).parents[2], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
