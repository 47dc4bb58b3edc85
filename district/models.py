"""The district's data: campuses, kiosks, staff, visits, and the people who use the web pages.

Times are UTC milliseconds (integers), as on the kiosk, so nothing depends on a database's
time-zone handling. `revision` columns feed the kiosks' incremental pull: every change a
kiosk must learn (a staff row, a sign-out, the campus settings) takes the campus's next
revision number in the same transaction, and a kiosk asks for what is newer than its cursor.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.directory import MAX_HOST_NAME
from kiosk.text import MAX_FIELD_LENGTH

ROLES = ("secretary", "district_admin")

# Named constraints, so Alembic migrations can alter them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Campus(Base):
    __tablename__ = "campus"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(400), default="en es")  # space-separated, in button order
    default_language: Mapped[str] = mapped_column(String(35), default="en")
    oneroster_org: Mapped[str | None] = mapped_column(String(200))  # the school's sourcedId in OneRoster exports
    revision: Mapped[int] = mapped_column(BigInteger, default=0)  # the last revision handed out
    settings_revision: Mapped[int] = mapped_column(BigInteger, default=0)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    alert_rules: Mapped[str | None] = mapped_column(Text)  # JSON (district.alerts.rules); None: the defaults
    alert_expiry_minutes: Mapped[int] = mapped_column(Integer, default=15)


class Kiosk(Base):
    __tablename__ = "kiosk"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    enrollment_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrollment_expires_ms: Mapped[int | None] = mapped_column(BigInteger)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_ms: Mapped[int | None] = mapped_column(BigInteger)
    revoked_ms: Mapped[int | None] = mapped_column(BigInteger)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    # The last heartbeat:
    last_seen_ms: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[str | None] = mapped_column(String(40))
    backlog: Mapped[int | None] = mapped_column(Integer)
    refused: Mapped[int | None] = mapped_column(Integer)
    last_sync_ms: Mapped[int | None] = mapped_column(BigInteger)
    free_disk_bytes: Mapped[int | None] = mapped_column(BigInteger)
    clock: Mapped[str | None] = mapped_column(String(12))  # the kiosk's word: synced, not_synced, off, unknown
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger)  # its clock minus ours, as measured here
    refused_reason: Mapped[str | None] = mapped_column(String(300))  # the newest refusal it keeps


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("campus_id", "external_id"),
        Index("ix_staff_campus_revision", "campus_id", "revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    external_id: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))  # the id in the district's CSV or SIS
    first_name: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))
    last_name: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))
    display_name: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH), default="")
    role: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH), default="")
    room: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH), default="")
    languages: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH), default="")  # space-separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    revision: Mapped[int] = mapped_column(BigInteger)
    # Alerts (never sent to kiosks): Apprise URLs, one a line, and the language alerts are written in.
    alert_urls: Mapped[str] = mapped_column(Text, default="")
    alert_language: Mapped[str] = mapped_column(String(35), default="")  # "": the campus's default


class Office(Base):
    """A desk rather than a person (the front office, attendance): alerted by routing rules."""

    __tablename__ = "office"
    __table_args__ = (UniqueConstraint("campus_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    key: Mapped[str] = mapped_column(String(20))  # one of kiosk.wire.OFFICES
    alert_urls: Mapped[str] = mapped_column(Text, default="")
    alert_language: Mapped[str] = mapped_column(String(35), default="")


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_campus_day", "campus_id", "local_day", "checked_in_ms"),
        Index("ix_visit_campus_revision", "campus_id", "revision"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the kiosk-made UUIDv7
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    kiosk_id: Mapped[str | None] = mapped_column(ForeignKey("kiosk.id"))
    first_name: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))
    last_name: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))
    reason: Mapped[str] = mapped_column(String(20))
    host_id: Mapped[str | None] = mapped_column(String(MAX_FIELD_LENGTH))
    host_name: Mapped[str | None] = mapped_column(String(MAX_HOST_NAME))
    language: Mapped[str] = mapped_column(String(35))
    interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_ms: Mapped[int] = mapped_column(BigInteger)
    local_day: Mapped[str] = mapped_column(String(10))  # the campus's date at check-in, YYYY-MM-DD
    signed_out_ms: Mapped[int | None] = mapped_column(BigInteger)
    signed_out_by: Mapped[str | None] = mapped_column(String(10))
    revision: Mapped[int] = mapped_column(BigInteger, default=0)  # set when signed out
    received_ms: Mapped[int] = mapped_column(BigInteger)
    # The first "on my way" (a staff member's link) or "seen" (the front-office page):
    acknowledged_ms: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_by: Mapped[str | None] = mapped_column(String(2 * MAX_FIELD_LENGTH))
    acknowledged_via: Mapped[str | None] = mapped_column(String(10))  # "link" or "office"
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the office should know about this record (district.timing): why a time is the server's
    # estimate, with the kiosk's own reading of the check-in time kept beside it.
    flag: Mapped[str | None] = mapped_column(String(1000))
    kiosk_checked_in_ms: Mapped[int | None] = mapped_column(BigInteger)
    interpreter_language: Mapped[str | None] = mapped_column(String(35))  # which language (kiosk.interpreting)
    student_name: Mapped[str | None] = mapped_column(String(MAX_FIELD_LENGTH))  # whom a visitor picks up
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("visitor_pass.id"))  # checked in by showing this pass


class VisitorPass(Base):
    """A pass the office issued to an expected visitor (district.passes): its QR code checks them in.

    Only the code's SHA-256 is kept (kiosk.passcode says why); kiosks sync these rows with their
    campus's revisions, as they sync staff, and check passes while offline."""

    __tablename__ = "visitor_pass"
    __table_args__ = (Index("ix_visitor_pass_campus_revision", "campus_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))
    last_name: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))
    language: Mapped[str] = mapped_column(String(35))
    reason: Mapped[str] = mapped_column(String(20))
    host_id: Mapped[str | None] = mapped_column(String(MAX_FIELD_LENGTH))
    host_name: Mapped[str | None] = mapped_column(String(MAX_HOST_NAME))
    valid_from_ms: Mapped[int] = mapped_column(BigInteger)
    valid_until_ms: Mapped[int] = mapped_column(BigInteger)
    max_uses: Mapped[int] = mapped_column(Integer)  # 1: single-use
    uses: Mapped[int] = mapped_column(Integer, default=0)  # check-ins the server has received with it
    email: Mapped[str | None] = mapped_column(String(254))  # where the pass was sent, if it was
    created_ms: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(254))  # the user's email
    revoked_ms: Mapped[int | None] = mapped_column(BigInteger)
    revision: Mapped[int] = mapped_column(BigInteger)


