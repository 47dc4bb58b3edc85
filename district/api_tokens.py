"""Staff API tokens: a key a staff member makes on the office page for a system that issues
passes for them (a conference scheduler, the volunteer office's list), used as a bearer token.

A token acts as its user, on the one campus it was made for: a secretary's own campus, or the
campus an administrator made it on. It is shown once; only its SHA-256 is kept (as for kiosk
tokens: 256 random bits need no slow hash). It stops working when revoked, when it expires, or
when its user is disabled or, for a secretary, moved to another campus. Its "wks_" prefix lets
secret scanners and people tell it from a kiosk's token.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from district import security
from district.models import ApiToken, Campus, User
from district.service import now_ms

PREFIX = "wks_"
DAY_MS = 86_400_000
LIFETIMES_DAYS = (30, 90, 365)  # a school year at most: a token left in an old system ends by itself
MAX_LABEL = 80
USE_RECORDED_EVERY_MS = 60_000  # "last used" to the minute: no write on every call


@dataclass(frozen=True)
class Holder:
    """Who a token speaks for, and where."""

    user: User
    campus: Campus
    token_id: int
    label: str


def create(db: Session, user: User, campus: Campus, label: str, days: int) -> tuple[ApiToken, str]:
    """Store a new token and return it with its secret (the only time the secret exists)."""
    if days not in LIFETIMES_DAYS or not 0 < len(label) <= MAX_LABEL:
        raise ValueError("a token needs a label and one of the lifetimes offered")  # the form checks first
    secret = PREFIX + security.new_token()
    now = now_ms()
    row = ApiToken(token_hash=security.digest(secret), user_id=user.id, campus_id=campus.id, label=label,
                   created_ms=now, expires_ms=now + days * DAY_MS)  # fmt: skip
    db.add(row)
    db.flush()
    return row, secret


def holder(db: Session, secret: str) -> Holder | None:
    """Who a token speaks for, or None for an unknown, revoked or expired token, or one whose user may
    no longer act on its campus."""
    if not secret.startswith(PREFIX):
        return None
    found = db.execute(
        select(ApiToken, User, Campus).join(User, User.id == ApiToken.user_id)
        .join(Campus, Campus.id == ApiToken.campus_id).where(ApiToken.token_hash == security.digest(secret))
    ).one_or_none()  # fmt: skip
    if found is None:
        return None
    token, user, campus = found
    now = now_ms()
    allowed = user.active and (user.role == "district_admin" or user.campus_id == campus.id)
    if token.revoked_ms is not None or token.expires_ms <= now or not allowed:
        return None
    if token.last_used_ms is None or now - token.last_used_ms >= USE_RECORDED_EVERY_MS:
        token.last_used_ms = now
    return Holder(user, campus, token.id, token.label)


def listed(db: Session, campus_id: int) -> list[tuple[ApiToken, User]]:
    """The campus's tokens that still work or ended lately, newest first, with who made each."""
    since = now_ms() - 30 * DAY_MS
    return [(t, u) for t, u in db.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.campus_id == campus_id, ApiToken.expires_ms >= since)
        .where((ApiToken.revoked_ms.is_(None)) | (ApiToken.revoked_ms >= since))
        .order_by(ApiToken.created_ms.desc(), ApiToken.id.desc())
    )]  # fmt: skip


def revoke(db: Session, campus_id: int, token_id: int) -> bool:
    """Stop a token working at once; False if the campus has no such working token."""
    changed = db.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.campus_id == campus_id, ApiToken.revoked_ms.is_(None))
        .values(revoked_ms=now_ms())
    ).rowcount  # fmt: skip
    return bool(changed)
