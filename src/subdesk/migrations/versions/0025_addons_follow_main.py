"""add-ons follow their main subscription: the link to it, and to the cancellation that ended them

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

LIVE = ("trialing", "active", "past_due", "suspended")


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("main_subscription_id", sa.Uuid(), nullable=True))
        batch.create_index(
            batch.f("ix_subscriptions_main_subscription_id"), ["main_subscription_id"]
        )
        batch.create_foreign_key(
            batch.f("fk_subscriptions_main_subscription_id_subscriptions"),
            "subscriptions",
            ["main_subscription_id"],
            ["id"],
        )
    with op.batch_alter_table("cancellations") as batch:
        batch.add_column(sa.Column("main_cancellation_id", sa.Uuid(), nullable=True))
        batch.create_index(
            batch.f("ix_cancellations_main_cancellation_id"), ["main_cancellation_id"]
        )
        batch.create_foreign_key(
            batch.f("fk_cancellations_main_cancellation_id_cancellations"),
            "cancellations",
            ["main_cancellation_id"],
            ["id"],
        )
    _link_existing_addons()


def _link_existing_addons() -> None:
    """An add-on bought before the link belongs to its account's main subscription: a live
    one first, a renewing one first among them, then the one that runs longest."""
    subs = sa.table(
        "subscriptions",
        sa.column("id", sa.Uuid()),
        sa.column("account_id", sa.Uuid()),
        sa.column("plan_id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("auto_renew", sa.Boolean()),
        sa.column("current_period_end", sa.DateTime()),
        sa.column("main_subscription_id", sa.Uuid()),
    )
    plans = sa.table("plans", sa.column("id", sa.Uuid()), sa.column("product_id", sa.Uuid()))
    products = sa.table("products", sa.column("id", sa.Uuid()), sa.column("addon", sa.Boolean()))
    main = subs.alias("main")
    addon_plans = (
        sa.select(plans.c.id)
        .join(products, products.c.id == plans.c.product_id)
        .where(products.c.addon.is_(True))
    )
    chosen = (
        sa.select(main.c.id)
        .where(
            main.c.account_id == subs.c.account_id,
            main.c.plan_id.not_in(addon_plans),
        )
        .order_by(
            sa.case((main.c.status.in_(LIVE), 0), else_=1),
            sa.case((main.c.auto_renew.is_(True), 0), else_=1),
            main.c.current_period_end.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )
    op.execute(
        subs.update()
        .where(subs.c.plan_id.in_(addon_plans), subs.c.main_subscription_id.is_(None))
        .values(main_subscription_id=chosen)
    )


def downgrade() -> None:
    with op.batch_alter_table("cancellations") as batch:
        batch.drop_constraint(
            batch.f("fk_cancellations_main_cancellation_id_cancellations"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_cancellations_main_cancellation_id"))
        batch.drop_column("main_cancellation_id")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_constraint(
            batch.f("fk_subscriptions_main_subscription_id_subscriptions"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_subscriptions_main_subscription_id"))
        batch.drop_column("main_subscription_id")
