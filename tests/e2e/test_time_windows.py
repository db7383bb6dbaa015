"""The updates and bounces lists: windows, date forms, paging, visibility lag and list shape."""

from __future__ import annotations

import pytest

from tests.plugins.simulator import Sim

FROZEN = "2026-11-02T12:00:00Z"  # 13:00 in Amsterdam (CET)
FROZEN_MS = 1793620800000


def freeze(sim: Sim, at: str = FROZEN) -> None:
    with sim.admin() as admin:
        assert admin.put("/clock", json={"frozenAt": at}).status_code == 200


def write(api, external_id: str, **properties: object) -> None:  # type: ignore[no-untyped-def]
    body = {"update": True, "contact": {"externalId": external_id, "properties": properties}}
    assert api.post("/contact", json=body).status_code == 204


def updated_ids(api, **params: object) -> list[str | None]:  # type: ignore[no-untyped-def]
    params.setdefault("pageSize", 1000)
    return [
        c["externalId"] for c in api.get("/contact/updates/list", params=params).json()["contacts"]
    ]


@pytest.mark.parametrize(
    ("from_date", "to_date"),
    [
        ("2026-11-02T12:59:00", "2026-11-02T13:01:00"),  # no zone: Amsterdam local time
        ("2026-11-02T11:59:00Z", "2026-11-02T12:01:00Z"),
        ("2026-11-02T13:59:00+02:00", "2026-11-02T14:01:00+02:00"),
        ("2026-11-02T13:59:00+0200", "2026-11-02T14:01:00+0200"),
        ("2026-11-02T12:59:59.123+01:00", "2026-11-02T13:00:00.000000001+01:00"),
        ("2026-11-02", "2026-11-02"),  # date only: the whole day
    ],
)
def test_every_date_form_real_clients_send_finds_the_change(
    sim: Sim, from_date: str, to_date: str
) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7001", email="w@example.com")
        assert updated_ids(api, fromDate=from_date, toDate=to_date) == ["7001"]


