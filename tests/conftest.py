"""Fixtures live in plugin modules under tests/plugins; this file only loads them."""

pytest_plugins = [
    "pytester",
    "tests.plugins.browser",
    "tests.plugins.coverage",
    "tests.plugins.hypothesis_profiles",
    "tests.plugins.outbox",
    "tests.plugins.simulator",
]
