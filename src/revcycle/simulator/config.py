"""What a simulation run is asked for: seed, period, size of the network, anomaly level, rate targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from revcycle.simulator.rates import Targets


@dataclass(frozen=True, slots=True)
class SimConfig:
    """A run: the same config (and code-set origin) gives byte-identical output.

    ``visits_per_day`` sizes the network: providers, patients and message volumes scale with it (a visit
    yields 1-2 claims). ``anomaly_scale`` multiplies every anomaly probability (0 turns injection off).
    ``codesets`` is the shared code-set folder (None: look for it, else use the embedded lists).

    ``shard`` / ``shards`` split one network by patients for parallel history generation: every shard
    has the same facilities, providers, payers and contracts, ``1 / shards`` of the patients and
    visits, its own random streams, and id and control-number ranges offset by ``shard * 10**8``, so
    shards never collide; only shard 0 sends the ERP master data.
    """

    seed: int = 1
    start: date = date(2026, 1, 5)
    days: int = 30
    visits_per_day: int = 120
    patients: int | None = None
    anomaly_scale: float = 1.0
    codesets: Path | None = None
    targets: Targets = field(default_factory=Targets)
    shard: int = 0
    shards: int = 1

    @property
    def shard_visits_per_day(self) -> float:
        return self.visits_per_day / self.shards

    @property
    def id_offset(self) -> int:
        return self.shard * 100_000_000 if self.shards > 1 else 0

    @property
    def patient_count(self) -> int:
        """Patients in the world: about 40 per daily visit (each patient is seen every ~6 weeks)."""
        total = self.patients if self.patients is not None else max(50, self.visits_per_day * 40)
        return max(1, total // self.shards)

    @property
    def provider_count(self) -> int:
        """Clinicians: about one per 10 daily visits, at least one per department."""
        return max(14, self.visits_per_day // 10)
