"""The worker on a real store: order per partition, retries with backoff, dead letters, isolation."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.schema import charges, dead_letters, findings, inbound_messages
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.service_layer.intake import make_receipt
from revcycle.service_layer.worker import Worker
from tests.integration.store.fake_format import FakeFormat, FakeRegistry, fake_bus


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def setup(
    engine: Engine, lines: list[str], calls: Counter[str], clock: Clock, *, attempts: int = 3
) -> Worker:
    SqlInboundLog(engine).append_batch(
        [
            make_receipt(line.encode(), interface="lab", transport="test", identify=FakeFormat().identify)
            for line in lines
        ]
    )
    return Worker(
        lambda: SqlUnitOfWork(engine),
        FakeRegistry(),
        fake_bus(calls),
        batch=50,
        max_attempts=attempts,
        retry_base=1.0,
        clock=clock,
    )


def statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(inbound_messages.c.control_id, inbound_messages.c.status)).all())


def test_messages_are_processed_and_their_state_committed(engine: Engine) -> None:
    worker = setup(engine, [f"T|p{i % 3}|C{i}|charge|1{i}" for i in range(10)], Counter(), Clock())
    assert worker.drain() == 10
    assert set(statuses(engine).values()) == {"processed"}
    with engine.connect() as conn:
        rows = conn.execute(
            select(charges.c.transaction_id, charges.c.message_id, charges.c.correlation_id)
        ).all()
    assert sorted(r.transaction_id for r in rows) == sorted(f"C{i}" for i in range(10))
    assert all(r.message_id and r.correlation_id for r in rows)  # traceable to the message


def test_a_transient_failure_retries_with_backoff_and_holds_back_only_its_partition(engine: Engine) -> None:
    clock, calls = Clock(), Counter[str]()
    worker = setup(engine, ["T|A|A1|transient|1", "T|A|A2|charge|20", "T|B|B1|charge|30"], calls, clock)
    worker.drain()
    state = statuses(engine)
    # A1 failed once and waits; A2 (same partition) must not overtake it; B1 goes on.
    assert state == {"A1": "failed", "A2": "accepted", "B1": "processed"}
    worker.drain()
    assert statuses(engine)["A1"] == "failed"  # backoff not elapsed: not retried yet
    clock.now += timedelta(seconds=1.5)
    worker.drain()
    assert statuses(engine) == {"A1": "processed", "A2": "processed", "B1": "processed"}
    assert calls["A1"] == 2


def test_retries_give_up_into_a_dead_letter_and_release_the_partition(engine: Engine) -> None:
    clock, calls = Clock(), Counter[str]()
    worker = setup(engine, ["T|A|A1|transient|99", "T|A|A2|charge|20"], calls, clock, attempts=3)
    for _ in range(5):
        worker.drain()
        clock.now += timedelta(seconds=10)
    assert statuses(engine) == {"A1": "dead", "A2": "processed"}
    assert calls["A1"] == 3
    with engine.connect() as conn:
        letter = conn.execute(select(dead_letters)).one()
    assert letter.stage == "retry" and "3 attempts" in letter.reason


def test_bad_messages_become_dead_letters_without_blocking_the_others(engine: Engine) -> None:
    lines = [
        "T|A|A1|unreadable|0",
        "T|A|A2|unmappable|0",
        "T|A|A3|permanent|0",
        "T|A|A4|bug|0",
        "T|A|A5|charge|10",
    ]
    worker = setup(engine, lines, Counter(), Clock())
    worker.drain()
    assert statuses(engine) == {"A1": "dead", "A2": "dead", "A3": "dead", "A4": "dead", "A5": "processed"}
    with engine.connect() as conn:
        reasons = dict(conn.execute(select(dead_letters.c.message_id, dead_letters.c.reason_code)).all())
        stages = sorted(conn.execute(select(dead_letters.c.stage)).scalars())
    assert sorted(reasons.values()) == ["internal_error", "mapping_error", "refused", "unreadable"]
    assert stages == ["handle", "handle", "map", "parse"]


def test_a_failed_handler_rolls_back_only_its_own_changes(engine: Engine) -> None:
    # The duplicate charge of C2 is a finding, not a failure; the bug in C3 leaves no partial state.
    worker = setup(engine, ["T|A|C1|charge|10", "T|A|C2|charge|10", "T|A|C3|bug|0"], Counter(), Clock())
    worker.drain()
    with engine.connect() as conn:
        assert conn.execute(select(charges.c.transaction_id)).scalars().all() == ["C1", "C2"]
        kinds = conn.execute(select(findings.c.type)).scalars().all()
    assert kinds == ["duplicate_charge"]


def test_control_id_collision_is_processed_and_flagged(engine: Engine) -> None:
    worker = setup(engine, ["T|A|MSG00001|charge|10", "T|B|MSG00001|charge|11"], Counter(), Clock())
    assert worker.drain() == 2
    with engine.connect() as conn:
        found = conn.execute(select(findings.c.type, findings.c.subject_kind)).all()
    assert [tuple(f) for f in found] == [("control_id_collision", "message")]
