"""Migration 0017 adds the agent API's staff tokens and takes them away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from subdesk.migrate import alembic_config


def _tables(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_0017_adds_staff_tokens_and_its_downgrade_removes_them(database_url: str) -> None:
    config = alembic_config(database_url)
    assert "staff_tokens" in _tables(database_url)
    command.downgrade(config, "0016")
    assert "staff_tokens" not in _tables(database_url)
    assert "staff_sessions" in _tables(database_url)
    command.upgrade(config, "head")
    engine = create_engine(database_url)
    columns = {c["name"] for c in inspect(engine).get_columns("staff_tokens")}
    unique = inspect(engine).get_unique_constraints("staff_tokens")
    engine.dispose()
    assert columns == {"id", "staff_id", "token_hash", "created_at", "expires_at", "revoked_at"}
    assert [u["column_names"] for u in unique] == [["token_hash"]]
