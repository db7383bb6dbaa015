"""The services every request reaches for, and the ``Call``: one request to the API as the
pipeline admits it.

``admit()`` runs before every API handler, in this order:

1. authenticate: read the signature, look the caller up (once: account, authentication,
   secret and ID field in one read, with the fault rules), check the signature;
2. faults: count the matching rules and take the effect of one that fires (rules match on
   account and label, which only authentication knows: the order is deliberate);
3. validate: parameters and body against the contract.

It leaves one frozen ``Call`` in ``flask.g.call``; the handler takes it as its argument, and
the journal records it after the answer. A call refused on the way leaves an ``Attempt``: as
much of the call as was known when it was refused.

A call holds one transaction at a time across these steps (``store.held``): authentication
reads in a snapshot that a reading handler reads in too; a writing handler's transaction stays
open until the journal entry commits with it.

A signed call spends its nonce in its first write transaction, so that a call writes once: the
handler's (``Call.store(write=True)``), which the journal entry joins, else the journal entry's,
which is written before the answer leaves; a replayed call is answered 401 either way, and
nothing it wrote stays. A call whose admission writes (a rate limit to count, fault rules that
match) spends it before that.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from flask import Flask, Response, current_app, g, request
from werkzeug.sansio.utils import get_current_url

from spotler_sim import contracts
from spotler_sim.config import API_PREFIXES, Config
from spotler_sim.contracts import Operation
from spotler_sim.domain.faults import FaultRule
from spotler_sim.domain.model import Caller
from spotler_sim.errors import SpotlerError
from spotler_sim.http import faults, journal, ratelimit, validation
from spotler_sim.http.auth import AuthFailure, SignatureVerifier, replayed
from spotler_sim.http.current import this_request
from spotler_sim.state import State
from spotler_sim.store.accounts import caller_for_key, use_nonce
from spotler_sim.store.database import Database
from spotler_sim.store.held import HeldTransaction
from spotler_sim.store.unit import AccountStore

log = logging.getLogger("spotler_sim.http.auth")

NONCE_MEMORY_SECONDS = 900  # longer than any timestamp the verifier accepts
# How often a process drops the nonces older than that: a nonce kept longer costs nothing (its
# timestamp is refused anyway), a delete on every call costs every call.
FORGET_EVERY_SECONDS = 10


class _Forgetting:
    """When this process last dropped the nonces too old to be replayed."""

    def __init__(self) -> None:
        self.last = 0

    def before(self) -> int | None:
        """The timestamp before which nonces are dropped now, or None when it is not time yet."""
        now = int(time.time())
        if now - self.last < FORGET_EVERY_SECONDS:
            return None
        self.last = now
        return now - NONCE_MEMORY_SECONDS


_forgetting = _Forgetting()


@dataclass(frozen=True)
class Services:
    config: Config
    state: State
    verifier: SignatureVerifier


def build_services(config: Config, state: State) -> Services:
    verifier = SignatureVerifier(max_skew_seconds=config.max_signature_skew_seconds)
    return Services(config, state, verifier)


def services() -> Services:
    found: Services = current_app.extensions["spotler"]
    return found


@dataclass
class Nonce:
    """A signed call's nonce, spent once with the call's first write (see above)."""

    key: str
    timestamp: int
    value: str
    spent: bool = False  # set by whoever spent it, once its transaction has committed

    def spend(self, conn: sqlite3.Connection) -> None:
        """Record the nonce in ``conn``'s write transaction (nothing once it is spent); 401 when
        it was used before (then the transaction rolls back, and nothing the call wrote in it
        stays). Whoever commits that transaction sets ``spent``."""
        if self.spent:
            return
        if not use_nonce(conn, self.key, self.timestamp, self.value, _forgetting.before()):
            failure = replayed()
            raise SpotlerError(401, failure.error_type, failure.message)

    def spend_alone(self, db: Database) -> None:
        """Spend it in a write transaction of its own."""
        with db.write() as conn:
            self.spend(conn)
        self.spent = True


@dataclass(frozen=True)
class Attempt:
    """A call as far as ``admit()`` took it before refusing it: what the journal records."""

    started: float
    held: HeldTransaction = field(repr=False, compare=False)
    operation: Operation | None = None
    caller: Caller | None = None
    fault: FaultRule | None = None  # the rule that fired
    base_string: str | None = None  # the server's base string of a refused signature
    nonce: Nonce | None = None  # a signed call's, spent or still to spend
    rate: ratelimit.Counted | None = None  # what the account's rate limit made of it
    error_type: str | None = None  # of the answer, when it is an error (errors.error_response)


@dataclass(frozen=True)
class Call:
    """One admitted call: the operation, who made it, its typed parameters and body, the fault
    rule that fired on it (if any) and when it started."""

    operation: Operation
    caller: Caller
    params: Mapping[str, Any]
    body: Any
    fault: FaultRule | None
    started: float
    state: State = field(repr=False, compare=False)
    held: HeldTransaction = field(repr=False, compare=False)
    nonce: Nonce | None = field(default=None, repr=False, compare=False)
    rate: ratelimit.Counted | None = None
    error_type: str | None = None  # an admitted call can still be answered with an error
    base_string: ClassVar[None] = None  # an admitted call was signed right

    @contextmanager
    def store(self, *, write: bool) -> Iterator[tuple[AccountStore, int]]:
        """The caller's account store inside the call's transaction, and the simulated time in
        it. Reading, that is the snapshot the call was admitted in; writing, a write transaction
        that spends the call's nonce first and stays open for the journal entry (an error in it
        rolls it back)."""
        held = self.held
        if not write:
            conn = held.read()
            yield AccountStore(conn, self.caller.account.id), self._now()
            return
        conn = held.write()
        try:
            if self.nonce is not None:
                self.nonce.spend(conn)
            yield AccountStore(conn, self.caller.account.id), self._now()
        except BaseException:
            held.rollback()
            raise
        if self.nonce is not None:
            self.nonce.spent = True  # its transaction commits with the journal entry

    def _now(self) -> int:
        return _now_in(self.held, self.state)()


def _now_in(held: HeldTransaction, state: State) -> Callable[[], int]:
    """The simulated time as the held transaction sees it, read when asked for."""
    return lambda: held.clock().now_ms(state.wall_ms())


def _begin() -> None:
    """Before anything else: a call to the API starts (its duration is measured from here)."""
    if request.path.startswith(API_PREFIXES):
        g.call = Attempt(time.perf_counter(), HeldTransaction(services().state.db))


def current() -> Call | Attempt | None:
    """The call of this request, admitted or as far as it got (None outside the API)."""
    found: Call | Attempt | None = g.get("call")
    return found


def current_operation() -> Operation | None:
    call = current()
    return call.operation if call is not None else None


def signed_uri() -> str:
    """The URI as the client sent (and signed) it, before any rewriting of the path."""
    req = this_request()
    return f"{req.scheme}://{req.host}{req.environ['spotler.raw_uri']}"


def client_path() -> str:
    """The path as the client sent it: the older ``/integrationservice`` base is routed as
    ``/integrationservice-1.1.0`` (see ``app.routed_path``), but answers speak of the client's."""
    path: str = request.environ.get("spotler.client_path", request.path)
    return path


