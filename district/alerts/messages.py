"""The words of an alert, in the recipient's language (staff choose theirs, as visitors do).

Only what the recipient needs to act: the visitor's name, why they came, the campus, the
time, their language (and whether an interpreter may help), and the "on my way" link.
Translations live in the kiosk's catalogs (i18n/), so one translator covers both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time

from kiosk.interpreting import own_name
from kiosk.language import N_, cldr, languages, translator
from kiosk.reasons import BY_CODE

WHY_LINES = {
    "interpreter": N_("You are told because the staff directory lists you as speaking {language}."),
    "fallback": N_("{host} could not be reached directly, so the front office is told."),
}


@dataclass(frozen=True)
class AlertText:
    title: str
    body: str


@dataclass(frozen=True)
class AboutVisit:
    visitor: str
    reason: str
    host_name: str | None
    language: str
    interpreter: bool
    checked_in_ms: int
    campus: str
    timezone: str
    campus_language: str
    interpreter_language: str | None = None
    student_name: str | None = None


def language_for(wanted: str, campus_default: str) -> str:
    """The recipient's language if there is a catalog for it, else the campus's, else English."""
    for code in (wanted, wanted.split("-")[0], campus_default):
        if code in languages():
            return code
    return "en"


def language_name(code: str, in_language: str) -> str:
    """"Spanish" for es, written in the reader's language ("español" for a Spanish reader)."""
    names = cldr(in_language).languages
    # The whole code first: "Dari" for fa-AF, "Traditional Chinese" for zh-Hant, then the language alone;
    # CLDR without a name for it in the reader's language: its own name, as its speakers write it.
    return names.get(code.replace("-", "_")) or names.get(code.split("-")[0]) or own_name(code)


def render(
    about: AboutVisit, language: str, why: str, ack_link: str | None, waited_minutes: int | None = None,
    resend_of: int | None = None,
) -> AlertText:
    """`resend_of`: the alert's number when a server process died while sending it, so it may have arrived
    already; the message then says so, and a channel that reads it can drop the second copy."""
    tr = translator(language)
    try:
        zone = ZoneInfo(about.timezone)
    except (KeyError, ValueError):
        zone = UTC
    arrived = format_time(datetime.fromtimestamp(about.checked_in_ms / 1000, zone), format="short", locale=cldr(language))
    if waited_minutes is None:
        title = tr("{visitor} is at the front office").format(visitor=about.visitor)
    else:
        title = tr("{visitor} is still waiting at the front office").format(visitor=about.visitor)
    spoken = language_name(about.language, language)
    reason = BY_CODE.get(about.reason)
    lines = [
        tr("Campus: {campus}").format(campus=about.campus),
        tr("Reason: {reason}").format(reason=tr(reason.label) if reason else about.reason),
        tr("Arrived at {time}").format(time=arrived),
    ]
    if about.host_name:
        lines.append(tr("Here to see: {host}").format(host=about.host_name))
    if about.student_name:
        lines.append(tr("Picking up: {student}").format(student=about.student_name))
    lines.append(tr("Language: {language}").format(language=spoken))
    interpreter = language_name(about.interpreter_language, language) if about.interpreter_language else spoken
    if about.interpreter and about.interpreter_language:
        lines.append(tr("Asked for an interpreter for {language}.").format(language=interpreter))
    elif about.interpreter:
        lines.append(tr("Asked for an interpreter."))
    elif about.language.split("-")[0] != about.campus_language.split("-")[0]:
        lines.append(tr("Chose {language} at the kiosk: an interpreter may help.").format(language=spoken))
    if waited_minutes is not None:
        lines.append(tr("Nobody has answered for {minutes} min.").format(minutes=waited_minutes))
    if why in WHY_LINES:
        lines.append(tr(WHY_LINES[why]).format(language=interpreter if why == "interpreter" else spoken,
                                               host=about.host_name or ""))  # fmt: skip
    if ack_link:
        lines.append("")
        lines.append(tr("On my way: {link}").format(link=ack_link))
    if resend_of is not None:
        lines.append("")
        lines.append(tr("Sent again (alert {number}): the server restarted while sending it, so you may have it "
                        "already.").format(number=resend_of))  # fmt: skip
    return AlertText(title, "\n".join(lines))
