"""Fixed paths win over templated ones, in the simulator and in the contract checker alike."""

from __future__ import annotations

import re

import pytest

from spotler_sim import contracts
from spotler_sim.app import create_app, routed_path
from spotler_sim.config import API_PREFIXES, Config
from spotler_sim.testing.contract_check import operation_for


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


@pytest.fixture(scope="module")
def router():  # type: ignore[no-untyped-def]
    return create_app(Config(db_path=":memory:")).url_map.bind("localhost")


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", "/product/search", "searchProducts"),
        ("GET", "/product/x1", "getProduct"),
        ("GET", "/form/list", "getForms"),
        ("GET", "/form/12", "getForm"),
        ("GET", "/contact/updates/list", "getUpdatedContactsJson"),
        ("GET", "/contact/bounces/list", "getBouncedContactsJson"),
        ("GET", "/contact/search", "searchContactsJson"),
        ("GET", "/contact/properties/list", "getContactProperties"),
        ("GET", "/contact/x1", "getContact"),
    ],
)
def test_the_named_fixed_paths_win(router, method: str, path: str, operation_id: str) -> None:  # type: ignore[no-untyped-def]
    for prefix in API_PREFIXES:
        endpoint, _ = router.match(routed_path(prefix + path), method=method)
        assert endpoint.rsplit(".", 1)[-1] == operation_id
    found = operation_for(method, API_PREFIXES[0] + path)
    assert found is not None and found[0].operation_id == operation_id


def test_every_operation_is_reached_by_its_own_path(router) -> None:  # type: ignore[no-untyped-def]
    for op in contracts.operations().values():
        endpoint, _ = router.match(API_PREFIXES[0] + concrete(op.path), method=op.method)
        assert endpoint.rsplit(".", 1)[-1] == op.operation_id, op.path
        found = operation_for(op.method, API_PREFIXES[0] + concrete(op.path))
        assert found is not None and found[0].operation_id == op.operation_id, op.path
