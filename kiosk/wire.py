"""The sync messages between a kiosk and the district server, shared by both sides.

Standard library only: the server imports this module (and kiosk.text for the name rules)
but never the kiosk app. Every event carries an id made on the kiosk, so the server can
apply it exactly once however often a batch is resent.

Kiosk -> server, POST {API}/sync/push  {"events": [event, ...]} (at most MAX_BATCH)
    visit:    {"type": "visit", "id", "first_name", "last_name", "reason", "host_id",
               "host_name", "language", "interpreter", "checked_in_ms", "local_day",
               "interpreter_language"?, "student_name"?, "pass_id"?}
              interpreter_language: a language code, when an interpreter was asked for;
              student_name: whom a visitor picks up; pass_id: the visitor pass shown (the
              server's id). Each absent when empty (and from kiosks older than them): a server
              must be upgraded before its kiosks.
    sign_out: {"type": "sign_out", "visit_id", "at_ms", "by"}
    either may carry "age_ms": how long before the push it happened, by the kiosk's boot clock
    (kiosk.clock), when the kiosk was not restarted by a reboot since. The server dates the
    event by its own clock minus the age when the kiosk's wall clock disagrees, and flags it.
  answer: {"results": [{"status": "stored" | "duplicate" | "refused", "error"?: str}, ...]},
  one per event, in order. "refused" is final (the event can never be accepted as it is): the
  kiosk keeps it with its reason until staff send the refused events again.

Server -> kiosk, GET {API}/sync/changes?since=CURSOR&limit=N
  answer: {"reset": bool, "cursor": int, "more": bool, "has_directory": bool,
           "staff": [staff, ...], "sign_outs": [...], "passes": [pass, ...], "settings": {...} | null}
  reset: the kiosk's cursor is ahead of the server (a database restored from a backup):
  forget the cursor and pull everything again from 0.
  staff: {"id", "first_name", "last_name", "display_name", "role", "room", "languages": [..],
          "active": bool}  (active false: remove from the kiosk's directory)
  pass: {"id": int, "code_hash": sha256 hex of the code (kiosk.passcode), "first_name", "last_name",
         "language", "reason", "host_id" | null, "host_name" | null, "valid_from_ms", "valid_until_ms",
         "max_uses", "uses": check-ins the server has had with it, "revoked": bool}
  (a kiosk that does not know passes yet ignores the key)

Kiosk -> server, POST {API}/sync/heartbeat
  {"version", "backlog", "refused", "last_sync_ms", "free_disk_bytes",
   "clock": "synced" | "not_synced" | "off" | "unknown", "sent_ms", "refused_reason"}
  clock: the kiosk's own judgement (kiosk.clock.judge); sent_ms: its wall clock as it sent the
  beat, which the server compares with its own; refused_reason: the newest refusal's, or null.
  answer: {"server_time_ms"}: the kiosk judges its clock by it

Kiosk -> server, GET {API}/arrivals?ids=ID,ID  (at most MAX_ARRIVAL_IDS of this campus's visits)
  answer: {"arrivals": [arrival, ...]}, one per visit the server has (a visit still in the
  kiosk's outbox is simply absent):
  arrival: {"visit_id", "told": [{"kind": "staff" | "office", "key", "name"}],
            "pending": int, "failed": int,
            "acknowledged": {"by": str, "via": "link" | "office"} | null}
  told: who has received an arrival alert (a staff member by directory id, or an office by
  its key: front_office, attendance, volunteers); pending: alerts still being sent; failed:
  alerts that could not be delivered. The kiosk says "X knows you are here" only from "told".

Sign-outs merge by one rule on both sides: a visit is signed out once, at the EARLIEST
sign-out time known anywhere (on a tie to the millisecond, the party that sorts first:
office, staff, visitor). A later sign-out of the same visit (the office and the visitor
both did it while offline) changes nothing, so every copy converges to the same time and
the same party whatever order the messages arrive in.
"""

from __future__ import annotations

from typing import Any, Protocol

API = "/api/v1"
MAX_BATCH = 500
MAX_CHANGES = 1000
MAX_ARRIVAL_IDS = 20
OFFICES = ("front_office", "attendance", "volunteers")  # desks that routing rules can alert
SIGNED_OUT_BY = ("visitor", "staff", "office")  # office: on the front-office page
VISIT_FIELDS = (
    "id", "first_name", "last_name", "reason", "host_id", "host_name", "language", "interpreter",
    "checked_in_ms", "local_day",
)  # fmt: skip
OPTIONAL_VISIT_FIELDS = ("interpreter_language", "student_name", "pass_id")  # sent only when set


class VisitLike(Protocol):
    id: str
    first_name: str
    last_name: str
    reason: str
    host_id: str | None
    host_name: str | None
    language: str
    interpreter: bool
    local_day: str


def visit_event(visit: VisitLike, checked_in_ms: int) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "visit"}
    for name in VISIT_FIELDS:
        event[name] = checked_in_ms if name == "checked_in_ms" else getattr(visit, name)
    event["interpreter"] = bool(event["interpreter"])
    for name in OPTIONAL_VISIT_FIELDS:
        value = getattr(visit, name, None)
        if value:
            event[name] = value
    return event


def aged(event: dict[str, Any], age_ms: int | None) -> dict[str, Any]:
    """The event as pushed: with its age when the kiosk knows it."""
    return event if age_ms is None else {**event, "age_ms": age_ms}


def signs_out_earlier(at_ms: int, by: str, current_ms: int | None, current_by: str | None) -> bool:
    """The merge rule above: does a sign-out at `at_ms` by `by` replace the one already known?
    (The kiosk's store says the same in SQL.)"""
    return current_ms is None or at_ms < current_ms or (at_ms == current_ms and by < (current_by or ""))


def sign_out_event(visit_id: str, at_ms: int, by: str) -> dict[str, Any]:
    return {"type": "sign_out", "visit_id": visit_id, "at_ms": at_ms, "by": by}
