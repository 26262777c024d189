"""Help center tables: knowledge-base articles with their feedback counts.

The full-text index beside them is the database's own and lives only in the migration
(0016): an FTS5 virtual table kept in sync by triggers on SQLite, a GIN expression index on
PostgreSQL. Neither is part of the model metadata, so `include_name` hides them from
Alembic's comparison of models and schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base

# Created by migration 0016 for one dialect only; not described by the models.
FTS_TABLE = "help_articles_fts"
SEARCH_INDEX = "ix_help_articles_search"


class HelpArticle(Base):
    """One article in one language; the slug is shared by its translations."""

    __tablename__ = "help_articles"
    __table_args__ = (UniqueConstraint("slug", "language", name="uq_help_articles_slug_language"),)

    # An integer key: FTS5's external content table addresses rows by rowid.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    slug: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(2))  # en | de
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown, rendered with HTML off
    platforms: Mapped[str] = mapped_column(String(100))  # comma-separated; "all" for every one
    helpful_yes: Mapped[int] = mapped_column(default=0, server_default="0")
    helpful_no: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's filter: leave out the full-text objects the models do not describe."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False  # the FTS5 table and its shadow tables (_data, _idx, _docsize, _config)
    return not (type_ == "index" and name == SEARCH_INDEX)
