"""Flood control: conditions become alerts, one per open condition; an alert resolves (with a notice)
when its condition clears, is re-notified every ``renotify_minutes`` while unacknowledged, and escalates
to ``escalate_to`` once after ``escalate_after_minutes`` unacknowledged."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from revcycle.domain.findings import AlertStatus
from revcycle.service_layer.alerts import rules as r
from revcycle.service_layer.alerts.conditions import (
    AlertReads,
    Condition,
    evaluate,
    finding_condition,
    finding_matches,
)

log = logging.getLogger(__name__)
FINDING_PAGE = 1000


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


class AlertWrites(Protocol):
    def live(self, rule: str | None = None) -> Mapping[str, LiveAlertView]: ...
    def open_many(
        self, rule: str, conditions: Sequence[Condition], channels: Sequence[str], now: datetime
    ) -> list[int]: ...
    def resolve(self, alert_ids: Sequence[int], channels: Sequence[str], now: datetime) -> None: ...
    def notify_again(self, alert_id: int, event: str, channels: Sequence[str], now: datetime) -> None: ...


@dataclass
class EngineState:
    finding_cursor: int = 0
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
        finding_rules = [x for x in self.config.rules if isinstance(x, r.FindingRule) and x.enabled]
        if not finding_rules:
            return 0
        opened = 0
        while True:
            rows = self.reads.findings_after(self.state.finding_cursor, FINDING_PAGE)
            if not rows:
                break
            self.state.finding_cursor = rows[-1].id
            for rule in finding_rules:
                matches = [finding_condition(rule, row) for row in rows if finding_matches(rule, row)]
                opened += len(self.store.open_many(rule.name, matches, rule.channels, now))
            if len(rows) < FINDING_PAGE:
                break
        sweep = self.state.last_finding_sweep
        if sweep is None or now - sweep >= timedelta(
            seconds=min(x.check_every_seconds for x in finding_rules) * 25
        ):
            self.state.last_finding_sweep = now
            for rule in finding_rules:
                self._resolve_findings(rule, now)
        return opened

    def _resolve_findings(self, rule: r.FindingRule, now: datetime) -> None:
        live = self.store.live(rule.name)
        if not live:
            return
        prefix = f"{rule.name}:"
        finding_keys = {key[len(prefix) :]: alert for key, alert in live.items() if key.startswith(prefix)}
        statuses = self.reads.finding_statuses(list(finding_keys))
        cleared = [
            alert.id
            for key, alert in finding_keys.items()
            if statuses.get(key) not in ("open", "in_progress")
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
