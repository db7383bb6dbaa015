"""spotler-sim: a local, stateful simulator of the Spotler (formerly MailPlus) REST API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spotler-sim")
except PackageNotFoundError:  # run from a tree that was never installed
    __version__ = "0+unknown"
