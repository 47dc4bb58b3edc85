"""What both benchmark scripts print figures with: percentiles, verdicts, the file system."""

from __future__ import annotations

from pathlib import Path


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def spread(values: list[float]) -> str:
    """p50 / p95 / p99 / max of seconds, in milliseconds."""
    if not values:
        return "(none)"
    return (
        f"p50 {ms(percentile(values, 50))}, p95 {ms(percentile(values, 95))}, "
        f"p99 {ms(percentile(values, 99))}, max {ms(max(values))}"
    )


def at_most(value: float, limit: float) -> str:
    return "met" if value <= limit else "MISSED"


def at_least(value: float, limit: float) -> str:
    return "met" if value >= limit else "MISSED"


def filesystem_of(path: Path) -> str:
    """The file system type under `path` (fsync cost depends on it), from /proc/mounts."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _dev, mount, fstype, *_ = line.split()
            if str(path.resolve()).startswith(mount) and len(mount) >= len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind
