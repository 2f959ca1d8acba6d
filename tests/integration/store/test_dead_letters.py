"""Dead letters: inspect, replay as is, edit and replay, replay by filter; every replay recorded."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select

from revcycle.adapters.store.dead_letters import SqlDeadLetters
from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.message_queries import MessageQueries
from revcycle.adapters.store.schema import inbound_messages, replays
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.service_layer.intake import make_receipt
from revcycle.service_layer.worker import Worker
from tests.integration.store.fake_format import FakeFormat, FakeRegistry, fake_bus


def prepare(engine: Engine, lines: list[bytes]) -> Worker:
    SqlInboundLog(engine).append_batch(
        [
            make_receipt(line, interface="lab", transport="test", identify=FakeFormat().identify)
            for line in lines
        ]
    )
    worker = Worker(lambda: SqlUnitOfWork(engine), FakeRegistry(), fake_bus(Counter()), max_attempts=1)
    worker.drain()
    return worker


def test_edit_and_replay_processes_the_corrected_copy(engine: Engine) -> None:
    worker = prepare(engine, [b"T|A|A1|unmappable|0"])
    queries, letters = MessageQueries(engine), SqlDeadLetters(engine, FakeFormat().identify)
    [dead] = queries.dead_letters()
    shown = queries.dead_letter(dead["id"])
    assert shown is not None and shown["message"]["raw"] == "T|A|A1|unmappable|0"
    assert shown["reason_code"] == "mapping_error"

    result = letters.edit_and_replay(dead["id"], b"T|A|A1|charge|10", actor="alice", note="fixed field 4")
    assert result.outcome == "requeued" and result.message_id != dead["message_id"]
    worker.drain()
    with engine.connect() as conn:
        copy = conn.execute(select(inbound_messages).where(inbound_messages.c.id == result.message_id)).one()
        history = conn.execute(select(replays)).one()
    assert copy.status == "processed" and copy.replay_of == dead["message_id"]
    assert (history.actor, history.edited, history.note) == ("alice", True, "fixed field 4")
    assert queries.dead_letters() == []  # nothing open any more
    assert letters.replay([dead["id"]], actor="alice")[0].outcome == "not_open"


def test_replay_by_filter_requeues_only_matching_letters(engine: Engine) -> None:
    prepare(engine, [b"T|A|A1|permanent|0", b"T|B|B1|unmappable|0"])
    letters = SqlDeadLetters(engine, FakeFormat().identify)
    ids = letters.ids_matching(reason_code="refused")
    assert len(ids) == 1
    [result] = letters.replay(ids, actor="bob")
    assert result.outcome == "requeued"
    with engine.connect() as conn:
        state = dict(conn.execute(select(inbound_messages.c.control_id, inbound_messages.c.status)).all())
    assert state == {"A1": "accepted", "B1": "dead"}


def test_replay_of_input_still_unreadable_says_so(engine: Engine) -> None:
    prepare(engine, [b"not a T line at all"])
    letters = SqlDeadLetters(engine, FakeFormat().identify)
    [dead] = MessageQueries(engine).dead_letters()
    [result] = letters.replay([dead["id"]], actor="carol")
    assert result.outcome == "still_unreadable" and "not a T line" in (result.reason or "")
    assert MessageQueries(engine).dead_letters()[0]["status"] == "open"
