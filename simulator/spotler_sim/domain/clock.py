"""The simulated clock: real time, real time plus an offset, or frozen at an instant.

The state lives in the store so every worker agrees; these functions only compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spotler_sim.domain.timewindows import parse_instant_ms
from spotler_sim.errors import SpotlerError


@dataclass(frozen=True)
class ClockState:
    mode: str = "real"  # real | offset | frozen
    offset_ms: int = 0
    frozen_ms: int | None = None

    def now_ms(self, wall_ms: int) -> int:
        if self.mode == "frozen" and self.frozen_ms is not None:
            return self.frozen_ms
        if self.mode == "offset":
            return wall_ms + self.offset_ms
        return wall_ms

    def advanced(self, seconds: float, wall_ms: int) -> ClockState:
        """The clock moved forward by ``seconds`` (a frozen clock stays frozen)."""
        if seconds < 0:
            raise SpotlerError.invalid_params("the clock only moves forward: give seconds >= 0")
        step = round(seconds * 1000)
        if self.mode == "frozen" and self.frozen_ms is not None:
            return ClockState("frozen", 0, self.frozen_ms + step)
        return ClockState("offset", self.offset_ms + step, None)


def clock_from_request(body: dict[str, Any]) -> ClockState:
    """Read ``{"frozenAt": ISO}``, ``{"offsetSeconds": N}`` or ``{"mode": "real"}``."""
    if "frozenAt" in body:
        return ClockState("frozen", 0, parse_instant_ms(str(body["frozenAt"]), name="frozenAt"))
    if "offsetSeconds" in body:
        return ClockState("offset", round(float(body["offsetSeconds"]) * 1000), None)
    return ClockState()
