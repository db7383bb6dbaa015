"""Regular mailings over HTTP, signed like a real client, every answer checked against the
contract: the demo's seeded mailings and their outcomes, the admin action that sends one, and
what each report shows afterwards (statistics, recipients, opens, clicks, bounces, per contact,
the contact's mailing history, /contact/bounces/list through the visibility lag)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from spotler_sim.app import create_app
from spotler_sim.config import DEFAULT_FIXTURE, Config
from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.fixtures.load import load_fixture_file
from spotler_sim.state import State
from spotler_sim.store import Database
from tests.plugins.simulator import Sim

NOVEMBER = "demo-mailing-1"  # sent to five contacts: opens, clicks and a hard bounce
PREVIEW = "bWFpbC1ibGFjay1mcmlkYXk"  # Black Friday preview: three contacts
WINTER = "bWFpbC13aW50ZXItc2FsZQ"  # seeded, never sent: what the send action is for
SPRING = "bWFpbC1zcHJpbmc"  # a campaign mailing
NOW = "2026-11-23T12:00:00Z"
HOUR = 3600
DAY = 24 * HOUR


@pytest.fixture(autouse=True)
def _frozen(sim: Sim) -> None:
    sim.freeze(NOW)


def send(sim: Sim, mailing: str = WINTER, status: int = 200, **body: Any) -> dict[str, Any]:
    body.setdefault("account", "demo")
    with sim.admin() as admin:
        response = admin.post(f"/mailings/{mailing}/send", json=body)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def every(sim: Sim, path: str, key: str, page_size: int = 2) -> list[dict[str, Any]]:
    """Every row of a paged report, read through paging.after."""
    rows: list[dict[str, Any]] = []
    after = 0
    while True:
        page = sim.get(path, after=after, pageSize=page_size)
        rows += page[key]
        if "next" not in page["paging"]:
            return rows
        after = page["paging"]["after"]


def ids(rows: list[dict[str, Any]]) -> list[str | None]:
    return [r["contactIdentifier"].get("externalId") for r in rows]


# ---- the demo's mailings ---------------------------------------------------------------------


def test_the_mailings_of_a_window_oldest_first(sim: Sim) -> None:
    listed = sim.get("/mailing", fromDate="2026-11-01", toDate="2026-11-30")
    assert [(m["name"], m["type"], m["sentCount"]) for m in listed] == [
        ("November newsletter", "EMAIL", 5),
        ("Your order is on its way", "SMS", 1),
        ("Black Friday preview", "EMAIL", 3),
        ("Winter sale", "EMAIL", 0),
    ]
    assert listed[0]["scheduledStartDate"] == "2026-11-03T08:00:00.000Z"
    assert listed[0]["archiveLink"].endswith("/demo-mailing-1")
    only_the_third = sim.get("/mailing", fromDate="2026-11-03T09:00:00", toDate="2026-11-03")
    assert [m["encryptedId"] for m in only_the_third] == [NOVEMBER]
    assert sim.get("/mailing", fromDate="2026-01-01", toDate="2026-02-01") == []


def test_a_mailing_scheduled_later_is_listed_once_its_time_comes(sim: Sim) -> None:
    with sim.admin() as admin:
        admin.put("/clock", json={"frozenAt": "2026-11-21T12:00:00Z"})
    window = {"fromDate": "2026-11-01", "toDate": "2026-11-30"}
    assert WINTER not in [m["encryptedId"] for m in sim.get("/mailing", **window)]
    sim.advance(DAY)
    assert WINTER in [m["encryptedId"] for m in sim.get("/mailing", **window)]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"toDate": "2026-11-30"}, "fromDate"),
        ({"fromDate": "2026-11-01"}, "toDate"),
        ({"fromDate": "2026-13-01", "toDate": "2026-11-30"}, "fromDate"),
        ({"fromDate": "2026-11-30", "toDate": "2026-11-01"}, "swap"),
        ({"fromDate": "yesterday", "toDate": "2026-11-30"}, "fromDate"),
    ],
)
def test_the_window_of_the_mailing_list_is_required_and_read_strictly(
    sim: Sim, params: dict[str, str], names: str
) -> None:
    assert names in sim.refused("/mailing", 400, "INVALID_PARAMS", **params)


def test_details_show_the_sender_message_and_links(sim: Sim) -> None:
    found = sim.get(f"/mailing/{NOVEMBER}")
    assert found["sentCount"] == 5 and found["sender"] == "Demo Webshop"
    assert found["targetGroup"] == "Newsletter subscribers"
    assert found["message"] == {
        "name": "November newsletter",
        "author": "Marketing",
        "subject": "New in November: the winter collection",
        "fromName": "Demo Webshop",
        "fromEmail": "news@demo-webshop.example",
    }
    assert [(link["id"], link.get("type")) for link in found["links"]] == [
        (1, "webshop"),
        (2, None),
        (3, "conversion"),
        (4, "unsubscribe"),
    ]


def test_statistics_count_what_happened(sim: Sim) -> None:
    assert sim.get(f"/mailing/{NOVEMBER}/statistics") == {
        "sentCount": 5,
        "acceptedCount": 4,
        "openCount": 3,
        "openRenderedCount": 3,
        "clickCount": 2,
        "hardbounceCount": 1,
        "softbounceCount": 0,
        "notRetainedAfterBounceCount": 1,
        "conversionClickCount": 1,
        "unsubscribeCount": 0,
        "toWebshopCount": 1,
        "shoppingcartCreatedCount": 0,
        "shoppingcartConvertedCount": 0,
        "conversionValue": 0,
    }


def test_recipients_opens_clicks_and_bounces_page_in_time_order(sim: Sim) -> None:
    recipients = every(sim, f"/mailing/{NOVEMBER}/recipients", "recipients")
    assert ids(recipients) == ["1001", "1002", "1003", None, "1005"]  # Dirk has no webshop ID
    assert all(r["contactIdentifier"]["encryptedId"] for r in recipients)
    opens = every(sim, f"/mailing/{NOVEMBER}/opens", "opens")
    assert ids(opens) == ["1001", "1002", "1001", None]
    assert [o["openDate"] for o in opens] == sorted(o["openDate"] for o in opens)
    clicks = every(sim, f"/mailing/{NOVEMBER}/clicks", "clicks")
    assert [(c["contactIdentifier"].get("externalId"), c["linkId"]) for c in clicks] == [
        ("1001", 1),
        ("1001", 3),
        (None, 2),
    ]
    [bounce] = every(sim, f"/mailing/{NOVEMBER}/bounces", "bounces")
    assert (
        bounce["type"] == "HARDBOUNCE" and bounce["contactIdentifier"].get("externalId") == "1005"
    )
    assert bounce["bounceDate"] == "2026-11-03T08:00:41.000Z"


def test_a_page_says_where_the_next_one_starts(sim: Sim) -> None:
    first = sim.get(f"/mailing/{NOVEMBER}/recipients", pageSize=2)
    assert first["paging"]["after"] == 2 and "after=2" in first["paging"]["next"]
    last = sim.get(f"/mailing/{NOVEMBER}/recipients", pageSize=2, after=4)
    assert len(last["recipients"]) == 1 and "next" not in last["paging"]


def test_the_other_key_names_contacts_in_its_own_field(sim: Sim) -> None:
    with sim.client("crm") as api:
        recipients = api.get(f"/mailing/{NOVEMBER}/recipients").json()["recipients"]
        dirk = api.get(f"/mailing/{NOVEMBER}/clicks/CRM-777").json()["clicks"]
    assert ids(recipients) == ["CRM-501", None, None, "CRM-777", None]
    assert [c["linkId"] for c in dirk] == [2]


def test_one_contacts_opens_and_clicks(sim: Sim) -> None:
    opens = sim.get(f"/mailing/{NOVEMBER}/opens/1001")
    assert opens["opens"] == [
        {"openDate": "2026-11-03T08:42:10.000Z"},
        {"openDate": "2026-11-04T19:15:03.000Z"},
    ]
    clicks = sim.get(f"/mailing/{NOVEMBER}/clicks/1001", pageSize=1)
    assert clicks["clicks"] == [{"clickDate": "2026-11-03T08:43:02.000Z", "linkId": 1}]
    assert clicks["paging"]["after"] == 1 and "next" in clicks["paging"]
    assert sim.get(f"/mailing/{NOVEMBER}/opens/1003")["opens"] == []  # got it, never opened
    assert sim.get(f"/mailing/{WINTER}/opens/1001")["opens"] == []  # never got it


REPORTS = [
    "",
    "/statistics",
    "/recipients",
    "/opens",
    "/clicks",
    "/bounces",
    "/opens/1001",
    "/clicks/1001",
]


@pytest.mark.parametrize("report", REPORTS)
def test_an_unknown_mailing_is_a_404(sim: Sim, report: str) -> None:
    message = sim.refused(f"/mailing/nope{report}", 404, "MAILING_NOTFOUND")
    assert "Given mailing not found" in message and "GET /mailing" in message


@pytest.mark.parametrize("report", REPORTS)
def test_a_campaign_mailing_is_the_wrong_type_here(sim: Sim, report: str) -> None:
    message = sim.refused(f"/mailing/{SPRING}{report}", 400, "INVALID_MAILING")
    assert "Mailing type invalid" in message and f"/campaign-mailing/{SPRING}" in message


@pytest.mark.parametrize("kind", ["opens", "clicks"])
def test_an_unknown_contact_of_a_mailing_is_a_400(sim: Sim, kind: str) -> None:
    message = sim.refused(f"/mailing/{NOVEMBER}/{kind}/nobody", 400, "CONTACT_NOT_FOUND")
    assert "Contact not found" in message


@pytest.mark.parametrize("report", [r for r in REPORTS if r not in ("", "/statistics")])
@pytest.mark.parametrize(
    ("name", "value"), [("pageSize", "0"), ("pageSize", "10001"), ("after", "-1")]
)
def test_paging_parameters_are_checked_by_the_contract(
    sim: Sim, report: str, name: str, value: str
) -> None:
    message = sim.refused(f"/mailing/{NOVEMBER}{report}", 400, "INVALID_PARAMS", **{name: value})
    assert name in message


def test_another_account_sees_none_of_it(sim: Sim) -> None:
    with sim.client("shared-webshop") as api:
        assert api.get(f"/mailing/{NOVEMBER}").status_code == 404
        assert (
            api.get("/mailing", params={"fromDate": "2026-01-01", "toDate": "2026-12-31"}).json()
            == []
        )


# ---- the contact's mailing history -----------------------------------------------------------


def test_the_history_lists_the_mailings_sent_with_what_the_contact_did(sim: Sim) -> None:
    rows = sim.get("/contact/1001/mailings")["mailingHistories"]
    assert [(r["mailing"]["encryptedId"], r["opened"], r["clicked"]) for r in rows] == [
        (NOVEMBER, True, True),
        (PREVIEW, True, True),
    ]
    assert rows[0]["sentDate"] == "2026-11-03T08:00:00.000Z" and "bounce" not in rows[0]
    assert rows[0]["mailing"]["sentCount"] == 5
    [eva] = sim.get("/contact/1005/mailings")["mailingHistories"]
    assert (eva["opened"], eva["clicked"], eva["bounce"]) == (False, False, "HARDBOUNCE")
    with sim.client("crm") as api:
        dirk = api.get("/contact/CRM-777/mailings").json()["mailingHistories"]
    assert [r["mailing"]["type"] for r in dirk] == ["EMAIL", "SMS"]


def test_the_history_pages_by_fifty(sim: Sim) -> None:
    fixture = sim.snapshot()
    fixture["mailings"] = [
        {"encryptedId": f"bulk-{n}", "name": f"Bulk {n}", "scheduled": f"2026-10-{n // 24 + 1:02d}T{n % 24:02d}:00:00Z",
         "recipients": [{"externalContactId": "1003", "sent": f"2026-10-{n // 24 + 1:02d}T{n % 24:02d}:00:00Z"}]}
        for n in range(60)
    ]  # fmt: skip
    with sim.admin() as admin:
        assert admin.post("/snapshot", json={"accounts": [fixture]}).status_code == 204
    first = sim.get("/contact/1003/mailings")
    second = sim.get("/contact/1003/mailings", after=50)
    assert len(first["mailingHistories"]) == 50 and first["paging"]["after"] == 50
    assert "after=50" in first["paging"]["next"]
    assert len(second["mailingHistories"]) == 10 and "next" not in second["paging"]
    names = [r["mailing"]["name"] for r in first["mailingHistories"] + second["mailingHistories"]]
    assert names == [f"Bulk {n}" for n in range(60)]


def test_the_history_of_an_unknown_contact_is_a_404(sim: Sim) -> None:
    assert "insert it first" in sim.refused("/contact/nobody/mailings", 404, "CONTACT_NOT_FOUND")
    assert "after" in sim.refused("/contact/1001/mailings", 400, "INVALID_PARAMS", after="-1")


# ---- the send action -------------------------------------------------------------------------


def test_sending_to_everyone_reachable_records_sends_and_outcomes(sim: Sim) -> None:
    result = send(
        sim,
        all=True,
        seed=3,
        rates={"hardBounce": 0.2, "softBounce": 0.2, "open": 0.6, "click": 0.4},
    )
    assert (
        result["sent"] == 5
        and result["skipped"] == 0
        and result["at"] == "2026-11-23T12:00:00.000Z"
    )
    assert result["delivered"] == 5 - result["hardBounces"] - result["softBounces"]
    stats = sim.get(f"/mailing/{WINTER}/statistics")
    assert (
        stats["sentCount"] == 5
        and sim.get("/mailing", fromDate="2026-11-22", toDate="2026-11-23")[0]["sentCount"] == 5
    )
    sim.advance(30 * DAY)  # everything that follows a send has happened
    stats = sim.get(f"/mailing/{WINTER}/statistics")
    assert stats["hardbounceCount"] == result["hardBounces"]
    assert stats["softbounceCount"] == result["softBounces"]
    assert len(every(sim, f"/mailing/{WINTER}/opens", "opens")) == result["opens"]
    assert len(every(sim, f"/mailing/{WINTER}/clicks", "clicks")) == result["clicks"]
    assert stats["acceptedCount"] == result["delivered"]


def test_named_contacts_in_another_id_field_and_a_filter(sim: Sim) -> None:
    assert send(sim, contacts=["CRM-777", "CRM-501"], idField="crmCustomerId")["sent"] == 2
    assert ids(every(sim, f"/mailing/{WINTER}/recipients", "recipients")) == ["1001", None]
    in_rotterdam = send(sim, all=True, where={"city": "Rotterdam"})
    assert (in_rotterdam["sent"], in_rotterdam["skipped"]) == (1, 0)
    assert ids(every(sim, f"/mailing/{WINTER}/recipients", "recipients")) == ["1001", None, "1003"]
    in_utrecht = send(sim, all=True, where={"city": "Utrecht", "email": "ANNA.devries@example.com"})
    assert (in_utrecht["sent"], in_utrecht["skipped"]) == (0, 1)  # Anna had it already


def test_a_mailing_reaches_each_recipient_once(sim: Sim) -> None:
    first = send(sim, contacts=["1001", "1002"])
    again = send(sim, contacts=["1002", "1003"])
    assert (first["sent"], again["sent"], again["skipped"]) == (2, 1, 1)
    assert ids(every(sim, f"/mailing/{WINTER}/recipients", "recipients")) == [
        "1001",
        "1002",
        "1003",
    ]
    assert send(sim, NOVEMBER, all=True)["sent"] == 0


def test_the_same_send_gives_the_same_outcome_in_every_run(sim: Sim, tmp_path: Path) -> None:
    body = {
        "all": True,
        "seed": 11,
        "rates": {"hardBounce": 0.1, "softBounce": 0.1, "open": 0.7, "click": 0.5},
    }
    send(sim, **body)
    db_path = str(tmp_path / "second.db")
    state = State(Database(db_path))
    load_fixture_file(state, DEFAULT_FIXTURE)
    transport = httpx.WSGITransport(app=create_app(Config(db_path=db_path), state))
    with httpx.Client(transport=transport, base_url="http://127.0.0.1:8080/__admin") as other:
        other.put("/clock", json={"frozenAt": NOW})
        assert (
            other.post(f"/mailings/{WINTER}/send", json={"account": "demo", **body}).status_code
            == 200
        )
        again = other.get("/snapshot", params={"account": "demo"}).json()["accounts"][0]
    state.db.close()

    def winter(fixture: dict[str, Any]) -> Any:
        return next(m for m in fixture["mailings"] if m["encryptedId"] == WINTER)["recipients"]

    assert winter(again) == winter(sim.snapshot()) and winter(again)


def test_what_lies_in_the_future_shows_when_the_clock_gets_there(sim: Sim) -> None:
    result = send(sim, contacts=["1001"], at="2026-11-23T14:00:00Z", rates={"open": 1, "click": 1})
    assert result["later"] == len(
        sim.table("SELECT id FROM interactions WHERE mailing = 'bWFpbC13aW50ZXItc2FsZQ'")
    )
    assert every(sim, f"/mailing/{WINTER}/recipients", "recipients") == []
    assert (
        sim.get("/contact/1001/mailings")["mailingHistories"][-1]["mailing"]["encryptedId"]
        == PREVIEW
    )
    sim.advance(2 * HOUR)
    assert ids(every(sim, f"/mailing/{WINTER}/recipients", "recipients")) == ["1001"]
    [row] = [
        r
        for r in sim.get("/contact/1001/mailings")["mailingHistories"]
        if r["mailing"]["encryptedId"] == WINTER
    ]
    assert (row["opened"], row["clicked"]) == (False, False)  # read a minute or more after sending
    sim.advance(8 * DAY)
    [row] = [
        r
        for r in sim.get("/contact/1001/mailings")["mailingHistories"]
        if r["mailing"]["encryptedId"] == WINTER
    ]
    assert (row["opened"], row["clicked"]) == (True, True)
    assert sim.get(f"/mailing/{WINTER}/statistics")["clickCount"] == 1


def test_a_bounce_reaches_the_bounces_list_after_the_accounts_lag(sim: Sim) -> None:
    with sim.admin() as admin:
        admin.patch("/accounts/demo", json={"visibilityLag": {"mode": "fixed", "seconds": 600}})
    assert send(sim, contacts=["1002"], rates={"softBounce": 1})["softBounces"] == 1
    [(at_ms,)] = sim.table(
        f"SELECT at_ms FROM interactions WHERE kind = 'bounce' AND mailing = '{WINTER}'"
    )
    window = {"fromDate": "2026-11-23", "toDate": "2026-11-24", "pageSize": 10}
    assert every(sim, f"/mailing/{WINTER}/bounces", "bounces") == []  # a minute to hours later
    with sim.admin() as admin:
        admin.put("/clock", json={"frozenAt": iso_utc(at_ms)})
    [bounce] = every(sim, f"/mailing/{WINTER}/bounces", "bounces")
    assert bounce["type"] == "SOFTBOUNCE" and bounce["bounceDate"] == iso_utc(at_ms)
    assert sim.get("/contact/bounces/list", **window)["bounces"] == []  # not through the lag yet
    sim.advance(599)
    assert sim.get("/contact/bounces/list", **window)["bounces"] == []
    sim.advance(1)
    [listed] = sim.get("/contact/bounces/list", **window)["bounces"]
    assert (listed["encryptedActId"], listed["type"], listed["date"]) == (
        WINTER,
        "SOFTBOUNCE",
        at_ms,
    )
    assert listed["contact"]["externalId"] == "1002"


@pytest.mark.parametrize(
    ("mailing", "body", "status", "error_type", "hint"),
    [
        (
            WINTER,
            {"account": "nope", "all": True},
            404,
            "RESOURCE_NOT_FOUND",
            "GET /__admin/accounts",
        ),
        ("nope", {"all": True}, 404, "MAILING_NOTFOUND", "mailings"),
        (SPRING, {"all": True}, 400, "INVALID_MAILING", "/campaign/trigger"),
        (WINTER, {"contacts": ["1001", "x-1", "x-2"]}, 404, "CONTACT_NOT_FOUND", "'x-1', 'x-2'"),
        (WINTER, {"contacts": ["1001"], "idField": "shoeSize"}, 400, "INVALID_PARAMS", "ID fields"),
        (
            WINTER,
            {"all": True, "rates": {"open": 0.1, "click": 0.2}},
            400,
            "INVALID_PARAMS",
            "click",
        ),
        (
            WINTER,
            {"all": True, "rates": {"hardBounce": 0.7, "softBounce": 0.7}},
            400,
            "INVALID_PARAMS",
            "sum",
        ),
        (WINTER, {"all": True, "rates": {"open": 2}}, 400, "INVALID_PARAMS", "open"),
        (WINTER, {"all": True, "contacts": ["1001"]}, 400, "INVALID_PARAMS", "contacts"),
        (
            WINTER,
            {"contacts": ["1001"], "where": {"city": "Utrecht"}},
            400,
            "INVALID_PARAMS",
            "all",
        ),
        (WINTER, {"all": True, "where": {"shoeSize": "44"}}, 400, "INVALID_PARAMS", "shoeSize"),
        (WINTER, {"all": True, "at": "2026-13-01T00:00:00"}, 400, "INVALID_PARAMS", "at"),
        (WINTER, {}, 400, "INVALID_PARAMS", "contacts"),
    ],
)
def test_a_send_that_cannot_happen_is_refused_and_sends_nothing(
    sim: Sim, mailing: str, body: dict[str, Any], status: int, error_type: str, hint: str
) -> None:
    before = sim.table("SELECT count(*) FROM interactions")
    body = {"account": "demo", **body}
    with sim.admin() as admin:
        response = admin.post(f"/mailings/{mailing}/send", json=body)
    assert response.status_code == status, response.text
    assert response.json()["errorType"] == error_type
    assert hint in response.json()["message"]
    assert sim.table("SELECT count(*) FROM interactions") == before


def test_snapshot_reset_and_delete_keep_or_remove_mailings(sim: Sim) -> None:
    send(sim, all=True, seed=5, rates={"hardBounce": 0.3, "open": 0.5, "click": 0.3})
    before = sim.snapshot()
    reports = [sim.get(f"/mailing/{WINTER}/statistics"), sim.get("/contact/1001/mailings")]
    with sim.admin() as admin:
        assert admin.post("/snapshot", json={"accounts": [before]}).status_code == 204
        assert sim.snapshot() == before
        assert [
            sim.get(f"/mailing/{WINTER}/statistics"),
            sim.get("/contact/1001/mailings"),
        ] == reports
        assert admin.post("/accounts/demo/reset").status_code == 204
        for table in ("mailings", "interactions", "trend_reports"):
            assert sim.table(
                f"SELECT count(*) FROM {table} WHERE account_id = "
                "(SELECT id FROM accounts WHERE name = 'demo')"
            ) == [(0,)]
        assert sim.refused(f"/mailing/{WINTER}", 404, "MAILING_NOTFOUND")
        assert admin.delete("/accounts/demo").status_code == 204


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        (lambda m: m["recipients"][4].update(opens=["2026-11-03T10:00:00+01:00"]), "bounced"),
        (lambda m: m["recipients"][1].update(opens=["2026-11-02T10:00:00+01:00"]), "before"),
        (
            lambda m: m["recipients"][2].update(
                clicks=[{"at": "2026-11-03T10:00:00+01:00", "linkId": 1}]
            ),
            "open",
        ),
        (lambda m: m["recipients"][0]["clicks"][0].update(linkId=9), "linkId 9"),
        (lambda m: m["recipients"].append(dict(m["recipients"][0])), "twice"),
        (lambda m: m.update(trendReportId=9), "trend report 9"),
        (lambda m: m.update(encryptedId=SPRING), "used twice"),
    ],
)
def test_a_fixture_mailing_must_be_something_that_can_happen(
    sim: Sim, change: Any, hint: str
) -> None:
    fixture = json.loads(DEFAULT_FIXTURE.read_text())["accounts"][0]
    change(fixture["mailings"][0])
    with sim.admin() as admin:
        response = admin.post("/snapshot", json={"accounts": [fixture]})
    assert response.status_code == 400 and hint in response.json()["message"], response.text
    assert sim.get(f"/mailing/{NOVEMBER}/statistics")["sentCount"] == 5  # nothing changed
