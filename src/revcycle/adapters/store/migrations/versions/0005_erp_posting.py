"""ERP posting and reconciliation: posting items, journals, journal lines, builder cursors

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-22 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MONEY = sa.Numeric(precision=14, scale=2)
_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "erp_journals",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("posting_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("legal_entity", sa.String(length=40), nullable=False),
        sa.Column("facility_code", sa.String(length=60), nullable=True),
        sa.Column("payer_class", sa.String(length=40), nullable=True),
        sa.Column("service_line", sa.String(length=60), nullable=True),
        sa.Column("debit_total", _MONEY, nullable=False),
        sa.Column("credit_total", _MONEY, nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document_id", sa.String(length=120), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("acknowledged_at", _MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_journals")),
        sa.UniqueConstraint("key", name=op.f("uq_erp_journals_key")),
    )
    with op.batch_alter_table("erp_journals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_journals_posting_date"), ["posting_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_erp_journals_status"), ["status"], unique=False)

    op.create_table(
        "erp_journal_lines",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("journal_id", _ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("debit", _MONEY, nullable=False),
        sa.Column("credit", _MONEY, nullable=False),
        sa.Column("cost_centre", sa.String(length=40), nullable=True),
        sa.Column("legal_entity", sa.String(length=40), nullable=True),
        sa.Column("dimension", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["journal_id"], ["erp_journals.id"], name=op.f("fk_erp_journal_lines_journal_id_erp_journals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_journal_lines")),
    )
    with op.batch_alter_table("erp_journal_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_journal_lines_journal_id"), ["journal_id"], unique=False)

    op.create_table(
        "erp_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source_kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_type", sa.String(length=30), nullable=False),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("transaction_date", sa.Date(), nullable=False),
        sa.Column("facility_code", sa.String(length=60), nullable=True),
        sa.Column("department_code", sa.String(length=60), nullable=True),
        sa.Column("payer_class", sa.String(length=40), nullable=True),
        sa.Column("service_line", sa.String(length=60), nullable=True),
        sa.Column("encounter_ref", sa.String(length=64), nullable=True),
        sa.Column("claim_id", _ID, nullable=True),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("correlation_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("gap", sa.Text(), nullable=True),
        sa.Column("journal_id", _ID, nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("updated_at", _MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_erp_items_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["journal_id"], ["erp_journals.id"], name=op.f("fk_erp_items_journal_id_erp_journals")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["inbound_messages.id"], name=op.f("fk_erp_items_message_id_inbound_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_items")),
        sa.UniqueConstraint(
            "source_kind",
            "source_id",
            "transaction_type",
            "reversal",
            name=op.f("uq_erp_items_source_kind_source_id_transaction_type_reversal"),
        ),
    )
    with op.batch_alter_table("erp_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_items_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_erp_items_journal_id"), ["journal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_erp_items_message_id"), ["message_id"], unique=False)
        batch_op.create_index("ix_erp_items_status_id", ["status", "id"], unique=False)

    op.create_table(
        "erp_cursors",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_erp_cursors")),
    )


def downgrade() -> None:
    op.drop_table("erp_cursors")
    with op.batch_alter_table("erp_items", schema=None) as batch_op:
        batch_op.drop_index("ix_erp_items_status_id")
        batch_op.drop_index(batch_op.f("ix_erp_items_message_id"))
        batch_op.drop_index(batch_op.f("ix_erp_items_journal_id"))
        batch_op.drop_index(batch_op.f("ix_erp_items_claim_id"))
    op.drop_table("erp_items")
    with op.batch_alter_table("erp_journal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_journal_lines_journal_id"))
    op.drop_table("erp_journal_lines")
    with op.batch_alter_table("erp_journals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_journals_status"))
        batch_op.drop_index(batch_op.f("ix_erp_journals_posting_date"))
    op.drop_table("erp_journals")
