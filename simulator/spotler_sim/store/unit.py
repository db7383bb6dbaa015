"""One account's repositories inside one transaction: what a handler or an admin view works on.

``AccountStore(conn, account_id)`` holds every repository of the account as an attribute, made
on first use and shared for the rest of the transaction (the contacts repository keeps the
savepoint depth of the transaction). ``State.store(account_id, write=...)`` hands one out with
the transaction around it and the simulated time; nothing else builds the repositories by hand.
"""

from __future__ import annotations

import sqlite3
from functools import cached_property

from spotler_sim.store.audiences import SqliteAudiences
from spotler_sim.store.campaigns import SqliteCampaigns
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.conversions import SqliteConversions
from spotler_sim.store.forms import SqliteForms
from spotler_sim.store.mailings import SqliteMailings
from spotler_sim.store.orders import SqliteOrders
from spotler_sim.store.products import SqliteProducts
from spotler_sim.store.templists import SqliteTemporaryLists


class AccountStore:
    """The repositories of one account over one connection (and its open transaction)."""

    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    @cached_property
    def contacts(self) -> SqliteContacts:
        return SqliteContacts(self.conn, self.account_id)

    @cached_property
    def products(self) -> SqliteProducts:
        return SqliteProducts(self.conn, self.account_id)

    @cached_property
    def orders(self) -> SqliteOrders:
        return SqliteOrders(self.conn, self.account_id)

    @cached_property
    def conversions(self) -> SqliteConversions:
        return SqliteConversions(self.conn, self.account_id)

    @cached_property
    def campaigns(self) -> SqliteCampaigns:
        return SqliteCampaigns(self.conn, self.account_id)

    @cached_property
    def mailings(self) -> SqliteMailings:
        return SqliteMailings(self.conn, self.account_id)

    @cached_property
    def forms(self) -> SqliteForms:
        return SqliteForms(self.conn, self.account_id)

    @cached_property
    def audiences(self) -> SqliteAudiences:
        return SqliteAudiences(self.conn, self.account_id)

    @cached_property
    def templists(self) -> SqliteTemporaryLists:
        return SqliteTemporaryLists(self.conn, self.account_id)
