"""A portable upsert: update by natural key, insert when absent (one writer per key by design).

The statements are built once per (table, key columns, value columns) and run as
:class:`~revcycle.adapters.store.prepared.Prepared` statements (compiled once, values bound through
their types' processors, straight to the driver's cursor). Values travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, insert, update

from revcycle.adapters.store.prepared import Prepared

_KEY = "key_"  # bound-parameter prefix for the WHERE clause (column names are taken by SET / VALUES)


@cache
def _update(table: Table, keys: tuple[str, ...], names: tuple[str, ...]) -> Prepared:
    where = and_(*(table.c[name] == bindparam(_KEY + name) for name in keys))
    return Prepared(update(table).where(where).values({name: bindparam(name) for name in names}))


@cache
def _insert(table: Table) -> Prepared:
    return Prepared(insert(table))


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
    if statement.rowcount(conn, params):
        return
    _insert(table).rowcount(conn, {**(insert_only or {}), **values, **key}, insert_keys=True)
