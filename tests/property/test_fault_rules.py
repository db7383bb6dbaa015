"""Fault rules fire replayably and respect their counters, for any seed and probability."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.domain.faults import Call, FaultRule

EFFECT = {"type": "status", "status": 503}
counts = st.integers(min_value=0, max_value=20)


@given(seed=st.integers(), probability=st.floats(0, 1), n=st.integers(1, 200))
def test_the_nth_match_always_gets_the_same_answer(seed: int, probability: float, n: int) -> None:
    one = FaultRule(1, EFFECT, probability=probability, seed=seed)
    twin = FaultRule(2, EFFECT, probability=probability, seed=seed)
    assert [one.fires(i) for i in range(1, n + 1)] == [twin.fires(i) for i in range(1, n + 1)]


@given(first=st.none() | st.integers(1, 20), after=st.none() | counts, n=st.integers(1, 60))
def test_first_and_after_bound_the_firings(first: int | None, after: int | None, n: int) -> None:
    rule = FaultRule(1, EFFECT, first=first, after=after)
    fired = [i for i in range(1, n + 1) if rule.fires(i)]
    low = (after or 0) + 1
    high = min(n, first) if first is not None else n
    assert fired == list(range(low, high + 1))


@given(probability=st.floats(0.05, 0.95), seed=st.integers())
def test_the_share_of_firings_follows_the_probability(probability: float, seed: int) -> None:
    rule = FaultRule(1, EFFECT, probability=probability, seed=seed)
    share = sum(rule.fires(i) for i in range(1, 2001)) / 2000
    assert abs(share - probability) < 0.06


@given(
    method=st.sampled_from(["GET", "POST", "PUT"]),
    rule_method=st.none() | st.sampled_from(["GET", "post", "*"]),
    now=st.integers(0, 100),
)
def test_matching_by_method_and_window(method: str, rule_method: str | None, now: int) -> None:
    rule = FaultRule(1, EFFECT, method=rule_method, window=(10, 50))
    call = Call(method, "/contact/1", "/contact/{externalId}", "demo", "webshop", now)
    method_ok = rule_method in (None, "*") or rule_method.upper() == method
    assert rule.matches(call) == (method_ok and 10 <= now <= 50)


@given(
    path=st.sampled_from(
        ["/contact/{externalId}", "/contact/*", "/contact/1", "/product/*", "/contact"]
    )
)
def test_a_path_matches_as_template_or_glob(path: str) -> None:
    call = Call("GET", "/contact/1", "/contact/{externalId}", None, None, 0)
    assert FaultRule(1, EFFECT, path=path).matches(call) == (path not in ("/product/*", "/contact"))
