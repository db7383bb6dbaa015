"""SQLite state shared by every worker process: the database and its repositories."""

from spotler_sim.store.database import Database

__all__ = ["Database"]
