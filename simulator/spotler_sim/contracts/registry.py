"""Handlers registered under the operationIds of a contract, checked complete at start-up.

The Spotler API (``api/``) and the admin API (``admin/api.py``) both route this way: a handler
names its operation with ``@registry.operation("getContact")``; naming an operation the contract
does not have fails at import, and ``routes()`` fails start-up while an operation of the
contract has no handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from spotler_sim import contracts
from spotler_sim.contracts import Operation

H = TypeVar("H", bound=Callable[..., object])


class Registry(Generic[H]):
    def __init__(self, document: str, where: str) -> None:
        self.document = document  # contracts.API or contracts.ADMIN
        self.where = where  # where a missing handler goes, for the start-up message
        self.handlers: dict[str, H] = {}

    def operation(self, operation_id: str) -> Callable[[H], H]:
        """Register a handler for an operation of the contract."""

        def register(handler: H) -> H:
            if operation_id not in contracts.operations(self.document):
                raise KeyError(
                    f"{operation_id} is not an operation of contracts/{self.document}.yaml"
                )
            self.handlers[operation_id] = handler
            return handler

        return register

    def routes(self) -> Iterator[tuple[Operation, H]]:
        """Every operation of the contract with its handler; start-up fails on a missing one."""
        operations = contracts.operations(self.document)
        missing = sorted(set(operations) - set(self.handlers))
        if missing:
            raise RuntimeError(
                f"operations of contracts/{self.document}.yaml without a handler: "
                f"{', '.join(missing)}; add an @operation handler for each in {self.where}"
            )
        for operation_id, op in operations.items():
            yield op, self.handlers[operation_id]
