"""The alert queue, in the district database: why alerts leave from the server, not the kiosk.

The kiosk's outbox already carries every visit to the server exactly once, and the server
is where alerts have to be anyway: the channels' secrets (SMTP passwords, Teams and Slack
webhooks) stay on one guarded machine instead of on every lobby kiosk's SD card; the "on my
way" link in an alert must point at something a teacher's phone can reach; the front-office
page, escalation and waiting times need every acknowledgement in one place; and a failure
shows up where district IT looks. When a campus's internet is down but its LAN is up, the
kiosk cannot reach the server, and it could not reach Teams, Slack or an SMS gateway
either: it keeps the visit in its outbox and tells the visitor the truth ("please let the
front desk know you are here"; the front desk is beside the kiosk). When the link is back,
alerts for visits still within their expiry go out; older ones are marked failed, with
why, on the front-office page, never delivered as if new.

Alert rows are written in the same transaction as the visit they are about (the visit's
push), so a stored visit always has its alerts. Workers claim due rows with a conditional
UPDATE, so several server processes never send the same alert twice. Each claim names its
sender (AlertSender), which beats while its process lives: the claims of a sender that stopped
beating (LEASE_MS), or whose process is gone from this machine, are taken again at once
rather than after CLAIM_MS, and marked `resend`, since the dead process may have delivered
the message just before it died (docs/alerts.md says what is promised).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from district import security
from district.alerts import rules as routing
from district.alerts.channels import split_urls
from district.alerts.messages import AboutVisit
from district.models import Alert, AlertSender, Campus, Office, Staff, Visit
from district.queries import zone_of
from kiosk.directory import host_name

log = logging.getLogger(__name__)

CLAIM_MS = 120_000  # a claim is taken again after this even if its sender still beats (a hung send)
LEASE_MS = 10_000  # a sender that has not beaten for this long is dead: its claims are taken again
FORGET_SENDER_MS = 24 * 3600 * 1000
MAX_ATTEMPTS = 8
RETRY_BASE_MS = 2_000
RETRY_CAP_MS = 60_000
TOO_OLD_MS = 12 * 3600 * 1000  # a visit that reaches the server this late gets no alert rows at all
ESCALATION_WINDOW_MS = (routing.MAX_ESCALATE_MINUTES + routing.MAX_EXPIRY_MINUTES) * 60_000  # the longest a rule allows
EXPIRED = "expired before it could be delivered (is the channel down?)"
OFFICE_NAMES = {
    "front_office": "Front office",
    "attendance": "Attendance office",
    "volunteers": "Volunteer coordinator",
}


# -- who can be reached -------------------------------------------------------------------
def staff_name(s: Staff) -> str:
    return host_name(s.first_name, s.last_name, s.display_name)


def staff_contacts(db: Session, campus: Campus) -> dict[str, routing.Contact]:
    return {
        s.external_id: routing.Contact(
            "staff", s.external_id, staff_name(s), s.alert_language or campus.default_language,
            tuple(split_urls(s.alert_urls)), tuple(s.languages.split()),
        )
        for s in db.scalars(select(Staff).where(Staff.campus_id == campus.id, Staff.active))
    }  # fmt: skip


def office_contacts(db: Session, campus: Campus) -> dict[str, routing.Contact]:
    return {
        o.key: routing.Contact("office", o.key, OFFICE_NAMES.get(o.key, o.key), o.alert_language or campus.default_language,
                               tuple(split_urls(o.alert_urls)))
        for o in db.scalars(select(Office).where(Office.campus_id == campus.id))
    }  # fmt: skip


def campus_rules(campus: Campus) -> tuple[routing.Rule, ...]:
    try:
        return routing.parse_rules(campus.alert_rules)
    except ValueError as exc:  # saved rules are checked; this only guards a hand-edited database
        log.error("campus %s: routing rules unusable (%s); using the defaults", campus.id, exc)
        return routing.DEFAULT_RULES


def rule_for_visit(campus: Campus, rules: Sequence[routing.Rule], visit: Visit) -> routing.Rule:
    return rule_at(campus, rules, visit.reason, visit.checked_in_ms)


def rule_at(campus: Campus, rules: Sequence[routing.Rule], reason: str, checked_in_ms: int) -> routing.Rule:
    local = datetime.fromtimestamp(checked_in_ms / 1000, zone_of(campus)).time()
    return routing.rule_for(rules, reason, local)


# -- queueing -----------------------------------------------------------------------------
def _alert_row(
    campus_id: int, visit_id: str, checked_in_ms: int, recipient: routing.Recipient, kind: str, now: int, expires: int
) -> dict[str, Any]:
    token = security.new_token()
    contact = recipient.contact
    row = dict(
        campus_id=campus_id, visit_id=visit_id, kind=kind, recipient_kind=contact.kind,
        recipient_key=contact.key, recipient_name=contact.name, why=recipient.why, language=contact.language,
        status="pending", attempts=0, next_attempt_ms=now, created_ms=now, expires_ms=expires,
        ack_token_hash=security.digest(token), ack_token=token, error=None,
    )  # fmt: skip
    if now >= expires:
        late = (now - checked_in_ms) // 60_000
        error = f"expired: the visit reached the server {late} min after check-in (the kiosk was offline)"
        row |= {"status": "failed", "ack_token": None, "error": error}
    return row


@dataclass(frozen=True)
class PlannedArrival:
    """A visit's arrival alerts, worked out before it is stored, and what routing had to say."""

    alerts: list[dict[str, Any]]
    notes: tuple[str, ...]


