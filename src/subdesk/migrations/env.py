"""Alembic environment: the URL comes from the caller or from SUBDESK_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from subdesk.config import Settings
from subdesk.db import make_engine
from subdesk.models import Base
from subdesk.models.help import include_name

config = context.config
url = config.attributes.get("database_url") or Settings().database_url


def run_migrations() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
