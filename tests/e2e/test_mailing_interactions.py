"""The account's mailing interactions (sent, opened, clicked, bounced) by time window and trend
report, and the trend reports themselves, over HTTP with every answer checked against the
contract. They list the same recorded interactions as the per-mailing reports."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.simulator import Sim

NOVEMBER = "demo-mailing-1"
PREVIEW = "bWFpbC1ibGFjay1mcmlkYXk"
SMS = "bWFpbC1vcmRlci1zaGlwcGVk"
WINTER = "bWFpbC13aW50ZXItc2FsZQ"
NOW = "2026-11-23T12:00:00Z"
KINDS = {"sent": "recipients", "opened": "opens", "clicked": "clicks", "bounced": "bounces"}


@pytest.fixture(autouse=True)
def _frozen(sim: Sim) -> None:
    sim.freeze(NOW)


def listed(sim: Sim, kind: str, **params: Any) -> list[dict[str, Any]]:
    """Every interaction of a kind, read page by page."""
    found: list[dict[str, Any]] = []
    params = {"pageSize": 3, **params}
    while True:
        page = sim.get(f"/mailing-interaction/{kind}", **params)
        found += page["interactions"]
        if "next" not in page["paging"]:
            return found
        params["after"] = page["paging"]["after"]


def per_mailing(sim: Sim, mailing: str, kind: str) -> list[tuple[str | None, str]]:
    key = KINDS[kind]
    date = {"sent": None, "opened": "openDate", "clicked": "clickDate", "bounced": "bounceDate"}
    rows = sim.get(f"/mailing/{mailing}/{key}", pageSize=1000)[key]
    return [(r["contactIdentifier"]["externalId"], r.get(date[kind] or "", "")) for r in rows]


def test_sent_lists_each_send_with_its_mailing(sim: Sim) -> None:
    sent = listed(sim, "sent")
    assert [(s["encryptedMailingId"], s["externalContactId"]) for s in sent] == [
        (NOVEMBER, "1001"),
        (NOVEMBER, "1002"),
        (NOVEMBER, "1003"),
        (NOVEMBER, None),  # Dirk has only a CRM ID
        (NOVEMBER, "1005"),
        (SMS, None),
        (PREVIEW, "1001"),
        (PREVIEW, "1002"),
        (PREVIEW, "1003"),
    ]
    first = sent[0]
    assert first["name"] == "November newsletter" and first["trendReportId"] == 1
    assert first["subject"] == "New in November: the winter collection"
    assert first["onlineVersionLink"] == "https://mailings.demo-webshop.example/demo-mailing-1"
    assert first["date"] == first["changeDate"] == "2026-11-03T08:00:00.000Z"
    assert "onlineVersionLink" not in sent[5]  # the SMS has no online version
    assert len({s["id"] for s in sent}) == len(sent)


def test_opened_clicked_and_bounced(sim: Sim) -> None:
    assert len(listed(sim, "opened")) == 8
    clicks = listed(sim, "clicked")
    assert [(c["encryptedMailingId"], c["externalContactId"]) for c in clicks] == [
        (NOVEMBER, "1001"),
        (NOVEMBER, "1001"),
        (NOVEMBER, None),
        (PREVIEW, "1001"),
        (PREVIEW, "1003"),
    ]
    [bounce] = listed(sim, "bounced")
    assert (bounce["externalContactId"], bounce["bounceType"]) == ("1005", "HARD")
    assert bounce["date"] == "2026-11-03T08:00:41.000Z"
    with sim.client("crm") as api:
        crm = api.get("/mailing-interaction/clicked").json()["interactions"]
    assert [c["externalContactId"] for c in crm] == [
        "CRM-501",
        "CRM-501",
        "CRM-777",
        "CRM-501",
        None,
    ]


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_list_agrees_with_the_per_mailing_reports(sim: Sim, kind: str) -> None:
    everything = listed(sim, kind)
    for mailing in (NOVEMBER, PREVIEW, SMS, WINTER):
        mine = [
            (i["externalContactId"], "" if kind == "sent" else i["date"])
            for i in everything
            if i["encryptedMailingId"] == mailing
        ]
        assert mine == per_mailing(sim, mailing, kind)


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"fromDate": "2026-11-20", "toDate": "2026-11-21"}, 4),
        ({"fromDate": "2026-11-21"}, 2),
        ({"toDate": "2026-11-03"}, 2),
        ({"toDate": "2026-11-03T12:05:44"}, 2),  # inclusive, Amsterdam time
        ({"toDate": "2026-11-03T12:05:43"}, 1),
        ({"fromChangeDate": "2026-11-20", "toChangeDate": "2026-11-21"}, 4),
        ({"fromDate": "2026-11-04", "toChangeDate": "2026-11-20T12:00:00Z"}, 3),
        ({"fromDate": "2026-12-01"}, 0),
    ],
)
def test_windows_of_date_and_change_date_narrow_the_list(
    sim: Sim, params: dict[str, str], count: int
) -> None:
    assert len(listed(sim, "opened", **params)) == count


@pytest.mark.parametrize(
    ("reports", "mailings"),
    [
        ("1", {NOVEMBER, PREVIEW}),
        ("2", {SMS}),
        ("1,2", {NOVEMBER, PREVIEW, SMS}),
        ("99", set()),
        ("1,99999999999999999999", {NOVEMBER, PREVIEW}),  # past int32: no report has it
    ],
)
def test_trend_reports_narrow_the_list(sim: Sim, reports: str, mailings: set[str]) -> None:
    sent = listed(sim, "sent", trendReportIds=reports)
    assert {s["encryptedMailingId"] for s in sent} == mailings
    assert all(str(s["trendReportId"]) in reports.split(",") for s in sent)


def test_what_lies_in_the_future_is_not_listed_yet(sim: Sim) -> None:
    with sim.admin() as admin:
        body = {
            "account": "demo",
            "contacts": ["1002"],
            "at": "2026-11-23T13:00:00Z",
            "rates": {"open": 1},
        }
        assert admin.post(f"/mailings/{WINTER}/send", json=body).status_code == 200
    assert len(listed(sim, "sent")) == 9
    sim.advance(3600)
    assert listed(sim, "sent")[-1]["encryptedMailingId"] == WINTER
    assert len(listed(sim, "opened")) == 8
    sim.advance(8 * 24 * 3600)
    assert listed(sim, "opened")[-1]["encryptedMailingId"] == WINTER


def test_campaign_mailings_are_not_among_them(sim: Sim) -> None:
    with sim.client() as api:
        body = {"externalContactId": "1001"}
        assert api.post("/campaign/trigger/dHJpZ2dlci1jYXJ0", json=body).status_code == 204
    assert {s["encryptedMailingId"] for s in listed(sim, "sent")} == {NOVEMBER, PREVIEW, SMS}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(
    ("params", "hint"),
    [
        ({"fromDate": "2026-11-31"}, "fromDate"),
        ({"fromDate": "2026-11-21", "toDate": "2026-11-20"}, "swap"),
        ({"fromChangeDate": "2026-11-21", "toChangeDate": "2026-11-20"}, "swap"),
        ({"trendReportIds": "1;2"}, "trendReportIds"),
        ({"pageSize": "0"}, "pageSize"),
    ],
)
def test_bad_windows_and_filters_are_refused(
    sim: Sim, kind: str, params: dict[str, str], hint: str
) -> None:
    with sim.client() as api:
        response = api.get(f"/mailing-interaction/{kind}", params=params)
    assert response.status_code == 400 and response.json()["errorType"] == "INVALID_PARAMS"
    assert hint in response.json()["message"]


# ---- trend reports ---------------------------------------------------------------------------


def test_trend_reports_with_their_mailing_counts(sim: Sim) -> None:
    page = sim.get("/trend-report")
    assert [
        (r["id"], r["name"], r["enabled"], r["mailingCount"]) for r in page["trendReports"]
    ] == [
        (1, "Newsletters", True, 3),
        (2, "Service messages", False, 1),
    ]
    first = page["trendReports"][0]
    assert (first["target"], first["contentType"], first["author"]) == (
        "B2C",
        "MARKETING",
        "Marketing",
    )
    assert first["createDate"] == "2026-01-05T09:00:00.000Z"
    assert [r["id"] for r in sim.get("/trend-report", enabled="true")["trendReports"]] == [1]
    assert [r["id"] for r in sim.get("/trend-report", enabled="false")["trendReports"]] == [2]
    one = sim.get("/trend-report", pageSize=1)
    assert len(one["trendReports"]) == 1 and one["paging"]["after"] == 1 and "next" in one["paging"]
    assert sim.get("/trend-report", after=1)["trendReports"][0]["id"] == 2
    with sim.client("shared-webshop") as api:
        assert api.get("/trend-report").json()["trendReports"] == []


@pytest.mark.parametrize(
    ("name", "value"), [("enabled", "maybe"), ("after", "-1"), ("pageSize", "10001")]
)
def test_bad_trend_report_parameters_are_refused(sim: Sim, name: str, value: str) -> None:
    with sim.client() as api:
        response = api.get("/trend-report", params={name: value})
    assert response.status_code == 400 and response.json()["errorType"] == "INVALID_PARAMS"
    assert name in response.json()["message"]


# ---- XML -------------------------------------------------------------------------------------

SPRING = "bWFpbC1zcHJpbmc"
EVERY_REPORT = [
    ("/mailing", {"fromDate": "2026-11-01", "toDate": "2026-11-30"}),
    *((f"/mailing/{NOVEMBER}{r}", {}) for r in ("", "/statistics", "/recipients", "/opens")),
    *((f"/mailing/{NOVEMBER}{r}", {}) for r in ("/clicks", "/bounces", "/opens/1001")),
    (f"/mailing/{NOVEMBER}/clicks/1001", {}),
    ("/contact/1001/mailings", {}),
    ("/contact/1003/campaign-mailings", {}),
    *((f"/campaign-mailing/{SPRING}{r}", {}) for r in ("", "/recipients", "/opens", "/clicks")),
    *((f"/campaign-mailing/{SPRING}{r}", {}) for r in ("/bounces", "/opens/1", "/clicks/1")),
    *((f"/mailing-interaction/{kind}", {}) for kind in KINDS),
    ("/trend-report", {}),
]


@pytest.mark.parametrize(("path", "params"), EVERY_REPORT)
def test_every_report_answers_xml_to_a_client_that_asks(
    sim: Sim, path: str, params: dict[str, str]
) -> None:
    with sim.client() as api:  # the contract check reads the XML back through the schema
        response = api.get(path, params=params, headers={"Accept": "application/xml"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/xml"
    assert len(EVERY_REPORT) == 23
