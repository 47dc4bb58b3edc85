"""The kiosk's clocks: the wall clock, which can be wrong, and the boot's own clock, which cannot.

A Raspberry Pi has no battery clock: after a power cut with no network it starts at the
last shutdown time (fake-hwclock) or at 1970, and visits made then carry that time. So each
event also records a Stamp (this boot's id and how long the machine has been up); at push
time the kiosk says how long ago, by that clock, the event happened, and the server dates it
by its own clock minus that age. Across a reboot the age is unknown (the server then judges
the kiosk's time). Standard library only.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
CLOCK_SLACK_MS = 60_000  # the server's answer is timed to a second or so: more than a minute apart is wrong


def boot_id() -> str | None:
    """This boot's id (Linux): within one boot, the uptime clock goes on across restarts of the kiosk."""
    try:
        return BOOT_ID.read_text().strip() or None
    except OSError:
        return None


def uptime_ms() -> int:
    """Milliseconds since boot, counting suspend (CLOCK_BOOTTIME), never set by NTP or by hand."""
    clock = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)
    return time.clock_gettime_ns(clock) // 1_000_000


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Stamp:
    """When an event happened by the boot's clock."""

    boot: str | None
    uptime_ms: int

    def age_at(self, now: Stamp) -> int | None:
        """Milliseconds from this stamp to `now`, or None when they are not of one boot."""
        if self.boot is None or self.boot != now.boot or now.uptime_ms < self.uptime_ms:
            return None
        return now.uptime_ms - self.uptime_ms


def stamp() -> Stamp:
    return Stamp(boot_id(), uptime_ms())


def ntp_synchronized() -> bool | None:
    """systemd's own judgement (timedatectl's NTPSynchronized), or None where it cannot say."""
    try:
        out = subprocess.run(
            ["timedatectl", "show", "--property=NTPSynchronized", "--value"],
            capture_output=True, text=True, timeout=2, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    answer = out.stdout.strip()
    return {"yes": True, "no": False}.get(answer) if out.returncode == 0 else None


@dataclass(frozen=True)
class ClockStatus:
    """Whether this kiosk's clock can be believed, for staff mode and the heartbeat.

    state: synced (the time server says so, or it matches the district server), not_synced
    (systemd says no time server has set it yet), off (more than a minute from the district
    server's time: offset_ms says how far, negative when behind) or unknown.
    """

    state: str = "unknown"
    offset_ms: int | None = None

    @property
    def text(self) -> str:
        """One line for staff mode: "Clock: 3 days behind the district server"."""
        if self.state == "off" and self.offset_ms is not None:
            way = "behind" if self.offset_ms < 0 else "ahead of"
            return f"Clock: {span(abs(self.offset_ms))} {way} the district server"
        return {
            "synced": "Clock: set",
            "not_synced": "Clock: not set yet (no time server reached); visits are dated by the server",
        }.get(self.state, "Clock: not known yet")


def judge(ntp: bool | None, offset_ms: int | None) -> ClockStatus:
    """The server's time outweighs systemd's word: a clock a minute off is off, whatever NTP says."""
    if offset_ms is not None and abs(offset_ms) > CLOCK_SLACK_MS:
        return ClockStatus("off", offset_ms)
    if ntp is False:
        return ClockStatus("not_synced", offset_ms)
    if ntp or offset_ms is not None:
        return ClockStatus("synced", offset_ms)
    return ClockStatus()


def span(ms: int) -> str:
    """A length of time, rounded, in its largest sensible unit: "45 s", "12 min", "25 h", "3 days", "57 years"."""
    for unit, size, below in (("s", 1000, 120), ("min", 60_000, 120), ("h", 3_600_000, 72), ("days", 86_400_000, 730)):
        count = round(ms / size)
        if count < below:
            return f"{count} {unit}"
    return f"{round(ms / (365 * 86_400_000))} years"
