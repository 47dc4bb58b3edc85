"""What the API accepts, checked field by field (types, lengths, unknown fields refused).

A push is checked in two steps: the envelope as a whole (a list of at most MAX_BATCH
objects), then each event on its own, so one bad visit is refused with its reason and the
good ones in the same batch are kept. Names must already be clean by the kiosk's own rules
(kiosk.text): the server stores nothing the kiosk would not have stored.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, field_validator,
)  # fmt: skip

from kiosk import wire
from kiosk.directory import MAX_HOST_NAME
from kiosk.reasons import BY_CODE
from kiosk.text import (
    MAX_FIELD_LENGTH, MAX_NAME_LENGTH, MAX_STUDENT_NAME_LENGTH, NameProblem, clean_name, strip_invisible,
)  # fmt: skip

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$"
BIGINT = 2**63 - 1  # the database's largest integer: anything above is a 422, not a 500


def _clean(value: str, limit: int = MAX_NAME_LENGTH) -> str:
    try:
        cleaned = clean_name(value, limit=limit)
    except NameProblem as exc:
        raise ValueError(f"not a name the kiosk accepts ({exc.code})") from None
    if cleaned != value:
        raise ValueError("not cleaned as the kiosk cleans names")
    return value


def _plain(value: str) -> str:
    if strip_invisible(value) != value:
        raise ValueError("has control or invisible characters")
    return value


def _day(value: str) -> str:
    date.fromisoformat(value)
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_FIELD_LENGTH), AfterValidator(_clean)]
StudentName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_FIELD_LENGTH),
                        AfterValidator(lambda v: _clean(v, MAX_STUDENT_NAME_LENGTH))]  # fmt: skip
Text = Annotated[str, StringConstraints(max_length=MAX_FIELD_LENGTH), AfterValidator(_plain)]
VisitId = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
Moment = Annotated[int, Field(ge=0, le=BIGINT)]  # any time: a wrong clock is flagged, not refused (district.timing)
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN, max_length=35)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """One rule for every text field: a NUL is not text (PostgreSQL refuses it, SQLite would keep it)."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("has a NUL character, which is not text")
        return value


class VisitEvent(Strict):
    type: Literal["visit"]
    id: VisitId
    first_name: Name
    last_name: Name
    reason: Annotated[str, AfterValidator(lambda r: r if r in BY_CODE else _unknown("reason", r))]
    host_id: Text | None
    host_name: Annotated[str, StringConstraints(max_length=MAX_HOST_NAME), AfterValidator(_plain)] | None
    language: Language
    interpreter: bool
    checked_in_ms: Moment
    age_ms: Moment | None = None  # how long before the push, by the kiosk's boot clock (kiosk.wire)
    interpreter_language: Language | None = None  # absent from kiosks older than it
    student_name: StudentName | None = None
    pass_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None  # the visitor pass shown (district.passes)
    local_day: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_day)]


class SignOutEvent(Strict):
    type: Literal["sign_out"]
    visit_id: VisitId
    at_ms: Moment
    age_ms: Moment | None = None
    by: Literal["visitor", "staff"]  # "office" sign-outs are made on the server, never pushed


def _unknown(what: str, value: object) -> str:
    raise ValueError(f"unknown {what} {value!r}")


Event = Annotated[VisitEvent | SignOutEvent, Field(discriminator="type")]
EVENT = TypeAdapter(Event)


class PushBody(Strict):
    events: list[dict[str, Any]] = Field(max_length=wire.MAX_BATCH)


class EnrollBody(Strict):
    code: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    hostname: Text = ""
    version: Annotated[str, StringConstraints(max_length=40), AfterValidator(_plain)] = ""  # as on heartbeat


class Heartbeat(Strict):
    version: Annotated[str, StringConstraints(max_length=40), AfterValidator(_plain)]
    backlog: int = Field(ge=0, le=10**9)
    refused: int = Field(ge=0, le=10**9)
    last_sync_ms: int | None = Field(default=None, ge=0, le=BIGINT)
    free_disk_bytes: int | None = Field(default=None, ge=0, le=BIGINT)
    clock: Literal["synced", "not_synced", "off", "unknown"] | None = None  # the kiosk's own judgement
    sent_ms: int | None = Field(default=None, ge=0, le=BIGINT)  # the kiosk's clock as it sent this
    refused_reason: Annotated[str, StringConstraints(max_length=300), AfterValidator(strip_invisible)] | None = None


def describe(exc: ValidationError) -> str:
    """One line a kiosk's log can show: 'first_name: not a name the kiosk accepts (characters)'."""
    return describe_errors(exc.errors(include_url=False), ("visit", "sign_out"), "event")


def describe_errors(errors: Sequence[Mapping[str, Any]], sources: Sequence[str], whole: str) -> str:
    """Pydantic's errors as one line, never echoing the input (it may be NaN or a lone surrogate,
    which JSON cannot carry). `sources` are first loc parts left out ("body"); `whole` names the input."""
    parts = []
    for error in errors[:5]:
        loc = tuple(error["loc"])
        location = ".".join(str(p) for p in (loc[1:] if loc and loc[0] in sources else loc)) or whole
        if error["type"] == "json_invalid":
            location, message = "body", f"not JSON ({(error.get('ctx') or {}).get('error', 'cannot be read')})"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{location}: {message}")
    return "; ".join(parts).encode("utf-8", "backslashreplace").decode("utf-8")


def parse_event(raw: Any) -> VisitEvent | SignOutEvent:
    """One event from a push, or ValueError with a short reason."""
    try:
        return EVENT.validate_python(raw)
    except ValidationError as exc:
        raise ValueError(describe(exc)) from None
