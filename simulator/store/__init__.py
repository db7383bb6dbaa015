"""SQLite state shared by every worker process: the database and its repositories."""

from simulator.store.database import Database

__all__ = ["Database"]
