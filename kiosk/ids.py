"""Time-ordered visit ids (UUIDv7, RFC 9562), made on the kiosk.

The kiosk names each visit itself, before any network exists, so the district server can
upsert by that name and a resent visit is harmless. Time order keeps the primary-key index
append-only and lets ids sort by check-in time.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = -1
_counter = 0


def new_id(now_ms: int | None = None) -> str:
    """A UUIDv7 string; strictly increasing within this process, even within one millisecond."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            _counter += 1
            if _counter > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                ms += 1
                _counter = secrets.randbelow(0x800)
        else:
            _counter = secrets.randbelow(0x800)  # random start, half the space left to count in
        _last_ms = ms
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= _counter << 64
        value |= 0b10 << 62
        value |= secrets.randbits(62)
    return str(uuid.UUID(int=value))


def id_time_ms(visit_id: str) -> int:
    """The millisecond timestamp inside a UUIDv7."""
    return uuid.UUID(visit_id).int >> 80
