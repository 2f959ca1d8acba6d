"""Flood control: conditions become alerts, one per open condition; an alert resolves (with a notice)
when its condition clears, is re-notified every ``renotify_minutes`` while unacknowledged, and escalates
to ``escalate_to`` once after ``escalate_after_minutes`` unacknowledged. A finding rule opens at most
``max_alerts`` alerts per window and counts the rest in one flood alert (``flood.py``).

Which findings the finding rules see. Every finding carries an ``alert_pending`` mark, set by the
database's default when the finding is written and cleared by the engine in the transaction that opens
its alerts and queues their notifications (``AlertWrites.finding_batch``); the engine reads the
findings still marked, oldest first (a partial index holds just those). It used to read past an id
cursor held in memory, which is wrong on PostgreSQL with several writers (the API process and the
worker process both raise findings): ids are handed out at INSERT but rows become visible at COMMIT,
so a finding with a lower id committed after a higher one had been read fell behind the cursor and was
never alerted; and a restart began the cursor at 0 again, re-reading every finding ever written. With
the mark, each finding is evaluated once whatever the commit order: the mark goes from true to false
in exactly one committed transaction, the one holding its alerts (claiming skips rows another
transaction has locked, which stay pending for the next round), a crash before that commit leaves it
pending for the next process, and a crash after it leaves nothing to redo, so no notification is
queued twice. A finding is evaluated against the finding rules in force when it is read (a rule added
later does not reach back; the migration that introduced the mark counted every existing finding as
evaluated). The cost is one UPDATE per page of findings, off the writers' path (the mark is the
column's default)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from revcycle.domain.findings import AlertStatus
from revcycle.service_layer.alerts import rules as r
from revcycle.service_layer.alerts.conditions import (
    AlertReads,
    Condition,
    FindingRow,
    evaluate,
    finding_condition,
    finding_matches,
)
from revcycle.service_layer.alerts.flood import FloodState, flood_condition, flood_key, quiet, split, window

log = logging.getLogger(__name__)
FINDING_PAGE = 500  # findings per transaction (the SQLite write lock is held for one page)
MAX_PAGES = 20  # per round; reminders, escalations and deliveries get their turn in between


class LiveAlertView(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def last_notified_at(self) -> datetime | None: ...
    @property
    def escalated_at(self) -> datetime | None: ...


class FindingBatch(Protocol):
    """One write transaction over a page of pending findings."""

    def claim(self, finding_ids: Sequence[int]) -> set[int]:
        """Mark the still-pending ones among ``finding_ids`` evaluated; returns them."""
        ...

    def opened_since(self, rule: str, since: datetime, *, excluding: str) -> int: ...
    def open(self, rule: str, conditions: Sequence[Condition], channels: Sequence[str]) -> list[int]: ...
    def flood(self, key: str) -> FloodState | None: ...
    def update(self, alert_id: int, condition: Condition) -> None: ...


class AlertWrites(Protocol):
    def live(self, rule: str | None = None) -> Mapping[str, LiveAlertView]: ...
    def finding_batch(self, now: datetime) -> AbstractContextManager[FindingBatch]: ...
    def flood(self, key: str) -> FloodState | None: ...
    def open_many(
        self, rule: str, conditions: Sequence[Condition], channels: Sequence[str], now: datetime
    ) -> list[int]: ...
    def resolve(self, alert_ids: Sequence[int], channels: Sequence[str], now: datetime) -> None: ...
    def notify_again(self, alert_id: int, event: str, channels: Sequence[str], now: datetime) -> None: ...


@dataclass
class EngineState:
    last_run: dict[str, datetime] | None = None
    last_finding_sweep: datetime | None = None
    last_follow_up: datetime | None = None


class AlertEngine:
    def __init__(self, reads: AlertReads, store: AlertWrites, config: r.AlertConfig) -> None:
        self.reads = reads
        self.store = store
        self.config = config
        self.state = EngineState(last_run={})

    def reconfigure(self, config: r.AlertConfig) -> None:
        self.config = config
        self.state.last_run = {}

    def tick(self, now: datetime) -> int:
        """One round: new findings, due rules, reminders and escalations. Returns alerts opened."""
        opened = self._findings(now)
        last_run = self.state.last_run if self.state.last_run is not None else {}
        for rule in self.config.rules:
            if not rule.enabled or isinstance(rule, r.FindingRule):
                continue
            previous = last_run.get(rule.name)
            if previous is not None and (now - previous).total_seconds() < rule.check_every_seconds:
                continue
            last_run[rule.name] = now
            opened += self.reconcile(rule, evaluate(rule, self.reads, now), now)
        self.state.last_run = last_run
        follow = self.state.last_follow_up
        if follow is None or (now - follow).total_seconds() >= self.config.escalation_check_seconds:
            self.state.last_follow_up = now
            self.follow_up(now)
        return opened

    def reconcile(self, rule: r.Rule, conditions: Sequence[Condition], now: datetime) -> int:
        """Open what is new, resolve what cleared."""
        live = self.store.live(rule.name)
        current = {c.key: c for c in conditions}
        fresh = [c for key, c in current.items() if key not in live]
        cleared = [alert.id for key, alert in live.items() if key not in current]
        opened = self.store.open_many(rule.name, fresh, rule.channels, now)
        self.store.resolve(cleared, rule.channels, now)
        return len(opened)

    def _findings(self, now: datetime) -> int:
        """Evaluate the pending findings, a page per transaction; every few seconds, resolve the
        alerts of findings closed since and the floods that are over."""
        finding_rules = [x for x in self.config.rules if isinstance(x, r.FindingRule) and x.enabled]
        opened = 0
        for _ in range(MAX_PAGES):
            rows = self.reads.pending_findings(FINDING_PAGE)
            if not rows:
                break
            taken, count = self._evaluate(finding_rules, rows, now)
            opened += count
            if len(rows) < FINDING_PAGE or not taken:
                break  # the last page, or every row is locked by a writer for now: next round
        if not finding_rules:
            return opened
        sweep = self.state.last_finding_sweep
        if sweep is None or now - sweep >= timedelta(
            seconds=min(x.check_every_seconds for x in finding_rules) * 25
        ):
            self.state.last_finding_sweep = now
            for rule in finding_rules:
                self._resolve_findings(rule, now)
        return opened

    def _evaluate(
        self, rules: Sequence[r.FindingRule], rows: Sequence[FindingRow], now: datetime
    ) -> tuple[int, int]:
        """One page in one transaction: claim the findings, open their alerts (or count them in their
        rule's flood alert). Returns (findings taken, alerts opened)."""
        opened = 0
        plans = [  # built before the transaction: the SQLite write lock is held for the writes only
            (rule, [(row.id, finding_condition(rule, row)) for row in rows if finding_matches(rule, row)])
            for rule in rules
        ]
        with self.store.finding_batch(now) as batch:
            taken = batch.claim([row.id for row in rows])
            for rule, planned in plans:
                matches = [condition for finding_id, condition in planned if finding_id in taken]
                if not matches:
                    continue
                key = flood_key(rule.name)
                recent = (
                    batch.opened_since(rule.name, now - window(rule), excluding=key) if rule.max_alerts else 0
                )
                alone, folded = split(rule, matches, recent)
                opened += len(batch.open(rule.name, alone, rule.channels))
                if not folded:
                    continue
                previous = batch.flood(key)
                condition = flood_condition(rule, folded, previous, now)
                if previous is None:
                    opened += len(batch.open(rule.name, [condition], rule.channels))
                    log.warning(
                        "alert flood: rule %s past %d alerts in %g min",
                        rule.name,
                        rule.max_alerts,
                        rule.window_minutes,
                    )
                else:
                    batch.update(previous.alert_id, condition)
        return len(taken), opened

    def _resolve_findings(self, rule: r.FindingRule, now: datetime) -> None:
        live = self.store.live(rule.name)
        if not live:
            return
        prefix = f"{rule.name}:"
        key = flood_key(rule.name)
        cleared = []
        if key in live:
            state = self.store.flood(key)
            if state is not None and quiet(rule, state, now):
                cleared.append(state.alert_id)
        finding_keys = {
            k[len(prefix) :]: alert for k, alert in live.items() if k.startswith(prefix) and k != key
        }
        statuses = self.reads.finding_statuses(list(finding_keys))
        cleared += [
            alert.id for k, alert in finding_keys.items() if statuses.get(k) not in ("open", "in_progress")
        ]
        self.store.resolve(cleared, rule.channels, now)

    def follow_up(self, now: datetime) -> None:
        """Reminders and escalations for alerts nobody acknowledged."""
        for alert in self.store.live().values():
            if alert.status != AlertStatus.OPEN.value:
                continue
            rule = self.config.rule(alert.rule)
            if rule is None:
                continue
            if (
                rule.escalate_after_minutes is not None
                and alert.escalated_at is None
                and now - alert.opened_at >= timedelta(minutes=rule.escalate_after_minutes)
            ):
                self.store.notify_again(alert.id, "escalated", rule.escalate_to or rule.channels, now)
                continue
            last = alert.last_notified_at or alert.opened_at
            if rule.renotify_minutes is not None and now - last >= timedelta(minutes=rule.renotify_minutes):
                self.store.notify_again(alert.id, "reminder", rule.channels, now)
