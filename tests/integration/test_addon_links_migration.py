"""Migration 0025 links the add-ons bought before it to their account's main subscription."""

from __future__ import annotations

import importlib
import uuid

from alembic.migration import MigrationContext
from alembic.operations import Operations
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from subdesk.db import Database
from subdesk.models import Subscription
from tests.factories import customer, set_auto_renew, subscribe

MIGRATION = importlib.import_module("subdesk.migrations.versions.0025_addons_follow_main")


def test_an_earlier_add_on_joins_its_accounts_renewing_main_plan(
    client: TestClient, database: Database
) -> None:
    anna, bert = customer(client), customer(client)
    stopped = subscribe(client, anna, "av1-month-usd")
    renewing = subscribe(client, anna, "av1-year-usd", confirm_second_purchase=True)
    vpn = subscribe(client, anna, "vpn-addon-year-usd")
    set_auto_renew(client, anna, stopped["id"], False)
    bert_main = subscribe(client, bert, "total5-year-usd")
    backup = subscribe(client, bert, "backup-addon-year-usd")
    with database.transaction() as session:  # as they were before the link existed
        session.execute(update(Subscription).values(main_subscription_id=None))

    with (
        database.engine.begin() as connection,
        Operations.context(MigrationContext.configure(connection)),
    ):
        MIGRATION._link_existing_addons()

    with database.reading() as session:
        rows = session.execute(select(Subscription.id, Subscription.main_subscription_id))
        links = {sid: main for sid, main in rows}
    assert links[uuid.UUID(vpn["id"])] == uuid.UUID(renewing["id"])
    assert links[uuid.UUID(backup["id"])] == uuid.UUID(bert_main["id"])
    assert {links[uuid.UUID(s["id"])] for s in (stopped, renewing, bert_main)} == {None}
