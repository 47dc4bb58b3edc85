"""Why people come to the front office: the reason buttons, in the order shown."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.language import N_


@dataclass(frozen=True)
class Reason:
    code: str  # stored on the visit and sent to the district; never translated
    label: str  # English source text, translated where shown
    needs_host: bool = False  # asks whom they are visiting
    needs_student: bool = False  # asks which student (picking up): for the office, never on a public list


REASONS: tuple[Reason, ...] = (
    Reason("meeting", N_("Meet a staff member"), needs_host=True),
    Reason("pickup", N_("Pick up a student"), needs_student=True),
    Reason("dropoff", N_("Drop something off")),
    Reason("volunteer", N_("Volunteer")),
    Reason("delivery", N_("Delivery or contractor")),
    Reason("event", N_("Attend an event")),
    Reason("other", N_("Something else")),
)
BY_CODE = {r.code: r for r in REASONS}
