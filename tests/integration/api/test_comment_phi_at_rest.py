"""Work-queue comments (``finding_events.text``, may hold PHI) are encrypted at rest on both back ends:
the stored value holds no plaintext, while the work queue's API shows the comment (and a status note)
to a signed-in user. A comment longer than a short PHI column's 300 characters fits."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from revcycle.adapters.store.phi_columns import key_usage
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.service_layer.ports import MessageContext

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRETS = ("QUIXOTE", "ZEBEDEE", "1951-12-24", "MEMB98765")
COMMENT = ("Called Mrs QUIXOTE ZEBEDEE (born 1951-12-24, member MEMB98765) about the balance. " * 6).strip()
NOTE = "QUIXOTE paid at the front desk"


def _finding(engine: Engine) -> int:
    with SqlUnitOfWork(engine) as uow:
        ctx = MessageContext(correlation_id="c-1", received_at=AT, now=AT)
        uow.findings.raise_finding(
            Finding(FindingType.DENIAL, Severity.HIGH, "claim", "PCN1", "denied", "denial:claim:PCN1", {}),
            ctx,
        )
        uow.commit()
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM findings")).scalar_one())


def test_a_comment_is_sealed_at_rest_and_shown_to_the_work_queue(client: TestClient) -> None:
    engine = client.app.state.container.engine  # type: ignore[attr-defined]
    finding = _finding(engine)
    assert len(COMMENT) > 300
    posted = client.post(f"/api/v1/findings/{finding}/comments", json={"actor": "ines", "text": COMMENT})
    assert posted.status_code == 201, posted.text
    moved = client.post(
        f"/api/v1/findings/{finding}/status", json={"actor": "ines", "status": "resolved", "note": NOTE}
    )
    assert moved.status_code == 200, moved.text
    with engine.connect() as conn:  # as stored: no decrypting column type on a plain SQL read
        stored = [str(v) for v in conn.execute(text("SELECT text FROM finding_events")).scalars() if v]
    assert len(stored) == 2 and all(v.startswith("enc:") for v in stored)
    assert not [s for s in SECRETS if any(s in v for v in stored)]
    detail = client.get(f"/api/v1/findings/{finding}").json()
    assert [c["text"] for c in detail["comments"]] == [COMMENT]
    assert detail["history"][-1]["note"] == NOTE
    assert key_usage(engine)["clear"] == 0 and sum(key_usage(engine).values()) >= 2
