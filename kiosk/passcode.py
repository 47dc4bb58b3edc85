"""A visitor pass's code: what its QR code holds, made by the server and read by kiosks.

`WK1` + 24 base32 letters (120 random bits) + 1 check letter: 28 characters, all in QR's
alphanumeric set, so the code is a version 2 QR code (25×25 modules) even at error correction
level Q; a pretix-style signed code (a version byte, a small payload and an Ed25519 signature,
112 characters) needs version 7 (45×45) at M. At the same printed size, version 2's modules are
nearly twice as wide, which is what a camera needs through blur, glare and distance (the read
rates of both are in benchmarks/README.md).

Why a random code and not a signed one: the code carries nothing about the visitor (a
photographed pass reveals nothing), and cannot be guessed (2^120). A kiosk needs the pass's
record anyway, to greet the visitor by name and tell whom they visit, and it gets that record by
syncing, as it gets the staff directory, along with revocations; so a signature would buy only
the check-in of a pass issued after the kiosk's last sync while it is offline, at the price of a
code four versions larger. The server keeps only the code's SHA-256 and kiosks get only that:
neither a stolen SD card nor a copy of the database gives a working code. A printed pass cannot be
printed again from the server; it is issued again, with a new code, and the old one revoked.

The check letter (Luhn mod 32) tells a misread or altered code from an unknown one without a
look-up: every single changed letter is caught, and every swap of two neighbours but A and 7 (as
Luhn's mod 10 misses 0 and 9).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

PREFIX = "WK"
VERSION = "1"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32: in QR's alphanumeric set, no 0/1/8/9
BODY = 24  # 24 × 5 = 120 random bits
LENGTH = len(PREFIX) + len(VERSION) + BODY + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

Kind = Literal["pass", "damaged", "newer", "not_ours"]


@dataclass(frozen=True)
class Reading:
    """What a text read by the camera or typed by a scanner is: one of ours (`pass`, with the code
    as issued), one of ours misread or altered (`damaged`), one of a later format (`newer`), or
    anything else: a web address, a product barcode, a Wi-Fi code (`not_ours`)."""

    kind: Kind
    code: str = ""


def _check_letter(body: str) -> str:
    """Luhn mod N over base32 (N = 32), from the right, as ISO/IEC 7812 does it for digits."""
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * _VALUE[char]
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return PREFIX + VERSION + body + _check_letter(body)


def read(text: str) -> Reading:
    """What `text` is. Case and surrounding spaces do not matter (a scanner may type with Caps
    Lock on, or end with Enter)."""
    candidate = text.strip().upper()
    if len(candidate) > 2 * LENGTH or not candidate.startswith(PREFIX):
        return Reading("not_ours")
    if candidate[len(PREFIX) : len(PREFIX) + 1] != VERSION:
        rest = candidate[len(PREFIX) :]
        if rest[:1].isdigit() and all(c in _VALUE or c.isdigit() for c in rest):
            return Reading("newer")
        return Reading("not_ours")
    body, check = candidate[len(PREFIX) + 1 : -1], candidate[-1:]
    if len(candidate) != LENGTH or not all(c in _VALUE for c in body + check):
        return Reading("damaged" if all(c in _VALUE or c.isdigit() for c in candidate[2:]) else "not_ours")
    if _check_letter(body) != check:
        return Reading("damaged")
    return Reading("pass", candidate)


def digest(code: str) -> str:
    """What the server stores and kiosks sync: the code itself never leaves the server after it is issued."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
