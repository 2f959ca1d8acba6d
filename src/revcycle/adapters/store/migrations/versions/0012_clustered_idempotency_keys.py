"""inbound_messages: idempotency keys sort by sender and control id

New keys carry a prefix that decides where they sort in the unique index: a short hash of the format
and sender, then the first 40 characters of the control id (``service_layer.intake.key_prefix``, which
says why). Every row appended with a control id gets the same prefix in front of its key here, from its
stored format, sender and control id columns, so a resend of a message received before the upgrade
still finds it. The hash behind the prefix is unchanged, so keys stay distinct. Rows without a control
id keep their keys (no prefix). Downgrade strips the prefixes again.

An over-size message (refused before it was read, stored without a control id) may have been keyed
with the control id read from its first bytes: its key keeps no prefix, so the same over-size message
sent again after the upgrade is kept as a second dead letter (it is never processed either way).

The rule is copied here, not imported, so that this migration keeps doing what it did if the code's
rule ever changes (a new rule needs a new migration).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_CHUNK = 2_000
_messages = sa.table(
    "inbound_messages",
    sa.column("id", sa.Integer),
    sa.column("format", sa.String),
    sa.column("sender", sa.String),
    sa.column("control_id", sa.String),
    sa.column("idempotency_key", sa.String),
)


def _prefix(fmt: str, sender: str, control_id: str) -> str:
    party = hashlib.blake2b(f"{fmt}|{sender}".encode(), digest_size=4).hexdigest()
    return f"{party}{control_id[:40]}|"


def _rewrite(change: Callable[[str, str], str]) -> None:
    """Walk the rows with a control id in id order, a chunk at a time; each key becomes
    ``change(prefix, key)``."""
    bind = op.get_bind()
    c = _messages.c
    update = (
        sa.update(_messages)
        .where(c.id == sa.bindparam("row_id"))
        .values(idempotency_key=sa.bindparam("new_key"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(c.id, c.format, c.sender, c.control_id, c.idempotency_key)
            .where(c.control_id.is_not(None), c.id > last)
            .order_by(c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        changes = []
        for row in rows:
            key = row.idempotency_key
            changed = change(_prefix(row.format, row.sender or "", row.control_id), key)
            if changed != key:
                changes.append({"row_id": row.id, "new_key": changed})
        if changes:
            bind.execute(update, changes)


def upgrade() -> None:
    _rewrite(lambda prefix, key: prefix + key)


def downgrade() -> None:
    _rewrite(lambda prefix, key: key.removeprefix(prefix))
