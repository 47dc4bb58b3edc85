"""One rule for every name a person reads (kiosk.text.clean_label): campus, kiosk and user names
from the district's pages and its command, and a school picked from a OneRoster export. A campus's
name goes to every kiosk's welcome screen and into alerts: no bidi override may turn it around,
no zero-width space hide in it, no control character reach a phone's notification."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from conftest import campus
from sqlalchemy import select
from test_web import Site, settings_form, signed_in, site  # noqa: F401 (site is a fixture)

from district.cli import main
from district.models import Campus, Kiosk, User
from district.roster import list_orgs

HOSTILE = "\u202eLincoln\u200b Elementary\x85\x7f\u2066"  # an override, a ZWSP, NEL, DEL, an isolate


def test_a_campus_name_is_stored_without_invisible_or_control_characters(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    a = site.world.campus_a
    answer = admin.form(f"/district/campuses/{a}/settings", settings_form(name=HOSTILE, oneroster_org="\u200bsch-1\x7f"))
    assert answer.status_code == 303
    saved = campus(site.server, a)
    assert (saved.name, saved.oneroster_org) == ("Lincoln Elementary", "sch-1")
    added = admin.form("/district/campuses", {"name": "Roosevelt\u200b Annex\u202e", "timezone": "UTC", "languages": "en"})
    assert added.status_code == 303
    with site.server.sessions() as db:
        assert db.scalars(select(Campus).where(Campus.name == "Roosevelt Annex")).one_or_none() is not None


@pytest.mark.parametrize("name", ["\u200b", "\u202e\u2066\u3164", "\x7f\x85"])
def test_a_name_with_nothing_visible_is_refused_on_the_pages(site: Site, name: str) -> None:
    admin = signed_in(site, "admin@rusd.org")
    a = site.world.campus_a
    settings = admin.form(f"/district/campuses/{a}/settings", settings_form(name=name))
    assert settings.status_code == 400 and "Give the campus a name." in settings.text
    kiosk = admin.form(f"/district/campuses/{a}/kiosks", {"name": name})
    assert kiosk.status_code == 400 and "Give the kiosk a name" in kiosk.text
    assert campus(site.server, a).name == "Lincoln Elementary"


def test_kiosk_and_user_names_are_stored_without_invisible_characters(site: Site) -> None:
    admin = signed_in(site, "admin@rusd.org")
    a = site.world.campus_a
    assert admin.form(f"/district/campuses/{a}/kiosks", {"name": "Gym\u200b door\u202e"}).status_code == 200
    user = {"name": "Wanda\u202e Wu\x07", "email": "wanda@rusd.org", "role": "district_admin",
            "password": "long enough password"}  # fmt: skip
    assert admin.form("/district/users", user).status_code == 303
    blank = {"name": "\u200b\u3164", "email": "blank@rusd.org", "role": "district_admin",
             "password": "long enough password"}  # fmt: skip
    assert admin.form("/district/users", blank).status_code == 303
    with site.server.sessions() as db:
        assert {k.name for k in db.scalars(select(Kiosk).where(Kiosk.campus_id == a))} >= {"Gym door"}
        names = {u.email: u.name for u in db.scalars(select(User))}
    assert names["wanda@rusd.org"] == "Wanda Wu" and names["blank@rusd.org"] == "blank@rusd.org"


def test_the_command_cleans_names_the_same_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("DISTRICT_DATABASE_URL", f"sqlite:///{tmp_path / 'district.sqlite3'}")
    assert main(["add-campus", HOSTILE, "--timezone", "UTC"]) == 0
    assert main(["add-kiosk", "--campus", "1", "Front\u200b door\u202e"]) == 0
    assert main(["add-campus", "\u200b\u202e", "--timezone", "UTC"]) == 2
    out, err = capsys.readouterr()
    assert "campus 1: Lincoln Elementary\n" in out and "(Front door)" in out
    assert "Give the campus a name." in err


def test_a_school_in_orgs_csv_is_offered_by_its_visible_name() -> None:
    orgs = list_orgs("sourcedId,name\nsch-1,\u202eLincoln\u200b Elementary\x7f\nsch-2,\u200b\u3164\n")
    assert [(o.sourced_id, o.name) for o in orgs] == [("sch-1", "Lincoln Elementary"), ("sch-2", "sch-2")]


def test_enroll_checks_the_version_as_the_heartbeat_does(site: Site) -> None:
    answer = requests.post(site.url + "/api/v1/enroll", json={"code": site.world.code_a, "version": "1.0\u202e\x07"})
    assert answer.status_code == 422 and "version" in str(answer.json()["detail"])
    with site.server.sessions() as db:
        assert all(k.token_hash is None for k in db.scalars(select(Kiosk)))  # the code is still unused
