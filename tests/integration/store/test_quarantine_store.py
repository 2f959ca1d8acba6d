"""The quarantine repository on SQLite and PostgreSQL: hold, release, requeue, replay only what was
held, supersede on a second hold, resolve and reopen findings (the gate and handler over real SQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from revcycle.adapters.store.schema import findings, inbound_messages, quarantine
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.bootstrap import Container
from revcycle.domain import commands as c
from revcycle.domain.master_data import Effective, Payer
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.intake import make_receipt
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext
from revcycle.service_layer.quarantine import QuarantineGate
from tests.unit.service_layer.builders import submit

NOW = datetime(2026, 3, 1, tzinfo=UTC)


_SEQUENCE = iter(range(1_000_000))


def new_message(container: Container) -> int:
    """A fresh row in the inbound log (the quarantine's rows refer to it)."""
    raw = json.dumps({"kind": "payer", "records": [], "n": next(_SEQUENCE)}).encode()
    receipt = make_receipt(raw, interface="t", transport="file", identify=container.formats.identify)
    [appended] = container.inbound_log.append_batch([receipt])
    return appended.message_id


def step(
    container: Container, message_id: int | None, *commands: c.Command, gate: QuarantineGate | None = None
) -> tuple[c.Command, ...]:
    ctx = MessageContext(correlation_id="corr", received_at=NOW, now=NOW, message_id=message_id)
    bus = MessageBus(HANDLERS)
    with SqlUnitOfWork(container.engine) as uow:
        run: tuple[c.Command, ...] = commands
        if gate is not None and message_id is not None:
            run = gate.admit(uow, message_id, commands, ctx).commands
        for command in run:
            bus.handle(command, uow, ctx)
        uow.commit()
    return run


def load(container: Container, gate: QuarantineGate, *payers: Payer) -> None:
    """A load as the worker runs it: through the gate (which forgets what it cached of the kind)."""
    step(container, new_message(container), c.UpsertMasterData("payer", payers), gate=gate)


def test_hold_release_replay_and_supersede_on_both_back_ends(container: Container) -> None:
    gate = QuarantineGate()
    load(container, gate, Payer("PAYER-A", "Acme"))
    message = new_message(container)
    x, y = submit("PCN1", payer_id="PAYER-X"), submit("PCN2", payer_id="PAYER-Y")
    assert step(container, message, x, y, gate=gate) == ()

    def state() -> tuple[str, list[tuple[int, str, str]], dict[str, str]]:
        with container.engine.connect() as conn:
            status = conn.execute(
                select(inbound_messages.c.status).where(inbound_messages.c.id == message)
            ).scalar_one()
            rows = conn.execute(
                select(quarantine.c.command_index, quarantine.c.code, quarantine.c.status).order_by(
                    quarantine.c.id
                )
            ).all()
            found = dict(conn.execute(select(findings.c.subject_id, findings.c.status)).all())
        return status, [tuple(r) for r in rows], found  # type: ignore[misc]

    status, rows, found = state()
    assert status == "quarantined" and rows == [(0, "PAYER-X", "held"), (1, "PAYER-Y", "held")]
    assert found == {"PCN1": "open", "PCN2": "open"}

    load(container, gate, Payer("PAYER-X", "X"))
    status, rows, found = state()
    assert status == "accepted" and rows[0][2] == "released" and found["PCN1"] == "resolved"
    assert step(container, message, x, y, gate=gate) == (x,)  # PCN2 is held again
    status, rows, found = state()
    assert rows == [(0, "PAYER-X", "replayed"), (1, "PAYER-Y", "superseded"), (1, "PAYER-Y", "held")]
    assert status == "quarantined" and found == {"PCN1": "resolved", "PCN2": "open"}

    load(container, gate, Payer("PAYER-Y", "Y"))
    closed = Payer("PAYER-Y", "Y", effective=Effective(None, date(2026, 1, 1)))  # before the DOS
    load(container, gate, closed)
    status, rows, found = state()
    assert status == "accepted" and found["PCN2"] == "resolved"
    assert step(container, message, x, y, gate=gate) == ()  # still not valid on its date: held again
    status, rows, found = state()
    assert found == {"PCN1": "resolved", "PCN2": "open"}  # reopened
    assert [r[2] for r in rows if r[0] == 1] == ["superseded", "superseded", "held"]

    load(container, gate, Payer("PAYER-Y", "Y", effective=Effective(date(2026, 1, 2))))
    assert step(container, message, x, y, gate=gate) == (y,)  # PCN1 is not applied again
    status, rows, found = state()
    assert rows[-1] == (1, "PAYER-Y", "replayed") and found == {"PCN1": "resolved", "PCN2": "resolved"}


def test_a_store_without_payers_does_not_hold_claims(container: Container) -> None:
    message = new_message(container)
    claim = submit("PCN9", payer_id="ANY")
    assert step(container, message, claim, gate=QuarantineGate()) == (claim,)
