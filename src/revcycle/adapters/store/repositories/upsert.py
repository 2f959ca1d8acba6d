"""A portable upsert: update by natural key, insert when absent (one writer per key by design)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, and_, insert, update


def upsert(
    conn: Connection,
    table: Table,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    insert_only: Mapping[str, Any] | None = None,
) -> None:
    """Update the row matching ``key`` with ``values``; insert it (plus ``insert_only``) when absent."""
    where = and_(*(table.c[name] == value for name, value in key.items()))
    if conn.execute(update(table).where(where).values(**values)).rowcount:
        return
    conn.execute(insert(table).values({**(insert_only or {}), **values, **key}))
