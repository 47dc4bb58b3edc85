"""What the admin pages show and read about alerts: a person's or office's channels (masked), the
routing rules as JSON and in plain words, and a test alert's result. Routes are in campus_alerts
and staff_alerts; the checking is in district.alerts.manage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from district.alerts import manage, queue
from district.alerts import rules as routing
from district.alerts.channels import MAX_URL_LENGTH, MAX_URLS, Delivery
from district.models import Campus, Office, Staff
from district.web import rule_rows
from district.web.formatting import language_names
from district.web.forms import field as form_field
from kiosk.language import languages
from kiosk.reasons import REASONS
from kiosk.wire import OFFICES

URL_EXAMPLES = (
    ("Email", "mailtos://alerts:PASSWORD@smtp.district.org?to=ana.garcia@district.org"),
    ("Microsoft Teams (workflow webhook)", "workflows://…"),
    ("Slack", "slack://TOKEN_A/TOKEN_B/TOKEN_C/#front-office"),
    ("ntfy (phone app)", "ntfys://ntfy.sh/lincoln-front-office"),
    ("Any web service (JSON POST)", "jsons://alerts.district.org/webhook"),
)


@dataclass
class ChannelsView:
    """One office's or staff member's alert settings on a page (channels masked)."""

    kind: str  # "office" or "staff"
    key: str  # the office's key, or the staff row's id
    name: str
    channels: list[manage.ShownChannel]
    language: str
    error: str = ""
    result: str = ""  # a test alert's outcome
    result_ok: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def language_choices(campus: Campus) -> list[tuple[str, str]]:
    choices = [("", f"The campus's language ({language_names(campus.default_language)[0]})")]
    for code in languages():
        own, english = language_names(code)
        choices.append((code, f"{own} ({english})" if english else own))
    return choices


def office_views(db: Session, campus: Campus, secret: str) -> dict[str, ChannelsView]:
    rows = {o.key: o for o in db.scalars(select(Office).where(Office.campus_id == campus.id))}
    return {
        key: ChannelsView("office", key, queue.OFFICE_NAMES.get(key, key),
                          manage.shown_channels(rows[key].alert_urls, secret), rows[key].alert_language)
        for key in OFFICES if key in rows
    }  # fmt: skip


def staff_view(member: Staff, secret: str) -> ChannelsView:
    return ChannelsView("staff", str(member.id), queue.staff_name(member),
                        manage.shown_channels(member.alert_urls, secret), member.alert_language,
                        extra={"external_id": member.external_id, "role": member.role, "speaks": member.languages,
                               "language_name": language_names(member.alert_language)[0] if member.alert_language
                               else "The campus's"})  # fmt: skip


def staff_views(db: Session, campus: Campus, secret: str) -> list[ChannelsView]:
    members = db.scalars(select(Staff).where(Staff.campus_id == campus.id, Staff.active)
                         .order_by(Staff.last_name, Staff.first_name, Staff.id))  # fmt: skip
    return [staff_view(m, secret) for m in members]


def edit_of(form: FormData) -> tuple[list[str], str, str]:
    """(channel keys to remove, URLs to add, alert language) from a channels form."""
    remove = [v[:40] for v in form.getlist("remove") if isinstance(v, str)][: 2 * MAX_URLS]
    added = form.get("add")
    added_text = added[: (MAX_URL_LENGTH + 2) * (MAX_URLS + 1)] if isinstance(added, str) else ""
    return remove, added_text, form_field(form, "language", 35)


def test_result(view: ChannelsView, delivery: Delivery) -> ChannelsView:
    if delivery.delivered:
        view.result = f"Test alert delivered to {view.name}."
        if delivery.error:
            view.result += f" But not on every channel: {delivery.error}"
    else:
        view.result = f"Not delivered: {delivery.error or view.name}"
    view.result_ok = delivery.delivered and not delivery.error
    return view


@dataclass(frozen=True)
class RulesView:
    text: str  # the JSON in the text box: the campus's, or what was typed
    table: list[manage.RuleText]  # the rules in force, in words
    defaults_text: str
    defaults_table: list[manage.RuleText]
    using_defaults: bool
    expiry: str
    problems: list[str]
    warnings: list[str]
    rows: list[rule_rows.RuleRow] = field(default_factory=list)  # the form: the rules in force, or as sent
    from_form: bool = False  # the problems are the form's (else the JSON's)


def rules_view(campus: Campus, typed: str | None = None, expiry: str | None = None, problems: list[str] | None = None,
               warnings: list[str] | None = None, rows: list[rule_rows.RuleRow] | None = None) -> RulesView:  # fmt: skip
    rules = queue.campus_rules(campus)
    return RulesView(
        rows=rows if rows is not None else rule_rows.rows_of(rules), from_form=rows is not None,
        text=typed if typed is not None else manage.rules_text(rules),
        table=[manage.describe(r) for r in rules], defaults_text=manage.rules_text(routing.DEFAULT_RULES),
        defaults_table=[manage.describe(r) for r in routing.DEFAULT_RULES], using_defaults=not campus.alert_rules,
        expiry=expiry if expiry is not None else str(campus.alert_expiry_minutes), problems=problems or [],
        warnings=warnings or [],
    )  # fmt: skip


def campus_alerts(db: Session, campus: Campus, secret: str, offices: dict[str, ChannelsView] | None = None,
                  rules: RulesView | None = None) -> dict[str, Any]:  # fmt: skip
    """The alert part of the campus page; `offices` and `rules` replace what is stored (an error, a result)."""
    shown = office_views(db, campus, secret)
    shown.update(offices or {})
    return {
        "offices": list(shown.values()), "rules": rules or rules_view(campus),
        "alert_languages": language_choices(campus), "url_examples": URL_EXAMPLES, "reasons": REASONS,
        "targets": manage.TARGET_NAMES, "max_escalate": routing.MAX_ESCALATE_MINUTES,
        "max_expiry": manage.MAX_EXPIRY_MINUTES, "max_urls": MAX_URLS, "offices_only": OFFICES,
    }  # fmt: skip
