"""The journal builder on real PostgreSQL with several writers: a source row whose transaction commits
after a row with a higher id was journalled is still journalled, exactly once (issue 7: an id cursor
skipped it). Two units of work write charges, a claim payment and a patient payment each; the one with
the lower ids commits last, around a builder pass."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from revcycle.adapters.store.encrypted import install_key_ring
from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.schema import (
    charges,
    claim_payments,
    erp_items,
    erp_journals,
    metadata,
    outbox,
)
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.bootstrap import build_erp
from revcycle.domain import commands as c
from revcycle.domain.charges import Charge
from revcycle.domain.remittances import PatientPayment, Remittance
from revcycle.security.phi_crypto import KeyRing
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext
from revcycle.settings import Settings
from tests.integration.erp.seed import NOW, PATIENT, charge, payment, seed, write_mapping

D = Decimal


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    install_key_ring(engine, KeyRing.generate())
    upgrade(engine)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


def _charge(amount: str, visit: str) -> Charge:
    return replace(charge("99285", amount), visit_number=visit)


def _write(uow: SqlUnitOfWork, tag: str, amount: str) -> None:
    """A charge (visit V<tag>), an unmatched claim payment and a patient payment, not committed."""
    bus = MessageBus(HANDLERS)
    commands: tuple[c.Command, ...] = (
        c.CaptureCharges(PATIENT.key, (_charge(amount, f"V{tag}"),), f"V{tag}"),
        c.RecordRemittance(
            Remittance(
                f"TRC{tag}",
                "PAY1",
                D(amount),
                payment_date=date(2026, 1, 19),
                claims=(payment(f"NOPE{tag}", "1", amount),),
            )
        ),
        c.RecordPatientPayment(
            PatientPayment(account="AC1", amount=D(amount), received_at=NOW, reference=tag)
        ),
    )
    for command in commands:
        ctx = MessageContext(correlation_id=str(uuid.uuid4()), received_at=NOW, now=NOW)
        with uow.savepoint():
            bus.handle(command, uow, ctx)


def _sources(engine: Engine, tag: str) -> set[tuple[str, int]]:
    with engine.connect() as conn:
        found = {
            ("charge", i)
            for i in conn.scalars(select(charges.c.id).where(charges.c.visit_number == f"V{tag}"))
        }
        found |= {
            ("claim_payment", i)
            for i in conn.scalars(
                select(claim_payments.c.id).where(claim_payments.c.patient_control_number == f"NOPE{tag}")
            )
        }
        found |= {
            ("patient_payment", i)
            for i in conn.scalars(
                select(outbox.c.id).where(
                    outbox.c.topic == "patient_payment", outbox.c.key.endswith(f":{tag}")
                )
            )
        }
    return found


def _itemised(engine: Engine) -> dict[tuple[str, int], int]:
    """Source row -> how many payer-payment or charge items (one per row each) it has."""
    i = erp_items.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(i.source_kind, i.source_id, func.count())
            .where(i.transaction_type.in_(("charge", "payer_payment", "patient_payment")))
            .group_by(i.source_kind, i.source_id)
        )
        return {(kind, int(source_id)): int(n) for kind, source_id, n in rows}


def test_a_row_committed_after_a_higher_id_was_journalled_is_journalled_once(
    pg: Engine, tmp_path: Path
) -> None:
    seed(pg)
    settings = Settings(
        db_url=pg.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        erp_gl_mapping=write_mapping(tmp_path),
    )
    builder = build_erp(settings, pg).builder
    assert builder.run_once(NOW).items == 7
    with ExitStack() as stack:
        early = stack.enter_context(SqlUnitOfWork(pg))
        late = stack.enter_context(SqlUnitOfWork(pg))
        _write(early, "7", "111.00")  # takes the lower ids...
        _write(late, "8", "222.00")
        late.commit()  # ...but commits last
        between = builder.run_once(NOW)
        late_rows = _sources(pg, "8")
        assert len(late_rows) == 3 and set(_itemised(pg)) >= late_rows
        assert between.items == 3 and between.journals == 3
        early.commit()
    early_rows = _sources(pg, "7")
    assert len(early_rows) == 3
    for kind in ("charge", "claim_payment", "patient_payment"):  # the premise: lower ids, later commit
        assert max(i for k, i in early_rows if k == kind) < min(i for k, i in late_rows if k == kind)
    after = builder.run_once(NOW)
    assert after.items == 3 and after.journals == 3  # picked up...
    assert builder.run_once(NOW).items == 0  # ...once
    itemised = _itemised(pg)
    assert all(itemised[row] == 1 for row in early_rows | late_rows)
    with pg.connect() as conn:
        charged = conn.scalar(
            select(func.sum(erp_journals.c.debit_total)).where(erp_journals.c.kind == "charge")
        )
    assert charged == D("300.00") + D("111.00") + D("222.00")


def test_writers_committing_in_any_order_around_builder_passes_lose_nothing(
    pg: Engine, tmp_path: Path
) -> None:
    """Writer threads hold their transactions open for different times while the builder runs pass
    after pass; afterwards every charge is itemised exactly once."""
    seed(pg)
    settings = Settings(
        db_url=pg.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        erp_gl_mapping=write_mapping(tmp_path),
    )
    builder = build_erp(settings, pg).builder
    builder.run_once(NOW)
    writers, per_writer = 4, 6
    gates = [[threading.Event() for _ in range(per_writer)] for _ in range(writers)]

    def write(w: int) -> None:
        for n in range(per_writer):
            with SqlUnitOfWork(pg) as uow:
                bus = MessageBus(HANDLERS)
                ctx = MessageContext(correlation_id=str(uuid.uuid4()), received_at=NOW, now=NOW)
                bus.handle(
                    c.CaptureCharges(PATIENT.key, (_charge("10.00", f"W{w}-{n}"),), f"W{w}-{n}"), uow, ctx
                )
                assert gates[w][n].wait(30)  # held open until released, in an order unrelated to the ids
                uow.commit()

    with ThreadPoolExecutor(writers) as pool:
        done = [pool.submit(write, w) for w in range(writers)]
        for n in range(per_writer):
            for w in reversed(range(writers)):
                gates[w][n].set()
                builder.run_once(NOW)
        for future in done:
            future.result(60)  # a writer's error fails the test here
    while builder.run_once(NOW).items:
        pass
    with pg.connect() as conn:
        ids = set(conn.scalars(select(charges.c.id).where(charges.c.visit_number.like("W%"))))
    itemised = _itemised(pg)
    assert len(ids) == writers * per_writer
    assert all(itemised.get(("charge", i)) == 1 for i in ids)
