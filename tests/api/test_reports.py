"""The report operations (``api/reports.py``) over HTTP, every answer checked against the contract.

The campaign-mailing reports: the demo's spring-sale passages, and what a trigger records as each
mailing of the campaign is sent (and a stop takes back), shown in the recipients, opens, clicks and
bounces, per subscription, in the contact's campaign-mailing history and in /contact/bounces/list.

The account's mailing interactions (sent, opened, clicked, bounced) by time window and trend
report, and the trend reports themselves. They list the same recorded interactions as the
per-mailing reports."""

from __future__ import annotations

from typing import Any

import pytest

from spotler_sim.domain.timewindows import iso_utc
from tests.plugins.simulator import Sim

SPRING = "bWFpbC1zcHJpbmc"  # sent to subscriptions 1 (1003) and 2 (CRM-777) in March
CART_1 = "bWFpbC1jYXJ0LTE"  # sent as a contact enters the cart campaign
CART_2 = "bWFpbC1jYXJ0LTI"  # a day later
CART = "MjAyNi1jYXJ0"
CART_TRIGGER = "dHJpZ2dlci1jYXJ0"
NOVEMBER = "demo-mailing-1"  # a regular mailing
PREVIEW = "bWFpbC1ibGFjay1mcmlkYXk"
SMS = "bWFpbC1vcmRlci1zaGlwcGVk"
WINTER = "bWFpbC13aW50ZXItc2FsZQ"
NOW = "2026-11-23T12:00:00Z"
DAY = 24 * 3600
KINDS = {"sent": "recipients", "opened": "opens", "clicked": "clicks", "bounced": "bounces"}


@pytest.fixture(autouse=True)
def _frozen(sim: Sim) -> None:
    sim.freeze(NOW)


def trigger(sim: Sim, external_id: str = "1001") -> None:
    with sim.client() as api:
        response = api.post(
            f"/campaign/trigger/{CART_TRIGGER}", json={"externalContactId": external_id}
        )
    assert response.status_code == 204, response.text


