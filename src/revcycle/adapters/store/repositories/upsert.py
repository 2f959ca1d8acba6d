"""A portable upsert: update by natural key, insert when absent (one writer per key by design).

The statements are built once per (table, key columns, value columns) and reused: SQLAlchemy then
skips building the statement and its cache key on every call (about half the cost of a small
statement), and the compiled form comes from the engine's cache. Values travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table, Update, and_, bindparam, insert, update

_KEY = "key_"  # bound-parameter prefix for the WHERE clause (column names are taken by SET / VALUES)


@cache
def _update(table: Table, keys: tuple[str, ...], names: tuple[str, ...]) -> Update:
    where = and_(*(table.c[name] == bindparam(_KEY + name) for name in keys))
    return update(table).where(where).values({name: bindparam(name) for name in names})


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


def upsert(
    conn: Connection,
    table: Table,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    insert_only: Mapping[str, Any] | None = None,
) -> None:
    """Update the row matching ``key`` with ``values``; insert it (plus ``insert_only``) when absent."""
    statement = _update(table, tuple(key), tuple(values))
    params = {**values, **{_KEY + name: value for name, value in key.items()}}
    if conn.execute(statement, params).rowcount:
        return
    conn.execute(_insert(table), {**(insert_only or {}), **values, **key})
