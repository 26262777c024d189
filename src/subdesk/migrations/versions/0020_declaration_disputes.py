"""declaration disputes: the "this wasn't me" link of a cancellation declaration, as a digest

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

Moment = subdesk.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("cancellation_declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispute_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("dispute_expires_at", Moment(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("disputed_at", Moment(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_cancellation_declarations_dispute_token_hash"), ["dispute_token_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cancellation_declarations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_cancellation_declarations_dispute_token_hash"), type_="unique"
        )
        batch_op.drop_column("disputed_at")
        batch_op.drop_column("dispute_expires_at")
        batch_op.drop_column("dispute_token_hash")
