"""When a change becomes visible in the updates and bounces lists."""

from __future__ import annotations

import random

from spotler_sim.domain.model import LagPolicy


def visible_at(policy: LagPolicy, changed_ms: int, *identity: object) -> int:
    """The instant a change made at ``changed_ms`` shows up in the time-windowed lists.

    A random lag is drawn from a generator seeded by the policy's seed and the change's identity,
    so the same sequence of changes gets the same lags in every run.
    """
    if policy.mode == "fixed":
        return changed_ms + round(policy.seconds * 1000)
    if policy.mode == "random":
        rng = random.Random(":".join(str(part) for part in (policy.seed, changed_ms, *identity)))
        return changed_ms + round(rng.uniform(0, policy.max_seconds) * 1000)
    return changed_ms
