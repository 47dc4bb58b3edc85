"""Routing rules as tables: who is told of an arrival, and what a district may write as rules."""

from __future__ import annotations

import json
from datetime import time

import pytest

from district.alerts.rules import (
    DEFAULT_RULES,
    Arrival,
    Contact,
    Rule,
    escalation,
    parse_rules,
    route,
    rule_for,
    rules_to_json,
)

MAIL = ("mailto://user:pass@mail.example.org",)
STAFF = {
    "t1": Contact("staff", "t1", "Ms. García", "es", MAIL, ("es", "en")),
    "t2": Contact("staff", "t2", "Mr. Lee", "en", MAIL, ("en", "zh")),
    "t3": Contact("staff", "t3", "Mrs. Haddad", "ar", (), ("ar", "en")),  # no channel
    "t4": Contact("staff", "t4", "Mr. Ortiz", "en", MAIL, ("es-MX",)),
}
OFFICES = {
    "front_office": Contact("office", "front_office", "Front office", "en", MAIL),
    "attendance": Contact("office", "attendance", "Attendance office", "en", MAIL),
    "volunteers": Contact("office", "volunteers", "Volunteer coordinator", "en", ()),  # no channel
}
NO_FRONT = {k: (Contact("office", k, v.name, "en", ()) if k == "front_office" else v) for k, v in OFFICES.items()}


def who(arrival: Arrival, offices: dict[str, Contact] = OFFICES, at: time = time(10, 0)) -> list[tuple[str, str]]:
    rule = rule_for(DEFAULT_RULES, arrival.reason, at)
    return [(r.contact.key, r.why) for r in route(arrival, rule, STAFF, offices, "en").recipients]


@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        # A meeting: the chosen host and the front office.
        (Arrival("meeting", "t2", "en", False), [("t2", "host"), ("front_office", "office")]),
        # The host has no channel: the front office is told instead (once).
        (Arrival("meeting", "t3", "en", False), [("front_office", "fallback")]),
        # A host id the directory no longer has, or none chosen ("Not sure"): the front office.
        (Arrival("meeting", "gone", "en", False), [("front_office", "fallback")]),
        (Arrival("meeting", None, "en", False), [("front_office", "fallback")]),
        # A pick-up: the attendance office.
        (Arrival("pickup", None, "en", False), [("attendance", "office")]),
        # A volunteer, but the coordinator has no channel: the front office.
        (Arrival("volunteer", None, "en", False), [("front_office", "fallback")]),
        # A delivery and anything else: the front office.
        (Arrival("delivery", None, "en", False), [("front_office", "office")]),
        (Arrival("other", None, "en", False), [("front_office", "office")]),
        # Spanish at an English campus: the Spanish speakers with a channel too (regional variants count).
        # (in name order).
        (Arrival("pickup", None, "es", False), [("attendance", "office"), ("t4", "interpreter"), ("t1", "interpreter")]),
        # An interpreter asked for: Spanish speakers, whatever the campus's language.
        (Arrival("delivery", None, "es", True),
         [("front_office", "office"), ("t4", "interpreter"), ("t1", "interpreter")]),
        # ...but in the campus's own language that would be everyone: the alert says it, nobody extra.
        (Arrival("delivery", None, "en", True), [("front_office", "office")]),
        # The host also speaks the language: told once, as the host.
        (Arrival("meeting", "t1", "es", False), [("t1", "host"), ("front_office", "office"), ("t4", "interpreter")]),
        # Arabic: the only speaker has no channel, so nobody extra.
        (Arrival("pickup", None, "ar", False), [("attendance", "office")]),
    ],
)  # fmt: skip
def test_who_is_told(arrival: Arrival, expected: list[tuple[str, str]]) -> None:
    assert who(arrival) == expected


def test_with_no_front_office_channel_the_page_is_the_only_place_and_the_notes_say_so() -> None:
    arrival = Arrival("meeting", "t3", "en", False)
    routed = route(arrival, rule_for(DEFAULT_RULES, "meeting", time(9)), STAFF, NO_FRONT, "en")
    assert routed.recipients == []
    assert any("Mrs. Haddad has no alert channel" in n and "front-office page" in n for n in routed.notes)


