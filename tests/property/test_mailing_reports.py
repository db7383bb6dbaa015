"""Every report on mailings agrees with every other, whatever was sent to whom, with whatever
rates and seeds, and wherever the clock stands.

For random sends of a regular mailing (contacts, rates, seeds, moments, some in the simulated
future) and random campaign triggers, at random clock positions: statistics add up (sent =
accepted + hard + soft bounces, unique opens <= accepted, unique clicks <= unique opens,
totals >= uniques), the recipients, opens, clicks and bounces lists agree with the counts, the
per-contact and per-subscription lists add up to the per-mailing ones, the contact's histories
list exactly what was sent to it (with the right flags), the account's interaction lists over a
window equal the per-mailing rows in that window, and /contact/bounces/list holds each bounce.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.app import create_app
from spotler_sim.config import Config
from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.testing.contract_check import check_exchange
from spotler_sim.testing.signing import OAuth1Auth
from tests.plugins.hypothesis_profiles import scaled

START_MS = 1_800_000_000_000  # 2027-01-15T08:00:00Z
MINUTE_MS = 60_000
CONTACTS = [f"c{n}" for n in range(6)]
LINKS = [
    {"id": 1, "name": "Shop", "url": "https://shop.example/", "type": "webshop"},
    {"id": 2, "name": "Cart", "url": "https://shop.example/cart", "type": "conversion"},
    {"id": 3, "name": "Blog", "url": "https://shop.example/blog"},
    {"id": 4, "name": "Unsubscribe", "url": "https://shop.example/u", "type": "unsubscribe"},
]


def _account() -> dict[str, Any]:
    return {
        "name": "prop",
        "idFields": ["externalCustomerId"],
        "authentications": [
            {"label": "shop", "key": "k", "secret": "s", "idField": "externalCustomerId"}
        ],
        "properties": [{"name": "email", "type": "email", "description": "E-mail"}],
        "contacts": [
            {"ids": {"externalCustomerId": c}, "properties": {"email": f"{c}@example.com"}}
            for c in CONTACTS
        ],
        "trendReports": [{"id": 1, "name": "All"}],
        "mailings": [
            {"encryptedId": "M", "name": "M", "scheduled": iso_utc(START_MS), "trendReportId": 1,
             "links": LINKS},
            {"encryptedId": "N", "name": "N", "scheduled": iso_utc(START_MS), "links": LINKS[:1]},
        ],
        "campaigns": [
            {
                "encryptedId": "K",
                "name": "K",
                "triggers": [{"encryptedId": "KT", "name": "t"}],
                "mailings": [
                    {"encryptedId": "K1", "name": "k1", "links": LINKS,
                     "rates": {"hardBounce": 0.1, "softBounce": 0.2, "open": 0.6, "click": 0.3}},
                    {"encryptedId": "K2", "name": "k2", "delayMinutes": 90, "links": LINKS,
                     "rates": {"softBounce": 0.3, "open": 0.7, "click": 0.7}},
                ],
            }
        ],
    }  # fmt: skip


@contextmanager
def simulator() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with tempfile.TemporaryDirectory() as folder:
        db_path = str(Path(folder) / "state.db")
        state = State(Database(db_path))
        load_fixture(state, {"accounts": [_account()]})
        transport = httpx.WSGITransport(app=create_app(Config(db_path=db_path), state))
        api = httpx.Client(
            transport=transport,
            base_url="http://127.0.0.1:8080/integrationservice-1.1.0",
            auth=OAuth1Auth("k", "s"),
            headers={"Accept": "application/json"},
            event_hooks={"response": [check_exchange]},
        )
        admin = httpx.Client(transport=transport, base_url="http://127.0.0.1:8080/__admin")
        admin.put("/clock", json={"frozenAt": iso_utc(START_MS)})
        try:
            yield api, admin
        finally:
            api.close()
            admin.close()
            state.db.close()


rates = st.fixed_dictionaries(
    {
        "hardBounce": st.sampled_from([0, 0.1, 0.3]),
        "softBounce": st.sampled_from([0, 0.2, 0.5]),
        "open": st.sampled_from([0, 0.5, 1]),
    }
).flatmap(lambda r: st.just({**r, "click": 0}) | st.just({**r, "click": r["open"] / 2}))
sends = st.lists(
    st.fixed_dictionaries(
        {
            "mailing": st.sampled_from(["M", "N"]),
            "contacts": st.lists(st.sampled_from(CONTACTS), min_size=1, max_size=6, unique=True),
            "seed": st.integers(0, 1000),
            "minutes": st.integers(-600, 600),  # when, from the clock's position; some later
            "rates": rates,
        }
    ),
    min_size=1,
    max_size=3,
)
triggers = st.lists(st.sampled_from(CONTACTS), max_size=3, unique=True)
advances = st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=3)  # minutes


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _all(api: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    query = {"pageSize": 4, **params}
    while True:
        page = _ok(api.get(path, params=query))
        rows += page[key]
        if "next" not in page["paging"]:
            return rows
        query["after"] = page["paging"]["after"]


def _who(row: dict[str, Any]) -> str:
    found: str = row["contactIdentifier"]["externalId"]
    return found


def _check_regular(api: httpx.Client, mailing: str, now_ms: int) -> None:
    stats = _ok(api.get(f"/mailing/{mailing}/statistics"))
    recipients = _all(api, f"/mailing/{mailing}/recipients", "recipients")
    opens = _all(api, f"/mailing/{mailing}/opens", "opens")
    clicks = _all(api, f"/mailing/{mailing}/clicks", "clicks")
    bounces = _all(api, f"/mailing/{mailing}/bounces", "bounces")
    hard = sum(b["type"] == "HARDBOUNCE" for b in bounces)
    soft = len(bounces) - hard
    # the statistics add up
    assert stats["sentCount"] == len(recipients) == stats["acceptedCount"] + hard + soft
    assert (stats["hardbounceCount"], stats["softbounceCount"]) == (hard, soft)
    assert stats["openRenderedCount"] == len({_who(o) for o in opens}) <= len(opens)
    assert stats["openCount"] == len({_who(o) for o in opens} | {_who(c) for c in clicks})
    assert stats["clickCount"] == len({_who(c) for c in clicks}) <= len(clicks)
    assert stats["clickCount"] <= stats["openRenderedCount"] <= stats["acceptedCount"]
    assert stats["unsubscribeCount"] == 0 and all(c["linkId"] != 4 for c in clicks)
    assert stats["conversionClickCount"] == len({_who(c) for c in clicks if c["linkId"] == 2})
    assert stats["toWebshopCount"] == len({_who(c) for c in clicks if c["linkId"] == 1})
    # each recipient once; a bounced one never opens; nothing shown lies after now
    assert len({_who(r) for r in recipients}) == len(recipients)
    assert not {_who(b) for b in bounces} & ({_who(o) for o in opens} | {_who(c) for c in clicks})
    dates = [o["openDate"] for o in opens] + [c["clickDate"] for c in clicks]
    assert all(d <= iso_utc(now_ms) for d in dates + [b["bounceDate"] for b in bounces])
    # per contact, the opens and clicks add up to the mailing's
    per_contact_opens: Counter[str] = Counter()
    per_contact_clicks: Counter[str] = Counter()
    for contact in CONTACTS:
        per_contact_opens[contact] = len(_all(api, f"/mailing/{mailing}/opens/{contact}", "opens"))
        per_contact_clicks[contact] = len(
            _all(api, f"/mailing/{mailing}/clicks/{contact}", "clicks")
        )
    assert +per_contact_opens == Counter(_who(o) for o in opens)
    assert +per_contact_clicks == Counter(_who(c) for c in clicks)
    # the contact's history lists exactly the mailings sent to it, with the right flags
    sent_to = {_who(r) for r in recipients}
    for contact in CONTACTS:
        rows = [
            h
            for h in _all(api, f"/contact/{contact}/mailings", "mailingHistories")
            if h["mailing"]["encryptedId"] == mailing
        ]
        assert len(rows) == (contact in sent_to)
        for row in rows:
            assert row["opened"] == (per_contact_opens[contact] + per_contact_clicks[contact] > 0)
            assert row["clicked"] == (per_contact_clicks[contact] > 0)
            bounced = [b["type"] for b in bounces if _who(b) == contact]
            assert row.get("bounce") == (bounced[0] if bounced else None)
    # the account's interaction lists hold the same rows
    for kind, rows_, date in (
        ("sent", recipients, None),
        ("opened", opens, "openDate"),
        ("clicked", clicks, "clickDate"),
        ("bounced", bounces, "bounceDate"),
    ):
        listed = [
            i
            for i in _all(api, f"/mailing-interaction/{kind}", "interactions")
            if i["encryptedMailingId"] == mailing
        ]
        assert [i["externalContactId"] for i in listed] == [_who(r) for r in rows_]
        if date is not None:
            assert [i["date"] for i in listed] == [r[date] for r in rows_]


@settings(max_examples=scaled(15))
@given(sends, triggers, advances)
def test_every_report_agrees_with_every_other(
    planned: list[dict[str, Any]], triggered: list[str], steps: list[int]
) -> None:
    with simulator() as (api, admin):
        now_ms = START_MS
        for contact in triggered:
            body = {"externalContactId": contact}
            assert api.post("/campaign/trigger/KT", json=body).status_code == 204
        for send in planned:
            body = {
                "account": "prop",
                "contacts": send["contacts"],
                "seed": send["seed"],
                "rates": send["rates"],
                "at": iso_utc(now_ms + send["minutes"] * MINUTE_MS),
            }
            assert admin.post(f"/mailings/{send['mailing']}/send", json=body).status_code == 200
        for minutes in steps:
            assert admin.post("/clock/advance", json={"seconds": minutes * 60}).status_code == 200
            now_ms += minutes * MINUTE_MS
            for mailing in ("M", "N"):
                _check_regular(api, mailing, now_ms)
            _check_campaign(api, triggered, now_ms)
            _check_bounces_list(api, now_ms)


def _check_campaign(api: httpx.Client, triggered: list[str], now_ms: int) -> None:
    history: dict[tuple[int, str], dict[str, Any]] = {}
    for contact in CONTACTS:
        rows = _all(api, f"/contact/{contact}/campaign-mailings", "campaignMailingHistories")
        assert contact in triggered or rows == []  # only what its campaign sent it
        for row in rows:
            history[(row["campaignSubscriptionId"], row["campaignMailing"]["encryptedId"])] = row
    for mailing in ("K1", "K2"):
        recipients = _all(api, f"/campaign-mailing/{mailing}/recipients", "recipients")
        opens = _all(api, f"/campaign-mailing/{mailing}/opens", "opens")
        clicks = _all(api, f"/campaign-mailing/{mailing}/clicks", "clicks")
        bounces = _all(api, f"/campaign-mailing/{mailing}/bounces", "bounces")
        numbers = [r["campaignSubscriptionId"] for r in recipients]
        assert sorted(numbers) == sorted(n for n, m in history if m == mailing)
        assert all(r["sendDate"] <= iso_utc(now_ms) for r in recipients)
        for number in numbers:
            own_opens = _all(api, f"/campaign-mailing/{mailing}/opens/{number}", "opens")
            own_clicks = _all(api, f"/campaign-mailing/{mailing}/clicks/{number}", "clicks")
            assert len(own_opens) == sum(o["campaignSubscriptionId"] == number for o in opens)
            assert len(own_clicks) == sum(c["campaignSubscriptionId"] == number for c in clicks)
            row = history[(number, mailing)]
            assert row["opened"] == bool(own_opens or own_clicks)
            assert row["clicked"] == bool(own_clicks)
            bounced = [b["type"] for b in bounces if b["campaignSubscriptionId"] == number]
            assert row.get("bounce") == (bounced[0] if bounced else None)
            assert not (bounced and own_opens)


def _check_bounces_list(api: httpx.Client, now_ms: int) -> None:
    """With no visibility lag, /contact/bounces/list holds each bounce every report shows."""
    window = {"fromDate": "2027-01-01", "toDate": "2027-12-31"}
    listed = Counter(
        (b["encryptedActId"], b["contact"]["externalId"])
        for b in _all(api, "/contact/bounces/list", "bounces", **window)
    )
    expected: Counter[tuple[str, str]] = Counter()
    for mailing in ("M", "N"):
        expected.update(
            (mailing, _who(b)) for b in _all(api, f"/mailing/{mailing}/bounces", "bounces")
        )
    for mailing in ("K1", "K2"):
        expected.update(
            (mailing, _who(b)) for b in _all(api, f"/campaign-mailing/{mailing}/bounces", "bounces")
        )
    assert listed == expected
    assert now_ms >= START_MS
