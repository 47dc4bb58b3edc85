"""The staff PIN: stored only as a slow salted hash, and guarded against guessing.

scrypt (in the standard library) makes each guess cost real time and memory, so a copied
config file does not give the PIN away quickly; the lockout makes guessing at the screen
slow too. A PIN has so few possibilities that both are needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12
_N, _R, _P = 2**14, 8, 1
_PREFIX = "scrypt"
_MAXMEM = 2**27  # 128 MiB: what verifying a hash may use; larger parameters are refused


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_pin_format(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS):
        raise ValueError(f"a PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits")


def hash_secret(secret: str) -> str:
    """'scrypt$N$r$p$salt$hash': a PIN here, a password on the district server."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{_PREFIX}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def hash_pin(pin: str) -> str:
    """The form the config file's staff.pin_hash takes."""
    check_pin_format(pin)
    return hash_secret(pin)


def parse_pin_hash(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    """The parameters of a stored hash; ValueError naming what is wrong with it."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != _PREFIX:
        raise ValueError("not a PIN hash made by 'kiosk hash-pin' (expected scrypt$N$r$p$salt$hash)")
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, digest = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError as exc:
        raise ValueError("a PIN hash with damaged numbers or base64") from exc
    out_of_range = n < 2**10 or n & (n - 1) or not (1 <= r <= 32) or not (1 <= p <= 16)
    if out_of_range or 128 * r * (n + p + 2) > _MAXMEM or len(salt) < 8 or len(digest) < 16:
        raise ValueError("a PIN hash with parameters out of range")
    return n, r, p, salt, digest


def verify_secret(secret: str, encoded: str) -> bool:
    try:
        n, r, p, salt, digest = parse_pin_hash(encoded)
    except ValueError:
        return False
    try:
        candidate = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=len(digest), maxmem=_MAXMEM)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, digest)


@dataclass
class PinAttempt:
    ok: bool
    locked_seconds: int = 0  # > 0: wait this long before the next try


class LockoutMemory(Protocol):
    """Where the gate keeps its count, so that pulling the plug does not grant five fresh guesses."""

    def load(self) -> str | None: ...

    def save(self, value: str) -> None: ...


MAX_TRIES = 5
FIRST_LOCK_SECONDS = 60
MAX_DOUBLINGS = 6  # the longest lock is 64 minutes


class PinGate:
    """Five wrong PINs lock staff mode for a minute, doubling each time after that.

    The count and the lock survive a restart when a `memory` is given. The lock is kept as a
    wall-clock time (monotonic time restarts with the machine), but a clock that jumped back
    (a Pi has no battery clock) never makes it longer than the lock itself.
    """

    def __init__(
        self,
        pin_hash: str | None,
        clock: Callable[[], float] = time.monotonic,
        memory: LockoutMemory | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.pin_hash = pin_hash
        self._clock = clock
        self._wall = wall
        self._memory = memory
        self._failures = 0
        self._locked_until = 0.0
        self._lockouts = 0
        self._recall()

    @property
    def enabled(self) -> bool:
        return bool(self.pin_hash)

    def locked_for(self) -> int:
        return max(0, int(self._locked_until - self._clock() + 0.999))

    def try_pin(self, pin: str) -> PinAttempt:
        if not self.pin_hash:
            return PinAttempt(False)
        wait = self.locked_for()
        if wait:
            return PinAttempt(False, wait)
        if verify_secret(pin, self.pin_hash):
            if self._failures or self._lockouts:
                self._failures = 0
                self._lockouts = 0
                self._remember()
            return PinAttempt(True)
        self._failures += 1
        if self._failures >= MAX_TRIES:
            self._failures = 0
            self._locked_until = self._clock() + self._lock_seconds(self._lockouts)
            self._lockouts = min(self._lockouts + 1, MAX_DOUBLINGS)
            self._remember()
            return PinAttempt(False, self.locked_for())
        self._remember()
        return PinAttempt(False)

    @staticmethod
    def _lock_seconds(lockouts: int) -> int:
        return FIRST_LOCK_SECONDS * 2**lockouts

    def _remember(self) -> None:
        if self._memory is None:
            return
        left = max(0.0, self._locked_until - self._clock())
        until = self._wall() + left if left else 0.0
        self._memory.save(json.dumps({"failures": self._failures, "lockouts": self._lockouts, "locked_until": until}))

    def _recall(self) -> None:
        """Take up the count where the last run left it; a damaged record counts as none."""
        raw = self._memory.load() if self._memory is not None else None
        if not raw:
            return
        try:
            saved = json.loads(raw)
            failures, lockouts, until = int(saved["failures"]), int(saved["lockouts"]), float(saved["locked_until"])
        except (ValueError, TypeError, KeyError, OverflowError):
            return
        self._failures = min(max(failures, 0), MAX_TRIES - 1)
        self._lockouts = min(max(lockouts, 0), MAX_DOUBLINGS)
        if until > 0 and self._lockouts:
            # the last lock was the one that raised the count, except at the cap, where it repeats
            longest = self._lock_seconds(self._lockouts if self._lockouts == MAX_DOUBLINGS else self._lockouts - 1)
            left = min(max(until - self._wall(), 0.0), longest)
            self._locked_until = self._clock() + left
