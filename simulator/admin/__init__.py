"""The admin side of the simulator: the JSON API under /__admin and the dashboard page."""

from simulator.admin.api import admin
from simulator.admin.dashboard import dashboard

__all__ = ["admin", "dashboard"]
