"""Hypothesis profiles: ``ci`` (the default) keeps `make test` fast; ``fuzz`` digs deeper;
``mutate`` (used by `make mutate`) draws the same examples for every mutant, and fewer of them,
so a mutant's verdict never depends on the draw and hundreds of mutants fit in a run."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fuzz", max_examples=2000, deadline=None)
settings.register_profile(
    "mutate",
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
SCALE = {"fuzz": 5.0, "mutate": 0.4}


def scaled(examples: int) -> int:
    """A test's own example count (kept small for make test), five times more under make fuzz,
    fewer under make mutate."""
    return max(1, round(examples * SCALE.get(PROFILE, 1.0)))
