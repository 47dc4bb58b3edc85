"""The routing rules as a form: one row per rule (reason, who is told, hours, escalation), read back into
the same JSON the rules are stored as, so one parser (district.alerts.rules) checks both ways of editing.
The JSON stays on the page as an export, and as an import for whoever prefers to type it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import time

from starlette.datastructures import FormData

from district.alerts import rules as routing
from district.web.forms import field as form_field

BLANK_ROWS = 2  # empty rows under the rules, to add some without a script
MAX_ROWS = routing.MAX_RULES + BLANK_ROWS


@dataclass
class RuleRow:
    """One rule as the form shows it: what is stored, or what was sent (to correct)."""

    reason: str = ""  # "" in a blank row
    notify: list[str] = field(default_factory=list)
    start: str = ""  # "07:30", or "" for all day
    end: str = ""
    escalate_after: str = "5"  # minutes, "" for never
    escalate_to: list[str] = field(default_factory=lambda: [routing.FRONT_OFFICE])
    position: int = 0


def rows_of(rules: tuple[routing.Rule, ...]) -> list[RuleRow]:
    """The stored rules as rows, then BLANK_ROWS empty ones."""
    rows = []
    for n, rule in enumerate(rules, 1):
        start, end = ("", "") if rule.hours is None else (f"{rule.hours[0]:%H:%M}", f"{rule.hours[1]:%H:%M}")
        if rule.hours is not None and rule.hours[1] == time.max:
            end = "00:00"  # the form's clock has no 24:00: an end at midnight
        rows.append(RuleRow(rule.reason, list(rule.notify), start, end,
                            "" if rule.escalate_after is None else str(rule.escalate_after), list(rule.escalate_to), n))  # fmt: skip
    return rows + [RuleRow(position=len(rows) + i + 1) for i in range(BLANK_ROWS)]


def _choices(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v in routing.TARGETS]


def rows_from(form: FormData) -> list[RuleRow]:
    """The rows as sent, in the order their positions give (a row's place in the form breaks ties)."""
    count = form_field(form, "rule_count", 4)
    rows = []
    for i in range(min(int(count) if count.isdigit() else 0, MAX_ROWS)):
        if form_field(form, f"rule-{i}-remove", 5):
            continue
        position = form_field(form, f"rule-{i}-position", 4)
        rows.append(RuleRow(
            form_field(form, f"rule-{i}-reason", 20), _choices(form, f"rule-{i}-notify"),
            form_field(form, f"rule-{i}-start", 5), form_field(form, f"rule-{i}-end", 5),
            form_field(form, f"rule-{i}-escalate_after", 4), _choices(form, f"rule-{i}-escalate_to"),
            int(position) if position.isdigit() else i + 1,
        ))  # fmt: skip
    rows.sort(key=lambda r: r.position)
    return [r for r in rows if r.reason or r.notify]  # a blank row left blank is no rule


def rules_json(rows: list[RuleRow]) -> tuple[str, list[str]]:
    """The rows as the rules' JSON, and what is wrong with them, one message per rule ("Rule 2: …")."""
    found, problems = [], []
    for n, row in enumerate(rows, 1):
        raw: dict[str, object] = {"reason": row.reason or routing.ANY_REASON, "notify": row.notify}
        if row.start or row.end:
            if not (row.start and row.end):
                problems.append(f"Rule {n}: give the hours both a start and an end, or neither for all day.")
                continue
            raw["hours"] = f"{row.start}-{'24:00' if row.end == '00:00' else row.end}"
        raw["escalate_after"] = int(row.escalate_after) if row.escalate_after.isdigit() else None
        if row.escalate_after and not row.escalate_after.isdigit():
            problems.append(f"Rule {n}: “If nobody is on the way” takes whole minutes, or nothing for never.")
            continue
        raw["escalate_to"] = row.escalate_to or [routing.FRONT_OFFICE]
        try:
            routing.rule_from_dict(raw, n)
        except ValueError as exc:
            message = str(exc).replace("notify names nobody", "tick at least one person or office to tell")
            problems.append(message[:1].upper() + message[1:] + ".")
            continue
        found.append(raw)
    if not rows:
        problems.append("Keep at least one rule, or use the default rules.")
    return json.dumps(found, ensure_ascii=False, indent=2), problems
