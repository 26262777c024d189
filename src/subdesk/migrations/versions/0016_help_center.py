"""help center: articles, and their full-text index (FTS5 on SQLite, GIN on PostgreSQL)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import subdesk.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Moment = subdesk.db.UTCDateTime

# The external-content FTS5 table reads title and body from help_articles by rowid; the
# triggers keep it in step (a feedback vote updates neither column, so it costs no reindex).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE help_articles_fts USING fts5(title, body, content='help_articles', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER help_articles_fts_insert AFTER INSERT ON help_articles BEGIN "
    "INSERT INTO help_articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER help_articles_fts_delete AFTER DELETE ON help_articles BEGIN "
    "INSERT INTO help_articles_fts(help_articles_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER help_articles_fts_update AFTER UPDATE OF title, body ON help_articles BEGIN "
    "INSERT INTO help_articles_fts(help_articles_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO help_articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS help_articles_fts_update",
    "DROP TRIGGER IF EXISTS help_articles_fts_delete",
    "DROP TRIGGER IF EXISTS help_articles_fts_insert",
    "DROP TABLE IF EXISTS help_articles_fts",
)
# The same expression as subdesk.support.help.repository.PG_DOCUMENT: the planner uses the
# index only for a query written exactly like it.
POSTGRES_INDEX = (
    "CREATE INDEX ix_help_articles_search ON help_articles USING gin (("
    "setweight(to_tsvector(CASE WHEN language = 'de' THEN 'german'::regconfig "
    "ELSE 'english'::regconfig END, title), 'A') || "
    "setweight(to_tsvector(CASE WHEN language = 'de' THEN 'german'::regconfig "
    "ELSE 'english'::regconfig END, body), 'B')))"
)


def upgrade() -> None:
    op.create_table(
        "help_articles",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("platforms", sa.String(length=100), nullable=False),
        sa.Column("helpful_yes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("helpful_no", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_articles")),
        sa.UniqueConstraint("slug", "language", name="uq_help_articles_slug_language"),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(POSTGRES_INDEX)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_help_articles_search")
    op.drop_table("help_articles")
