"""Periodic checks that no message triggers: a visit that ended without charges (lost charges).

Charge capture lags the visit (hours to a day or two), so a real product checks for missing charges
on a schedule, after a grace period (setting ``rule_missing_charge_hours``), rather than when the visit
ends: the worker calls :meth:`Sweeper.tick` between batches; the clock is injected for tests and the
benchmark. The periodic sweep never runs ahead of the feeds: its "now" is the earlier of the clock and
the newest visit event held, so a backfill of history (or a feed that stalls) does not make visits
whose charges are still on their way look unbilled.

The same sweeper keeps the console's daily rollups current: ``rollups`` (the store's incremental
refresh, ``adapters/store/rollups.py``) runs every ``rollup_interval`` seconds (30 by default) on its
own schedule, so the revenue pages' figures for past days lag the store by about that much while the
worker has idle moments to tick (a worker busy without a pause for longer delays the refresh).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError, OperationalError

from revcycle.domain.rules.facts import EncounterFacts
from revcycle.service_layer.correlation import new_correlation_id
from revcycle.service_layer.ports import MessageContext
from revcycle.service_layer.rules import apply_rules
from revcycle.service_layer.worker import WorkerUnitOfWork

log = logging.getLogger(__name__)


BATCH = 500


def sweep_missing_charges(uow: WorkerUnitOfWork, now: datetime, *, limit: int = BATCH) -> tuple[int, int]:
    """Raise a missing-charge finding for each visit past its grace period without charges; returns
    (visits looked at, findings raised)."""
    cutoff = now - uow.reference.thresholds.missing_charge_after
    ctx = MessageContext(correlation_id=new_correlation_id(), received_at=now, now=now, actor="sweep")
    visits = uow.encounters.unbilled(cutoff, limit)
    raised = sum(apply_rules(uow, ctx, EncounterFacts(encounter, 0, now)) for encounter in visits)
    return len(visits), raised


class Sweeper:
    """Runs the sweeps every ``interval`` seconds of the injected clock, each in its own transaction,
    and the rollup refresh (when given) every ``rollup_interval`` seconds."""

    def __init__(
        self,
        uow_factory: Callable[[], WorkerUnitOfWork],
        *,
        interval: float = 300.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rollups: Callable[[], object] | None = None,
        rollup_interval: float = 30.0,
    ) -> None:
        self.uow_factory = uow_factory
        self.interval = interval
        self.clock = clock
        self.rollups = rollups
        self.rollup_interval = rollup_interval
        self._last: datetime | None = None
        self._last_rollup: datetime | None = None

    def refresh_rollups(self) -> bool:
        """Run the rollup refresh when due; returns whether it ran to completion. A store error is
        logged and the refresh retried at the next interval (it resumes from its last watermark)."""
        now = self.clock()
        if self.rollups is None or (
            self._last_rollup is not None and (now - self._last_rollup).total_seconds() < self.rollup_interval
        ):
            return False
        self._last_rollup = now
        try:
            self.rollups()
        except (OperationalError, DBAPIError) as error:  # a store error must not stop the worker loop
            log.warning(
                "rollup refresh failed, retried in %.0f s: %s", self.rollup_interval, type(error).__name__
            )
            return False
        return True

    def tick(self) -> int:
        """Run the sweeps when due. A store error (a busy or lost connection) is logged and the sweep
        retried at the next interval: it must never stop the worker loop that calls it."""
        self.refresh_rollups()
        now = self.clock()
        if self._last is not None and (now - self._last).total_seconds() < self.interval:
            return 0
        self._last = now
        try:
            with self.uow_factory() as uow:
                feeds = uow.encounters.latest_activity()
            return self.run(min(now, feeds) if feeds is not None else now)
        except (OperationalError, DBAPIError) as error:
            log.warning(
                "missing-charge sweep failed, retried in %.0f s: %s", self.interval, type(error).__name__
            )
            return 0

    def run(self, now: datetime) -> int:
        total = 0
        while True:
            with self.uow_factory() as uow:
                seen, raised = sweep_missing_charges(uow, now)
                uow.commit()
            total += raised
            if seen < BATCH or not raised:  # a visit the rule declines would come back: stop
                break
        if total:
            log.info("missing-charge sweep raised %d findings", total)
        return total
