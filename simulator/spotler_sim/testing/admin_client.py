"""A small client of a running simulator's admin API, shared by the CLI and the pytest plugin."""

from __future__ import annotations

from typing import Any

import httpx

from spotler_sim.config import ADMIN_WRITE_HEADER


class AdminError(Exception):
    """The admin API refused a call, or the simulator could not be reached."""


class AdminClient:
    def __init__(
        self, url: str = "http://127.0.0.1:8080", token: str | None = None, timeout: float = 10
    ) -> None:
        self.url = url.rstrip("/")
        headers = {ADMIN_WRITE_HEADER: "1", **({"X-Admin-Token": token} if token else {})}
        self.http = httpx.Client(base_url=self.url + "/__admin", headers=headers, timeout=timeout)

    def call(self, verb: str, path: str, body: Any = None, /, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        try:
            response = self.http.request(verb, path, json=body, params=query)
        except httpx.TransportError as exc:
            raise AdminError(
                f"cannot reach the simulator at {self.url} ({exc}): start it with "
                f"`spotler-sim serve` or pass --url"
            ) from None
        if response.status_code >= 400:
            try:
                message = response.json()["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text
            raise AdminError(f"{verb} /__admin{path} answered {response.status_code}: {message}")
        return response.json() if response.content else None

    # accounts
    def accounts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", "/accounts")
        return found

    def create_account(self, definition: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = self.call("POST", "/accounts", definition)
        return created

    def patch_account(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        changed: dict[str, Any] = self.call("PATCH", f"/accounts/{name}", patch)
        return changed

    def reset(self) -> list[str]:
        """Every account back to its fixture, fault rules and the journal cleared."""
        found: list[str] = self.call("POST", "/reset")["accounts"]
        return found

    def reset_account(self, name: str) -> None:
        self.call("POST", f"/accounts/{name}/reset")

    def delete_account(self, name: str) -> None:
        self.call("DELETE", f"/accounts/{name}")

    def seed_contacts(self, name: str, seeds: list[dict[str, Any]]) -> None:
        self.call("POST", f"/accounts/{name}/contacts", seeds)

    def add_bounce(self, name: str, bounce: dict[str, Any]) -> None:
        self.call("POST", f"/accounts/{name}/bounces", bounce)

    # mailings
    def send_mailing(self, encrypted_id: str, request: dict[str, Any]) -> dict[str, Any]:
        sent: dict[str, Any] = self.call("POST", f"/mailings/{encrypted_id}/send", request)
        return sent

    # faults
    def faults(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", "/faults")
        return found

    def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        added: dict[str, Any] = self.call("POST", "/faults", rule)
        return added

    def remove_fault(self, fault_id: int) -> None:
        self.call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self.call("DELETE", "/faults")

    # clock
    def clock(self) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", "/clock")
        return found

    def set_clock(self, update: dict[str, Any]) -> dict[str, Any]:
        changed: dict[str, Any] = self.call("PUT", "/clock", update)
        return changed

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        changed: dict[str, Any] = self.call("POST", "/clock/advance", {"seconds": seconds})
        return changed

    # journal
    def requests(self, **filters: Any) -> dict[str, Any]:
        page: dict[str, Any] = self.call("GET", "/requests", **filters)
        return page

    def count(self, **filters: Any) -> int:
        return int(self.call("GET", "/requests/count", **filters)["count"])

    def clear_requests(self) -> None:
        self.call("DELETE", "/requests")

    # verdicts
    def verdicts(self, **filters: Any) -> list[dict[str, Any]]:
        """Verdicts on the calls made (filters: account, label, rule, severity, since)."""
        found: list[dict[str, Any]] = self.call("GET", "/verdicts", **filters)
        return found

    def exposure(self, account: str | None = None) -> dict[str, Any]:
        """What the calls of ``account`` (every account when None) met and never met."""
        found: dict[str, Any] = self.call("GET", "/exposure", account=account)
        return found

    # snapshots and scenarios
    def snapshot(self, account: str | None = None) -> dict[str, Any]:
        document: dict[str, Any] = self.call("GET", "/snapshot", account=account)
        return document

    def load_snapshot(self, document: dict[str, Any]) -> None:
        self.call("POST", "/snapshot", document)

    def apply_scenario(self, scenario: dict[str, Any]) -> dict[str, Any]:
        applied: dict[str, Any] = self.call("POST", "/scenario", scenario)
        return applied

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
