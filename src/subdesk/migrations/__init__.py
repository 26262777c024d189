"""Alembic migrations: the only way the schema is built, on SQLite and PostgreSQL alike."""
