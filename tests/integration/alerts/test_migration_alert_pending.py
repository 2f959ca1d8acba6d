"""Migration 0011 on both back ends: findings written before it count as evaluated by the alert engine
(no alert for history), findings written after it are pending, and back on downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, insert, inspect, select

from revcycle.adapters.store.migrate import alembic_config, upgrade
from revcycle.adapters.store.schema import findings
from tests.integration.alerts import seed


def _marks(engine: Engine) -> list[bool]:
    with engine.connect() as conn:
        return [bool(v) for v in conn.scalars(select(findings.c.alert_pending).order_by(findings.c.id))]


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("findings")}


def test_existing_findings_count_as_evaluated_and_new_ones_are_pending(fresh: Engine) -> None:
    upgrade(fresh, "0010")
    assert "alert_pending" not in _columns(fresh)
    with fresh.begin() as conn:  # the statement names only the columns given, all of them in 0010
        conn.execute(insert(findings), [seed.finding_values(f"old:{n}") for n in range(3)])
    upgrade(fresh)
    assert _marks(fresh) == [False, False, False]
    with fresh.begin() as conn:
        conn.execute(insert(findings).values(**seed.finding_values("new")))  # a writer that knows nothing
    assert _marks(fresh) == [False, False, False, True]
    indexes = {i["name"] for i in inspect(fresh).get_indexes("findings")}
    assert "ix_findings_alert_pending" in indexes
    assert "ix_alerts_rule_opened_at" in {i["name"] for i in inspect(fresh).get_indexes("alerts")}
    command.downgrade(alembic_config(fresh), "0010")
    assert "alert_pending" not in _columns(fresh)
    upgrade(fresh)
    assert _marks(fresh) == [False, False, False, False]
