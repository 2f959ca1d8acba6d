"""Bulk work on the PHI columns (``schema.PHI_COLUMNS``): re-encryption after a key rotation, and which
key each stored value is sealed with (to retire old keys safely)."""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

from sqlalchemy import Column, Engine, LargeBinary, String, bindparam, column, select, table, update
from sqlalchemy.types import TypeDecorator, TypeEngine

from revcycle.adapters.store.encrypted import is_keyed
from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.schema import PHI_COLUMNS, metadata
from revcycle.security.phi_crypto import MAGIC, TEXT_PREFIX

_ID_LEN = 8


def reencrypt(engine: Engine, *, batch: int = 500) -> dict[str, int]:
    """Read and write back every PHI value: the column types decrypt with whichever key sealed a value
    and encrypt with the primary one (values still in clear get encrypted). Returns counts per column."""
    counts: dict[str, int] = {}
    writer = for_writing(engine)
    for name, columns in PHI_COLUMNS.items():
        source = metadata.tables[name]
        last = 0
        while True:
            with writer.begin() as conn:
                rows = conn.execute(
                    select(source.c.id, *(source.c[c] for c in columns))
                    .where(source.c.id > last)
                    .order_by(source.c.id)
                    .limit(batch)
                ).all()
                for row in rows:
                    values = {c: getattr(row, c) for c in columns}
                    conn.execute(update(source).where(source.c.id == row.id).values(**values))
            if not rows:
                break
            last = rows[-1].id
            for c in columns:
                counts[f"{name}.{c}"] = counts.get(f"{name}.{c}", 0) + len(rows)
    counts["inbound_messages.partition_key"] = _key_clear_partition_keys(writer, batch)
    return counts


def _key_clear_partition_keys(writer: Engine, batch: int) -> int:
    """Partition keys written in clear (before they were kept as keyed hashes) become keyed hashes."""
    stored = table("inbound_messages", column("id"), column("partition_key", String()))
    typed = metadata.tables["inbound_messages"]
    done, last = 0, 0
    while True:
        with writer.begin() as conn:
            rows = conn.execute(
                select(stored.c.id, stored.c.partition_key)
                .where(stored.c.id > last, stored.c.partition_key.is_not(None))
                .order_by(stored.c.id)
                .limit(batch)
            ).all()
            clear = [
                {"row_id": row.id, "key": row.partition_key}
                for row in rows
                if not is_keyed(row.partition_key)
            ]
            if clear:
                conn.execute(
                    update(typed)
                    .where(typed.c.id == bindparam("row_id"))
                    .values(partition_key=bindparam("key", type_=typed.c.partition_key.type)),
                    clear,
                )
        if not rows:
            return done
        done += len(clear)
        last = rows[-1].id


def key_usage(engine: Engine) -> Counter[str]:
    """How many stored PHI values each key id seals ("clear" for values not encrypted)."""
    usage: Counter[str] = Counter()
    with engine.connect() as conn:
        for name, columns in PHI_COLUMNS.items():
            for c in columns:
                kind = _stored_type(metadata.tables[name].c[c])
                stored = table(name, column(c, kind))  # the stored form, bypassing the decrypting type
                for (value,) in conn.execute(select(stored.c[c]).where(stored.c[c].is_not(None))):
                    usage[key_id_of(value)] += 1
    return usage


def _stored_type(phi: Column[Any]) -> TypeEngine[Any]:
    """How a PHI column's value is read as stored: bytes for a binary column, else text (``String``
    reads ``Text`` and, on SQLite, the JSON text; PostgreSQL's driver decodes JSON, giving the sealed
    string of an encrypted document or the document of a value still in clear)."""
    declared = phi.type
    impl = declared.impl_instance if isinstance(declared, TypeDecorator) else declared
    return LargeBinary() if isinstance(impl, LargeBinary) else String()


def key_id_of(value: object) -> str:
    """The key id in a stored value's header (binary, or ``enc:v1:`` text, possibly JSON-quoted)."""
    if isinstance(value, (bytes, memoryview)):
        blob = bytes(value)
    elif isinstance(value, str) and TEXT_PREFIX in value[:12]:
        start = value.index(TEXT_PREFIX) + len(TEXT_PREFIX)
        blob = base64.urlsafe_b64decode(value[start : start + 24])  # 18 bytes: the header is 13
    else:
        return "clear"
    if not blob.startswith(MAGIC):
        return "clear"
    return blob[len(MAGIC) : len(MAGIC) + _ID_LEN].decode("ascii", "replace").rstrip()