def plan_arrivals(
    db: Session, campus: Campus, visits: Iterable[Mapping[str, Any]], now: int
) -> dict[str, PlannedArrival]:
    """The arrival alerts these visits (rows as they are about to be stored) would get, by visit id.

    Reads only, so a push does it before its first write: on SQLite the write lock (and so every
    other writer, heartbeats included) then waits only for the inserts (issue 11, point 13)."""
    visits = [v for v in visits if now - v["checked_in_ms"] < TOO_OLD_MS]
    if not visits:
        return {}
    rules = campus_rules(campus)
    staff, offices = staff_contacts(db, campus), office_contacts(db, campus)
    planned = {}
    for v in visits:
        arrival = routing.Arrival(v["reason"], v["host_id"], v["language"], v["interpreter"], v["interpreter_language"])
        rule = rule_at(campus, rules, v["reason"], v["checked_in_ms"])
        routed = routing.route(arrival, rule, staff, offices, campus.default_language)
        expires = v["checked_in_ms"] + campus.alert_expiry_minutes * 60_000
        alerts = [_alert_row(campus.id, v["id"], v["checked_in_ms"], r, "arrival", now, expires)
                  for r in routed.recipients]  # fmt: skip
        planned[v["id"]] = PlannedArrival(alerts, tuple(routed.notes))
    return planned


def queue_arrivals(db: Session, planned: Mapping[str, PlannedArrival], stored: Iterable[str]) -> int:
    """Queue the planned alerts of the visits just stored (in the push's transaction). Returns how many."""
    rows = []
    for visit_id in stored:
        plan = planned.get(visit_id)
        if plan is not None:
            rows += plan.alerts
            for note in plan.notes:
                log.info("visit %s: %s", visit_id, note)
    if rows:
        db.execute(insert(Alert.__table__), rows)  # Core: one executemany, no ORM bookkeeping
    return len(rows)


def escalate_due(db: Session, now: int) -> int:
    """Escalate visits nobody acknowledged within their rule's minutes (once per visit)."""
    candidates = db.scalars(
        select(Visit).where(
            Visit.acknowledged_ms.is_(None), Visit.signed_out_ms.is_(None), Visit.escalated.is_(False),
            Visit.checked_in_ms.between(now - ESCALATION_WINDOW_MS, now - 60_000),
            Visit.id.in_(select(Alert.visit_id).where(Alert.kind == "arrival")),
        )
    ).all()  # fmt: skip
    count = 0
    by_campus: dict[int, tuple[Campus, tuple[routing.Rule, ...], dict[str, routing.Contact]]] = {}
    for visit in candidates:
        if visit.campus_id not in by_campus:
            campus = db.get(Campus, visit.campus_id)
            assert campus is not None
            by_campus[visit.campus_id] = (campus, campus_rules(campus), office_contacts(db, campus))
        campus, rules, offices = by_campus[visit.campus_id]
        rule = rule_for_visit(campus, rules, visit)
        if rule.escalate_after is None or now - visit.checked_in_ms < rule.escalate_after * 60_000:
            continue
        if now - visit.checked_in_ms > (rule.escalate_after + campus.alert_expiry_minutes) * 60_000:
            continue  # reached the server too late (an offline kiosk): "still waiting" would not be true now
        claimed = db.execute(
            update(Visit).where(Visit.id == visit.id, Visit.escalated.is_(False)).values(escalated=True)
        ).rowcount  # fmt: skip
        if not claimed:  # another worker escalated it
            continue
        expires = now + campus.alert_expiry_minutes * 60_000
        for recipient in routing.escalation(rule, offices).recipients:
            row = _alert_row(visit.campus_id, visit.id, visit.checked_in_ms, recipient, "escalation", now, expires)
            db.add(Alert(**row))
            count += 1
    db.flush()
    return count


