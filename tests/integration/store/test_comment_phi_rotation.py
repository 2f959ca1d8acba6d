"""A work-queue comment stored in clear before ``finding_events.text`` was encrypted still reads back
(``revcycle findings show``), is counted as clear by ``key_usage``, and ``revcycle keys rotate``
seals it; a comment written through the CLI is sealed from the start. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from revcycle.adapters.store.phi_columns import key_usage
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.bootstrap import build
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.entrypoints.cli import main
from revcycle.service_layer.ports import MessageContext
from revcycle.settings import Settings

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLD = "left a message for QUIXOTE ZEBEDEE, MRN4242"
NEW = "QUIXOTE called back: member MEMB98765"
SECRETS = ("QUIXOTE", "ZEBEDEE", "MRN4242", "MEMB98765")


def _stored(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [str(v) for v in conn.execute(text("SELECT text FROM finding_events ORDER BY id")).scalars()]


def test_a_clear_comment_reads_back_and_rotation_seals_it(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REVCYCLE_PHI_KEY", raising=False)
    env = {"REVCYCLE_DB_URL": store_url, "REVCYCLE_DATA_DIR": str(tmp_path), "USER": "ines"}
    container = build(Settings(db_url=store_url, data_dir=tmp_path, workers=False))
    engine = container.engine
    with SqlUnitOfWork(engine) as uow:
        ctx = MessageContext(correlation_id="c-1", received_at=AT, now=AT)
        uow.findings.raise_finding(
            Finding(FindingType.DENIAL, Severity.HIGH, "claim", "PCN1", "denied", "denial:claim:PCN1", {}),
            ctx,
        )
        uow.commit()
    with engine.begin() as conn:  # a comment from before the column was encrypted
        finding = int(conn.execute(text("SELECT id FROM findings")).scalar_one())
        conn.execute(
            text(
                "INSERT INTO finding_events (finding_id, at, actor, action, text) "
                "VALUES (:f, :at, 'ines', 'comment', :t)"
            ),
            {"f": finding, "at": AT, "t": OLD},
        )
    assert key_usage(engine)["clear"] == 1

    def show() -> str:
        result = CliRunner().invoke(main, ["findings", "show", str(finding)], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert f"commented: {OLD}" in show()
    commented = CliRunner().invoke(main, ["findings", "comment", str(finding), "--text", NEW], env=env)
    assert commented.exit_code == 0, commented.output
    old, new = _stored(engine)
    assert old == OLD and new.startswith("enc:") and not [s for s in SECRETS if s in new]

    rotated = CliRunner().invoke(main, ["keys", "rotate"], env=env)
    assert rotated.exit_code == 0, rotated.output
    assert not [s for s in SECRETS if any(s in v for v in _stored(engine))]
    usage = key_usage(engine)
    assert usage["clear"] == 0 and usage["k2"] >= 2
    shown = show()
    assert f"commented: {OLD}" in shown and f"commented: {NEW}" in shown
    engine.dispose()
