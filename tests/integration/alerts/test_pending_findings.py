"""Every finding is evaluated by the finding rules exactly once, whatever the order in which its writers
commit (PostgreSQL, several writers), across failed rounds and restarts (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from revcycle.adapters.store.alert_reads import SqlAlertReads
from revcycle.adapters.store.alert_store import SqlAlertStore, SqlFindingBatch
from revcycle.adapters.store.schema import alert_deliveries, alerts, findings
from revcycle.domain.findings import Severity
from revcycle.service_layer.alerts.conditions import Condition
from revcycle.service_layer.alerts.engine import AlertEngine
from revcycle.service_layer.alerts.rules import parse_text
from revcycle.service_layer.alerts.service import AlertService
from tests.integration.alerts import seed
from tests.integration.alerts.conftest import Clock

Make = Callable[[str], AlertService]
RULE = '[[rules]]\nname = "all"\nkind = "finding"\nmax_alerts = 0\n'
postgres_only = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


def _opened(engine: Engine) -> Counter[str]:
    """How many "opened" notifications were queued per alert key."""
    d, a = alert_deliveries.c, alerts.c
    query = select(a.key).join(alerts, d.alert_id == a.id).where(d.event == "opened")
    with engine.connect() as conn:
        return Counter(conn.scalars(query))


def _pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(findings.c.alert_pending)).scalar_one())


@postgres_only
def test_a_finding_committed_after_a_later_one_was_read_is_alerted(engine: Engine, alerting: Make) -> None:
    """The id cursor's bug: finding 1 takes its id first and commits last, after the engine has read
    finding 2; it still gets its alert."""
    service = alerting(RULE)
    slow = engine.connect()
    slow_tx = slow.begin()
    first = slow.execute(insert(findings).values(**seed.finding_values("late:1"))).inserted_primary_key
    second = seed.finding(engine, "early:2")
    assert first is not None and int(first[0]) < second
    assert service.step() == 1
    assert set(_opened(engine)) == {"all:early:2"}
    slow_tx.commit()
    slow.close()
    assert service.step() == 1
    assert _opened(engine) == Counter({"all:early:2": 1, "all:late:1": 1})
    assert _pending(engine) == 0


@postgres_only
def test_a_finding_locked_by_a_writer_is_left_for_the_next_round_without_waiting(
    engine: Engine, alerting: Make
) -> None:
    """A worker counting one more occurrence of a finding holds its row lock until it commits; the
    engine skips that finding (no wait behind the writer) and takes it once the lock is gone."""
    service = alerting(RULE)
    busy = seed.finding(engine, "busy")
    seed.finding(engine, "free")
    writer = engine.connect()
    writer_tx = writer.begin()
    f = findings.c
    writer.execute(update(findings).where(f.id == busy).values(occurrences=f.occurrences + 1))
    result: list[int] = []
    stepping = threading.Thread(target=lambda: result.append(service.step()))
    stepping.start()
    stepping.join(10)
    blocked = stepping.is_alive()
    writer_tx.commit()
    writer.close()
    stepping.join()
    assert not blocked and result == [1]
    assert set(_opened(engine)) == {"all:free"}
    assert service.step() == 1
    assert set(_opened(engine)) == {"all:free", "all:busy"}


@postgres_only
def test_findings_from_concurrent_writers_are_each_alerted_once(
    engine: Engine, alerting: Make, clock: Clock
) -> None:
    """Four writers commit findings after random delays (so ids commit out of order) while the engine
    runs; every finding ends with exactly one alert and one notification."""
    service = alerting(RULE)
    per_writer, writers = 40, 4
    done = threading.Event()
    errors: list[SQLAlchemyError] = []

    def write(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(per_writer):
                with engine.begin() as conn:
                    conn.execute(insert(findings).values(**seed.finding_values(f"w{n}:{i}")))
                    threading.Event().wait(rng.random() * 0.01)  # hold the id uncommitted a while
        except SQLAlchemyError as error:  # surfaced by the assertion below
            errors.append(error)

    def evaluate() -> None:
        while not done.is_set():
            service.engine.tick(clock())
            done.wait(0.005)

    engine_thread = threading.Thread(target=evaluate)
    engine_thread.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    engine_thread.join()
    service.engine.tick(clock())  # what committed after the thread's last round
    assert errors == []
    opened = _opened(engine)
    assert len(opened) == per_writer * writers
    assert set(opened.values()) == {1}
    assert _pending(engine) == 0


def test_a_lower_id_that_appears_after_a_higher_one_was_evaluated_is_alerted(
    engine: Engine, alerting: Make
) -> None:
    """The same visibility order on either back end: a row with a lower id shows up last."""
    service = alerting(RULE)
    seed.finding(engine, "high", id_=100)
    assert service.step() == 1
    seed.finding(engine, "low", id_=50)
    assert service.step() == 1
    assert _opened(engine) == Counter({"all:high": 1, "all:low": 1})


class _FailingBatch:
    """A batch whose alert writes fail after the findings were claimed (a crash mid-transaction)."""

    def __init__(self, inner: SqlFindingBatch) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def open(self, rule: str, conditions: Sequence[Condition], channels: Sequence[str]) -> list[int]:
        self.inner.open(rule, conditions, channels)
        raise RuntimeError("process died")


class _FailingStore(SqlAlertStore):
    @contextmanager
    def finding_batch(self, now: datetime) -> Iterator[Any]:  # type: ignore[override]
        with super().finding_batch(now) as batch:
            yield _FailingBatch(batch)


def _engine_on(engine: Engine, store: SqlAlertStore, rules: str = RULE) -> AlertEngine:
    return AlertEngine(SqlAlertReads(engine), store, parse_text(rules))


def test_a_failed_round_leaves_its_findings_pending_and_a_restart_alerts_them_once(
    engine: Engine, clock: Clock
) -> None:
    for n in range(3):
        seed.finding(engine, f"f{n}")
    with pytest.raises(RuntimeError):
        _engine_on(engine, _FailingStore(engine)).tick(clock())
    assert _pending(engine) == 3 and _opened(engine) == Counter()  # claim and alerts rolled back together
    assert _engine_on(engine, SqlAlertStore(engine)).tick(clock()) == 3  # the next process
    seed.finding(engine, "f3")
    assert _engine_on(engine, SqlAlertStore(engine)).tick(clock()) == 1  # and the one after: only the new
    assert _opened(engine) == Counter({f"all:f{n}": 1 for n in range(4)})
    assert _pending(engine) == 0


def test_findings_are_evaluated_against_the_rules_in_force(engine: Engine, clock: Clock) -> None:
    """With no finding rule the findings are still marked evaluated: a rule added later does not
    alert on them, only on findings raised after it."""
    store = SqlAlertStore(engine)
    seed.finding(engine, "before")
    assert (
        _engine_on(engine, store, '[[rules]]\nname = "b"\nkind = "backlog"\nmax_depth = 10\n').tick(clock())
        == 0
    )
    assert _pending(engine) == 0
    seed.finding(engine, "after")
    assert _engine_on(engine, store).tick(clock()) == 1
    assert set(_opened(engine)) == {"all:after"}


def test_a_page_of_findings_is_one_transaction_whatever_its_size(engine: Engine, clock: Clock) -> None:
    """More findings than a page: all evaluated in one round, each once."""
    with engine.begin() as conn:
        conn.execute(insert(findings), [seed.finding_values(f"bulk:{n}") for n in range(1203)])
    assert _engine_on(engine, SqlAlertStore(engine)).tick(clock()) == 1203
    opened = _opened(engine)
    assert len(opened) == 1203 and set(opened.values()) == {1}


def _batch(store: SqlAlertStore, now: datetime) -> AbstractContextManager[SqlFindingBatch]:
    return store.finding_batch(now)


def test_a_finding_claimed_by_another_transaction_is_not_claimed_again(engine: Engine, clock: Clock) -> None:
    store = SqlAlertStore(engine)
    ids = [seed.finding(engine, f"c{n}") for n in range(3)]
    with _batch(store, clock()) as batch:
        assert batch.claim(ids[:2]) == set(ids[:2])
    with _batch(store, clock()) as batch:
        assert batch.claim(ids) == {ids[2]}


def _deliveries(engine: Engine, key: str) -> list[str]:
    d, a = alert_deliveries.c, alerts.c
    query = select(d.event).join(alerts, d.alert_id == a.id).where(a.key == key).order_by(d.id)
    with engine.connect() as conn:
        return list(conn.scalars(query))


def test_a_storm_opens_at_most_max_alerts_and_counts_the_rest_in_one_flood_alert(
    engine: Engine, alerting: Make, clock: Clock
) -> None:
    service = alerting('[[rules]]\nname = "dups"\nkind = "finding"\nmax_alerts = 5\nwindow_minutes = 10\n')
    store = SqlAlertStore(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(findings), [seed.finding_values(f"d:{n}", type_="duplicate_charge") for n in range(12)]
        )
    assert service.step() == 6  # five alerts and the flood alert
    live = store.live("dups")
    assert len(live) == 6 and "dups:flood" in live
    flood = store.get(live["dups:flood"].id)
    assert flood is not None and flood["details"]["findings"] == 7
    assert flood["summary"].startswith("7 more findings for rule dups past its limit of 5 alerts in 10 min")
    assert _deliveries(engine, "dups:flood") == ["opened"]

    clock.advance(minutes=1)
    seed.finding(engine, "d:12", type_="denial")
    assert service.step() == 0  # still flooding: counted, nobody notified again
    flood = store.get(live["dups:flood"].id)
    assert flood is not None and flood["details"]["findings"] == 8
    assert flood["details"]["by_type"] == {"duplicate_charge": 7, "denial": 1}
    assert _deliveries(engine, "dups:flood") == ["opened"]

    clock.advance(minutes=10)  # a quiet window: the flood is over
    service.step()
    assert "dups:flood" not in store.live("dups")
    assert _deliveries(engine, "dups:flood") == ["opened", "resolved"]
    assert len(store.live("dups")) == 5  # the findings' own alerts stay until their findings close

    clock.advance(minutes=1)  # the next storm, the first five alerts now out of the window
    with engine.begin() as conn:
        conn.execute(
            insert(findings), [seed.finding_values(f"e:{n}", type_="duplicate_charge") for n in range(8)]
        )
    assert service.step() == 6
    flood = store.get(store.live("dups")["dups:flood"].id)
    assert flood is not None and flood["details"]["findings"] == 3  # a new count
    assert _deliveries(engine, "dups:flood") == ["opened", "resolved", "opened"]


def test_resolving_twice_sends_one_resolve_notice(engine: Engine, clock: Clock) -> None:
    store = SqlAlertStore(engine)
    [alert_id] = store.open_many("r", [Condition("r:x", "x", Severity.HIGH)], ["in_app"], clock())
    store.resolve([alert_id], ["in_app"], clock())
    store.resolve([alert_id], ["in_app"], clock())  # a second sweep that saw it live a moment ago
    assert _deliveries(engine, "r:x") == ["opened", "resolved"]