# -- sending ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """A claimed alert with everything needed to send it outside the database transaction."""

    alert_id: int
    kind: str
    why: str
    recipient_name: str
    language: str
    urls: tuple[str, ...]
    ack_token: str | None
    about: AboutVisit
    waited_minutes: int | None
    resend: bool = False  # sent before by a process that died: the recipient may have it already


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def register_sender(db: Session, sender_id: str, host: str, now: int) -> int:
    """A new sender for this process; senders of this machine whose process is gone are dead from now
    (a restart after a crash takes their claims at once). Returns how many were found dead."""
    db.execute(delete(AlertSender).where(AlertSender.seen_ms < now - FORGET_SENDER_MS))  # their claims expired long ago
    dead = [
        s.id for s in db.scalars(select(AlertSender).where(AlertSender.host == host, AlertSender.seen_ms > 0))
        if not _alive(s.pid)  # a pid used again since is alive: that sender's beat then runs out (LEASE_MS)
    ]  # fmt: skip
    if dead:
        db.execute(update(AlertSender).where(AlertSender.id.in_(dead)).values(seen_ms=0))
    db.add(AlertSender(id=sender_id, host=host[:255], pid=os.getpid(), seen_ms=now))
    db.flush()
    return len(dead)


def beat(db: Session, sender_id: str, now: int) -> None:
    db.execute(update(AlertSender).where(AlertSender.id == sender_id).values(seen_ms=now))


def claim_due(db: Session, now: int, limit: int = 16, sender: str | None = None) -> tuple[list[Job], int]:
    """Claim up to `limit` due alerts for `sender`; also fails those past their expiry. Returns (jobs, expired).
    A claim taken over from another sender is marked `resend`: it may have reached its recipient."""
    dead = select(AlertSender.id).where(AlertSender.seen_ms < now - LEASE_MS)
    due = or_(
        (Alert.status == "pending") & (Alert.next_attempt_ms <= now),
        (Alert.status == "sending") & ((Alert.claimed_until_ms < now) | Alert.claimed_by.in_(dead)),
    )
    ids = db.scalars(select(Alert.id).where(due).order_by(Alert.next_attempt_ms).limit(limit)).all()
    if not ids:
        return [], 0
    expired = db.execute(
        update(Alert).where(Alert.id.in_(ids), due, Alert.expires_ms <= now)
        .values(status="failed", ack_token=None, claimed_until_ms=None, claimed_by=None,
                error=func.substr(func.coalesce(literal("expired; the last try: ") + Alert.error, EXPIRED), 1, 300))
    ).rowcount  # fmt: skip
    claimed = db.scalars(
        update(Alert).where(Alert.id.in_(ids), due, Alert.expires_ms > now)
        .values(status="sending", claimed_until_ms=now + CLAIM_MS, claimed_by=sender, attempts=Alert.attempts + 1,
                resend=case((Alert.status == "sending", True), else_=Alert.resend))
        .returning(Alert.id)
    ).all()  # fmt: skip
    jobs = [_job(db, alert_id, now) for alert_id in claimed]
    return [j for j in jobs if j is not None], expired


