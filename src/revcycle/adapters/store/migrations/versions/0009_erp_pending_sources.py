"""erp sources: each source row carries ``erp_pending`` (cleared when itemised) instead of an id cursor

The journal builder read charges, claim payments and patient payments past an id cursor, which skips a
row whose transaction commits after a row with a higher id was read (PostgreSQL, several writers). The
rows now carry ``erp_pending`` (true when written, the database's default; see
``service_layer/journal_builder.py``) with a partial index of the pending ones, and ``erp_cursors`` goes.

Upgrade: rows past the old cursor are pending, the others not (as the cursor had it; a row the cursor
skipped before this fix is found by ``revcycle erp build --sweep``, an operator's decision since the
break may have been corrected in the ERP by hand). On PostgreSQL the column is added with a constant
default of false (kept in the catalog: no table rewrite) and only the rows past the cursor are updated.
Downgrade: the cursors are rebuilt at the highest id already taken (pending rows below it are then left
to ``--sweep``).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, the builder's source name, the extra condition of a source row)
SOURCES = (
    ("charges", "charge", ""),
    ("claim_payments", "claim_payment", ""),
    ("outbox", "patient_payment", " AND topic = 'patient_payment'"),
)


def _pending(dialect: str, topic: str) -> str:
    return ("erp_pending = true" if dialect == "postgresql" else "erp_pending = 1") + topic


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    cursors = {str(s): int(i) for s, i in bind.execute(sa.text("SELECT source, last_id FROM erp_cursors"))}
    for table, source, topic in SOURCES:
        last: sa.BindParameter[int] = sa.bindparam("last", cursors.get(source, 0))
        if dialect == "postgresql":
            op.add_column(
                table, sa.Column("erp_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
            op.alter_column(table, "erp_pending", server_default=sa.true())
            op.execute(
                sa.text(f"UPDATE {table} SET erp_pending = true WHERE id > :last{topic}").bindparams(last)
            )
        else:  # SQLite cannot change a column's default in place: add it true, clear the rows taken
            op.add_column(
                table, sa.Column("erp_pending", sa.Boolean(), server_default=sa.true(), nullable=False)
            )
            op.execute(
                sa.text(f"UPDATE {table} SET erp_pending = 0 WHERE NOT (id > :last{topic})").bindparams(last)
            )
        op.create_index(
            f"ix_{table}_erp_pending",
            table,
            ["id"],
            unique=False,
            postgresql_where=sa.text(_pending("postgresql", topic)),
            sqlite_where=sa.text(_pending("sqlite", topic)),
        )
    op.drop_table("erp_cursors")


def downgrade() -> None:
    op.create_table(
        "erp_cursors",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_erp_cursors")),
    )
    bind = op.get_bind()
    for table, source, topic in SOURCES:
        taken = f"NOT ({_pending(bind.dialect.name, '')}){topic}"
        last = bind.execute(sa.text(f"SELECT max(id) FROM {table} WHERE {taken}")).scalar()
        bind.execute(
            sa.text("INSERT INTO erp_cursors (source, last_id) VALUES (:source, :last)"),
            {"source": source, "last": int(last or 0)},
        )
        op.drop_index(f"ix_{table}_erp_pending", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("erp_pending")
