"""The ERP poster: relays journals from the outbox to the ERP, in its own loop (or process), so an ERP
outage never blocks ingestion.

Each round leases a batch of due journals, sends it through the ERP gateway and records each
acknowledgment (the ERP's document id). When the ERP is unavailable the batch is rescheduled with
exponential backoff and full jitter (``base * 2**(attempt-1)``, capped, times a random factor in
[0.5, 1]); after ``max_attempts`` (or at once, when the ERP rejects the batch) a journal is dead-lettered
and waits for a replay. Exactly once rests on the ERP de-duplicating by the journal's idempotency key: a
resend after a crash or a timeout returns the document id it already gave.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError, OperationalError

from revcycle.service_layer.erp_ports import ErpGateway, ErpRejected, ErpUnavailable, Outbound, PostingOutbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PostReport:
    sent: int = 0
    acknowledged: int = 0
    lines: int = 0
    retried: int = 0
    dead: int = 0


class ErpPoster:
    def __init__(
        self,
        outbox: PostingOutbox,
        gateway: ErpGateway,
        *,
        batch: int = 100,
        max_attempts: int = 8,
        retry_base: float = 1.0,
        retry_max: float = 300.0,
        lease_seconds: float = 60.0,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.outbox = outbox
        self.gateway = gateway
        self.batch = batch
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.lease = timedelta(seconds=lease_seconds)
        self.rng = rng or random.Random()
        self.clock = clock  # when given, retries are timed from the ERP's answer, not the round's start

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``: exponential, capped, with jitter in [0.5, 1]."""
        ceiling = min(self.retry_max, self.retry_base * 2.0 ** max(0, attempts - 1))
        return ceiling * (0.5 + 0.5 * self.rng.random())

    def run_once(self, now: datetime) -> PostReport:
        due = self.outbox.claim_due(now, self.batch, now + self.lease)
        if not due:
            return PostReport()
        try:
            acks = self.gateway.post([item.journal for item in due])
        except ErpRejected as error:
            for item in due:
                self.outbox.dead(item, now, error.reason)
            log.warning("ERP %s rejected %d journal(s): %s", self.gateway.name, len(due), error.reason)
            return PostReport(sent=len(due), dead=len(due))
        except ErpUnavailable as error:
            return self._reschedule(due, self.clock() if self.clock else now, error.reason, sent=len(due))
        now = self.clock() if self.clock else now
        by_key = {ack.key: ack.document_id for ack in acks}
        done = [(item, by_key[item.journal.key]) for item in due if item.journal.key in by_key]
        self.outbox.acknowledge(done, now)
        missing = [item for item in due if item.journal.key not in by_key]
        lines = sum(len(item.journal.lines) for item, _ in done)
        report = self._reschedule(missing, now, "no acknowledgment for this journal", sent=len(due))
        return PostReport(len(due), len(done), lines, report.retried, report.dead)

    def _reschedule(self, items: list[Outbound], now: datetime, reason: str, *, sent: int) -> PostReport:
        retried = dead = 0
        for item in items:
            if item.attempts >= self.max_attempts:
                self.outbox.dead(item, now, f"{reason} (after {item.attempts} attempts)")
                dead += 1
            else:
                self.outbox.retry(item, now + timedelta(seconds=self.backoff(item.attempts)), reason)
                retried += 1
        if items:
            log.info("ERP %s: %d journal(s) retried, %d dead: %s", self.gateway.name, retried, dead, reason)
        return PostReport(sent=sent, retried=retried, dead=dead)

    def run_forever(
        self,
        stop: threading.Event,
        clock: Callable[[], datetime],
        *,
        poll_seconds: float = 0.5,
        before_round: Callable[[datetime], object] | None = None,
    ) -> None:
        """Rounds until ``stop`` is set; ``before_round`` (the journal builder) runs first each round."""
        self.clock = clock
        while not stop.is_set():
            now = clock()
            try:
                if before_round is not None:
                    before_round(now)
                report = self.run_once(clock())
            except (OperationalError, DBAPIError) as error:  # the store is busy or away: next round
                log.warning("ERP poster: store unavailable (%s); retrying", type(error.orig).__name__)
                stop.wait(max(poll_seconds, 1.0))
                continue
            if report.sent < self.batch:
                stop.wait(poll_seconds)
