"""Settings for the whole suite: Hypothesis runs without deadlines (these machines are noisy)
and, in CI, keeps no example database in the clone."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "kiosk",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None if os.environ.get("CI") else settings.default.database,
)
settings.load_profile("kiosk")
