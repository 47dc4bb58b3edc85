"""Secrets the server hands out: kiosk tokens, one-time enrollment codes, web sessions.

Only hashes are stored. Tokens and session ids are 256-bit random strings, so a fast hash
(SHA-256) is enough to make a copied database useless; passwords are low-entropy and take
the slow scrypt hash from kiosk.pin. Enrollment codes are short enough to type on a touch
screen (50 bits, no look-alike letters) and expire after a day.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
CODE_LENGTH = 10


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    """What the person typed, forgiving case, spaces and dashes."""
    return "".join(c for c in code.upper() if c.isalnum())[: 2 * CODE_LENGTH]


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
