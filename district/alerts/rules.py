"""Who is told about an arrival: the campus's routing rules, and the routing itself.

Pure functions over plain data, so routing is tested as tables. Rules are checked in order
and the first that matches the visit's reason and the local time of day wins (like a
firewall's rules: a district puts its exceptions first). A rule names targets: "host" (the
staff member the visitor chose) or an office (kiosk.wire.OFFICES).

Fallbacks keep someone informed: a host or an office with no channel is replaced by the
front office. Interpreter: when the visitor asked for one, or chose a language other than
the campus's default, every staff member the directory lists as speaking it is told too
(not when it is the campus's own language: that would be everyone; the alert says it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time

from kiosk.reasons import BY_CODE
from kiosk.wire import OFFICES

FRONT_OFFICE = "front_office"
TARGETS = ("host", *OFFICES)
ANY_REASON = "*"
MAX_RULES = 50
MAX_ESCALATE_MINUTES = 240
MAX_EXPIRY_MINUTES = 240  # a campus's alert expiry: longer, and "is at the front office" is no longer news
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class Rule:
    reason: str  # a reason code (kiosk.reasons) or "*"
    notify: tuple[str, ...]  # TARGETS
    hours: tuple[time, time] | None = None  # local time, start inclusive, end exclusive; may wrap midnight
    escalate_after: int | None = 5  # minutes with nobody acknowledging; None: never
    escalate_to: tuple[str, ...] = (FRONT_OFFICE,)

    def matches(self, reason: str, at: time) -> bool:
        if self.reason not in (ANY_REASON, reason):
            return False
        if self.hours is None:
            return True
        start, end = self.hours
        return start <= at < end if start <= end else (at >= start or at < end)


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("meeting", ("host", FRONT_OFFICE)),
    Rule("pickup", ("attendance",)),
    Rule("volunteer", ("volunteers",)),
    Rule(ANY_REASON, (FRONT_OFFICE,)),
)
LAST_RESORT = Rule(ANY_REASON, (FRONT_OFFICE,))


def rule_for(rules: Sequence[Rule], reason: str, at: time) -> Rule:
    return next((r for r in rules if r.matches(reason, at)), LAST_RESORT)


# -- rules as JSON (stored on the campus, edited on the admin page) -----------------------
def _hours_text(hours: tuple[time, time] | None) -> str | None:
    return None if hours is None else f"{hours[0]:%H:%M}-{'24:00' if hours[1] == time.max else f'{hours[1]:%H:%M}'}"


def parse_hours(text: str) -> tuple[time, time]:
    match = _HOURS.match(text.strip())
    if not match:
        raise ValueError(f"hours {text!r} should look like 07:30-16:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h2 == 24 and m2:
        raise ValueError(f"hours {text!r}: 24:00 is the latest end")
    end = time.max if h2 == 24 else time(h2, m2)
    if time(h1, m1) == end:
        raise ValueError(f"hours {text!r} start and end at the same time")
    return time(h1, m1), end


def _targets(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"{where} should be a list of: {', '.join(TARGETS)}")
    unknown = [t for t in value if t not in TARGETS]
    if unknown:
        raise ValueError(f"{where}: {unknown[0]!r} is not one of: {', '.join(TARGETS)}")
    return tuple(dict.fromkeys(value))


def rule_from_dict(raw: object, number: int) -> Rule:
    where = f"rule {number}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} should be an object")  # noqa: TRY004 - one error type for every bad rule
    unknown = set(raw) - {"reason", "notify", "hours", "escalate_after", "escalate_to"}
    if unknown:
        raise ValueError(f"{where}: unknown field {min(unknown)!r}")
    reason = raw.get("reason", ANY_REASON)
    if reason != ANY_REASON and (not isinstance(reason, str) or reason not in BY_CODE):
        raise ValueError(f"{where}: reason {reason!r} is not one of: *, {', '.join(BY_CODE)}")
    notify = _targets(raw.get("notify"), f"{where}: notify")
    if not notify:
        raise ValueError(f"{where}: notify names nobody")
    hours = raw.get("hours")
    if hours is not None and not isinstance(hours, str):
        raise ValueError(f"{where}: hours should be text like 07:30-16:00")
    after = raw.get("escalate_after", 5)
    if after is not None and (
        isinstance(after, bool) or not isinstance(after, int) or not 1 <= after <= MAX_ESCALATE_MINUTES
    ):
        raise ValueError(f"{where}: escalate_after should be minutes from 1 to {MAX_ESCALATE_MINUTES}, or null")
    escalate_to = _targets(raw.get("escalate_to", [FRONT_OFFICE]), f"{where}: escalate_to")
    if "host" in escalate_to:
        raise ValueError(f"{where}: escalate_to names offices; the host was told first")
    try:
        parsed_hours = parse_hours(hours) if hours is not None else None
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return Rule(str(reason), notify, parsed_hours, after, escalate_to)


def parse_rules(text: str | None) -> tuple[Rule, ...]:
    """The campus's rules from their JSON; None or "" gives the defaults. ValueError says what is wrong."""
    if not text:
        return DEFAULT_RULES
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(raw, list) or not raw:
        raise ValueError("the rules should be a list with at least one rule")
    if len(raw) > MAX_RULES:
        raise ValueError(f"at most {MAX_RULES} rules")
    return tuple(rule_from_dict(r, n) for n, r in enumerate(raw, 1))