AFTER_SCHOOL = Rule("pickup", ("front_office",), hours=(time(15, 0), time(18, 0)))
NIGHT = Rule("*", ("front_office",), hours=(time(22, 0), time(6, 0)))
RULES = (AFTER_SCHOOL, NIGHT, *DEFAULT_RULES)


@pytest.mark.parametrize(
    ("reason", "at", "rule"),
    [
        ("pickup", time(14, 59), DEFAULT_RULES[1]),
        ("pickup", time(15, 0), AFTER_SCHOOL),  # the start is inside
        ("pickup", time(17, 59), AFTER_SCHOOL),
        ("pickup", time(18, 0), DEFAULT_RULES[1]),  # the end is outside
        ("meeting", time(23, 30), NIGHT),  # a window across midnight
        ("meeting", time(5, 59), NIGHT),
        ("meeting", time(6, 0), DEFAULT_RULES[0]),
        ("event", time(12, 0), DEFAULT_RULES[3]),  # "*" catches the rest
    ],
)
def test_the_first_matching_rule_wins_by_reason_and_time_of_day(reason: str, at: time, rule: Rule) -> None:
    assert rule_for(RULES, reason, at) == rule


def test_with_no_rule_matching_the_front_office_is_told() -> None:
    only_pickups = (Rule("pickup", ("attendance",)),)
    assert rule_for(only_pickups, "meeting", time(9)).notify == ("front_office",)


def test_escalation_goes_to_offices_with_a_channel() -> None:
    rule = Rule("meeting", ("host",), escalate_to=("front_office", "volunteers"))
    routed = escalation(rule, OFFICES)
    assert [(r.contact.key, r.why) for r in routed.recipients] == [("front_office", "escalation")]
    assert routed.notes == ["cannot escalate to volunteers: no alert channel"]


def test_rules_survive_a_round_trip_through_json() -> None:
    assert parse_rules(rules_to_json(RULES)) == RULES
    assert parse_rules(None) == DEFAULT_RULES
    assert parse_rules("") == DEFAULT_RULES
    whole_day = parse_rules('[{"reason": "*", "notify": ["front_office"], "hours": "00:00-24:00"}]')
    assert whole_day[0].matches("other", time(23, 59, 59))
    assert parse_rules(rules_to_json(whole_day)) == whole_day


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("{not json", "not JSON"),
        ("{}", "a list with at least one rule"),
        ("[]", "a list with at least one rule"),
        ('["meeting"]', "rule 1 should be an object"),
        ('[{"reason": "party", "notify": ["host"]}]', "rule 1: reason 'party' is not one of"),
        ('[{"reason": "pickup", "notify": ["principal"]}]', "rule 1: notify: 'principal' is not one of"),
        ('[{"reason": "pickup", "notify": "host"}]', "rule 1: notify should be a list"),
        ('[{"reason": "pickup", "notify": []}]', "rule 1: notify names nobody"),
        ('[{"notify": ["host"], "hours": "9-5"}]', "rule 1: hours '9-5' should look like 07:30-16:00"),
        ('[{"notify": ["host"], "hours": "25:00-26:00"}]', "should look like"),
        ('[{"notify": ["host"], "hours": "08:00-08:00"}]', "start and end at the same time"),
        ('[{"notify": ["host"], "hours": 8}]', "hours should be text"),
        ('[{"notify": ["host"], "escalate_after": 0}]', "escalate_after should be minutes from 1 to 240"),
        ('[{"notify": ["host"], "escalate_after": true}]', "escalate_after should be minutes"),
        ('[{"notify": ["host"], "escalate_after": "5"}]', "escalate_after should be minutes"),
        ('[{"notify": ["host"], "escalate_to": ["host"]}]', "escalate_to names offices"),
        ('[{"notify": ["host"], "sms": true}]', "rule 1: unknown field 'sms'"),
        ('[{"notify": ["front_office"]}, {"notify": ["x"]}]', "rule 2: notify: 'x'"),
        (json.dumps([{"notify": ["host"]}] * 51), "at most 50 rules"),
    ],
)
def test_bad_rules_are_refused_with_a_precise_reason(rules: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        parse_rules(rules)
    assert message in str(info.value)