def test_an_unencoded_plus_in_the_offset_is_read_as_plus(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7002", email="p@example.com")
        query = "fromDate=2026-11-02T13:59:00+02:00&toDate=2026-11-02T14:01:00+02:00"
        assert [
            c["externalId"] for c in api.get(f"/contact/updates/list?{query}").json()["contacts"]
        ] == ["7002"]


def test_the_window_is_on_the_change_time_and_both_bounds_are_inclusive(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7003", email="a@example.com")
        sim.advance(60)
        write(api, "7004", email="b@example.com")
        assert updated_ids(api, fromDate="2026-11-02T12:00:00Z", toDate="2026-11-02T12:00:00Z") == [
            "7003"
        ]
        assert updated_ids(api, fromDate="2026-11-02T12:01:00Z", toDate="2026-11-02T12:05:00Z") == [
            "7004"
        ]
        assert updated_ids(api, fromDate="2026-11-02T12:00:00Z", toDate="2026-11-02T12:01:00Z") == [
            "7003",
            "7004",
        ]


def test_paging_walks_every_change_once_with_next_and_after(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        for i in range(23):
            write(api, f"8{i:03d}", email=f"p{i}@example.com")
        seen: list[str] = []
        params = {
            "fromDate": "2026-11-02T12:00:00Z",
            "toDate": "2026-11-02T12:00:00Z",
            "pageSize": 5,
        }
        page = api.get("/contact/updates/list", params=params).json()
        while True:
            seen += [c["externalId"] for c in page["contacts"]]
            assert page["paging"]["after"] == len(seen)
            if "next" not in page["paging"]:
                break
            page = api.get(page["paging"]["next"]).json()
    assert seen == [f"8{i:03d}" for i in range(23)]


def test_lastchanged_and_created_are_epoch_milliseconds_of_the_simulated_clock(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7005", email="t@example.com")
        body = api.get("/contact/7005").json()
    assert body["created"] == FROZEN_MS and body["lastChanged"] == FROZEN_MS


def test_a_change_is_listed_only_once_the_lag_has_passed(sim: Sim) -> None:
    freeze(sim)
    with sim.admin() as admin:
        assert (
            admin.patch(
                "/accounts/demo", json={"visibilityLag": {"mode": "fixed", "seconds": 300}}
            ).status_code
            == 200
        )
    window = {"fromDate": "2026-11-02T12:00:00Z", "toDate": "2026-11-02T12:30:00Z"}
    with sim.client() as api:
        write(api, "7006", email="lag@example.com")
        assert api.get("/contact/7006").status_code == 200  # direct reads see it at once
        assert updated_ids(api, **window) == []
        sim.advance(299)
        assert updated_ids(api, **window) == []
        sim.advance(1)
        assert updated_ids(api, **window) == ["7006"]


def test_an_account_can_answer_the_bare_array_older_clients_read(sim: Sim) -> None:
    freeze(sim)
    with sim.admin() as admin:
        admin.patch("/accounts/demo", json={"listShape": "array"})
    with sim.client() as api:
        write(api, "7007", email="arr@example.com")
        body = api.get(
            "/contact/updates/list", params={"fromDate": "2026-11-02", "toDate": "2026-11-02"}
        ).json()
        bounces = api.get(
            "/contact/bounces/list", params={"fromDate": "2000-01-01", "toDate": "2100-01-01"}
        ).json()
    assert isinstance(body, list) and body[0]["externalId"] == "7007"
    assert isinstance(bounces, list)


def test_bounces_list_shows_recorded_bounces_after_the_lag(sim: Sim) -> None:
    freeze(sim)
    window = {"fromDate": "2026-11-02T11:00:00Z", "toDate": "2026-11-02T13:00:00Z", "pageSize": 10}
    with sim.admin() as admin:
        admin.patch("/accounts/demo", json={"visibilityLag": {"mode": "fixed", "seconds": 60}})
        bounce = {
            "idField": "externalCustomerId",
            "externalId": "1003",
            "type": "SOFTBOUNCE",
            "date": "2026-11-02T12:00:00Z",
            "mailing": "m-1",
        }
        assert admin.post("/accounts/demo/bounces", json=bounce).status_code == 204
    with sim.client() as api:
        assert api.get("/contact/bounces/list", params=window).json()["bounces"] == []
        sim.advance(60)
        listed = api.get("/contact/bounces/list", params=window).json()["bounces"]
    assert [(b["type"], b["contact"]["externalId"], b["encryptedActId"]) for b in listed] == [
        ("SOFTBOUNCE", "1003", "m-1")
    ]
    assert listed[0]["date"] == FROZEN_MS


def test_the_fixture_bounce_is_listed(sim: Sim) -> None:
    with sim.client() as api:
        page = api.get(
            "/contact/bounces/list", params={"fromDate": "2000-01-01", "toDate": "2100-01-01"}
        ).json()
    assert [(b["type"], b["contact"]["externalId"]) for b in page["bounces"]] == [
        ("HARDBOUNCE", "1005")
    ]


@pytest.mark.parametrize("path", ["/contact/updates/list", "/contact/bounces/list"])
@pytest.mark.parametrize(
    ("from_date", "to_date"),
    [
        ("2026-11-01", "9999-12-31"),  # "no end": the day after 9999-12-31 does not exist
        ("0001-01-01T00:00:00+14:00", "2026-11-03"),  # before year 1 in UTC
        ("2026-11-01", "9999-12-31T23:59:59-14:00"),  # after year 9999 in UTC
        ("0001-01-01", "9999-12-31T23:59:59.999999999Z"),
    ],
)
def test_bounds_at_the_ends_of_the_calendar_mean_no_bound(
    sim: Sim, path: str, from_date: str, to_date: str
) -> None:
    # schemathesis found these answering 500: converting them to UTC left the datetime range.
    freeze(sim)
    with sim.client() as api:
        write(api, "7006", email="far@example.com")
        sim.advance(600)  # past any visibility lag of the demo account
        answer = api.get(path, params={"fromDate": from_date, "toDate": to_date})
        assert answer.status_code == 200, answer.text
        if path == "/contact/updates/list":
            assert "7006" in [c["externalId"] for c in answer.json()["contacts"]]


@pytest.mark.parametrize("offset", ["+99:99", "+01:60", "-24:00"])
def test_an_impossible_offset_is_refused(sim: Sim, offset: str) -> None:
    with sim.client() as api:
        answer = api.get(
            "/contact/updates/list",
            params={"fromDate": f"2026-11-02T12:00:00{offset}", "toDate": "2026-11-03"},
        )
    assert answer.status_code == 400
    assert answer.json()["errorType"] == "INVALID_PARAMS"
    assert "fromDate" in answer.json()["message"] and "+02:00" in answer.json()["message"]
