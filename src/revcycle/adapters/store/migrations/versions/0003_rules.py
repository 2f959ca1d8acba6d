"""rules: index charges by visit number (the missing-charge sweep)

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_charges_visit_number", "charges", ["visit_number"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_charges_visit_number", table_name="charges")
