"""Each verdict rule fires on its offending sequence and stays silent on the correct twin.

Sequences are built as journal rows, the way the store hands them to the rules; where a rule is
about intervals or order, hypothesis draws them.
"""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

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
from tests.journal_rows import INSERT, call, contact


def rules(verdicts: list[Verdict]) -> list[tuple[str, str]]:
    return [(v.rule, v.severity) for v in verdicts]


# ---- retry-before-retry-after ----------------------------------------------------------------


def test_a_retry_0_4_s_after_a_429_asking_for_30_s_is_named_with_both_times() -> None:
    first = call(0, "GET", "/contact/1", "getContact", status=429, retry_after=30)
    again = call(0.405, "GET", "/contact/1", "getContact", status=200)
    [verdict] = judge([first, again])
    assert (verdict.rule, verdict.severity) == (RETRY_BEFORE_RETRY_AFTER, ERROR)
    assert verdict.calls == (first.id, again.id)
    assert "0.4 s after a 429 that asked for 30 s: wait for Retry-After" in verdict.message
    assert verdict.account == "shop" and verdict.label == "shop"


@given(retry_after=st.integers(1, 120), waited=st.floats(0, 200))
def test_a_retry_is_judged_by_whether_the_retry_after_elapsed(
    retry_after: int, waited: float
) -> None:
    first = call(0, "POST", "/contact", "insertContact", body=contact("1", "a@x.nl"),
                 status=429, retry_after=retry_after, took_ms=3)  # fmt: skip
    again = call(0.003 + waited, "POST", "/contact", "insertContact", body=contact("1", "a@x.nl"))
    found = [v for v in judge([first, again]) if v.rule == RETRY_BEFORE_RETRY_AFTER]
    assert bool(found) == (waited * 1000 + 2 < retry_after * 1000)


def test_another_call_inside_the_retry_after_is_no_retry() -> None:
    first = call(0, "GET", "/contact/1", "getContact", status=429, retry_after=30)
    other = call(1, "GET", "/contact/2", "getContact", status=200)
    assert judge([first, other]) == []


# ---- retried-permanent-error -----------------------------------------------------------------


def test_resending_a_refused_call_unchanged_is_a_retried_permanent_error() -> None:
    bad = contact("7", "not-an-address")
    sent = [call(i, *INSERT, body=bad, status=400, error_type="INVALID_PROPERTY") for i in range(3)]
    [verdict] = judge(sent)
    assert (verdict.rule, verdict.severity) == (RETRIED_PERMANENT_ERROR, ERROR)
    assert verdict.calls == tuple(e.id for e in sent) and verdict.entity == "contact 7"
    assert "again unchanged 2 times after it was refused with 400 INVALID_PROPERTY" in (
        verdict.message
    )


def test_a_fixed_call_after_a_refusal_is_fine() -> None:
    refused = call(0, *INSERT, body=contact("7", "nope"), status=400, error_type="INVALID_PROPERTY")
    fixed = call(1, *INSERT, body=contact("7", "seven@example.com"))
    assert judge([refused, fixed]) == []


def test_asking_again_after_the_entity_was_written_is_no_retry() -> None:
    def missing(at: float) -> Entry:
        return call(at, "GET", "/contact/7", "getContact", status=404,
                    error_type="CONTACT_NOT_FOUND")  # fmt: skip

    made = call(1, *INSERT, body=contact("7", "seven@example.com"))
    found = call(2, "GET", "/contact/7", "getContact", status=200)
    assert judge([missing(0), made, found]) == []
    assert rules(judge([missing(0), missing(60)])) == [(RETRIED_PERMANENT_ERROR, ERROR)]


# ---- duplicate-after-lost-response -----------------------------------------------------------


def test_an_insert_resent_after_a_lost_answer_and_refused_as_a_duplicate_is_an_error() -> None:
    body = contact("9", "nine@example.com")
    lost = call(0, *INSERT, body=body, status=None, fault="lostResponse")
    again = call(1, *INSERT, body=body, status=400, error_type="CONTACT_ALREADY_EXISTS")
    [verdict] = judge([lost, again])
    assert (verdict.rule, verdict.severity) == (DUPLICATE_AFTER_LOST_RESPONSE, ERROR)
    assert verdict.calls == (lost.id, again.id) and verdict.entity == "contact 9"
    assert 'replay an insert whose answer was lost as an upsert ("update": true)' in verdict.message


def test_an_insert_replayed_as_an_upsert_after_a_lost_answer_is_fine() -> None:
    lost = call(0, *INSERT, body=contact("9", "n@x.nl"), status=None, fault="lostResponse")
    upsert = call(1, *INSERT, body=contact("9", "n@x.nl", update=True))
    assert judge([lost, upsert]) == []


def test_a_conversion_replayed_after_a_lost_answer_draws_a_warning() -> None:
    body = {"mailplusId": "abc", "type": "CONVERT_SHOPPINGCART", "interactionDate": "2026-11-02"}
    lost = call(0, "POST", "/conversion", "createConversionInteraction", body=body, status=None,
                fault="lostResponse")  # fmt: skip
    failed = call(1, "POST", "/conversion", "createConversionInteraction", body=body, status=503)
    applied = call(2, "POST", "/conversion", "createConversionInteraction", body=body)
    verdicts = [v for v in judge([lost, failed, applied]) if v.rule != NO_BACKOFF]
    assert rules(verdicts) == [(DUPLICATE_AFTER_LOST_RESPONSE, WARNING)]
    assert verdicts[0].calls == (lost.id, applied.id)
    assert judge([lost]) == []


