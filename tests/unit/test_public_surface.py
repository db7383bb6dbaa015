"""The test kit's public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import subprocess
import sys

import spotler_sim.testing


def test_the_test_kit_exports_exactly_these_names() -> None:
    assert spotler_sim.testing.__all__ == [
        "AdminClient",
        "AdminError",
        "ContractViolation",
        "OAuth1Auth",
        "Server",
        "check_exchange",
        "check_request",
        "check_response",
        "serving",
        "sign",
    ]
    for name in spotler_sim.testing.__all__:
        assert getattr(spotler_sim.testing, name).__module__.startswith("spotler_sim.testing.")


def test_the_test_kit_and_the_cli_import_without_pytest() -> None:
    """A runtime-only install has no pytest: only the plugin module may need it."""
    code = (
        "import sys; sys.modules['pytest'] = None; sys.modules['schemathesis'] = None\n"
        "import spotler_sim.testing, spotler_sim.cli, spotler_sim.app, spotler_connector.cli\n"
        "assert 'pytest' not in [m for m, v in sys.modules.items() if v is not None]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
