"""alerts and console: alerts (one per open condition) and their channel deliveries

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Indexes on existing tables for the console's and the alert rules' reads.
INDEXES = (
    (
        "ix_claim_payments_payment_date_cover",
        "claim_payments",
        [
            "payment_date",
            "payer_id",
            "status_code",
            "claim_id",
            "paid",
            "patient_responsibility",
            "contractual",
        ],
    ),
    (
        "ix_claims_service_date_cover",
        "claims",
        [
            "service_date",
            "status",
            "payer_id",
            "facility_code",
            "billing_npi",
            "total_charge",
            "paid_total",
            "contractual_total",
            "patient_key",
        ],
    ),
    (
        "ix_charges_service_date_cover",
        "charges",
        [
            "service_date",
            "charge_type",
            "department_code",
            "facility_code",
            "performing_npi",
            "amount",
            "patient_key",
        ],
    ),
    ("ix_claims_billing_npi_service_date", "claims", ["billing_npi", "service_date"]),
    ("ix_claims_facility_code_service_date", "claims", ["facility_code", "service_date"]),
    ("ix_charges_performing_npi", "charges", ["performing_npi"]),
    ("ix_charges_created_at", "charges", ["created_at"]),
    ("ix_claim_payments_created_at", "claim_payments", ["created_at"]),
    ("ix_encounters_status_discharged_at", "encounters", ["status", "discharged_at"]),
    ("ix_inbound_messages_interface_received_at", "inbound_messages", ["interface", "received_at"]),
)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("correlation_id", sa.String(length=36), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notifications", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("assigned_to", sa.String(length=100), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("key", name=op.f("uq_alerts_key")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_rule"), ["rule"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_status"), ["status"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("alert_id", _ID, nullable=False),
        sa.Column("channel", sa.String(length=60), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_deliveries_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_alert_deliveries_status_next", ["status", "next_attempt_at"], unique=False)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("alert_deliveries")
    op.drop_table("alerts")