class Alert(Base):
    """One message to one recipient about one visit, queued in the same transaction as the visit."""

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_due", "status", "next_attempt_ms"),
        Index("ix_alert_visit", "visit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"))
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"))
    kind: Mapped[str] = mapped_column(String(12))  # "arrival" or "escalation"
    recipient_kind: Mapped[str] = mapped_column(String(8))  # "staff" or "office"
    recipient_key: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH))  # staff external_id or office key
    recipient_name: Mapped[str] = mapped_column(String(MAX_HOST_NAME))
    why: Mapped[str] = mapped_column(String(12))  # host, role, interpreter, fallback, escalation
    language: Mapped[str] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger)
    claimed_until_ms: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by: Mapped[str | None] = mapped_column(String(36))  # the AlertSender sending it
    resend: Mapped[bool] = mapped_column(Boolean, default=False)  # a claim was lost: it may have been delivered
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    delivered_ms: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(300))  # why it failed, with secrets masked
    ack_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ack_token: Mapped[str | None] = mapped_column(String(64))  # only while queued: the link in the message


class AlertSender(Base):
    """A server process's alert sender, alive while `seen_ms` is recent: its claims die with it."""

    __tablename__ = "alert_sender"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    seen_ms: Mapped[int] = mapped_column(BigInteger)


class User(Base):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    campus_id: Mapped[int | None] = mapped_column(ForeignKey("campus.id"))  # a secretary's campus
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_ms: Mapped[int] = mapped_column(BigInteger)


class ApiToken(Base):
    """A staff member's key to the staff API (district.staff_api), for a system that issues passes
    (a conference scheduler, a volunteer office's list): it acts as its user, on one campus only.

    Only its SHA-256 is kept; it stops working when revoked, when it expires, or when its user is
    disabled or moved to another campus."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))  # what it is for, as its maker named it
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    last_used_ms: Mapped[int | None] = mapped_column(BigInteger)
    revoked_ms: Mapped[int | None] = mapped_column(BigInteger)


class WebSession(Base):
    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # the cookie holds the token itself
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
