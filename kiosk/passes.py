"""Checking a visitor pass at the kiosk, offline, against the passes the server sent (kiosk.store).

A code read by the camera or typed by a scanner is one of: a pass to check in with (`welcome`), the
pass of a visitor still on site today (`goodbye`: offer the sign-out), or something to refuse kindly,
offering the form: `expired`, `not_yet`, `revoked`, `used_up`, `unknown` (not a pass of this campus,
or one this kiosk has not heard of yet), `damaged` (misread or altered), `not_ours` (a web address,
a product barcode), `newer` (a pass format this kiosk is too old for), or `no_clock`.

The clock rule. A pass is good only between its first day's midnight and its last day's end, so the
kiosk must know the time. It uses, in this order: the district server's time at its last heartbeat
in this boot plus the boot clock's time since (kiosk.sync.SyncClient.trusted_now_ms: right even when
the wall clock reads 1970 or runs days ahead); the wall clock, if a time server set it; and else
nothing. With nothing (a Pi after a power cut, no network yet) every pass is refused as `no_clock`,
and the visitor is offered the form: the kiosk never waves a pass through outside its days.

Uses are counted as the server last counted them plus this kiosk's visits not yet acknowledged by
it. Two kiosks both offline can each let a single-use pass in once: both visits are kept, and the
server flags the second for the office (district.service).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk import passcode
from kiosk.store import Store, StoredPass, Visit

Outcome = Literal[
    "welcome", "goodbye", "expired", "not_yet", "revoked", "used_up", "unknown", "damaged", "not_ours", "newer",
    "no_clock",
]  # fmt: skip
REFUSED = frozenset({"expired", "not_yet", "revoked", "used_up", "unknown", "damaged", "not_ours", "newer", "no_clock"})


@dataclass(frozen=True)
class PassCheck:
    outcome: Outcome
    visitor_pass: StoredPass | None = None
    on_site: Visit | None = None  # for goodbye: the visit to sign out

    @property
    def refused(self) -> bool:
        return self.outcome in REFUSED


def check(text: str, store: Store, now_ms: int | None, today: str) -> PassCheck:
    """What to do with `text` at `now_ms` (None: the kiosk cannot vouch for the time); `today` is the
    campus's date (YYYY-MM-DD), for telling a visitor on site today from one who forgot to sign out."""
    reading = passcode.read(text)
    if reading.kind != "pass":
        return PassCheck(reading.kind)
    found = store.visitor_pass(passcode.digest(reading.code))
    if found is None:
        return PassCheck("unknown")
    visits, unsent = store.pass_visits(found.id)
    here = next((v for v in visits if v.on_site and v.local_day == today), None)
    if here is not None:
        return PassCheck("goodbye", found, here)
    if found.revoked:
        return PassCheck("revoked", found)
    if now_ms is None:
        return PassCheck("no_clock", found)
    if now_ms < found.valid_from_ms:
        return PassCheck("not_yet", found)
    if now_ms > found.valid_until_ms:
        return PassCheck("expired", found)
    if found.uses + unsent >= found.max_uses:
        return PassCheck("used_up", found)
    return PassCheck("welcome", found)
