"""Dating what a kiosk pushes: its own clock when it can be believed, else the best the server can do.

What a kiosk confirmed to a visitor, the server keeps: a visit is never refused for its time.
A Raspberry Pi has no battery clock, so after a power cut without network it may read 1970 or
the last shutdown time; a clock can also run hours or days ahead. Each event may carry its
age by the kiosk's boot clock (kiosk.wire), so the server dates it as received minus age;
without an age (the kiosk rebooted since) it keeps the kiosk's time if plausible, else its own
time of receipt. Whenever the kiosk's time is not kept, the visit is flagged for the office
and the kiosk's own reading is kept beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kiosk.clock import span

EARLIEST_MS = 1_577_836_800_000  # 2020-01-01: before that, the kiosk's clock is wrong
FUTURE_SLACK_MS = 24 * 3600 * 1000  # without an age, a time up to a day ahead is believed, as it always was
AGREE_MS = 5 * 60_000  # a kiosk's time this close to received-minus-age is its own (network, batching)


@dataclass(frozen=True)
class Dated:
    ms: int
    flag: str | None  # for the office: why this is not the kiosk's time; None when it is


def date_event(claimed_ms: int, age_ms: int | None, received_ms: int, what: str = "Check-in") -> Dated:
    """The best time for an event the kiosk dated `claimed_ms`, `age_ms` before `received_ms`."""
    if age_ms is not None and received_ms - age_ms >= EARLIEST_MS:
        best = received_ms - age_ms
        if abs(claimed_ms - best) <= AGREE_MS:
            return Dated(claimed_ms, None)
        way = "behind" if claimed_ms < best else "ahead"
        return Dated(best, f"{what} time reconstructed: the kiosk's clock was {span(abs(claimed_ms - best))} {way}")
    if EARLIEST_MS <= claimed_ms <= received_ms + FUTURE_SLACK_MS:
        return Dated(claimed_ms, None)
    reading = datetime.fromtimestamp(min(claimed_ms, 253_402_300_799_000) / 1000, UTC).year  # at most 9999
    return Dated(
        received_ms, f"{what} time unknown: the kiosk's clock read the year {reading}; this is when the server got it"
    )


def local_day(ms: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, zone).date().isoformat()


def joined(*flags: str | None) -> str | None:
    """Several flags of one visit as one line (at most 1,000 characters)."""
    text = "; ".join(f for f in flags if f)
    return text[:1000] or None