# ---- stale-write-overtook --------------------------------------------------------------------


@given(retry_at=st.floats(0.5, 20), newer_at=st.floats(0.5, 20))
def test_a_retried_write_is_stale_only_when_a_newer_write_succeeded_before_it(
    retry_at: float, newer_at: float
) -> None:
    old = {"contact": {"properties": {"email": "old@example.com"}}}
    new = {"contact": {"properties": {"email": "new@example.com"}}}
    first = call(0, "PUT", "/contact/5", "updateContact", body=old, status=503)
    newer = call(newer_at, "PUT", "/contact/5", "updateContact", body=new)
    retry = call(retry_at, "PUT", "/contact/5", "updateContact", body=old)
    found = [v for v in judge([first, newer, retry]) if v.rule == STALE_WRITE_OVERTOOK]
    # calls that arrive in the same millisecond are ordered as the journal numbered them
    assert bool(found) == ((newer.arrived_ms, newer.id) < (retry.arrived_ms, retry.id))
    if found:
        assert found[0].calls == (first.id, newer.id, retry.id)
        assert "the older data now overwrites the newer" in found[0].message


def test_writes_of_two_entities_never_overtake_each_other() -> None:
    first = call(0, "PUT", "/contact/5", "updateContact", body={"a": 1}, status=503)
    other = call(1, "PUT", "/contact/6", "updateContact", body={"a": 2})
    retry = call(2, "PUT", "/contact/5", "updateContact", body={"a": 1})
    assert judge([first, other, retry]) == []


# ---- poll-inside-lag -------------------------------------------------------------------------

NOW_MS = 1_790_000_000_000


@given(lag_s=st.sampled_from([0, 60, 300, 900, 3600]), behind_s=st.integers(-600, 7200))
def test_a_poll_window_is_judged_against_the_lag_and_the_vendor_margin(
    lag_s: int, behind_s: int
) -> None:
    to_date = iso_utc(NOW_MS - behind_s * 1000)
    query = f"fromDate=2026-01-01T00:00:00Z&toDate={to_date}"
    poll = call(0, "GET", "/contact/updates/list", "getUpdatedContactsJson", status=200,
                query=query, sim_ms=NOW_MS)  # fmt: skip
    found = judge([poll], Settings(lag_seconds={"shop": lag_s}))
    behind_ms = behind_s * 1000
    if behind_ms < lag_s * 1000 or behind_ms < 0:
        assert rules(found) == [(POLL_INSIDE_LAG, ERROR)]
        assert "inside the account's visibility lag" in found[0].message
    elif behind_ms < VENDOR_MARGIN_MS:
        assert rules(found) == [(POLL_INSIDE_LAG, WARNING)]
        assert "closer than the vendor's 10-minute margin" in found[0].message
    else:
        assert found == []


def test_the_pages_of_one_window_draw_one_verdict() -> None:
    query = f"fromDate=2026-01-01T00:00:00Z&toDate={iso_utc(NOW_MS)}"
    pages = [
        call(i, "GET", "/contact/bounces/list", "getBouncedContactsJson", status=200,
             query=query + f"&after={i * 100}", sim_ms=NOW_MS)
        for i in range(3)
    ]  # fmt: skip
    [verdict] = judge(pages)
    assert verdict.calls == tuple(p.id for p in pages)
    assert "asked the bounces list for changes up to" in verdict.message


# ---- no-backoff ------------------------------------------------------------------------------


def attempts(
    waits: list[float], *, status: int = 503, retry_after: int | None = None
) -> list[Entry]:
    at, made = 0.0, []
    for wait in [0.0, *waits]:
        at += wait
        made.append(call(at, "GET", "/contact/1", "getContact", status=status, took_ms=0,
                         retry_after=retry_after))  # fmt: skip
    return made


@given(step=st.floats(0.05, 60), count=st.integers(2, 8))
def test_retrying_at_a_steady_interval_draws_no_backoff(step: float, count: int) -> None:
    found = judge(attempts([step] * count))
    assert rules(found) == [(NO_BACKOFF, WARNING)]
    assert f"{count} times at intervals that never grew" in found[0].message


@given(first=st.floats(0.05, 30), factor=st.floats(1.5, 4), count=st.integers(2, 5))
def test_a_growing_backoff_draws_nothing(first: float, factor: float, count: int) -> None:
    waits = [first * factor**i for i in range(count)]
    if sum(1 for w in itertools.accumulate(waits) if w <= 10) <= 5:
        assert judge(attempts(waits)) == []


def test_many_retries_in_a_short_span_draw_no_backoff_even_when_growing() -> None:
    found = judge(attempts([0.05, 0.1, 0.2, 0.4, 0.8, 1.6]), Settings(burst_attempts=5))
    assert rules(found) == [(NO_BACKOFF, WARNING)]
    assert "6 times within 10 s" in found[0].message
    assert judge(attempts([0.05, 0.1, 0.2, 0.4, 0.8, 1.6]), Settings(burst_attempts=6)) == []


def test_retries_a_retry_after_asked_for_draw_no_backoff() -> None:
    assert judge(attempts([2.0] * 6, status=429, retry_after=2)) == []


def test_calls_of_two_authentications_are_judged_apart() -> None:
    first = call(0, "GET", "/contact/1", "getContact", status=429, retry_after=30, label="shop")
    other = call(0.4, "GET", "/contact/1", "getContact", status=200, label="crm")
    assert judge([first, other]) == []
