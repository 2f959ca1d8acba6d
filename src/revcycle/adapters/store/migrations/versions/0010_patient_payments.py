"""patient payments and their applications to claims (patient balances and credit)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MONEY = sa.Numeric(precision=14, scale=2)
_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "patient_payments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("patient_key", sa.String(length=200), nullable=True),
        sa.Column("claim_reference", sa.String(length=100), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("method", sa.String(length=40), nullable=True),
        sa.Column("received_at", _MOMENT, nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("charge_id", _ID, nullable=True),
        sa.Column("dedup_key", sa.String(length=64), nullable=True),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("correlation_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_id"], ["charges.id"], name=op.f("fk_patient_payments_charge_id_charges")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_patient_payments_message_id_inbound_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_payments")),
    )
    with op.batch_alter_table("patient_payments", schema=None) as batch_op:
        for column in ("patient_key", "claim_reference", "dedup_key", "message_id"):
            batch_op.create_index(batch_op.f(f"ix_patient_payments_{column}"), [column], unique=False)
    op.create_table(
        "patient_payment_applications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("payment_id", _ID, nullable=False),
        sa.Column("claim_id", _ID, nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("correlation_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["patient_payments.id"],
            name=op.f("fk_patient_payment_applications_payment_id_patient_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_patient_payment_applications_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_patient_payment_applications_message_id_inbound_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_payment_applications")),
    )
    with op.batch_alter_table("patient_payment_applications", schema=None) as batch_op:
        for column in ("payment_id", "claim_id"):
            batch_op.create_index(
                batch_op.f(f"ix_patient_payment_applications_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("patient_payment_applications")
    op.drop_table("patient_payments")
