"""The day loop: builds the world, runs each day's work in the order real systems produce it, and yields
each day's messages (time-ordered) with their labels.

Within a day: ERP master data, scheduling (SIU), arrivals and registrations (ADT / FHIR Encounter),
discharges, charge posting (DFT / FHIR ChargeItem), claim creation, the evening 837 batch, the
clearinghouse's 999 and 277CA, the payers' 835s, patient payments. Work for later days is put on an
agenda (``schedule``); every random draw comes from the run's seeded streams, in a fixed order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from random import Random
from typing import Any

from revcycle.simulator import masterdata
from revcycle.simulator.anomalies import AnomalyRates
from revcycle.simulator.codes import CodeSets
from revcycle.simulator.config import SimConfig
from revcycle.simulator.emission import Clock, Counters, Emission
from revcycle.simulator.fhir import FhirWriter
from revcycle.simulator.hl7 import Hl7Writer
from revcycle.simulator.policy import Drift
from revcycle.simulator.population import Population
from revcycle.simulator.rng import FastRandom
from revcycle.simulator.world import World, build_world
from revcycle.simulator.x12_837 import Writer837
from revcycle.simulator.x12_acks import AckWriter
from revcycle.simulator.x12_remit import Writer835

#: The order of a day's queues (what is processed first when two events share a minute).
QUEUES = (
    "book",
    "modify",
    "cancel",
    "arrive",
    "discharge",
    "charge",
    "bill",
    "submit",
    "ack999",
    "ack277",
    "remit",
    "payment",
    "resend",
)


@contextmanager
def batch_gc() -> Iterator[None]:
    """Garbage-collector settings for a batch run that holds millions of live objects.

    With the default thresholds the cyclic collector rescans the growing heap over and over (measured
    1.5-2.5x slower). Inside this context the young-generation threshold is raised, and
    ``Simulation.days(freeze_gc=True)`` moves the objects alive after each step of the day out of the
    collector's reach (``gc.freeze``), so collections scan only new objects; the simulation's records
    hold no reference cycles, so nothing is left uncollected that reference counting would not free.
    On exit the thresholds are restored and the objects handed back (``gc.unfreeze``).
    """
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


@dataclass(slots=True)
class DayOutput:
    day: int
    emissions: list[Emission] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)


class Simulation:
    """One run. ``days()`` yields a :class:`DayOutput` per simulated day (``config.days`` of them, or
    forever when ``config.days`` is 0 and ``endless`` is set)."""

    def __init__(self, config: SimConfig, code_sets: CodeSets | None = None) -> None:
        self.config = config
        self.world: World = build_world(config, code_sets)
        self.population = Population(self.world)
        self.clock = Clock(config.start)
        self.counters = Counters(config.id_offset)
        self.rng: Random = FastRandom(f"traffic:{config.seed}:{config.shard}")
        self.anomaly_rates = AnomalyRates().scaled(config.anomaly_scale)
        self.drift = Drift.for_run(max(config.days, 30))
        self.hl7 = Hl7Writer(self.clock)
        self.x837 = Writer837(self.clock)
        self.x835 = Writer835(self.clock)
        self.acks = AckWriter(self.clock)
        self.fhir = FhirWriter(self.clock)
        self.condition_codes: dict[str, tuple[str, ...]] = {}
        self._agenda: dict[int, dict[str, list[Any]]] = {}
        self.out = DayOutput(0)
        self._sequence = 0

    # -- agenda and output ------------------------------------------------------------------------

    def schedule(self, day: int, queue: str, item: Any) -> None:
        self._agenda.setdefault(day, {}).setdefault(queue, []).append(item)

    def emit(
        self,
        day: int,
        minute: int,
        source: str,
        fmt: str,
        message_type: str,
        control_id: str,
        sender: str,
        payload: bytes,
        extension: str,
        kind: str | None = None,
        resend: bool = False,
    ) -> Emission:
        emission = Emission(
            day, minute, source, fmt, message_type, control_id, sender, payload, extension, kind, resend
        )
        self.out.emissions.append(emission)
        return emission

    def label(self, record: dict[str, Any]) -> None:
        self.out.labels.append(record)

    def next_id(self, name: str) -> int:
        return self.counters.next(name)

    def hl7_control(self, sender: str) -> str:
        """MSH-10: unique per sending application."""
        return f"{sender}{self.counters.next('msh:' + sender):09d}"

    def x12_controls(self, sender: str, sets: int = 1) -> tuple[int, int, list[str]]:
        """ISA13, GS06 and ``sets`` ST02 values, each unique per interchange sender."""
        isa13 = self.counters.next("isa:" + sender)
        gs06 = self.counters.next("gs:" + sender)
        st02 = [f"{self.counters.next('st:' + sender):09d}" for _ in range(sets)]
        return isa13, gs06, st02

    # -- the day loop ------------------------------------------------------------------------------

    def days(self, endless: bool = False, freeze_gc: bool = False) -> Iterator[DayOutput]:
        from revcycle.simulator import billing, clinical, submission

        handlers: dict[str, Callable[[Simulation, int, list[Any]], None]] = {
            "book": clinical.book,
            "modify": clinical.modify,
            "cancel": clinical.cancel,
            "arrive": clinical.arrive,
            "discharge": clinical.discharge,
            "charge": clinical.post_charges,
            "bill": billing.create_claims,
            "submit": submission.submit,
            "ack999": submission.ack999,
            "ack277": submission.ack277,
            "remit": submission.remit,
            "payment": submission.patient_payments,
            "resend": submission.resend,
        }
        day = 0
        while endless or day < self.config.days:
            self.out = DayOutput(day)
            self._master_data(day)
            clinical.plan_ahead(self, day)
            clinical.walk_ins(self, day)
            today = self._agenda.setdefault(day, {})
            while today:  # work scheduled for today while processing today runs today too
                for name in QUEUES:
                    items = today.pop(name, None)
                    while items:
                        handlers[name](self, day, items)
                        if freeze_gc:
                            gc.freeze()
                        items = today.pop(name, None)
            del self._agenda[day]
            self.out.emissions.sort(key=lambda e: e.minute)
            if freeze_gc:
                gc.freeze()
            yield self.out
            day += 1

    def _master_data(self, day: int) -> None:
        if self.config.shard != 0:
            return
        for kind, rows in masterdata.uploads_for_day(self.world, self.clock, day):
            if not rows:
                continue
            payload, extension = masterdata.encode(kind, rows)
            control = f"md-{kind}-{self.counters.next('md:' + kind):06d}"
            self.emit(
                day,
                5 + len(self.out.emissions),
                "erp",
                "masterdata",
                f"MD_{kind.upper()}",
                control,
                "ERP",
                payload,
                extension,
                kind=kind,
            )
