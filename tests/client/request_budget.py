"""A transport with a budget of requests, for tests of code that loops over pages."""

from __future__ import annotations

import httpx


class RequestBudget(httpx.BaseTransport):
    """Passes up to ``limit`` requests on to ``transport``, then fails the test.

    A poller that walks a window for ever (a bug, or one of the mutants `make mutate` makes of
    its page loops) then fails at the next request instead of hanging until a timeout."""

    def __init__(self, transport: httpx.BaseTransport, limit: int = 200) -> None:
        self.transport, self.limit, self.used = transport, limit, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.used += 1
        if self.used > self.limit:
            raise AssertionError(
                f"more than {self.limit} requests ({request.url.path}): the code under test "
                f"keeps asking for pages; look for a loop that never ends"
            )
        return self.transport.handle_request(request)