def rows(sim: Sim, mailing: str, report: str, key: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sim.get(f"/campaign-mailing/{mailing}/{report}", **params)[key]
    return found


def with_rates(sim: Sim, **rates: float) -> None:
    """Give both cart mailings these outcome rates (a snapshot loaded back)."""
    fixture = sim.snapshot()
    for mailing in fixture["campaigns"][0]["mailings"]:
        mailing["rates"] = rates
    with sim.admin() as admin:
        assert admin.post("/snapshot", json={"accounts": [fixture]}).status_code == 204


# ---- the demo's spring sale ------------------------------------------------------------------


def test_details_show_the_message_and_links(sim: Sim) -> None:
    assert sim.get(f"/campaign-mailing/{SPRING}") == {
        "encryptedId": SPRING,
        "name": "The spring sale starts today",
        "type": "EMAIL",
        "message": {
            "name": "The spring sale starts today",
            "author": "Marketing",
            "subject": "Spring sale: up to 40% off",
            "fromName": "Demo Webshop",
            "fromEmail": "news@demo-webshop.example",
        },
        "links": [
            {
                "id": 1,
                "name": "Spring sale",
                "url": "https://demo-webshop.example/spring-sale",
                "code": "spring",
                "type": "webshop",
            },
            {
                "id": 2,
                "name": "Unsubscribe",
                "url": "https://demo-webshop.example/unsubscribe",
                "type": "unsubscribe",
            },
        ],
    }


def test_recipients_opens_and_clicks_name_the_subscription(sim: Sim) -> None:
    recipients = rows(sim, SPRING, "recipients", "recipients")
    assert [
        (r["campaignSubscriptionId"], r["contactIdentifier"].get("externalId")) for r in recipients
    ] == [
        (1, "1003"),
        (2, None),  # Dirk has only a CRM ID
    ]
    assert recipients[0]["sendDate"] == "2026-03-20T09:00:00.000Z"
    opens = rows(sim, SPRING, "opens", "opens")
    assert [(o["campaignSubscriptionId"], o["openDate"]) for o in opens] == [
        (1, "2026-03-20T09:31:00.000Z"),
        (2, "2026-03-22T18:02:00.000Z"),
    ]
    [click] = rows(sim, SPRING, "clicks", "clicks")
    assert (click["campaignSubscriptionId"], click["linkId"]) == (1, 1)
    assert rows(sim, SPRING, "bounces", "bounces") == []
    with sim.client("crm") as api:
        crm = api.get(f"/campaign-mailing/{SPRING}/recipients").json()["recipients"]
    assert [r["contactIdentifier"].get("externalId") for r in crm] == [None, "CRM-777"]


def test_a_window_narrows_each_list(sim: Sim) -> None:
    day_two = {"fromDate": "2026-03-21", "toDate": "2026-03-22"}
    assert [
        r["campaignSubscriptionId"]
        for r in rows(sim, SPRING, "recipients", "recipients", **day_two)
    ] == [2]
    assert [
        o["campaignSubscriptionId"] for o in rows(sim, SPRING, "opens", "opens", **day_two)
    ] == [2]
    assert rows(sim, SPRING, "clicks", "clicks", **day_two) == []
    assert rows(sim, SPRING, "opens", "opens", toDate="2026-03-20T10:31:00") != []  # inclusive
    assert rows(sim, SPRING, "opens", "opens", toDate="2026-03-20T10:30:59") == []
    assert len(rows(sim, SPRING, "opens", "opens", fromDate="2026-03-20T10:31:00+01:00")) == 2
    page = sim.get(f"/campaign-mailing/{SPRING}/recipients", pageSize=1)
    assert page["paging"]["after"] == 1 and "after=1" in page["paging"]["next"]


def test_one_subscriptions_opens_and_clicks(sim: Sim) -> None:
    assert sim.get(f"/campaign-mailing/{SPRING}/opens/1")["opens"] == [
        {"openDate": "2026-03-20T09:31:00.000Z"}
    ]
    assert sim.get(f"/campaign-mailing/{SPRING}/clicks/1")["clicks"] == [
        {"clickDate": "2026-03-20T09:32:15.000Z", "linkId": 1}
    ]
    assert sim.get(f"/campaign-mailing/{SPRING}/clicks/2")["clicks"] == []
    assert sim.get(f"/campaign-mailing/{SPRING}/opens/2", toDate="2026-03-21")["opens"] == []


REPORTS = ["", "/recipients", "/opens", "/clicks", "/bounces", "/opens/1", "/clicks/1"]


@pytest.mark.parametrize("report", REPORTS)
def test_an_unknown_campaign_mailing_is_a_404(sim: Sim, report: str) -> None:
    message = sim.refused(f"/campaign-mailing/nope{report}", 404, "MAILING_NOTFOUND")
    assert "GET /campaign/{encryptedCampaignId}/mailing" in message


@pytest.mark.parametrize("report", REPORTS)
def test_a_regular_mailing_is_the_wrong_type_here(sim: Sim, report: str) -> None:
    message = sim.refused(f"/campaign-mailing/{NOVEMBER}{report}", 400, "INVALID_MAILING")
    assert f"/mailing/{NOVEMBER}" in message


@pytest.mark.parametrize("kind", ["opens", "clicks"])
def test_a_subscription_the_mailing_was_not_sent_in_is_a_400(sim: Sim, kind: str) -> None:
    assert "Contact not found" in sim.refused(
        f"/campaign-mailing/{SPRING}/{kind}/99", 400, "CONTACT_NOT_FOUND"
    )
    trigger(sim)  # subscription 3 is a passage through the cart campaign, not the spring sale
    sim.refused(f"/campaign-mailing/{SPRING}/{kind}/3", 400, "CONTACT_NOT_FOUND")
    assert "campaignSubscriptionId" in sim.refused(
        f"/campaign-mailing/{SPRING}/{kind}/0", 400, "INVALID_PARAMS"
    )


@pytest.mark.parametrize("report", REPORTS[1:])
@pytest.mark.parametrize(
    ("params", "hint"),
    [
        ({"fromDate": "2026-03-22", "toDate": "2026-03-20"}, "swap"),
        ({"fromDate": "2026-02-30"}, "fromDate"),
        ({"toDate": "soon"}, "toDate"),
        ({"pageSize": "0"}, "pageSize"),
        ({"after": "-1"}, "after"),
    ],
)
def test_bad_windows_and_paging_are_refused(
    sim: Sim, report: str, params: dict[str, str], hint: str
) -> None:
    assert hint in sim.refused(
        f"/campaign-mailing/{SPRING}{report}", 400, "INVALID_PARAMS", **params
    )


# ---- what triggers record --------------------------------------------------------------------


def test_a_trigger_sends_each_mailing_after_its_delay(sim: Sim) -> None:
    trigger(sim)
    [first] = rows(sim, CART_1, "recipients", "recipients")
    assert (first["campaignSubscriptionId"], first["contactIdentifier"].get("externalId")) == (
        3,
        "1001",
    )
    assert first["sendDate"] == "2026-11-23T12:00:00.000Z"
    assert rows(sim, CART_2, "recipients", "recipients") == []
    sim.advance(DAY - 1)
    assert rows(sim, CART_2, "recipients", "recipients") == []
    sim.advance(1)
    [second] = rows(sim, CART_2, "recipients", "recipients")
    assert second["sendDate"] == "2026-11-24T12:00:00.000Z"


def test_opens_and_clicks_follow_later_and_agree_with_the_history(sim: Sim) -> None:
    with_rates(sim, open=1, click=1)
    for contact in ("1001", "1002", "1003"):
        trigger(sim, contact)
    assert rows(sim, CART_1, "opens", "opens") == [] and rows(sim, CART_1, "clicks", "clicks") == []
    history = sim.get("/contact/1002/campaign-mailings")["campaignMailingHistories"]
    assert [(h["opened"], h["clicked"]) for h in history] == [(False, False)]
    sim.advance(20 * DAY)
    for mailing in (CART_1, CART_2):
        opens = rows(sim, mailing, "opens", "opens")
        clicks = rows(sim, mailing, "clicks", "clicks")
        assert {o["campaignSubscriptionId"] for o in opens} == {3, 4, 5}
        assert {c["campaignSubscriptionId"] for c in clicks} == {3, 4, 5}
        assert all(c["linkId"] == 1 for c in clicks)  # never the unsubscribe link
        for number in (3, 4, 5):
            mine = sim.get(f"/campaign-mailing/{mailing}/opens/{number}")["opens"]
            assert [o["openDate"] for o in mine] == [
                o["openDate"] for o in opens if o["campaignSubscriptionId"] == number
            ]
    history = sim.get("/contact/1002/campaign-mailings")["campaignMailingHistories"]
    assert [(h["campaignMailing"]["encryptedId"], h["opened"], h["clicked"]) for h in history] == [
        (CART_1, True, True),
        (CART_2, True, True),
    ]


def test_a_passage_is_recorded_once_and_survives_a_snapshot(sim: Sim) -> None:
    with_rates(sim, softBounce=0.2, open=0.8, click=0.4)
    for contact in ("1001", "1002", "1003"):
        trigger(sim, contact)
    sim.advance(20 * DAY)
    reports = ["recipients", "opens", "clicks", "bounces"]
    first = [rows(sim, m, r, r) for m in (CART_1, CART_2) for r in reports]
    assert first == [rows(sim, m, r, r) for m in (CART_1, CART_2) for r in reports]
    snapshot = sim.snapshot()
    with sim.admin() as admin:
        assert admin.post("/snapshot", json={"accounts": [snapshot]}).status_code == 204
    assert sim.snapshot() == snapshot
    assert [rows(sim, m, r, r) for m in (CART_1, CART_2) for r in reports] == first


def test_a_stop_takes_back_the_mailings_it_cuts_off_and_their_bounces(sim: Sim) -> None:
    with_rates(sim, hardBounce=1)
    trigger(sim)
    with sim.client() as api:
        response = api.post(f"/campaign/{CART}/stop", json={"externalContactId": "1001"})
    assert response.status_code == 204
    assert sim.table(f"SELECT count(*) FROM interactions WHERE mailing = '{CART_2}'") == [(0,)]
    assert sim.table(f"SELECT count(*) FROM bounces WHERE mailing = '{CART_2}'") == [(0,)]
    sim.advance(2 * DAY)
    assert rows(sim, CART_2, "recipients", "recipients") == []
    [bounce] = rows(sim, CART_1, "bounces", "bounces")  # the first mailing was sent, and bounced
    assert (bounce["campaignSubscriptionId"], bounce["type"]) == (3, "HARDBOUNCE")
    [listed] = sim.get("/contact/bounces/list", fromDate="2026-11-23", toDate="2026-11-25")[
        "bounces"
    ]
    assert (listed["encryptedActId"], listed["contact"]["externalId"]) == (CART_1, "1001")
    [row] = sim.get("/contact/1001/campaign-mailings")["campaignMailingHistories"]
    assert (row["bounce"], row["opened"]) == ("HARDBOUNCE", False)


def test_a_campaign_bounce_reaches_the_bounces_list_after_the_lag(sim: Sim) -> None:
    with_rates(sim, softBounce=1)
    with sim.admin() as admin:
        admin.patch("/accounts/demo", json={"visibilityLag": {"mode": "fixed", "seconds": 900}})
    trigger(sim, "1002")
    [(at_ms,)] = sim.table(
        f"SELECT at_ms FROM interactions WHERE kind = 'bounce' AND mailing = '{CART_1}'"
    )
    window = {"fromDate": "2026-11-23", "toDate": "2026-11-23"}
    with sim.admin() as admin:
        admin.put("/clock", json={"frozenAt": iso_utc(at_ms)})
    assert len(rows(sim, CART_1, "bounces", "bounces")) == 1
    assert sim.get("/contact/bounces/list", **window)["bounces"] == []
    sim.advance(900)
    [listed] = sim.get("/contact/bounces/list", **window)["bounces"]
    assert (listed["type"], listed["date"], listed["encryptedActId"]) == (
        "SOFTBOUNCE",
        at_ms,
        CART_1,
    )


def test_the_cart_mailings_content_is_seeded(sim: Sim) -> None:
    found = sim.get(f"/campaign-mailing/{CART_2}")
    assert found["message"]["subject"] == "Your cart expires tonight: 10% off"
    assert [link["type"] for link in found["links"]] == ["conversion", "unsubscribe"]
    with sim.client("shared-webshop") as api:
        assert api.get(f"/campaign-mailing/{CART_2}").status_code == 404


# ---- mailing interactions ----------------------------------------------------------------------


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
    return [(r["contactIdentifier"].get("externalId"), r.get(date[kind] or "", "")) for r in rows]


def test_sent_lists_each_send_with_its_mailing(sim: Sim) -> None:
    sent = listed(sim, "sent")
    assert [(s["encryptedMailingId"], s.get("externalContactId")) for s in sent] == [
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
    assert [(c["encryptedMailingId"], c.get("externalContactId")) for c in clicks] == [
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
    assert [c.get("externalContactId") for c in crm] == [
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
            (i.get("externalContactId"), "" if kind == "sent" else i["date"])
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
