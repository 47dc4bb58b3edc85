"""kiosk/clock.py: what staff mode says about the kiosk's clock, and when an event's age is known."""

from __future__ import annotations

from kiosk.clock import ClockStatus, Stamp, judge, span

DAY_MS = 86_400_000


def test_staff_mode_says_how_far_the_clock_is_from_the_server() -> None:
    assert judge(True, -3 * DAY_MS - 7_000).text == "Clock: 3 days behind the district server"
    assert judge(None, 25 * 3_600_000).text == "Clock: 25 h ahead of the district server"
    assert judge(True, 20_000) == ClockStatus("synced", 20_000)  # a second or two of network is not "off"


def test_a_clock_no_time_server_has_set_says_so_until_the_server_shows_it_is_right_or_wrong() -> None:
    assert judge(False, None).state == "not_synced" and "not set" in judge(False, None).text
    assert judge(False, -DAY_MS).state == "off"
    assert judge(None, None).text == "Clock: not known yet"
    assert judge(None, 500).state == "synced"


def test_an_age_is_known_only_within_one_boot() -> None:
    then = Stamp("boot-1", 10_000)
    assert then.age_at(Stamp("boot-1", 70_000)) == 60_000
    assert then.age_at(Stamp("boot-2", 70_000)) is None
    assert Stamp(None, 10_000).age_at(Stamp(None, 70_000)) is None
    assert then.age_at(Stamp("boot-1", 5_000)) is None  # cannot happen within a boot: not trusted


def test_lengths_of_time_read_in_their_largest_unit() -> None:
    assert [span(ms) for ms in (45_000, 12 * 60_000, 25 * 3_600_000, 3 * DAY_MS - 5, 57 * 365 * DAY_MS)] == [
        "45 s", "12 min", "25 h", "3 days", "57 years",
    ]  # fmt: skip
