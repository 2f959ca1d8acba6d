"""console rollups: daily sums for the revenue pages (kept by the periodic refresh in rollups.py), the
refresh's state and the indexes it finds changes through

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_charges",
        sa.Column("grain", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("payer", sa.String(length=80), nullable=True),
        sa.Column("facility", sa.String(length=60), nullable=True),
        sa.Column("provider", sa.String(length=10), nullable=True),
        sa.Column("service_line", sa.String(length=60), nullable=True),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("all_lines", sa.Integer(), nullable=False),
        sa.Column("all_amount", sa.Numeric(precision=16, scale=2), nullable=False),
    )
    with op.batch_alter_table("rollup_charges", schema=None) as batch_op:
        batch_op.create_index("ix_rollup_charges_day_grain", ["day", "grain"], unique=False)
        batch_op.create_index("ix_rollup_charges_facility_day", ["facility", "day"], unique=False)
        batch_op.create_index("ix_rollup_charges_payer_day", ["payer", "day"], unique=False)
        batch_op.create_index("ix_rollup_charges_provider_day", ["provider", "day"], unique=False)
        batch_op.create_index("ix_rollup_charges_service_line_day", ["service_line", "day"], unique=False)

    op.create_table(
        "rollup_claim_dates",
        sa.Column("claim_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("patient_key", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_rollup_claim_dates")),
    )
    op.create_table(
        "rollup_claims",
        sa.Column("grain", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("payer", sa.String(length=80), nullable=True),
        sa.Column("facility", sa.String(length=60), nullable=True),
        sa.Column("provider", sa.String(length=10), nullable=True),
        sa.Column("service_line", sa.String(length=60), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("billed", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("paid", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("adjudicated", sa.Integer(), nullable=False),
        sa.Column("denied", sa.Integer(), nullable=False),
        sa.Column("submitted", sa.Integer(), nullable=False),
        sa.Column("submitted_billed", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("ar_balance", sa.Numeric(precision=16, scale=2), nullable=False),
    )
    with op.batch_alter_table("rollup_claims", schema=None) as batch_op:
        batch_op.create_index("ix_rollup_claims_day_grain", ["day", "grain"], unique=False)
        batch_op.create_index("ix_rollup_claims_facility_day", ["facility", "day"], unique=False)
        batch_op.create_index("ix_rollup_claims_payer_day", ["payer", "day"], unique=False)
        batch_op.create_index("ix_rollup_claims_provider_day", ["provider", "day"], unique=False)
        batch_op.create_index("ix_rollup_claims_service_line_day", ["service_line", "day"], unique=False)

    op.create_table(
        "rollup_dnfb",
        sa.Column("encounter_id", sa.BigInteger(), nullable=False),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("facility", sa.String(length=60), nullable=True),
        sa.Column("provider", sa.String(length=10), nullable=True),
        sa.Column("service_line", sa.String(length=60), nullable=True),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
    )
    with op.batch_alter_table("rollup_dnfb", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rollup_dnfb_discharged_at"), ["discharged_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rollup_dnfb_encounter_id"), ["encounter_id"], unique=False)

    op.create_table(
        "rollup_payments",
        sa.Column("grain", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("payer", sa.String(length=80), nullable=True),
        sa.Column("facility", sa.String(length=60), nullable=True),
        sa.Column("provider", sa.String(length=10), nullable=True),
        sa.Column("service_line", sa.String(length=60), nullable=True),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("patient_responsibility", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("contractual", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("first_any", sa.Integer(), nullable=False),
        sa.Column("first_any_denied", sa.Integer(), nullable=False),
        sa.Column("first_payer", sa.Integer(), nullable=False),
        sa.Column("first_payer_denied", sa.Integer(), nullable=False),
        sa.Column("cycle_days", sa.BigInteger(), nullable=False),
        sa.Column("cycle_count", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("rollup_payments", schema=None) as batch_op:
        batch_op.create_index("ix_rollup_payments_day_grain", ["day", "grain"], unique=False)
        batch_op.create_index("ix_rollup_payments_facility_day", ["facility", "day"], unique=False)
        batch_op.create_index("ix_rollup_payments_payer_day", ["payer", "day"], unique=False)
        batch_op.create_index("ix_rollup_payments_provider_day", ["provider", "day"], unique=False)
        batch_op.create_index("ix_rollup_payments_service_line_day", ["service_line", "day"], unique=False)

    op.create_table(
        "rollup_repeat_payments",
        sa.Column("payment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("first_payer", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_rollup_repeat_payments")),
    )
    with op.batch_alter_table("rollup_repeat_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rollup_repeat_payments_payment_date"), ["payment_date"], unique=False
        )

    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rollup_state")),
    )
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.create_index("ix_claim_events_at", ["at"], unique=False)

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_updated_at", ["updated_at"], unique=False)

    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.create_index("ix_encounters_attending_npi", ["attending_npi"], unique=False)
        batch_op.create_index("ix_encounters_facility_code", ["facility_code"], unique=False)
        batch_op.create_index("ix_encounters_updated_at", ["updated_at"], unique=False)

    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index("ix_patients_updated_at", ["updated_at"], unique=False)
    op.drop_index("ix_charges_patient_key", table_name="charges")
    op.create_index(
        "ix_charges_patient_key_service_date",
        "charges",
        ["patient_key", "service_date", "department_code"],
        unique=False,
    )
    op.drop_index("ix_claim_payments_claim_id", table_name="claim_payments")
    op.create_index(
        "ix_claim_payments_claim_id_payer_id", "claim_payments", ["claim_id", "payer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_claim_payments_claim_id_payer_id", table_name="claim_payments")
    op.create_index("ix_claim_payments_claim_id", "claim_payments", ["claim_id"], unique=False)
    op.drop_index("ix_charges_patient_key_service_date", table_name="charges")
    op.create_index("ix_charges_patient_key", "charges", ["patient_key"], unique=False)
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index("ix_patients_updated_at")

    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.drop_index("ix_encounters_updated_at")
        batch_op.drop_index("ix_encounters_facility_code")
        batch_op.drop_index("ix_encounters_attending_npi")

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_updated_at")

    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_events_at")

    op.drop_table("rollup_state")
    with op.batch_alter_table("rollup_repeat_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_repeat_payments_payment_date"))

    op.drop_table("rollup_repeat_payments")
    with op.batch_alter_table("rollup_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_payments_service_line_day")
        batch_op.drop_index("ix_rollup_payments_provider_day")
        batch_op.drop_index("ix_rollup_payments_payer_day")
        batch_op.drop_index("ix_rollup_payments_facility_day")
        batch_op.drop_index("ix_rollup_payments_day_grain")

    op.drop_table("rollup_payments")
    with op.batch_alter_table("rollup_dnfb", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollup_dnfb_encounter_id"))
        batch_op.drop_index(batch_op.f("ix_rollup_dnfb_discharged_at"))

    op.drop_table("rollup_dnfb")
    with op.batch_alter_table("rollup_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_claims_service_line_day")
        batch_op.drop_index("ix_rollup_claims_provider_day")
        batch_op.drop_index("ix_rollup_claims_payer_day")
        batch_op.drop_index("ix_rollup_claims_facility_day")
        batch_op.drop_index("ix_rollup_claims_day_grain")

    op.drop_table("rollup_claims")
    op.drop_table("rollup_claim_dates")
    with op.batch_alter_table("rollup_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_rollup_charges_service_line_day")
        batch_op.drop_index("ix_rollup_charges_provider_day")
        batch_op.drop_index("ix_rollup_charges_payer_day")
        batch_op.drop_index("ix_rollup_charges_facility_day")
        batch_op.drop_index("ix_rollup_charges_day_grain")

    op.drop_table("rollup_charges")
