"""Managing alerts from the pages, without HTTP: channels, a channels CSV, routing rules, test alerts,
and the front office's waiting times.

Everything a person types is checked here before it is stored, and every problem is reported
in words a district IT person can act on (whose channel, which line of the file or of the
rules). A channel is never put back on a page or into an error unmasked: a form names an
existing channel by an HMAC keyed with the session's CSRF token, not by the URL itself.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import hmac
import io
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from district.alerts import channels, queue
from district.alerts import rules as routing
from district.alerts.messages import language_for
from district.models import Alert, Campus, Staff, Visit
from kiosk.language import languages, translator
from kiosk.reasons import BY_CODE

MAX_CSV_BYTES = 2 * 1024 * 1024  # a big district's staff, several channels each, is well under this
MAX_CSV_ROWS = 20_000
MAX_RULES_TEXT = 50_000
MAX_EXPIRY_MINUTES = 240
ID_COLUMNS = ("staff_id", "staff id", "id")
TARGET_NAMES = {
    "host": "the staff member the visitor chose",
    "front_office": "the front office",
    "attendance": "the attendance office",
    "volunteers": "the volunteer coordinator",
}


class ImportRefused(ValueError):
    """The file as a whole cannot be used (not CSV, no header, too big)."""


# -- one person's or office's channels ----------------------------------------------------------
def channel_key(secret: str, url: str) -> str:
    """How a form names an existing channel without showing it: an HMAC keyed with a per-session secret."""
    return hmac.new(secret.encode(), url.encode(), hashlib.sha256).hexdigest()[:20]


@dataclass(frozen=True)
class ShownChannel:
    key: str
    masked: str


def shown_channels(text: str, secret: str) -> list[ShownChannel]:
    return [ShownChannel(channel_key(secret, u), channels.masked(u)) for u in channels.split_urls(text)]


def check_language(code: str, whose: str) -> str:
    """An alert language: "" (the campus's default) or one the kiosk has a catalog for."""
    code = code.strip()
    if code and code not in languages():
        raise channels.ChannelError(f"{whose}: alert language {code[:40]!r} is not one of: {', '.join(languages())}")
    return code


def edited_channels(current: str, remove: Iterable[str], added: str, secret: str, whose: str) -> str:
    """The channels after a form's edit (some removed by key, some added), checked; ChannelError otherwise."""
    gone = set(remove)
    kept = [u for u in channels.split_urls(current) if channel_key(secret, u) not in gone]
    urls = list(dict.fromkeys(kept + channels.split_urls(added)))
    return "\n".join(channels.check_urls(urls, whose))


# -- a channels CSV for a campus's staff ---------------------------------------------------------
@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass
class ChannelImport:
    changed: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def _columns(header: Sequence[str]) -> dict[str, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    found = {name: i for i, name in enumerate(names) if name in ("alert_urls", "alert_language")}
    id_column = next((names.index(n) for n in ID_COLUMNS if n in names), None)
    if id_column is None or len(found) == 0:
        raise ImportRefused(
            "The first line must name the columns: staff_id, alert_urls, alert_language "
            "(alert_urls or alert_language may be left out to change only the other)."
        )
    return {"id": id_column, **found}


def import_channels(db: Session, campus_id: int, data: bytes) -> ChannelImport:
    """Apply a channels CSV to the campus's staff: every good row is applied, every bad one is reported
    with its line. An empty alert_urls cell removes the person's channels; a missing column changes nothing."""
    if len(data) > MAX_CSV_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused("The file is empty.")
        columns = _columns(header)
        staff = {s.external_id: s for s in db.scalars(select(Staff).where(Staff.campus_id == campus_id))}
        result, seen, start = ChannelImport(), {}, reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(seen) + len(result.problems) >= MAX_CSV_ROWS:
                result.problems.append(RowProblem(line, f"only the first {MAX_CSV_ROWS} rows are read"))
                break
            problem = _apply_row(row, columns, staff, seen, line, result)
            if problem:
                result.problems.append(RowProblem(line, problem))
    except csv.Error as exc:
        raise ImportRefused(f"Line {reader.line_num}: not readable as CSV ({exc}).") from None
    db.flush()
    return result


def _apply_row(row: list[str], columns: dict[str, int], staff: dict[str, Staff], seen: dict[str, int], line: int,
               result: ChannelImport) -> str:  # fmt: skip
    """One row applied to its staff member; the problem in words, or ""."""

    def cell(name: str) -> str | None:
        index = columns.get(name)
        return None if index is None else (row[index] if index < len(row) else "")

    staff_id = (cell("id") or "").strip()[:200]
    member = staff.get(staff_id)
    if not staff_id:
        return "no staff id"
    if member is None or not member.active:
        return f"no staff member with the id {staff_id!r} in this campus's directory"
    if staff_id in seen:
        return f"{staff_id} is already on line {seen[staff_id]}; this line was left out"
    seen[staff_id] = line
    whose = f"{queue.staff_name(member)} ({staff_id})"
    urls, language = cell("alert_urls"), cell("alert_language")
    try:
        new_urls = (
            member.alert_urls if urls is None else "\n".join(channels.check_urls(channels.split_urls(urls), whose))
        )
        new_language = member.alert_language if language is None else check_language(language, whose)
    except channels.ChannelError as exc:
        return str(exc)
    if (new_urls, new_language) == (member.alert_urls, member.alert_language):
        result.unchanged += 1
    else:
        member.alert_urls, member.alert_language = new_urls, new_language
        result.changed += 1
    return ""


# -- routing rules --------------------------------------------------------------------------------
class RulesError(ValueError):
    """Every problem found in typed rules, each starting with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _rule_spans(text: str) -> list[tuple[int, int]]:
    """Where each rule of a JSON list starts and ends in the text (the text is known to be valid JSON)."""
    decoder, spans = json.JSONDecoder(), []
    i = text.index("[") + 1
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] == "]":
            return spans
        _, end = decoder.raw_decode(text, i)
        spans.append((i, end))
        i = end


def _problem_line(text: str, span: tuple[int, int], problem: str) -> int:
    """The line of the field a problem is about ("rule 2: reason 'lunch' ..."), else of the rule's start."""
    words = problem.split(": ", 1)[-1].replace(":", " ").split()
    named = words[2].strip("'") if words[:2] == ["unknown", "field"] and len(words) > 2 else (words or [""])[0]
    at = text.find(f'"{named}"', *span) if named else -1
    return text.count("\n", 0, at if at >= 0 else span[0]) + 1


def _suggestion(problem: str) -> str:
    """ "did you mean …?" for a misspelt reason, target or field."""
    quoted = problem.split("'")
    if len(quoted) < 3:
        return ""
    known = [*BY_CODE, *routing.TARGETS, "reason", "notify", "hours", "escalate_after", "escalate_to"]
    close = difflib.get_close_matches(quoted[1], known, n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


NESTED_TOO_DEEP = ("The rules are nested far too deeply to read. They are one list [ … ] of rules { … }, and only "
                   "a rule's notify and escalate_to are lists inside it.")


def parse_typed_rules(text: str) -> tuple[routing.Rule, ...]:
    """Rules typed on the campus page; RulesError with every problem and its line. Empty: the defaults."""
    try:
        return _parse_typed_rules(text)
    except RecursionError:  # brackets nested by the thousand: Python's JSON reader (or repr) runs out of stack
        raise RulesError([NESTED_TOO_DEEP]) from None


def _parse_typed_rules(text: str) -> tuple[routing.Rule, ...]:
    if len(text) > MAX_RULES_TEXT:
        raise RulesError([f"The rules are longer than {MAX_RULES_TEXT} characters."])
    if not text.strip():
        return routing.DEFAULT_RULES
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesError([f"Line {exc.lineno}, column {exc.colno}: {exc.msg} (this is not valid JSON)"]) from None
    if not isinstance(raw, list) or not raw:
        raise RulesError(["Line 1: the rules must be a list, [ … ], with at least one rule { … } in it."])
    if len(raw) > routing.MAX_RULES:
        raise RulesError([f"There are {len(raw)} rules; at most {routing.MAX_RULES} are allowed."])
    found, problems = [], []
    for number, (item, span) in enumerate(zip(raw, _rule_spans(text), strict=True), 1):
        try:
            found.append(routing.rule_from_dict(item, number))
        except ValueError as exc:
            problems.append(f"Line {_problem_line(text, span, str(exc))}: {exc}.{_suggestion(str(exc))}")
    if problems:
        raise RulesError(problems)
    return tuple(found)


def save_rules(campus: Campus, text: str, expiry_minutes: str) -> list[str]:
    """Store typed rules and the alert expiry on the campus (None when they are the defaults, so the
    campus follows future defaults); RulesError if they cannot be used. Returns warnings worth reading."""
    rules = parse_typed_rules(text)
    expiry = expiry_minutes.strip()
    if not expiry.isdigit() or not 1 <= int(expiry) <= MAX_EXPIRY_MINUTES:
        raise RulesError([f"Alerts give up after: give a number of minutes from 1 to {MAX_EXPIRY_MINUTES}."])
    campus.alert_rules = None if rules == routing.DEFAULT_RULES else routing.rules_to_json(rules)
    campus.alert_expiry_minutes = int(expiry)
    return rule_warnings(rules)


def rule_warnings(rules: Sequence[routing.Rule]) -> list[str]:
    """Rules that can never apply because an earlier one, for every hour, takes their visits."""
    warnings = []
    for n, rule in enumerate(rules, 1):
        earlier = next((i for i, r in enumerate(rules[: n - 1], 1)
                        if r.hours is None and r.reason in (routing.ANY_REASON, rule.reason)), None)  # fmt: skip
        if earlier is not None:
            warnings.append(
                f"Rule {n} never applies: rule {earlier} comes first and takes the same visits at every hour."
            )
    return warnings


def rules_text(rules: Sequence[routing.Rule]) -> str:
    """Rules as JSON with one rule a line: what the campus page's text box holds, easy to read and to
    reorder, and each error's line is its rule's."""
    lines = [json.dumps(routing.rule_to_dict(r), ensure_ascii=False) for r in rules]
    return "[\n" + ",\n".join(f"  {line}" for line in lines) + "\n]"


@dataclass(frozen=True)
class RuleText:
    """A rule in plain words, for the table on the campus page."""

    reason: str
    hours: str
    notify: str
    escalation: str


def describe(rule: routing.Rule) -> RuleText:
    reason = "Any other reason" if rule.reason == routing.ANY_REASON else BY_CODE[rule.reason].label
    hours = str(routing.rule_to_dict(rule).get("hours") or "All day")
    notify = ", ".join(TARGET_NAMES.get(t, t) for t in rule.notify)
    if rule.escalate_after is None:
        escalation = "Never"
    else:
        offices = ", ".join(TARGET_NAMES.get(t, t) for t in rule.escalate_to)
        escalation = f"After {rule.escalate_after} min with nobody on the way: {offices}"
    return RuleText(reason, hours.replace("-", "–"), notify[:1].upper() + notify[1:], escalation)


# -- test alerts ---------------------------------------------------------------------------------
def send_test(urls_text: str, alert_language: str, campus: Campus, whose: str) -> channels.Delivery:
    """Send a test alert now, on every channel, in the recipient's language; never raises."""
    urls = channels.split_urls(urls_text)
    if not urls:
        return channels.Delivery(False, f"{whose}: no alert channel")
    tr = translator(language_for(alert_language or campus.default_language, campus.default_language))
    title = tr("Test alert from the visitor kiosk")
    body = tr("This is a test from {campus}. When a visitor checks in for you, the alert will arrive here.")
    return channels.send(urls, title, body.format(campus=campus.name), whose)


# -- the front office's waiting times -------------------------------------------------------------
@dataclass(frozen=True)
class WaitStats:
    """Arrival to the first "on my way" or "seen", over some visits of one campus."""

    visits: int
    acknowledged: int
    median_ms: int | None
    p90_ms: int | None

    @property
    def not_acknowledged(self) -> int:
        return self.visits - self.acknowledged


def wait_stats(waits: Sequence[int | None]) -> WaitStats:
    """From each visit's wait in ms (None: never acknowledged). The 90th percentile is the nearest rank:
    a wait that 90% of visitors did not exceed."""
    done = sorted(w for w in waits if w is not None)
    if not done:
        return WaitStats(len(waits), 0, None, None)
    rank = -(-9 * len(done) // 10)  # ceil(0.9 n)
    return WaitStats(len(waits), len(done), int(statistics.median(done)), done[rank - 1])


def campus_waits(db: Session, campus_days: dict[int, tuple[date, date]]) -> dict[int, dict[str, WaitStats]]:
    """For each campus, its waits on its own today and over its (first, today) range: {"today", "range"}.
    One query on the campus/day index for all of them."""
    if not campus_days:
        return {}
    first = min(d[0] for d in campus_days.values()).isoformat()
    last = max(d[1] for d in campus_days.values()).isoformat()
    rows = db.execute(
        select(Visit.campus_id, Visit.local_day, Visit.checked_in_ms, Visit.acknowledged_ms)
        .where(Visit.campus_id.in_(list(campus_days)), Visit.local_day.between(first, last))
    )  # fmt: skip
    today: dict[int, list[int | None]] = {c: [] for c in campus_days}
    span: dict[int, list[int | None]] = {c: [] for c in campus_days}
    for campus_id, day, arrived, acknowledged in rows:
        start, end = campus_days[campus_id]
        if not start.isoformat() <= day <= end.isoformat():
            continue
        wait = None if acknowledged is None else max(0, acknowledged - arrived)
        span[campus_id].append(wait)
        if day == end.isoformat():
            today[campus_id].append(wait)
    return {c: {"today": wait_stats(today[c]), "range": wait_stats(span[c])} for c in campus_days}


def failed_alerts(db: Session, campus_ids: Sequence[int], since_ms: int) -> dict[int, int]:
    """Alerts that could not be delivered, per campus, since a moment: where district IT looks first."""
    if not campus_ids:
        return {}
    rows = db.execute(
        select(Alert.campus_id, func.count())
        .where(Alert.campus_id.in_(list(campus_ids)), Alert.status == "failed", Alert.created_ms >= since_ms)
        .group_by(Alert.campus_id)
    )  # fmt: skip
    return {campus_id: int(n) for campus_id, n in rows}