def client_base_url() -> str:
    """The URL of this request without its query, on the base path the client used."""
    path = client_path().rstrip("/") or "/"
    return get_current_url(request.scheme, request.host, request.root_path, path)


def admit() -> Response | None:
    """Authenticate, take the effect of a fault rule, validate: leave the ``Call`` in ``g``."""
    req = this_request()
    if req.method == "OPTIONS":  # nothing to sign or change
        return _options()
    op = contracts.operations()[str(req.endpoint).rsplit(".", 1)[-1]]
    svc = services()
    if (call := current()) is not None:
        started, held = call.started, call.held
    else:
        started, held = time.perf_counter(), HeldTransaction(svc.state.db)
    g.call = attempt = Attempt(started, held, op)
    body = req.get_data(cache=True)
    try:
        signed = svc.verifier.read(req.method, signed_uri(), req.headers.get("Authorization"))
        conn = held.read()  # held on: the handler reads in the same snapshot
        caller = caller_for_key(conn, signed.key)
        rules = faults.matching(conn, _now_in(held, svc.state), caller, op) if caller else []
        svc.verifier.check(signed, caller.auth.secret if caller else None, body)
    except AuthFailure as failure:
        if failure.base_string:
            log.debug("refused signature; server base string: %s", failure.base_string)
            g.call = replace(attempt, base_string=failure.base_string)
        raise SpotlerError(401, failure.error_type, failure.message) from None
    assert caller is not None  # check() refuses a key without a caller
    nonce = Nonce(signed.key, signed.timestamp, signed.nonce)
    # made anew rather than by dataclasses.replace(), which reads the fields' definitions first
    g.call = attempt = Attempt(started, held, op, caller=caller, nonce=nonce)
    if rules or caller.account.rate_limit is not None:  # admission writes: a replay must not
        held.commit()
        nonce.spend_alone(svc.state.db)
    rate = ratelimit.count(svc.state, caller, op)  # the account's own limit, before any fault
    if rate is not None:
        g.call = attempt = replace(attempt, rate=rate)
        if rate.refusal is not None:
            raise rate.refusal
    fired = faults.fire(svc.state.db, rules)
    if fired is not None:
        g.call = attempt = replace(attempt, fault=fired.rule)
        faults.take_effect(fired)
    g.call = Call(
        operation=op,
        caller=caller,
        params=validation.parameters(op, req.view_args or {}, req.args if op.reads_query else {}),
        body=validation.body(op, body, req.content_type),
        fault=attempt.fault,
        started=started,
        state=svc.state,
        held=held,
        nonce=nonce,
        rate=rate,
    )
    return None


