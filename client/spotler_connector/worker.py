"""The worker: drains the outbox through a SpotlerClient, one call per key at a time.

Idempotency, or why a lost answer never becomes a duplicate or a spurious failure. When an
attempt ends without an answer after the request left (a reset, a timeout, a cut-off body), the
call may or may not have been applied. The queue marks it *ambiguous* and tries again, and every
operation is written so that applying it twice leaves Spotler as applying it once:

- contact and product inserts are replayed as upserts (``update: true``), so a second attempt
  updates what the first created instead of failing with "already exists";
- orders are keyed by their external id and replayed as upserts of that id: no second order;
- updates (PUT) carry the whole new state and are idempotent by nature;
- deletes and anonymizations that find nothing on a replay count as delivered: the first
  attempt did the work.

Conversions and campaign or automation triggers carry no id Spotler could match, so a replay
after a lost answer may record them twice; they are at-least-once, and said so here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spotler_connector.api import SpotlerClient
from spotler_connector.errors import NotFound, SpotlerError, TransportError
from spotler_connector.queue import Call, Failure, Outbox

Operation = Callable[[SpotlerClient, Call, bool], None]  # (client, call, replay)


def _contact_insert(api: SpotlerClient, call: Call, replay: bool) -> None:
    p = call.payload
    api.insert_contact(call.key, p["properties"], update=replay or p.get("update", False),
                       purge=p.get("purge", False))  # fmt: skip


def _forgiving_replay(action: Callable[[], None], replay: bool) -> None:
    try:
        action()
    except NotFound:
        if not replay:
            raise  # first attempt: it really was not there


# Writes of products or orders, keyed by their external id: an insert is replayed as an upsert,
# a delete that finds nothing on a replay is done. The entity comes from the operation's name
# ("product.insert" calls insert_product), so one function serves both.


def _entity_method(api: SpotlerClient, call: Call, verb: str) -> Callable[..., None]:
    kind = call.operation.partition(".")[0]
    return getattr(api, f"{verb}_{kind}")  # type: ignore[no-any-return]


def _entity_insert(api: SpotlerClient, call: Call, replay: bool) -> None:
    _entity_method(api, call, "insert")(call.payload, update=replay)


def _entity_upsert(api: SpotlerClient, call: Call, _: bool) -> None:
    _entity_method(api, call, "insert")(call.payload, update=True)


def _entity_update(api: SpotlerClient, call: Call, _: bool) -> None:
    _entity_method(api, call, "update")(call.key, call.payload)


def _entity_delete(api: SpotlerClient, call: Call, replay: bool) -> None:
    _forgiving_replay(lambda: _entity_method(api, call, "delete")(call.key), replay)


def _contact_upsert(api: SpotlerClient, call: Call, _: bool) -> None:
    api.upsert_contact(call.key, call.payload["properties"], purge=call.payload.get("purge", False))


def _contact_update(api: SpotlerClient, call: Call, _: bool) -> None:
    api.update_contact(call.key, call.payload["properties"], purge=call.payload.get("purge", False))


def _contact_anonymize(api: SpotlerClient, call: Call, replay: bool) -> None:
    _forgiving_replay(lambda: api.anonymize_contact(call.key), replay)


def _conversion_create(api: SpotlerClient, call: Call, _: bool) -> None:
    api.create_conversion(call.payload)


def _campaign_trigger(api: SpotlerClient, call: Call, _: bool) -> None:
    payload = call.payload
    api.trigger_campaign(payload["triggerId"], call.key, payload.get("campaignFields"))


def _automation_trigger(api: SpotlerClient, call: Call, _: bool) -> None:
    api.trigger_automation(call.payload["code"], call.key)


_ENTITY_VERBS: dict[str, Operation] = {
    "insert": _entity_insert,
    "upsert": _entity_upsert,
    "update": _entity_update,
    "delete": _entity_delete,
}
OPERATIONS: dict[str, Operation] = {
    "contact.insert": _contact_insert,
    "contact.upsert": _contact_upsert,
    "contact.update": _contact_update,
    "contact.anonymize": _contact_anonymize,
    **{f"{kind}.{verb}": op for kind in ("product", "order") for verb, op in _ENTITY_VERBS.items()},
    "conversion.create": _conversion_create,
    "campaign.trigger": _campaign_trigger,
    "automation.trigger": _automation_trigger,
}


def failure_of(error: SpotlerError) -> Failure:
    """What the queue needs to know of an error."""
    return Failure(
        message=error.message,
        transient=error.transient,
        status=error.status,
        error_type=error.error_type or (type(error).__name__ if error.status is None else None),
        retry_after=error.retry_after,
        maybe_applied=isinstance(error, TransportError) and error.sent,
    )


@dataclass
class Progress:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lost_leases: int = 0


@dataclass
class Worker:
    """Claims due calls, sends them, records the outcome. ``stop`` ends it between calls."""

    outbox: Outbox
    api: SpotlerClient
    lease_seconds: float = 120
    batch: int = 20
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Progress = field(default_factory=Progress)

    def send(self, call: Call) -> None:
        """One attempt at one claimed call."""
        operation = OPERATIONS.get(call.operation)
        if operation is None:
            failure = Failure(
                f"unknown operation {call.operation!r}: use one of {', '.join(sorted(OPERATIONS))}",
                transient=False,
                error_type="UNKNOWN_OPERATION",
            )
            self._record(call, failure)
            return
        try:
            operation(self.api, call, call.ambiguous)
        except SpotlerError as error:
            self._record(call, failure_of(error))
            return
        except (KeyError, TypeError, ValueError) as exc:  # a payload the operation cannot use
            message = f"payload of {call.operation} unusable ({type(exc).__name__}: {exc}); "
            message += "discard the call and enqueue it with the fields the operation needs"
            self._record(call, Failure(message, transient=False, error_type="BAD_PAYLOAD"))
            return
        if self.outbox.delivered(call):
            self.progress.delivered += 1
        else:
            self.progress.lost_leases += 1

    def _record(self, call: Call, failure: Failure) -> None:
        state = self.outbox.failed_attempt(call, failure)
        if state is None:
            self.progress.lost_leases += 1
        elif state == "failed":
            self.progress.failed += 1
        else:
            self.progress.retrying += 1

    def run_once(self) -> Progress:
        """Send every call that is due now (and those that become due meanwhile), then return."""
        while not self.stop.is_set():
            calls = self.outbox.claim(self.batch, self.lease_seconds)
            if not calls:
                break
            self._send_all(calls)
        return self.progress

    def _send_all(self, calls: list[Call]) -> None:
        for index, call in enumerate(calls):
            if self.stop.is_set():  # stopping: hand back what was claimed but not sent
                for unsent in calls[index:]:
                    self.outbox.release(unsent)
                return
            self.send(call)

    def run(self, idle: float = 1.0, on_tick: Callable[[Worker], Any] | None = None) -> Progress:
        """Keep draining until ``stop`` is set; sleep ``idle`` seconds when nothing is due."""
        while not self.stop.is_set():
            self.run_once()
            if on_tick:
                on_tick(self)
            self.stop.wait(self._pause(idle))
        return self.progress

    def _pause(self, idle: float) -> float:
        upcoming = self.outbox.next_attempt_at()
        if upcoming is None:
            return idle
        return max(0.0, min(idle, upcoming - self.outbox.clock()))
