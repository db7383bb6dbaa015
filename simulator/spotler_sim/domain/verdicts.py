"""Verdicts: what a connector did wrong, read from the journal of its calls, and what to do instead.

Every rule is a pure function over the calls of one authentication (account and label) in the
order they arrived. They see only what the journal holds, so they judge any client in any
language, served or in-process. Times are the calls' arrival and answer times on the wall clock
(a client waits in real seconds); the polling rule also reads the simulated time of the call,
because the windows it asks for are in simulated time.

Rules (``RULES``):

- ``retry-before-retry-after`` (error): the same call (method, path, query without the OAuth
  parameters, body) arrives again before the Retry-After of a 429 or 503 answered to it elapsed.
- ``retried-permanent-error`` (error): the same call is sent again unchanged after a 4xx with an
  errorType (not a 429), while nothing was written to its entity in between.
- ``duplicate-after-lost-response``: after the answer to a plain insert was lost, an insert of
  the same entity is refused as a duplicate (error); after the answer to a conversion or a
  campaign or automation trigger was lost, the same call is applied again (warning).
- ``stale-write-overtook`` (error): a retried write of an entity succeeds after a different
  write of the same entity, sent after the retried one was first tried, had succeeded.
- ``poll-inside-lag``: an updates or bounces window ends after the simulated now minus the
  account's visibility lag (error), or closer to now than the vendor's 10 minutes (warning).
- ``no-backoff`` (warning): a failing call is retried at intervals that never grow, or more than
  ``Settings.burst_attempts`` times within ``Settings.burst_seconds``, without a Retry-After
  asking for it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl, urlencode

from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms
from spotler_sim.errors import SpotlerError

ERROR, WARNING = "error", "warning"
SEVERITIES = (ERROR, WARNING)
RETRY_BEFORE_RETRY_AFTER = "retry-before-retry-after"
RETRIED_PERMANENT_ERROR = "retried-permanent-error"
DUPLICATE_AFTER_LOST_RESPONSE = "duplicate-after-lost-response"
STALE_WRITE_OVERTOOK = "stale-write-overtook"
POLL_INSIDE_LAG = "poll-inside-lag"
NO_BACKOFF = "no-backoff"
RULES = (
    RETRY_BEFORE_RETRY_AFTER, RETRIED_PERMANENT_ERROR, DUPLICATE_AFTER_LOST_RESPONSE,
    STALE_WRITE_OVERTOOK, POLL_INSIDE_LAG, NO_BACKOFF,
)  # fmt: skip

VENDOR_MARGIN_MS = 10 * 60 * 1000  # Spotler's advice: poll windows end 10 minutes before now
# The journal's wall clock is kept in whole milliseconds at both ends of a call.
CLOCK_GRAIN_MS = 2.0
# An interval "grew" when it is at least this much longer than the one before it.
GROWTH = 1.1

# operationId -> (entity, the body member holding the externalId, or None: the last path segment)
ENTITY_KEYS: dict[str, tuple[str, str | None]] = {
    "insertContact": ("contact", "contact"),
    "getContact": ("contact", None),
    "updateContact": ("contact", None),
    "anonymizeContact": ("contact", None),
    "inactivateContact": ("contact", None),
    "insertProduct": ("product", "product"),
    "getProduct": ("product", None),
    "updateProduct": ("product", None),
    "deleteProduct": ("product", None),
    "insertOrder": ("order", "order"),
    "updateOrder": ("order", None),
    "deleteOrder": ("order", None),
}
# Inserts that refuse an entity that exists (unless sent with "update": true).
INSERTS = frozenset({"insertContact", "insertProduct", "insertOrder"})
DUPLICATE_ERRORS = frozenset({"CONTACT_ALREADY_EXISTS", "ID_NOTUNIQUE"})
# Calls with no id Spotler could match: each one that is applied counts again.
APPLIED_EACH_TIME = {
    "createConversionInteraction": "conversion",
    "triggerCampaign": "campaign trigger",
    "triggerAutomation": "automation trigger",
}
POLLS = {"getUpdatedContactsJson": "updates", "getBouncedContactsJson": "bounces"}
# Fault effects after which the call was applied but its answer never read.
LOST_EFFECTS = frozenset({"lostResponse", "malformed"})


@dataclass(frozen=True)
class Entry:
    """What a rule sees of one journal entry."""

    id: int
    arrived_ms: float  # wall clock
    answered_ms: float  # wall clock
    sim_ms: int
    method: str
    path: str
    query: str = ""
    body: str = ""
    operation: str | None = None
    status: int | None = None  # None: the connection was dropped
    error_type: str | None = None
    account: str | None = None
    label: str | None = None
    key: str | None = None
    fault_effect: str | None = None
    fault_id: int | None = None
    retry_after_s: float | None = None

    @classmethod
    def from_journal(cls, row: Mapping[str, Any]) -> Entry:
        """An entry from a journal row (the store's column names)."""
        headers = {k.lower(): v for k, v in json.loads(row.get("response_headers") or "{}").items()}
        retry_after = str(headers.get("retry-after", ""))
        answered = float(row["wall_ms"])
        return cls(
            id=int(row["id"]),
            arrived_ms=answered - float(row["duration_ms"]),
            answered_ms=answered,
            sim_ms=int(row["sim_ms"]),
            method=str(row["method"]),
            path=str(row["path"]),
            query=str(row.get("query") or ""),
            body=str(row.get("request_body") or ""),
            operation=row.get("operation"),
            status=row.get("status"),
            error_type=row.get("error_type"),
            account=row.get("account"),
            label=row.get("label"),
            key=row.get("key"),
            fault_effect=row.get("fault_effect"),
            fault_id=row.get("fault_id"),
            retry_after_s=float(retry_after) if retry_after.isdigit() else None,
        )

    # ---- what the rules ask of a call ----------------------------------------------------------

    @cached_property
    def document(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @cached_property
    def call(self) -> tuple[str, str, str, str]:
        """The call's identity: method, path, query without OAuth parameters, body."""
        query = sorted((k, v) for k, v in parse_qsl(self.query, True) if not k.startswith("oauth_"))
        body = self.body
        if self.document is not None:
            body = json.dumps(self.document, sort_keys=True, separators=(",", ":"))
        return self.method, self.path, urlencode(query), body

    @cached_property
    def entity(self) -> tuple[str, str] | None:
        """(kind, externalId) of the contact, product or order a call names, if it names one."""
        found = ENTITY_KEYS.get(self.operation or "")
        if found is None:
            return None
        kind, member = found
        if member is None:
            return kind, self.path.rstrip("/").rsplit("/", 1)[-1]
        inner = self.document.get(member) if isinstance(self.document, dict) else None
        external_id = inner.get("externalId") if isinstance(inner, dict) else None
        return (kind, str(external_id)) if external_id is not None else None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and self.status < 400 and not self.lost

    @property
    def lost(self) -> bool:
        """Applied, but its answer never reached the client."""
        return self.fault_effect in LOST_EFFECTS and (self.status is None or self.status < 400)

    @property
    def applied(self) -> bool:
        return self.succeeded or self.lost

    @property
    def failed(self) -> bool:
        """A failure worth trying again: no answer, a 5xx or a 429."""
        return self.status is None or self.status >= 500 or self.status == 429 or self.lost

    @property
    def permanent(self) -> bool:
        """A refusal that is answered the same way every time: a 4xx with an errorType."""
        return (
            self.status is not None
            and 400 <= self.status < 500
            and self.status not in (408, 429)
            and bool(self.error_type)
        )

    @property
    def write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    @property
    def upsert(self) -> bool:
        return isinstance(self.document, dict) and self.document.get("update") is True

    @property
    def what(self) -> str:
        return self.operation or f"{self.method} {self.path}"


@dataclass(frozen=True)
class Verdict:
    rule: str
    severity: str
    account: str | None
    label: str | None
    operation: str | None
    entity: str | None  # e.g. "contact 1001"
    calls: tuple[int, ...]  # journal ids, in arrival order
    at_ms: float  # wall-clock arrival of the last call involved
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "account": self.account,
            "label": self.label,
            "operation": self.operation,
            "entityKey": self.entity,
            "calls": list(self.calls),
            "at": iso_utc(int(self.at_ms)),
            "message": self.message,
        }


@dataclass(frozen=True)
class Settings:
    """What the rules need beyond the journal."""

    lag_seconds: Mapping[str, float] = field(default_factory=dict)  # account -> longest lag
    burst_attempts: int = 5  # more retries than this within burst_seconds draw no-backoff
    burst_seconds: float = 10.0


def judge(entries: Iterable[Entry], settings: Settings | None = None) -> list[Verdict]:
    """Every verdict the entries draw, oldest last call first."""
    settings = settings or Settings()
    found: list[Verdict] = []
    for calls in _by_caller(entries).values():
        for rule in (
            retry_before_retry_after, retried_permanent_error, duplicate_after_lost_response,
            stale_write_overtook, no_backoff,
        ):  # fmt: skip
            found += rule(calls, settings)
        found += poll_inside_lag(calls, settings)
    return sorted(found, key=lambda v: (v.calls[-1], v.rule))


def _by_caller(entries: Iterable[Entry]) -> dict[tuple[str | None, str | None], list[Entry]]:
    """Calls per authentication (by Key when the call was not authenticated), in arrival order."""
    groups: dict[tuple[str | None, str | None], list[Entry]] = defaultdict(list)
    for entry in entries:
        who = (entry.account, entry.label) if entry.account else (None, entry.key)
        groups[who].append(entry)
    return {who: sorted(calls, key=lambda e: (e.arrived_ms, e.id)) for who, calls in groups.items()}


def _seconds(ms: float) -> str:
    text = f"{max(ms, 0) / 1000:.1f}".rstrip("0").rstrip(".")
    return f"{text} s"


def _verdict(rule: str, severity: str, calls: Sequence[Entry], message: str) -> Verdict:
    last = calls[-1]
    entity = next((e.entity for e in calls if e.entity), None)
    return Verdict(
        rule=rule,
        severity=severity,
        account=last.account,
        label=last.label,
        operation=last.operation,
        entity=f"{entity[0]} {entity[1]}" if entity else None,
        calls=tuple(e.id for e in calls),
        at_ms=last.arrived_ms,
        message=message,
    )


def _same_calls(calls: Sequence[Entry]) -> dict[tuple[str, str, str, str], list[int]]:
    """Positions of each distinct call, in arrival order."""
    found: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for index, entry in enumerate(calls):
        found[entry.call].append(index)
    return found


def _next_same(
    calls: Sequence[Entry], positions: Mapping[Any, list[int]], index: int
) -> int | None:
    after = [p for p in positions[calls[index].call] if p > index]
    return after[0] if after else None


# ---- the rules ------------------------------------------------------------------------------


def retry_before_retry_after(calls: Sequence[Entry], _: Settings) -> list[Verdict]:
    positions = _same_calls(calls)
    found = []
    for index, first in enumerate(calls):
        if first.status not in (429, 503) or first.retry_after_s is None:
            continue
        retry = _next_same(calls, positions, index)
        if retry is None:
            continue
        waited = calls[retry].arrived_ms - first.answered_ms
        asked = first.retry_after_s * 1000
        if waited + CLOCK_GRAIN_MS < asked:
            found.append(
                _verdict(
                    RETRY_BEFORE_RETRY_AFTER,
                    ERROR,
                    (first, calls[retry]),
                    f"retried {first.what} {_seconds(waited)} after a {first.status} that asked "
                    f"for {_seconds(asked)}: wait for Retry-After before sending the call again",
                )
            )
    return found


def retried_permanent_error(calls: Sequence[Entry], _: Settings) -> list[Verdict]:
    positions = _same_calls(calls)
    found = []
    repeated: set[int] = set()
    for index, refused in enumerate(calls):
        if not refused.permanent or index in repeated:
            continue
        chain = [index]
        while (nxt := _next_same(calls, positions, chain[-1])) is not None:
            between = calls[chain[-1] + 1 : nxt]
            if refused.entity and any(c.applied and c.entity == refused.entity for c in between):
                break  # the entity changed meanwhile: the call may pass now
            chain.append(nxt)
            if not calls[nxt].permanent:
                break
        if len(chain) < 2:
            continue
        repeated.update(chain)
        again = len(chain) - 1
        found.append(
            _verdict(
                RETRIED_PERMANENT_ERROR,
                ERROR,
                [calls[i] for i in chain],
                f"sent {refused.what} again unchanged {again} time{'s' * (again > 1)} after it "
                f"was refused with {refused.status} {refused.error_type}: a 4xx with an errorType "
                f"is answered the same way every time; fix the data or the call instead of "
                f"retrying it",
            )
        )
    return found


def duplicate_after_lost_response(calls: Sequence[Entry], _: Settings) -> list[Verdict]:
    found = []
    for index, lost in enumerate(calls):
        if not lost.lost:
            continue
        later = calls[index + 1 :]
        if lost.operation in INSERTS and not lost.upsert and lost.entity:
            for again in later:
                if again.operation != lost.operation or again.entity != lost.entity:
                    continue
                if again.error_type in DUPLICATE_ERRORS:
                    kind, external_id = lost.entity
                    found.append(
                        _verdict(
                            DUPLICATE_AFTER_LOST_RESPONSE,
                            ERROR,
                            (lost, again),
                            f"re-sent the insert of {kind} {external_id!r} after its answer was "
                            f"lost and it was refused as a duplicate ({again.error_type}): the "
                            f"first attempt was stored; replay an insert whose answer was lost as "
                            f'an upsert ("update": true)',
                        )
                    )
                if not again.failed:
                    break
        elif lost.operation in APPLIED_EACH_TIME:
            what = APPLIED_EACH_TIME[lost.operation]
            for again in later:
                if again.call != lost.call:
                    continue
                if again.applied:
                    found.append(
                        _verdict(
                            DUPLICATE_AFTER_LOST_RESPONSE,
                            WARNING,
                            (lost, again),
                            f"replayed a {what} whose answer was lost, and it was applied again: "
                            f"Spotler now counts it twice. A {what} has no id Spotler can match, "
                            f"so decide whether at-least-once is acceptable, or do not replay it",
                        )
                    )
                    break
                if not again.failed:
                    break
    return found


def stale_write_overtook(calls: Sequence[Entry], _: Settings) -> list[Verdict]:
    writes: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in calls:
        if entry.write and entry.entity:
            writes[entry.entity].append(entry)
    found = []
    for entity, history in writes.items():
        for position, retried in enumerate(history):
            if not retried.succeeded:
                continue
            # the earliest of the failed attempts of this same call just before it
            first = None
            for earlier in reversed(history[:position]):
                if earlier.call != retried.call:
                    continue
                if earlier.succeeded:
                    break
                first = earlier
            if first is None:
                continue
            start = history.index(first)
            newer = next(
                (w for w in history[start + 1 : position] if w.call != retried.call and w.applied),
                None,
            )
            if newer is None:
                continue
            kind, external_id = entity
            found.append(
                _verdict(
                    STALE_WRITE_OVERTOOK,
                    ERROR,
                    (first, newer, retried),
                    f"a retry of an older {retried.what} of {kind} {external_id!r} succeeded "
                    f"after a later {newer.what} of it had succeeded: the older data now "
                    f"overwrites the newer. Send a key's writes one at a time, in order: hold "
                    f"its later writes until the earlier one is delivered or given up",
                )
            )
    return found


def poll_inside_lag(calls: Sequence[Entry], settings: Settings) -> list[Verdict]:
    windows: dict[tuple[str, str, str], list[tuple[Entry, int, int]]] = defaultdict(list)
    for entry in calls:
        if entry.operation not in POLLS or not entry.succeeded:
            continue
        params = dict(parse_qsl(entry.query))  # a blank parameter reads as a missing one
        try:
            to_ms = parse_instant_ms(params.get("toDate", ""), name="toDate", end_of_day=True)
        except SpotlerError:
            continue
        lag_ms = round(settings.lag_seconds.get(entry.account or "", 0) * 1000)
        behind = entry.sim_ms - to_ms  # how long before the simulated now the window ends
        if behind < max(lag_ms, VENDOR_MARGIN_MS):
            key = (entry.operation or "", params.get("fromDate", ""), params.get("toDate", ""))
            windows[key].append((entry, behind, lag_ms))
    found = []
    for (operation, _, to_date), seen in windows.items():
        entries = [e for e, _, _ in seen]
        behind = min(b for _, b, _ in seen)
        lag_ms = seen[0][2]
        where = (
            f"{_seconds(-behind)} after the simulated now"
            if behind < 0
            else f"only {_seconds(behind)} before the simulated now"
        )
        asked = f"asked the {POLLS[operation]} list for changes up to {to_date}, {where}"
        if behind < lag_ms or behind < 0:
            severity = ERROR
            message = (
                f"{asked}, inside the account's visibility lag of {_seconds(lag_ms)}: changes "
                f"made before then can still appear and this window has passed them. End each "
                f"window at least the lag, and no less than 10 minutes, before now"
            )
        else:
            severity = WARNING
            message = (
                f"{asked}, closer than the vendor's 10-minute margin: end each window at least "
                f"10 minutes before now"
            )
        found.append(_verdict(POLL_INSIDE_LAG, severity, entries, message))
    return found


def no_backoff(calls: Sequence[Entry], settings: Settings) -> list[Verdict]:
    found = []
    for indexes in _same_calls(calls).values():
        run: list[Entry] = []
        for index in indexes:
            entry = calls[index]
            if run and not run[-1].failed:
                found += _judge_run(run, settings)
                run = []
            run.append(entry)
        found += _judge_run(run, settings)
    return found


def _judge_run(run: list[Entry], settings: Settings) -> list[Verdict]:
    """One failing call and its retries: each retry follows a failure."""
    unasked = [
        (retry.arrived_ms - failure.answered_ms, retry)
        for failure, retry in pairwise(run)
        if failure.retry_after_s is None
    ]
    if not unasked:
        return []
    waits = [wait for wait, _ in unasked]
    steady = len(waits) >= 2 and all(later < earlier * GROWTH for earlier, later in pairwise(waits))
    span = settings.burst_seconds * 1000
    times = [retry.arrived_ms for _, retry in unasked]
    busiest = max(sum(1 for t in times[i:] if t - start <= span) for i, start in enumerate(times))
    what = run[0].what
    intervals = ", ".join(_seconds(w) for w in waits[:6]) + (", ..." if len(waits) > 6 else "")
    if steady:
        message = (
            f"retried the failing {what} {len(waits)} times at intervals that never grew "
            f"({intervals}): back off, waiting longer after each failure (e.g. 1 min, 5 min, "
            f"10 min, 1 h)"
        )
    elif busiest > settings.burst_attempts:
        message = (
            f"retried the failing {what} {busiest} times within "
            f"{_seconds(span)} without a Retry-After asking for it: back off, waiting longer "
            f"after each failure, and cap the retries"
        )
    else:
        return []
    return [_verdict(NO_BACKOFF, WARNING, run, message)]
