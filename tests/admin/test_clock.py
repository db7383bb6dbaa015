"""The simulated clock through the admin API: frozen, offset, advanced, real; bad input refused."""

from __future__ import annotations

import time

from tests.plugins.simulator import Sim


def test_clock_freezes_offsets_advances_and_returns_to_real_time(sim: Sim) -> None:
    with sim.admin() as admin:
        frozen = admin.put("/clock", json={"frozenAt": "2030-01-01T00:00:00Z"}).json()
        assert frozen["mode"] == "frozen" and frozen["now"] == "2030-01-01T00:00:00.000Z"
        assert (
            admin.post("/clock/advance", json={"seconds": 90}).json()["now"]
            == "2030-01-01T00:01:30.000Z"
        )
        offset = admin.put("/clock", json={"offsetSeconds": -3600}).json()
        assert offset["mode"] == "offset"
        assert abs(offset["nowMs"] - (time.time() - 3600) * 1000) < 5000
        real = admin.put("/clock", json={"mode": "real"}).json()
        assert real["mode"] == "real" and abs(real["nowMs"] - time.time() * 1000) < 5000
        assert admin.get("/clock").json()["mode"] == "real"


def test_clock_refuses_bad_input_in_spotler_shape(sim: Sim) -> None:
    with sim.admin() as admin:
        for response in (
            admin.put("/clock", json={"frozenAt": "tomorrow"}),
            admin.put("/clock", json={}),
            admin.post("/clock/advance", json={"seconds": -5}),
        ):
            assert response.status_code == 400
            assert response.json()["errorType"] == "INVALID_PARAMS"
