"""Hypothesis profiles: ``ci`` (the default) keeps `make test` fast; ``fuzz`` digs deeper."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fuzz", max_examples=2000, deadline=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def scaled(examples: int) -> int:
    """A test's own example count (kept small for make test), five times more under make fuzz."""
    return examples * 5 if PROFILE == "fuzz" else examples
