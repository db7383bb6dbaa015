"""The admin side of the simulator: the JSON API under /__admin and the dashboard page."""

from spotler_sim.admin.api import build_blueprint
from spotler_sim.admin.dashboard import dashboard

__all__ = ["build_blueprint", "dashboard"]
