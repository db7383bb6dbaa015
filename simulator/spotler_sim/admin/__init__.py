"""The admin side of the simulator: the JSON API under /__admin and the dashboard page."""

from spotler_sim.admin.api import admin
from spotler_sim.admin.dashboard import dashboard

__all__ = ["admin", "dashboard"]
