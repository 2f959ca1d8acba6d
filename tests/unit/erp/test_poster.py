"""The poster: acknowledgments recorded, backoff with jitter, dead letter after N attempts, rejection."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import OperationalError

from revcycle.domain.erp_payload import ErpJournal, ErpLine
from revcycle.service_layer.erp_ports import ErpAck, ErpRejected, ErpUnavailable, Outbound
from revcycle.service_layer.erp_poster import ErpPoster

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)


def _journal(key: str) -> ErpJournal:
    lines = (ErpLine(1, "1200", "5.00", "0.00"), ErpLine(2, "4000", "0.00", "5.00"))
    return ErpJournal(key, "charge", "2026-01-05", "2026-01", "USD", "LE", "5.00", "5.00", lines)


@dataclass
class Row:
    key: str
    attempts: int = 0
    status: str = "pending"
    at: datetime = NOW


class FakeOutbox:
    def __init__(self, keys: list[str]) -> None:
        self.rows = {i: Row(k) for i, k in enumerate(keys)}
        self.acked: dict[str, str] = {}

    def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Outbound]:
        due = [i for i, r in self.rows.items() if r.status == "pending" and r.at <= now][:limit]
        out = []
        for i in due:
            self.rows[i].attempts += 1
            self.rows[i].at = lease_until
            out.append(Outbound(i, i, self.rows[i].attempts, _journal(self.rows[i].key)))
        return out

    def acknowledge(self, acks: Sequence[tuple[Outbound, str]], now: datetime) -> None:
        for item, doc in acks:
            self.rows[item.outbox_id].status = "delivered"
            self.acked[item.journal.key] = doc

    def retry(self, item: Outbound, at: datetime, error: str) -> None:
        self.rows[item.outbox_id].at = at

    def dead(self, item: Outbound, now: datetime, error: str) -> None:
        self.rows[item.outbox_id].status = "dead"


class FakeErp:
    name = "fake"

    def __init__(self, outcomes: list[object]) -> None:
        self.outcomes = outcomes
        self.calls: list[list[str]] = []

    def post(self, journals: Sequence[ErpJournal]) -> list[ErpAck]:
        self.calls.append([j.key for j in journals])
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        skip = outcome if isinstance(outcome, set) else set()
        return [ErpAck(j.key, f"DOC-{j.key}") for j in journals if j.key not in skip]


def _poster(outbox: FakeOutbox, erp: FakeErp, **kw: object) -> ErpPoster:
    return ErpPoster(outbox, erp, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def test_acknowledgments_are_recorded_with_the_document_ids() -> None:
    outbox, erp = FakeOutbox(["a", "b", "c"]), FakeErp([])
    report = _poster(outbox, erp, batch=2).run_once(NOW)
    assert (report.sent, report.acknowledged, report.lines) == (2, 2, 4)
    _poster(outbox, erp, batch=2).run_once(NOW)
    assert outbox.acked == {"a": "DOC-a", "b": "DOC-b", "c": "DOC-c"}


def test_an_outage_reschedules_with_exponential_backoff_and_jitter() -> None:
    outbox = FakeOutbox(["a"])
    poster = _poster(outbox, FakeErp([ErpUnavailable("down")] * 3), retry_base=1.0, retry_max=3.0)
    delays = []
    now = NOW
    for _ in range(3):
        assert poster.run_once(now).retried == 1
        delays.append((outbox.rows[0].at - now).total_seconds())
        now = outbox.rows[0].at
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0 and 1.5 <= delays[2] <= 3.0  # capped at 3
    assert poster.run_once(now).acknowledged == 1


def test_nothing_is_sent_before_its_retry_time() -> None:
    outbox, erp = FakeOutbox(["a"]), FakeErp([ErpUnavailable("down")])
    poster = _poster(outbox, erp, retry_base=10.0)
    poster.run_once(NOW)
    assert poster.run_once(NOW + timedelta(seconds=1)).sent == 0
    assert len(erp.calls) == 1


def test_dead_letter_after_max_attempts_and_at_once_on_rejection() -> None:
    outbox = FakeOutbox(["a"])
    poster = _poster(outbox, FakeErp([ErpUnavailable("down")] * 5), max_attempts=3, retry_base=0.001)
    now = NOW
    for _ in range(3):
        poster.run_once(now)
        now += timedelta(seconds=1)
    assert outbox.rows[0].status == "dead" and outbox.rows[0].attempts == 3
    rejected = FakeOutbox(["b"])
    assert _poster(rejected, FakeErp([ErpRejected("bad")])).run_once(NOW).dead == 1
    assert rejected.rows[0].status == "dead"


def test_a_journal_missing_from_the_answer_is_retried() -> None:
    outbox, erp = FakeOutbox(["a", "b"]), FakeErp([{"b"}])
    report = _poster(outbox, erp).run_once(NOW)
    assert (report.acknowledged, report.retried) == (1, 1)
    assert outbox.acked == {"a": "DOC-a"} and outbox.rows[1].status == "pending"


def test_the_loop_survives_a_store_that_is_briefly_unavailable() -> None:
    class FlakyOutbox(FakeOutbox):
        failures = 1

        def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Outbound]:
            if self.failures:
                self.failures -= 1
                raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
            return super().claim_due(now, limit, lease_until)

    outbox = FlakyOutbox(["a"])
    poster = _poster(outbox, FakeErp([]))
    waits: list[float] = []

    class Stopper:
        def is_set(self) -> bool:
            return bool(outbox.acked)

        def wait(self, seconds: float) -> bool:
            waits.append(seconds)
            return False

    poster.run_forever(Stopper(), lambda: NOW, poll_seconds=0.01)  # type: ignore[arg-type]
    assert outbox.acked == {"a": "DOC-a"} and waits[0] == 1.0  # waited a second, then posted