def rules_to_json(rules: Sequence[Rule]) -> str:
    return json.dumps([rule_to_dict(r) for r in rules], ensure_ascii=False, indent=2)


def rule_to_dict(rule: Rule) -> dict[str, object]:
    out: dict[str, object] = {"reason": rule.reason, "notify": list(rule.notify)}
    if rule.hours is not None:
        out["hours"] = _hours_text(rule.hours)
    out["escalate_after"] = rule.escalate_after
    out["escalate_to"] = list(rule.escalate_to)
    return out


# -- routing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    """Someone alerts can reach: a staff member or an office."""

    kind: str  # "staff" or "office"
    key: str  # the staff member's directory id, or the office's key
    name: str
    language: str  # the alert's language ("" : the campus's default)
    urls: tuple[str, ...] = ()
    speaks: tuple[str, ...] = ()

    @property
    def reachable(self) -> bool:
        return bool(self.urls)


@dataclass(frozen=True)
class Recipient:
    contact: Contact
    why: str  # host, office, fallback, interpreter, escalation


@dataclass(frozen=True)
class Arrival:
    """What routing needs to know about a visit."""

    reason: str
    host_id: str | None
    language: str
    interpreter: bool
    interpreter_language: str | None = None  # the language asked for; else the visitor's screen language


@dataclass
class Routing:
    recipients: list[Recipient] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # who could not be told, and who was told instead

    def add(self, contact: Contact, why: str) -> None:
        if all((r.contact.kind, r.contact.key) != (contact.kind, contact.key) for r in self.recipients):
            self.recipients.append(Recipient(contact, why))


def route(
    arrival: Arrival, rule: Rule, staff: Mapping[str, Contact], offices: Mapping[str, Contact], campus_language: str
) -> Routing:
    routing = Routing()
    front_office = offices.get(FRONT_OFFICE)

    def fall_back(missing: str) -> None:
        if front_office is not None and front_office.reachable:
            routing.notes.append(f"{missing}: told the front office instead")
            routing.add(front_office, "fallback")
        else:
            routing.notes.append(
                f"{missing}, and the front office has no channel either: only the front-office page shows it"
            )

    for target in rule.notify:
        if target == "host":
            host = staff.get(arrival.host_id or "")
            if host is None:
                if arrival.host_id:
                    fall_back(f"host {arrival.host_id} is not in the directory")
                else:
                    fall_back("no host chosen")
            elif not host.reachable:
                fall_back(f"{host.name} has no alert channel")
            else:
                routing.add(host, "host")
        else:
            office = offices.get(target)
            if office is not None and office.reachable:
                routing.add(office, "office")
            elif target != FRONT_OFFICE:
                fall_back(f"the {target.replace('_', ' ')} office has no alert channel")
            else:
                routing.notes.append("the front office has no alert channel: only the front-office page shows it")
    wanted = (arrival.interpreter and arrival.interpreter_language) or arrival.language
    language = wanted.split("-")[0]
    if language == campus_language.split("-")[0]:
        if arrival.interpreter:  # everyone speaks it: the alert says an interpreter was asked for, and no more
            routing.notes.append(f"an interpreter was asked for in {wanted}, the campus's own language")
    else:
        speakers = [c for c in staff.values() if c.reachable and any(s.split("-")[0] == language for s in c.speaks)]
        for speaker in sorted(speakers, key=lambda c: c.name):
            routing.add(speaker, "interpreter")
        if not speakers:
            routing.notes.append(f"nobody with an alert channel is listed as speaking {wanted}")
    return routing


def escalation(rule: Rule, offices: Mapping[str, Contact]) -> Routing:
    routing = Routing()
    for key in rule.escalate_to:
        office = offices.get(key)
        if office is not None and office.reachable:
            routing.add(office, "escalation")
        else:
            routing.notes.append(f"cannot escalate to {key}: no alert channel")
    return routing