def _job(db: Session, alert_id: int, now: int) -> Job | None:
    alert = db.get(Alert, alert_id)
    visit = db.get(Visit, alert.visit_id) if alert else None
    campus = db.get(Campus, alert.campus_id) if alert else None
    if alert is None or visit is None or campus is None:
        return None
    if alert.recipient_kind == "staff":
        row = db.scalar(select(Staff).where(Staff.campus_id == campus.id, Staff.external_id == alert.recipient_key))
    else:
        row = db.scalar(select(Office).where(Office.campus_id == campus.id, Office.key == alert.recipient_key))
    urls = tuple(split_urls(row.alert_urls)) if row is not None else ()
    about = AboutVisit(
        visitor=f"{visit.first_name} {visit.last_name}", reason=visit.reason, host_name=visit.host_name,
        language=visit.language, interpreter=visit.interpreter, checked_in_ms=visit.checked_in_ms,
        campus=campus.name, timezone=campus.timezone, campus_language=campus.default_language,
        interpreter_language=visit.interpreter_language, student_name=visit.student_name,
    )  # fmt: skip
    waited = (now - visit.checked_in_ms) // 60_000 if alert.kind == "escalation" else None
    return Job(
        alert.id, alert.kind, alert.why, alert.recipient_name, alert.language, urls, alert.ack_token, about, waited,
        alert.resend,
    )


def retry_delay_ms(attempts: int) -> int:
    return min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** max(0, attempts - 1))


def finish(db: Session, alert_id: int, delivered: bool, error: str | None, now: int, sender: str | None = None) -> str:
    """Record a send's outcome; a failure is retried with backoff until its expiry or MAX_ATTEMPTS.
    "gone" when the alert is no longer this sender's (another took it over, thinking this one dead)."""
    alert = db.get(Alert, alert_id)
    if alert is None or alert.status != "sending" or (sender is not None and alert.claimed_by != sender):
        return "gone"
    alert.error = error
    alert.claimed_until_ms = alert.claimed_by = None
    if delivered:
        alert.status, alert.delivered_ms, alert.ack_token = "delivered", now, None
    elif alert.attempts < MAX_ATTEMPTS and now + retry_delay_ms(alert.attempts) < alert.expires_ms:
        alert.status, alert.next_attempt_ms = "pending", now + retry_delay_ms(alert.attempts)
    else:
        alert.status, alert.ack_token = "failed", None
        log.warning("alert %s to %s failed for good after %d attempts: %s", alert.id, alert.recipient_name,
                    alert.attempts, error)  # fmt: skip
    return alert.status


# -- acknowledging and reporting ------------------------------------------------------------
def acknowledge(db: Session, visit: Visit, by: str, via: str, now: int) -> bool:
    """The first acknowledgement counts (its time is the visit's waiting time); False if already."""
    done = db.execute(
        update(Visit).where(Visit.id == visit.id, Visit.acknowledged_ms.is_(None))
        .values(acknowledged_ms=max(now, visit.checked_in_ms), acknowledged_by=by, acknowledged_via=via)
    ).rowcount  # fmt: skip
    db.refresh(visit)
    return bool(done)


def alert_for_token(db: Session, token: str) -> Alert | None:
    return db.scalar(select(Alert).where(Alert.ack_token_hash == security.digest(token)))


def alerts_of(db: Session, visit_ids: Sequence[str]) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {v: [] for v in visit_ids}
    if visit_ids:
        for alert in db.scalars(select(Alert).where(Alert.visit_id.in_(visit_ids)).order_by(Alert.id)):
            found[alert.visit_id].append(alert)
    return found


def arrival_status(db: Session, campus_id: int, visit_ids: Sequence[str]) -> list[dict[str, object]]:
    """What the kiosk's confirmation screen may say about each visit (kiosk.wire: arrivals)."""
    visits = db.scalars(select(Visit).where(Visit.id.in_(visit_ids), Visit.campus_id == campus_id)).all()
    alerts = alerts_of(db, [v.id for v in visits])
    out = []
    for visit in visits:
        arrivals = [a for a in alerts[visit.id] if a.kind == "arrival"]
        told = [{"kind": a.recipient_kind, "key": a.recipient_key, "name": a.recipient_name}
                for a in arrivals if a.status == "delivered"]  # fmt: skip
        out.append({
            "visit_id": visit.id,
            "told": told,
            "pending": sum(a.status in ("pending", "sending") for a in arrivals),
            "failed": sum(a.status == "failed" for a in arrivals),
            "acknowledged": {"by": visit.acknowledged_by or "", "via": visit.acknowledged_via or "office"}
            if visit.acknowledged_ms is not None else None,
        })  # fmt: skip
    return out
