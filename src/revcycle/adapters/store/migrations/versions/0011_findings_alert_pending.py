"""findings: ``alert_pending`` (cleared when the alert engine has evaluated the finding) instead of the
alert engine's in-memory id cursor

The alert engine read new findings past an id cursor held in memory, which skips a finding whose
transaction commits after one with a higher id was read (PostgreSQL, several writers: the API process
and the worker process both raise findings), and re-read every finding ever written after a restart.
Findings now carry ``alert_pending`` (true when written, the database's default; see
``service_layer/alerts/engine.py``) with a partial index of the pending ones.

Upgrade: every existing finding counts as evaluated (no alert for history). On PostgreSQL the column
is added with a constant default of false (kept in the catalog: no table rewrite) and the default is
then changed to true for new rows; SQLite cannot change a column's default in place, so the column is
added true and the existing rows are cleared. Also an index of alerts by rule and opening time, for
the finding rules' flood control (``service_layer/alerts/flood.py``). Downgrade drops both (the engine
of that version keeps its cursor in memory).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.add_column(
            "findings", sa.Column("alert_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        op.alter_column("findings", "alert_pending", server_default=sa.true())
    else:
        op.add_column(
            "findings", sa.Column("alert_pending", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        op.execute(sa.text("UPDATE findings SET alert_pending = 0"))
    op.create_index(
        "ix_findings_alert_pending",
        "findings",
        ["id"],
        unique=False,
        postgresql_where=sa.text("alert_pending = true"),
        sqlite_where=sa.text("alert_pending = 1"),
    )
    op.create_index("ix_alerts_rule_opened_at", "alerts", ["rule", "opened_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alerts_rule_opened_at", table_name="alerts")
    op.drop_index("ix_findings_alert_pending", table_name="findings")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_column("alert_pending")
