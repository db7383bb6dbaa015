"""What integrators import to test a connector against spotler-sim.

The pytest fixtures (``spotler_sim``, ``spotler_contract``) arrive through the pytest11 entry point
of :mod:`spotler_sim.testing.pytest_plugin`; everything else a test or a script needs is named
here. This list is the public surface: a test pins it, so a change to it is a deliberate one.
"""

from spotler_sim.testing.admin_client import AdminClient, AdminError
from spotler_sim.testing.contract_check import (
    ContractViolation,
    check_exchange,
    check_request,
    check_response,
)
from spotler_sim.testing.server import Server, serving
from spotler_sim.testing.signing import OAuth1Auth, sign

__all__ = [
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
