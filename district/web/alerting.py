"""How the front office sees a visit's alerts: who was told and how it went, who is on the way, how long
the visitor has waited. A failed alert is the safety net's signal (the secretary tells the person
instead), so it is spelled out with its masked reason, never summarised away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from district.models import Alert, Visit
from district.web.formatting import duration

WHY = {
    "host": "",
    "office": "",
    "interpreter": "speaks the visitor's language",
    "fallback": "in place of someone with no channel",
    "escalation": "reminder: nobody on the way yet",
}


@dataclass(frozen=True)
class AlertLine:
    """One alert as the office page shows it: state is ok, wait or bad (the style)."""

    state: str
    text: str
    why: str
    who: str = ""  # the recipient alone: delivered ones share one tick on the office row


@dataclass(frozen=True)
class AlertSummary:
    lines: list[AlertLine]
    failed: list[str]  # "Not delivered: …" for each failed alert
    acknowledgement: str  # "Ms. García is on the way", "Seen by Sara Mitchell", or ""
    answered_after: str  # "after 3 min", "within a minute", or "" while nobody has answered
    waited: str  # "Waiting 4 min" while nobody has acknowledged, "" after
    acknowledged: bool


def alert_line(alert: Alert) -> AlertLine:
    why = WHY.get(alert.why, "")
    if alert.status == "delivered":
        return AlertLine("ok", f"✓ {alert.recipient_name}", why, alert.recipient_name)
    if alert.status == "failed":  # the reason is for IT: the row keeps it short, its tooltip (and a phone) say it
        return AlertLine("bad", f"Not delivered: {alert.recipient_name}", not_delivered(alert).removeprefix(
            f"Not delivered: {alert.recipient_name}: "), alert.recipient_name)  # fmt: skip
    retrying = alert.attempts > 0 and alert.status == "pending"
    return AlertLine("wait", f"{'Retrying' if retrying else 'Sending'}: {alert.recipient_name}…", why)


def not_delivered(alert: Alert) -> str:
    """ "Not delivered: Ms. García: no alert channel": the error is already masked (district.alerts.channels)."""
    error = alert.error or "no reason recorded"
    if not error.startswith(alert.recipient_name):
        error = f"{alert.recipient_name}: {error}"
    return f"Not delivered: {error}"


def waited(ms: int) -> str:
    return "within a minute" if ms < 60_000 else f"after {duration(ms)}"


def acknowledgement(v: Visit) -> str:
    """Who answered, short enough for the office row's Status: "Ms. García is on the way", "Seen by Sara"."""
    if v.acknowledged_ms is None:
        return ""
    if v.acknowledged_via == "office":
        return f"Seen by {v.acknowledged_by or 'the front office'}"
    return f"{v.acknowledged_by or 'Someone'} is on the way"


def summary(v: Visit, alerts: list[Alert], now: int) -> AlertSummary:
    lines = [alert_line(a) for a in alerts]
    failed = [not_delivered(a) for a in alerts if a.status == "failed"]
    if v.acknowledged_ms is not None:
        waiting = ""
    elif v.signed_out_ms is None:
        waiting = f"Waiting {duration(now - v.checked_in_ms)}"
    else:
        waiting = "Nobody acknowledged"
    after = waited(v.acknowledged_ms - v.checked_in_ms) if v.acknowledged_ms is not None else ""
    return AlertSummary(lines, failed, acknowledgement(v), after, waiting, v.acknowledged_ms is not None)


def fingerprint(db: Session, campus_id: int, day: date) -> tuple[object, ...]:
    """Changes whenever an alert of the day's visits changes state (or is retried), or a visit is
    acknowledged: part of the live page's ETag. Two indexed aggregates."""
    of_day = (Visit.campus_id == campus_id) & (Visit.local_day == day.isoformat())
    states = db.execute(
        select(Alert.status, func.count(), func.coalesce(func.sum(Alert.attempts), 0))
        .join(Visit, Visit.id == Alert.visit_id).where(of_day)
        .group_by(Alert.status).order_by(Alert.status)
    ).all()  # fmt: skip
    acks = db.execute(select(func.count(Visit.acknowledged_ms), func.coalesce(func.max(Visit.acknowledged_ms), 0))
                      .where(of_day)).one()  # fmt: skip
    return tuple((s, int(n), int(a)) for s, n, a in states), int(acks[0]), int(acks[1])
