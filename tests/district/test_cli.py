"""The district-server command as district IT uses it: mistakes get one clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from district.cli import main
from kiosk.demo import STAFF_CSV


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    monkeypatch.setenv("DISTRICT_DATABASE_URL", url)
    monkeypatch.setenv("DISTRICT_NEW_PASSWORD", "correct horse battery")
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_setting_up_a_campus_from_the_command_line(db: str, capsys, tmp_path: Path) -> None:
    assert run(capsys, "add-campus", "Lincoln Elementary", "--timezone", "America/Chicago")[:2] == (
        0, "campus 1: Lincoln Elementary\n")  # fmt: skip
    code, out, _ = run(capsys, "add-user", "it@district.example", "--role", "district_admin")
    assert code == 0 and "it@district.example" in out
    code, out, _ = run(capsys, "import-staff", "--campus", "1", str(STAFF_CSV))
    assert code == 0 and "20 added, 0 changed, 0 removed" in out
    code, out, _ = run(capsys, "add-kiosk", "--campus", "1", "Front door")
    assert code == 0 and "one-time enrollment code" in out
    code, out, _ = run(capsys, "list")
    assert "campus 1: Lincoln Elementary" in out and "Front door (waiting for its code)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add-campus", "X", "--timezone", "America/Chicgo"], "“America/Chicgo” is not a time zone name"),
        (["add-campus", "X", "--timezone", "UTC", "--languages", "de,xx"], "does not offer de, xx"),
        (["add-campus", " ", "--timezone", "UTC"], "Give the campus a name"),
        (["add-kiosk", "--campus", "99", "Door"], "no campus 99"),
        (["add-user", "s@x.org", "--role", "secretary", "--campus", "99"], "there is no campus 99"),
        (["add-user", "s@x.org", "--role", "secretary"], "a secretary belongs to a campus"),
        (["import-staff", "--campus", "99", str(STAFF_CSV)], "there is no campus 99"),
        (["import-staff", "--campus", "1", "nope.csv"], "No such file"),
        (["import-staff", "--campus", "1", "/dev/zero"], "/dev/zero is not a regular file"),
        (["serve", "--workers", "2"], "Several workers need PostgreSQL"),
    ],
)
def test_mistakes_get_one_clear_line(db: str, capsys, argv: list[str], message: str) -> None:
    main(["add-campus", "Lincoln", "--timezone", "UTC"])
    capsys.readouterr()
    code, _, err = run(capsys, *argv)
    assert code != 0 and message in err and "Traceback" not in err


def test_short_passwords_and_duplicates_are_refused(db: str, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DISTRICT_NEW_PASSWORD", "short")
    code, _, err = run(capsys, "add-user", "a@x.org", "--role", "district_admin")
    assert code == 2 and "at least 10 characters" in err
    monkeypatch.setenv("DISTRICT_NEW_PASSWORD", "long enough password")
    assert run(capsys, "add-user", "a@x.org", "--role", "district_admin")[0] == 0
    code, _, err = run(capsys, "add-user", "A@X.org", "--role", "district_admin")
    assert code == 2 and "already a user a@x.org" in err


def test_an_import_that_would_empty_the_directory_needs_to_be_asked_for(db: str, capsys, tmp_path: Path) -> None:
    main(["add-campus", "Lincoln", "--timezone", "UTC"])
    main(["import-staff", "--campus", "1", str(STAFF_CSV)])
    capsys.readouterr()
    users = tmp_path / "users.csv"
    users.write_text("sourcedId,status,role,givenName,familyName,orgSourcedIds\nt1,active,teacher,Ana,Ruiz,other-school\n")
    code, _, err = run(capsys, "import-staff", "--campus", "1", "--org", "typo", str(users))
    assert code == 2 and "would remove everyone" in err
    code, out, _ = run(capsys, "list")
    code, out, _ = run(capsys, "import-staff", "--campus", "1", str(STAFF_CSV))
    assert "0 removed, 20 unchanged" in out  # nobody was removed by the refused import


def test_an_unreachable_database_is_one_line_without_its_password(capsys, monkeypatch) -> None:
    monkeypatch.setenv("DISTRICT_DATABASE_URL", "postgresql+psycopg://kiosks:s3cret@127.0.0.1:1/kiosks")
    code, _, err = run(capsys, "migrate")
    assert code == 1 and err.startswith("Database problem:") and "s3cret" not in err and "Traceback" not in err
