"""SpotlerClient: the calls a connector makes, signed, with errors raised as typed exceptions.

Synchronous on purpose: a connector's worker sends one call per entity at a time and waits for
its answer before the next call for that entity may go, so concurrency would buy little and
cost ordering guarantees and readability. Run several workers for throughput.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from spotler_connector.auth import OAuth1Auth
from spotler_connector.errors import ApiError, Timeout, TransportError, from_answer

API_PREFIX = "/integrationservice-1.1.0"


def _iso(value: datetime | str) -> str:
    return value.isoformat(timespec="milliseconds") if isinstance(value, datetime) else value


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class SpotlerClient:
    """``SpotlerClient(base_url, key, secret)``; ``base_url`` with or without the API prefix."""

    def __init__(
        self,
        base_url: str,
        key: str,
        secret: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = base_url.rstrip("/")
        if not base.endswith(API_PREFIX):
            base += API_PREFIX
        self.http = httpx.Client(
            base_url=base,
            auth=OAuth1Auth(key, secret),
            timeout=timeout,
            headers={"Accept": "application/json"},
            transport=transport,
        )

    # ---- the one place a call is made -----------------------------------------------------------

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """Send a call; the decoded JSON answer (None for 204), or a :mod:`spotler_connector.errors` error."""
        try:
            answer = self.http.request(method, path, json=json, params=params)
        except httpx.TimeoutException as exc:
            sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise Timeout(f"{method} {path}: no answer in time ({exc})", sent=sent) from exc
        except httpx.TransportError as exc:
            sent = not isinstance(exc, httpx.ConnectError)
            raise TransportError(
                f"{method} {path}: {type(exc).__name__}: {exc}", sent=sent
            ) from exc
        if answer.status_code >= 400:
            try:
                body = answer.json()
            except ValueError:
                body = None
            raise from_answer(answer.status_code, body, dict(answer.headers))
        if answer.status_code == 204 or not answer.content:
            return None
        try:
            return answer.json()
        except ValueError:  # a 2xx with a broken body: the call may have been applied
            raise TransportError(
                f"{method} {path}: answered {answer.status_code} with a body that is not JSON",
                sent=True,
            ) from None

    # ---- contacts ------------------------------------------------------------------------------

    def insert_contact(
        self,
        external_id: str,
        properties: dict[str, Any],
        *,
        update: bool = False,
        purge: bool = False,
        channels: list[dict[str, Any]] | None = None,
    ) -> None:
        contact: dict[str, Any] = {"externalId": external_id, "properties": properties}
        if channels is not None:
            contact["channels"] = channels
        self.request(
            "POST", "/contact", json={"update": update, "purge": purge, "contact": contact}
        )

    def upsert_contact(self, external_id: str, properties: dict[str, Any], **kw: Any) -> None:
        self.insert_contact(external_id, properties, update=True, **kw)

    def update_contact(
        self, external_id: str, properties: dict[str, Any], *, purge: bool = False
    ) -> None:
        body = {"purge": purge, "contact": {"externalId": external_id, "properties": properties}}
        self.request("PUT", f"/contact/{_seg(external_id)}", json=body)

    def insert_contacts(
        self, contacts: list[dict[str, Any]], *, update: bool = True, purge: bool = False
    ) -> Any:
        """Up to 100 ``{"externalId", "properties"}`` in one call; the per-contact results."""
        body = {"update": update, "purge": purge, "contacts": contacts}
        return self.request("POST", "/contact/list", json=body)

    def get_contact(self, external_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.request("GET", f"/contact/{_seg(external_id)}")
        return found

    def anonymize_contact(self, external_id: str) -> None:
        self.request("PUT", f"/contact/anonymize/{_seg(external_id)}")

    def updates_page(
        self, from_date: datetime | str, to_date: datetime | str, *, after: int | None = None,
        page_size: int = 100,
    ) -> dict[str, Any]:  # fmt: skip
        """One page of ``/contact/updates/list``: ``{"paging", "contacts"}``."""
        return self._page("/contact/updates/list", from_date, to_date, after, page_size)

    def bounces_page(
        self, from_date: datetime | str, to_date: datetime | str, *, after: int | None = None,
        page_size: int = 100,
    ) -> dict[str, Any]:  # fmt: skip
        """One page of ``/contact/bounces/list``: ``{"paging", "bounces"}``."""
        return self._page("/contact/bounces/list", from_date, to_date, after, page_size)

    def _page(
        self, path: str, start: datetime | str, end: datetime | str, after: int | None, size: int
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"fromDate": _iso(start), "toDate": _iso(end), "pageSize": size}
        if after is not None:
            params["after"] = after
        page = self.request("GET", path, params=params)
        if isinstance(page, list):  # accounts set to answer bare arrays: one page holds all
            key = "bounces" if path.endswith("bounces/list") else "contacts"
            return {"paging": {}, key: page}
        return dict(page)

    # ---- products, orders, conversions ---------------------------------------------------------

    def insert_product(self, product: dict[str, Any], *, update: bool = False) -> None:
        """POST /product; ``update=True`` inserts or replaces (an upsert)."""
        self.request("POST", "/product", json={"update": update, "product": product})

    def upsert_product(self, product: dict[str, Any]) -> None:
        self.insert_product(product, update=True)

    def update_product(self, external_id: str, product: dict[str, Any]) -> None:
        self.request("PUT", f"/product/{_seg(external_id)}", json={"product": product})

    def delete_product(self, external_id: str) -> None:
        self.request("DELETE", f"/product/{_seg(external_id)}")

    def insert_order(self, order: dict[str, Any], *, update: bool = False) -> None:
        """POST /order; ``update=True`` inserts or replaces the order of that externalId."""
        self.request("POST", "/order", json={"update": update, "order": order})

    def upsert_order(self, order: dict[str, Any]) -> None:
        self.insert_order(order, update=True)

    def update_order(self, external_id: str, order: dict[str, Any]) -> None:
        self.request("PUT", f"/order/{_seg(external_id)}", json={"order": order})

    def delete_order(self, external_id: str) -> None:
        """DELETE /order/{id}: how a shop cancels an order."""
        self.request("DELETE", f"/order/{_seg(external_id)}")

    def create_conversion(self, conversion: dict[str, Any]) -> None:
        self.request("POST", "/conversion", json=conversion)

    # ---- campaigns, automation, forms ----------------------------------------------------------

    def trigger_campaign(
        self, encrypted_trigger_id: str, external_contact_id: str,
        campaign_fields: list[dict[str, Any]] | None = None,
    ) -> None:  # fmt: skip
        body: dict[str, Any] = {"externalContactId": external_contact_id}
        if campaign_fields:
            body["campaignFields"] = campaign_fields
        self.request("POST", f"/campaign/trigger/{_seg(encrypted_trigger_id)}", json=body)

    def trigger_automation(self, trigger_code: str, external_contact_id: str) -> None:
        body = {"externalContactId": external_contact_id}
        self.request("POST", f"/automation/trigger/{_seg(trigger_code)}", json=body)

    def submit_form(self, form_id: int | str, post_url: str, values: dict[str, list[str]]) -> Any:
        body = {"postUrl": post_url, "formParams": values}
        return self.request("POST", f"/form/result/{_seg(str(form_id))}", json=body)

    # ----------------------------------------------------------------------------------------------

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SpotlerClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


__all__ = ["ApiError", "SpotlerClient"]
