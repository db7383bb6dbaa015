"""The verdict rules in detail: every message word for word, the exact edges of each threshold,
and sequences where other calls come before or between the ones a rule is about.

tests/property/test_verdict_rules.py shows each rule firing on its offending sequence and
silent on its correct twin; these examples pin what `make mutate` found those tests let through
(a rule that stopped at the first unrelated call, a threshold moved by one, a lost word).
"""

from __future__ import annotations

from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.domain.verdicts import (
    DUPLICATE_AFTER_LOST_RESPONSE,
    ERROR,
    NO_BACKOFF,
    POLL_INSIDE_LAG,
    RETRIED_PERMANENT_ERROR,
    RETRY_BEFORE_RETRY_AFTER,
    STALE_WRITE_OVERTOOK,
    VENDOR_MARGIN_MS,
    WARNING,
    Entry,
    Settings,
    Verdict,
    judge,
)
from tests.journal_rows import INSERT, T0, call, contact

NOW_MS = 1_790_000_000_000  # 2026-09-21 16:13:20 in Amsterdam


def of(rule: str, verdicts: list[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.rule == rule]


# ---- what a rule sees of a journal row ---------------------------------------------------------


def test_a_journal_row_is_read_field_by_field() -> None:
    row = {
        "id": 7, "wall_ms": 1000, "duration_ms": 40, "sim_ms": 5, "method": "GET",
        "path": "/contact/1", "query": None, "request_body": None, "operation": "getContact",
        "status": 503, "error_type": None, "account": "shop", "label": "crm", "key": "k1",
        "fault_effect": "delay", "fault_id": 3,
    }  # fmt: skip
    assert Entry.from_journal(row) == Entry(
        id=7, arrived_ms=960.0, answered_ms=1000.0, sim_ms=5, method="GET", path="/contact/1",
        query="", body="", operation="getContact", status=503, account="shop", label="crm",
        key="k1", fault_effect="delay", fault_id=3, retry_after_s=None,
    )  # fmt: skip
    asked = Entry.from_journal({**row, "response_headers": '{"Retry-After": "30"}'})
    assert asked.retry_after_s == 30.0
    vague = Entry.from_journal({**row, "response_headers": '{"retry-after": "soon"}'})
    assert vague.retry_after_s is None


def test_a_verdict_as_json_names_every_field() -> None:
    first = call(0, "GET", "/contact/1", "getContact", status=429, retry_after=30)
    again = call(0.405, "GET", "/contact/1", "getContact", status=200)
    [verdict] = judge([first, again])
    assert verdict.to_json() == {
        "rule": RETRY_BEFORE_RETRY_AFTER,
        "severity": ERROR,
        "account": "shop",
        "label": "shop",
        "operation": "getContact",
        "entityKey": "contact 1",
        "calls": [first.id, again.id],
        "at": iso_utc(int(T0) + 405),
        "message": "retried getContact 0.4 s after a 429 that asked for 30 s: wait for "
        "Retry-After before sending the call again",
    }


def test_calls_without_an_account_are_judged_per_key() -> None:
    def unsigned(at: float, key: str, status: int) -> Entry:
        return call(at, "GET", "/contact/1", "getContact", status=status, retry_after=30,
                    account=None, label=None, key=key)  # fmt: skip

    assert judge([unsigned(0, "key-a", 429), unsigned(0.4, "key-b", 200)]) == []
    assert len(judge([unsigned(0, "key-a", 429), unsigned(0.4, "key-a", 200)])) == 1


# ---- retry-before-retry-after ----------------------------------------------------------------


def test_a_503_retried_early_is_found_after_other_calls() -> None:
    body = contact("4", "four@example.com")
    calls = [
        call(0, "GET", "/contact/2", "getContact", status=200),
        call(1, "GET", "/contact/3", "getContact", status=429, retry_after=5),  # never retried
        call(10, *INSERT, body=body, status=503, retry_after=100, took_ms=0),
        call(11, *INSERT, body=body),
    ]
    [verdict] = of(RETRY_BEFORE_RETRY_AFTER, judge(calls))
    assert verdict.calls == (calls[2].id, calls[3].id)
    assert verdict.message == (
        "retried insertContact 1 s after a 503 that asked for 100 s: wait for Retry-After "
        "before sending the call again"
    )


def test_a_retry_within_the_clock_grain_of_the_retry_after_is_in_time() -> None:
    first = call(0, "GET", "/contact/1", "getContact", status=429, retry_after=30, took_ms=0)
    at_edge = call(29.998, "GET", "/contact/1", "getContact", status=200)
    early = call(29.997, "GET", "/contact/1", "getContact", status=200)
    assert at_edge.arrived_ms - first.answered_ms == 30_000 - 2
    assert judge([first, at_edge]) == []
    assert len(judge([first, early])) == 1


# ---- retried-permanent-error -----------------------------------------------------------------


def missing(at: float, number: int = 7, status: int = 404) -> Entry:
    return call(at, "GET", f"/contact/{number}", "getContact", status=status,
                error_type="CONTACT_NOT_FOUND" if status == 404 else None)  # fmt: skip


def test_a_refused_call_repeated_around_other_calls_is_one_verdict() -> None:
    calls = [
        call(0, "GET", "/contact/3", "getContact", status=200),
        missing(1, number=5),  # refused once, never repeated
        missing(2),
        call(3, "PUT", "/contact/8", "updateContact", body={"a": 1}),  # another contact written
        missing(4),
        missing(5, status=200),  # found at last (created by someone else)
    ]
    [verdict] = judge(calls)
    assert (verdict.rule, verdict.severity) == (RETRIED_PERMANENT_ERROR, ERROR)
    assert verdict.calls == (calls[2].id, calls[4].id, calls[5].id)
    assert verdict.message == (
        "sent getContact again unchanged 2 times after it was refused with 404 "
        "CONTACT_NOT_FOUND: a 4xx with an errorType is answered the same way every time; fix "
        "the data or the call instead of retrying it"
    )


def test_one_repeat_of_a_refused_call_is_counted_as_one_time() -> None:
    [verdict] = judge([missing(0), missing(1)])
    assert "again unchanged 1 time after it was refused" in verdict.message


# ---- duplicate-after-lost-response -----------------------------------------------------------


def test_the_duplicate_after_a_lost_insert_is_found_past_other_calls_and_failures() -> None:
    nine = contact("9", "nine@example.com")
    calls = [
        call(0, "GET", "/contact/1", "getContact", status=200),
        call(1, *INSERT, body=nine, status=None, fault="lostResponse"),
        call(2, *INSERT, body=contact("10", "ten@example.com"), status=400,
             error_type="CONTACT_ALREADY_EXISTS"),  # another contact: not this rule's business
        call(3, *INSERT, body=nine, status=503),
        call(4, *INSERT, body=nine, status=400, error_type="CONTACT_ALREADY_EXISTS"),
    ]  # fmt: skip
    [verdict] = of(DUPLICATE_AFTER_LOST_RESPONSE, judge(calls))
    assert (verdict.severity, verdict.calls) == (ERROR, (calls[1].id, calls[4].id))
    assert verdict.message == (
        "re-sent the insert of contact '9' after its answer was lost and it was refused as a "
        "duplicate (CONTACT_ALREADY_EXISTS): the first attempt was stored; replay an insert "
        'whose answer was lost as an upsert ("update": true)'
    )


def test_a_lost_upsert_is_not_a_lost_insert() -> None:
    lost = call(0, *INSERT, body=contact("9", "n@x.nl", update=True), status=None,
                fault="lostResponse")  # fmt: skip
    refused = call(1, *INSERT, body=contact("9", "n@x.nl"), status=400,
                   error_type="CONTACT_ALREADY_EXISTS")  # fmt: skip
    assert of(DUPLICATE_AFTER_LOST_RESPONSE, judge([lost, refused])) == []


CONVERSION = ("POST", "/conversion", "createConversionInteraction")


def conversion(at: float, cart: str, **answer: object) -> Entry:
    body = {"mailplusId": "abc", "type": "CONVERT_SHOPPINGCART", "externalId": cart}
    return call(at, *CONVERSION, body=body, **answer)  # type: ignore[arg-type]


def test_a_replayed_conversion_is_found_past_other_conversions() -> None:
    lost = conversion(0, "cart-1", status=None, fault="lostResponse")
    other = conversion(1, "cart-2")
    again = conversion(2, "cart-1")
    [verdict] = of(DUPLICATE_AFTER_LOST_RESPONSE, judge([lost, other, again]))
    assert (verdict.severity, verdict.calls) == (WARNING, (lost.id, again.id))
    assert verdict.message == (
        "replayed a conversion whose answer was lost, and it was applied again: Spotler now "
        "counts it twice. A conversion has no id Spotler can match, so decide whether "
        "at-least-once is acceptable, or do not replay it"
    )


def test_a_conversion_refused_after_its_lost_answer_ends_the_search() -> None:
    lost = conversion(0, "cart-1", status=None, fault="lostResponse")
    refused = conversion(1, "cart-1", status=400, error_type="INVALID_PARAMS")
    again = conversion(2, "cart-1")
    assert of(DUPLICATE_AFTER_LOST_RESPONSE, judge([lost, refused, again])) == []


# ---- stale-write-overtook --------------------------------------------------------------------


def put(at: float, data: str, status: int = 204) -> Entry:
    return call(at, "PUT", "/contact/5", "updateContact", body={"d": data}, status=status)


def test_a_stale_write_is_found_after_an_earlier_retry_that_was_not() -> None:
    calls = [put(0, "a", 503), put(1, "a"), put(2, "x", 503), put(3, "y"), put(4, "x")]
    [verdict] = of(STALE_WRITE_OVERTOOK, judge(calls))
    assert (verdict.severity, verdict.calls) == (ERROR, (calls[2].id, calls[3].id, calls[4].id))
    assert verdict.message == (
        "a retry of an older updateContact of contact '5' succeeded after a later "
        "updateContact of it had succeeded: the older data now overwrites the newer. Send a "
        "key's writes one at a time, in order: hold its later writes until the earlier one is "
        "delivered or given up"
    )


def test_a_newer_write_that_failed_overtook_nothing() -> None:
    assert of(STALE_WRITE_OVERTOOK, judge([put(0, "a", 503), put(1, "b", 503), put(2, "a")])) == []


def test_the_same_write_sent_twice_is_no_stale_write() -> None:
    assert judge([put(0, "a"), put(100, "a")]) == []


# ---- poll-inside-lag -------------------------------------------------------------------------


def poll(
    to_date: str | None, *, from_date: str = "2026-01-01T00:00:00Z", status: int = 200
) -> Entry:
    query = f"fromDate={from_date}" + (f"&toDate={to_date}" if to_date is not None else "")
    return call(0, "GET", "/contact/updates/list", "getUpdatedContactsJson", status=status,
                query=query, sim_ms=NOW_MS)  # fmt: skip


def polled(*calls: Entry, lag_s: float | None = None) -> list[Verdict]:
    settings = Settings(lag_seconds={"shop": lag_s} if lag_s is not None else {})
    return of(POLL_INSIDE_LAG, judge(calls, settings))


def test_a_window_inside_the_lag_is_an_error_in_words() -> None:
    to_date = iso_utc(NOW_MS - 60_000)
    [verdict] = polled(poll(to_date), lag_s=900)
    assert verdict.severity == ERROR
    assert verdict.message == (
        f"asked the updates list for changes up to {to_date}, only 60 s before the simulated "
        f"now, inside the account's visibility lag of 900 s: changes made before then can still "
        f"appear and this window has passed them. End each window at least the lag, and no less "
        f"than 10 minutes, before now"
    )


def test_a_window_ending_after_now_says_how_far_after() -> None:
    to_date = iso_utc(NOW_MS + 30_000)
    [verdict] = polled(poll(to_date))
    assert verdict.severity == ERROR
    assert verdict.message.startswith(
        f"asked the updates list for changes up to {to_date}, 30 s after the simulated now, "
        f"inside the account's visibility lag of 0 s"
    )


def test_a_window_ending_at_now_without_a_lag_is_a_warning_in_words() -> None:
    to_date = iso_utc(NOW_MS)
    [verdict] = polled(poll(to_date))
    assert verdict.severity == WARNING
    assert verdict.message == (
        f"asked the updates list for changes up to {to_date}, only 0 s before the simulated "
        f"now, closer than the vendor's 10-minute margin: end each window at least 10 minutes "
        f"before now"
    )


def test_an_account_with_no_lag_set_has_none() -> None:
    [verdict] = polled(poll(iso_utc(NOW_MS - 500)))
    assert verdict.severity == WARNING


def test_a_window_ending_exactly_the_vendor_margin_before_now_is_fine() -> None:
    assert polled(poll(iso_utc(NOW_MS - VENDOR_MARGIN_MS))) == []
    assert len(polled(poll(iso_utc(NOW_MS - VENDOR_MARGIN_MS + 1)))) == 1


def test_a_window_ending_on_a_bare_date_ends_at_the_end_of_that_day() -> None:
    [verdict] = polled(poll("2026-09-21"))  # now is 16:13 that day in Amsterdam
    assert verdict.severity == ERROR


def test_only_answered_polls_with_a_readable_end_are_judged() -> None:
    to_date = iso_utc(NOW_MS - 60_000)
    calls = [
        call(0, "GET", "/contact/1", "getContact", status=200),
        poll(to_date, status=503),
        poll("soon"),
        poll(None),
        poll(to_date, from_date="2026-02-01T00:00:00Z"),
    ]
    [verdict] = polled(*calls)
    assert verdict.calls == (calls[4].id,)


def test_windows_are_told_apart_by_their_start_and_their_end() -> None:
    ends = [iso_utc(NOW_MS - 60_000), iso_utc(NOW_MS - 120_000)]
    starts = ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"]
    by_start = polled(*(poll(ends[0], from_date=start) for start in starts))
    assert len(by_start) == 2
    by_end = polled(*(poll(end) for end in ends))
    assert sorted(v.message.split(",")[0] for v in by_end) == sorted(
        f"asked the updates list for changes up to {end}" for end in ends
    )


# ---- no-backoff ------------------------------------------------------------------------------


def tries(
    waits: list[float], path: str = "/contact/1", *, start: float = 0, ok_at_end: bool = False
) -> list[Entry]:
    at, made = start, []
    for wait in [0.0, *waits]:
        at += wait
        made.append(call(at, "GET", path, "getContact", status=503, took_ms=0))
    if ok_at_end:
        made.append(call(at + 1, "GET", path, "getContact", status=200, took_ms=0))
    return made


def test_seven_steady_retries_are_named_with_six_intervals_and_an_ellipsis() -> None:
    [verdict] = judge(tries([1.0] * 7))
    assert verdict.message == (
        "retried the failing getContact 7 times at intervals that never grew (1 s, 1 s, 1 s, "
        "1 s, 1 s, 1 s, ...): back off, waiting longer after each failure (e.g. 1 min, 5 min, "
        "10 min, 1 h)"
    )


def test_six_steady_retries_are_named_with_all_six_intervals() -> None:
    [verdict] = judge(tries([1.0] * 6))
    assert "6 times at intervals that never grew (1 s, 1 s, 1 s, 1 s, 1 s, 1 s): back" in (
        verdict.message
    )


def test_an_interval_a_tenth_longer_than_the_one_before_grew() -> None:
    assert judge(tries([1.0, 1.1])) == []
    assert len(judge(tries([1.0, 1.09]))) == 1


def test_every_run_of_every_call_is_judged() -> None:
    other = tries([1.0, 1.0], path="/contact/2")
    first_run = tries([1.0, 1.0], ok_at_end=True, start=10)
    second_run = tries([1.0, 1.0], start=100)
    found = judge([*other, *first_run, *second_run])
    assert [(v.rule, v.calls[0]) for v in found] == [
        (NO_BACKOFF, other[0].id), (NO_BACKOFF, first_run[0].id), (NO_BACKOFF, second_run[0].id),
    ]  # fmt: skip


GROWING = [0.1, 0.4, 0.8, 1.6, 3.0]  # each wait at least 1.1 times the one before


def test_six_retries_within_exactly_the_burst_span_are_a_burst() -> None:
    [verdict] = judge(tries([*GROWING, 4.2]))  # the 2nd to the 7th call: 10 s apart
    assert verdict.message == (
        "retried the failing getContact 6 times within 10 s without a Retry-After asking for "
        "it: back off, waiting longer after each failure, and cap the retries"
    )
    assert judge(tries([*GROWING, 4.205])) == []