def _options() -> Response:
    """The methods the contract serves at this path (Flask's own answer would also list those
    of ``/contact/{id}`` at ``/contact/list``)."""
    allowed = contracts.allowed_methods(faults.api_path())
    return Response(status=200, headers={"Allow": ", ".join(allowed)})


def _finish(response: Response) -> Response:
    """After the answer: break it as a fired rule says, journal the call, then cut the
    connection if the rule drops it."""
    call = current()
    if call is None:
        return response  # not a call to the API
    response, dropped = faults.shape(call.fault, response)
    ratelimit.headers(response, call.rate)
    svc = services()
    response = journal.record(
        svc.state, svc.config.journal_limit, call, response, dropped=dropped, refused=_instead
    )
    if dropped:
        faults.cut()
    return response


def _instead(error: SpotlerError, answered: Response) -> Response:
    """The refusal that replaces an answer not sent yet, with the simulator's own headers."""
    response = current_app.make_response(current_app.handle_user_exception(error))
    for name, value in answered.headers.items():
        if name.startswith("X-Spotler-Sim-"):
            response.headers[name] = value
    return response


def _dropped(_: faults.DropConnection) -> Response:
    return Response(status=500)  # replaced by faults.shape(): the fired reset drops the answer


def register(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.register_error_handler(faults.DropConnection, _dropped)
    app.teardown_request(_end)


def _end(_: BaseException | None) -> None:
    """Whatever happened to the call, its transaction is over (the journal has committed it
    unless the journal failed) and it no longer counts against the concurrency cap."""
    if (call := current()) is not None:
        call.held.commit()
        if call.rate is not None:
            ratelimit.leave(services().state, call.rate)


def answered_with(error_type: str) -> None:
    """The call's answer is an error of ``error_type`` (for its journal entry, in either
    representation)."""
    if (call := current()) is not None:
        g.call = replace(call, error_type=error_type)
