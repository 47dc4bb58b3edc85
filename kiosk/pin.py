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

from kiosk.clock import boot_id

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
FORGIVE_SECONDS = 24 * 3600  # a day without a wrong PIN starts the doubling again from one minute


class PinGate:
    """Five wrong PINs lock staff mode for a minute, doubling each time after that.

    With a `memory`, the count and the lock survive a restart of the kiosk, so pulling the
    plug does not grant five fresh guesses. Within one boot the lock keeps its monotonic
    deadline. After a reboot only the wall clock can say how long the kiosk was off, and a
    Pi has no battery clock: while it is behind the time of the last save, the lock left is
    unknown and counts as at most one minute, so an expired lock never comes back for long.
    A day without a wrong PIN forgets the doubling (a prank costs a minute, not an hour), and
    a new PIN hash starts afresh.
    """

    def __init__(
        self,
        pin_hash: str | None,
        clock: Callable[[], float] = time.monotonic,
        memory: LockoutMemory | None = None,
        wall: Callable[[], float] = time.time,
        boot: Callable[[], str | None] = boot_id,
    ) -> None:
        self.pin_hash = pin_hash
        self._clock = clock
        self._wall = wall
        self._boot = boot
        self._memory = memory
        self._failures = 0
        self._locked_until = 0.0
        self._lockouts = 0
        self._last_failure = 0.0  # wall clock
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
        now = self._wall()
        if 0 <= now - self._last_failure > FORGIVE_SECONDS:
            self._failures = self._lockouts = 0
        self._last_failure = now
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

    def _fingerprint(self) -> str:
        return hashlib.sha256((self.pin_hash or "").encode()).hexdigest()[:16]

    def _remember(self) -> None:
        if self._memory is None:
            return
        left = max(0.0, self._locked_until - self._clock())
        now = self._wall()
        record = {
            "pin": self._fingerprint(),
            "failures": self._failures,
            "lockouts": self._lockouts,
            "last_failure": self._last_failure,
            "saved": now,
            "boot": self._boot(),
            "until_monotonic": self._locked_until if left else 0.0,
            "until": now + left if left else 0.0,
        }
        self._memory.save(json.dumps(record))

    def _recall(self) -> None:
        """Take up the count where the last run left it; a damaged record counts as none."""
        raw = self._memory.load() if self._memory is not None else None
        if not raw:
            return
        try:
            saved = json.loads(raw)
            if saved["pin"] != self._fingerprint():
                return  # a new PIN: a new start
            failures, lockouts = int(saved["failures"]), int(saved["lockouts"])
            last_failure, at = float(saved["last_failure"]), float(saved["saved"])
            until, until_monotonic = float(saved["until"]), float(saved["until_monotonic"])
            same_boot = saved["boot"] is not None and saved["boot"] == self._boot()
        except (ValueError, TypeError, KeyError, OverflowError):
            return
        now = self._wall()
        if not 0 <= now - last_failure <= FORGIVE_SECONDS:
            if now >= at:  # a clock behind the last save forgives nothing
                return
        self._failures = min(max(failures, 0), MAX_TRIES - 1)
        self._lockouts = min(max(lockouts, 0), MAX_DOUBLINGS)
        self._last_failure = last_failure
        if not self._lockouts or not (until > 0 or until_monotonic > 0):
            return
        # the last lock was the one that raised the count, except at the cap, where it repeats
        longest = self._lock_seconds(self._lockouts if self._lockouts == MAX_DOUBLINGS else self._lockouts - 1)
        if same_boot:
            left = until_monotonic - self._clock()
        elif now >= at:
            left = until - now
        else:
            left = min(until - at, FIRST_LOCK_SECONDS)
        if left == left:  # not NaN
            self._locked_until = self._clock() + min(max(left, 0.0), longest)
