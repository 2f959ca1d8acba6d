"""The Alembic migrations build exactly the schema the code declares, on both back ends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from revcycle.adapters.store.migrate import current_revision, upgrade
from revcycle.adapters.store.schema import metadata


def test_migrations_match_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_records_the_revision(engine: Engine) -> None:
    first = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == first is not None
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
